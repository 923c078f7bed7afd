import { createLogger, loadDotenv, runMain, stopOnSignals } from '@m2m/shared';
import { loadWalletServerConfig } from './config';
import { startWalletServer } from './server';

runMain('wallet-server', async () => {
  loadDotenv();
  const config = loadWalletServerConfig(process.env);
  const logger = createLogger({ name: 'wallet-server', level: config.logLevel });
  const server = await startWalletServer({
    port: config.port,
    host: config.host,
    databaseFile: config.databaseFile,
    stytchProject: config.stytchProject,
    logger,
    trustProxy: config.trustProxy,
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
  logger.info(
    {
      url: server.url,
      database: config.databaseFile,
      stytch_base_url: config.stytchProject.baseUrl,
      project_id: config.stytchProject.projectId,
    },
    'wallet-server listening',
  );
  stopOnSignals(() => server.close(), logger);
});
