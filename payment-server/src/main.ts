import { createLogger, loadDotenv, resolveMetricsToken, resolveStytchProject, runMain, stopOnSignals } from '@m2m/shared';
import { resolveAdminKey } from './admin/adminKey';
import { loadPaymentServerConfig } from './config';
import { startPaymentServer } from './server';

runMain('payment-server', async () => {
  loadDotenv();
  const config = loadPaymentServerConfig(process.env);
  const logger = createLogger({ name: 'payment-server', level: config.logLevel });
  const stytchProject = resolveStytchProject(config.stytch);
  const admin = resolveAdminKey({ configured: config.adminApiKey, local: config.local, dataDir: config.dataDir });
  if (admin.file) {
    // The path, never the key: read it with `cat` when you need it.
    logger.info(
      { admin_api_key_file: admin.file },
      admin.generated ? 'generated an admin API key and stored it (0600)' : 'admin API key read from its file',
    );
  }
  const metrics = resolveMetricsToken({ configured: config.metricsToken, local: config.local, dataDir: config.dataDir });
  const server = await startPaymentServer({
    port: config.port,
    host: config.host,
    stytchProject,
    walletServerUrl: config.walletServerUrl,
    walletTimeoutMs: config.walletTimeoutMs,
    ...(config.tokenIssuerUrl !== undefined && { tokenIssuerUrl: config.tokenIssuerUrl }),
    credentialsFile: config.credentialsFile,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    adminApiKey: admin.key,
    selfProvision: config.local,
    trustProxy: config.trustProxy,
    ...(config.local && { demoCallerFile: config.demoCallerFile }),
    paymentsPerMinute: config.paymentsPerMinute,
    metricsToken: metrics.token,
    logger,
  });
  // Before the line that announces readiness: whoever waits for it may stop the server at once.
  stopOnSignals(() => server.close(), logger);
  logger.info(
    {
      url: server.url,
      clientId: server.clientId,
      credentials_file: config.credentialsFile,
      metrics_token_source: metrics.file ?? (metrics.token ? 'METRICS_TOKEN' : 'none: /metrics is off'),
      ...(server.demoCallerClientId && { demoCallerClientId: server.demoCallerClientId, demo_caller_file: config.demoCallerFile }),
    },
    'payment-server listening',
  );
});
