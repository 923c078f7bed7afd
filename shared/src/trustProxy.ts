import { isIP } from 'node:net';
import { z } from 'zod';

/** What Express's `trust proxy` takes, in the forms TRUST_PROXY allows: off, a hop count, or proxy addresses. */
export type TrustProxy = false | number | string[];

const NAMED = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isProxyAddress(entry: string): boolean {
  if (NAMED.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  if (rest.length || !address || !isIP(address)) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d{1,3}$/.test(prefix) && bits <= (isIP(address) === 4 ? 32 : 128);
}

/**
 * TRUST_PROXY: which proxy may tell the caller's address in X-Forwarded-For (the failure limits
 * count per caller address). Unset or `false`: none, the socket's address is the caller's.
 * `true` (trust everyone) is refused: any caller could then pick the address it is counted under.
 */
export const TRUST_PROXY = z
  .string()
  .default('false')
  .transform((value, ctx): TrustProxy => {
    const text = value.trim();
    if (text === 'false') return false;
    if (/^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= 10) return Number(text);
    const entries = text.split(',').map((e) => e.trim());
    if (entries.length && entries.every(isProxyAddress)) return entries;
    ctx.addIssue({
      code: 'custom',
      message:
        'must be false, a hop count (1-10), or comma-separated proxy addresses or subnets (e.g. loopback, 10.0.0.0/8); true is refused: it lets any caller choose its address',
    });
    return z.NEVER;
  });
