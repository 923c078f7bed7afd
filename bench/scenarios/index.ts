import type { Scenario } from '../lib/context';
import { tokenThroughput } from './tokenThroughput';

/** In run order; scenario 5 (memory) last, since it reports the RSS the others recorded. */
export const scenarios: Scenario[] = [tokenThroughput];
