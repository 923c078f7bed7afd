import path from 'node:path';
import { localProjectFile, resolveDataDir, urlWithoutPassword, type Env } from '@m2m/shared/config';
import { DEMO_CALLER_FILE, PAYMENT_API_SCOPE } from '@m2m/shared/contracts';
import { readJsonFile } from '@m2m/shared/files';
import type { RunningStack } from './launchStack';

/** The one block `npm start` prints once everything is ready: where things are and how to pay. */
export function stackBanner(stack: RunningStack, env: Env): string {
  const url = (name: string) => stack.services.find((s) => s.name === name)?.url ?? '';
  const relative = (file: string) => path.relative(process.cwd(), file) || file;
  const dataDir = env.DATA_DIR || '.data';
  const adminKey = env.ADMIN_API_KEY ? 'from ADMIN_API_KEY' : relative(path.join(resolveDataDir(dataDir), 'payment-server-admin-key'));
  const local = stack.services.some((s) => s.name === 'auth-server');
  const payment = url('payment-server');
  const body = JSON.stringify({ customerId: '67uhjio098uhgt6l', debitAmount: 100, destinationWalletId: 'ui099jlolrrao6g' });
  const pay = `  curl -s -w '\\n' -X POST ${payment}initiate-payment -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '${body}'`;
  return [
    '',
    `Stytch M2M stack is ready (${local ? 'local auth-server' : `Stytch at ${env.STYTCH_ENV}`})`,
    ...(local
      ? [
          `  auth-server     ${url('auth-server')}   project credentials: ${env.STYTCH_SECRET ? 'STYTCH_PROJECT_ID / STYTCH_SECRET' : relative(localProjectFile(dataDir))}`,
          `  console         ${url('auth-server')}console   sign in with the project credentials (clients, keys, claims, tokens, audit log)`,
        ]
      : []),
    `  wallet-server   ${url('wallet-server')}   wallets: ${env.WALLET_DATABASE_URL ? `PostgreSQL ${urlWithoutPassword(env.WALLET_DATABASE_URL)}` : relative(path.join(resolveDataDir(dataDir), 'wallet-server.db'))}`,
    `  payment-server  ${payment}   admin key: ${adminKey}`,
    '',
    ...(local
      ? [
          `Make a payment as the demo caller checkout-service (a ${PAYMENT_API_SCOPE} token, then the payment):`,
          demoCallerToken(url('auth-server'), env, dataDir, relative),
          pay,
        ]
      : [
          `Make a payment with a ${PAYMENT_API_SCOPE} token of your caller's M2M client in $TOKEN (payment-server/README.md, "Callers of the payment API"):`,
          pay,
        ]),
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}

/** A POSIX-shell line that gets the demo caller a token by the client-credentials grant (HTTP Basic, RFC 6749 §2.3.1). */
function demoCallerToken(authUrl: string, env: Env, dataDir: string, relative: (file: string) => string): string {
  const projectId = env.STYTCH_PROJECT_ID || readJsonFile<{ project_id?: string }>(localProjectFile(dataDir))?.project_id || '<project_id>';
  const file = relative(path.join(resolveDataDir(dataDir), DEMO_CALLER_FILE));
  // require() needs ./ for a path relative to the current folder ('.data/x' would name a package).
  const module = path.isAbsolute(file) || /^\.\.?[/\\]/.test(file) ? file : `./${file}`;
  const basic = `"$(node -p "c=require('${module}');c.client_id+':'+c.client_secret")"`;
  const accessToken = `node -p "JSON.parse(require('fs').readFileSync(0, 'utf8')).access_token"`;
  return `  TOKEN=$(curl -s -u ${basic} -d grant_type=client_credentials -d scope=${PAYMENT_API_SCOPE} ${authUrl}v1/public/${projectId}/oauth2/token | ${accessToken})`;
}
