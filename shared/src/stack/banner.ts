import path from 'node:path';
import { resolveDataDir, type Env } from '../config';
import { localProjectFile } from '../stytchProject';
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
  return [
    '',
    `Stytch M2M stack is ready (${local ? 'local auth-server' : `Stytch at ${env.STYTCH_ENV}`})`,
    ...(local ? [`  auth-server     ${url('auth-server')}   project credentials: ${env.STYTCH_SECRET ? 'STYTCH_PROJECT_ID / STYTCH_SECRET' : relative(localProjectFile(dataDir))}`] : []),
    `  wallet-server   ${url('wallet-server')}`,
    `  payment-server  ${payment}   admin key: ${adminKey}`,
    '',
    'Make a payment:',
    `  curl -s -w '\\n' -X POST ${payment}initiate-payment -H 'Content-Type: application/json' -d '${body}'`,
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}
