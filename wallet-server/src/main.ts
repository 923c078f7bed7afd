import { createLogger, loadDotenv, resolveMetricsToken, runMain, stopOnSignals, urlWithoutPassword } from '@m2m/shared';
import { loadWalletServerConfig } from './config';
import { startWalletServer } from './server';

runMain('wallet-server', async () => {
  loadDotenv();
  const config = loadWalletServerConfig(process.env);
  const logger = createLogger({ name: 'wallet-server', level: config.logLevel });
  const metrics = resolveMetricsToken({ configured: config.metricsToken, local: config.local, dataDir: config.dataDir });
  const server = await startWalletServer({
    port: config.port,
    host: config.host,
    databaseFile: config.databaseFile,
    ...(config.databaseUrl !== undefined && { databaseUrl: config.databaseUrl }),
    stytchProject: config.stytchProject,
    logger,
    trustProxy: config.trustProxy,
    metricsToken: metrics.token,
    ...(config.publicUrl !== undefined && { publicUrl: config.publicUrl }),
    ...(config.mcpResourceClaim !== undefined && { mcpResourceClaim: config.mcpResourceClaim }),
    authorize: {
      clockToleranceSeconds: config.clockToleranceSeconds,
      clientStatusMaxAgeSeconds: config.clientStatusMaxAgeSeconds,
      clientStatusStaleSeconds: config.clientStatusStaleSeconds,
      jwksMaxAgeSeconds: config.jwksMaxAgeSeconds,
      ...(config.maxTokenAgeSeconds !== undefined && { maxTokenAgeSeconds: config.maxTokenAgeSeconds }),
    },
  });
  // Before the line that announces readiness: whoever waits for it may stop the server at once.
  stopOnSignals(() => server.close(), logger);
  logger.info(
    {
      url: server.url,
      database: config.databaseUrl === undefined ? config.databaseFile : urlWithoutPassword(config.databaseUrl),
      stytch_base_url: config.stytchProject.baseUrl,
      project_id: config.stytchProject.projectId,
      metrics_token_source: metrics.file ?? (metrics.token ? 'METRICS_TOKEN' : 'none: /metrics is off'),
    },
    'wallet-server listening',
  );
});
