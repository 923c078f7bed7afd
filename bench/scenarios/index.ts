import type { Scenario } from '../lib/context';
import { memory } from './memory';
import { paymentEndToEnd } from './paymentEndToEnd';
import { revocation } from './revocation';
import { tokenBurst } from './tokenBurst';
import { tokenThroughput } from './tokenThroughput';
import { walletDatabases } from './walletDatabases';
import { walletGuard } from './walletGuard';

/** In run order; scenario 5 (memory) last, since it reports the RSS the others recorded. */
export const scenarios: Scenario[] = [walletGuard, tokenBurst, tokenThroughput, paymentEndToEnd, revocation, walletDatabases, memory];
