import path from 'node:path';
import type { z } from 'zod';
import type { common } from '@m2m/shared/config';

type CommonConfig = z.infer<z.ZodObject<typeof common>>;

/** One server of the stack: where its entry point is, and the variable that sets its port. */
export interface Service {
  name: 'auth-server' | 'wallet-server' | 'payment-server';
  /** Short label that prefixes its log lines. */
  label: string;
  entry: string;
  port: number;
  portVariable: string;
}

const repoRoot = path.resolve(__dirname, '..', '..');

const service = (name: Service['name'], label: string, port: number, portVariable: string): Service => ({
  name,
  label,
  entry: path.join(repoRoot, name, 'src', 'main.ts'),
  port,
  portVariable,
});

/** The servers to run, in start order: the auth-server only when it is the embedded one. */
export function stackServices(config: CommonConfig): Service[] {
  const services = [
    service('wallet-server', 'wallet ', config.WALLET_SERVER_PORT, 'WALLET_SERVER_PORT'),
    service('payment-server', 'payment', config.PAYMENT_SERVER_PORT, 'PAYMENT_SERVER_PORT'),
  ];
  if (config.STYTCH_ENV === 'local') services.unshift(service('auth-server', 'auth   ', config.AUTH_SERVER_PORT, 'AUTH_SERVER_PORT'));
  return services;
}
