import fs from 'node:fs';
import path from 'node:path';
import { authServerEnv } from '@m2m/auth-server';
import { paymentServerEnv } from '@m2m/payment-server';
import { walletServerEnv } from '@m2m/wallet-server';
import { repoRoot } from '../../launcher/test/support/npmStart';

describe('every setting is documented', () => {
  const variables = [...new Set([...Object.keys(authServerEnv), ...Object.keys(walletServerEnv), ...Object.keys(paymentServerEnv)])].sort();
  const envExample = fs.readFileSync(path.join(repoRoot, '.env.example'), 'utf8');
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

  it('reads the settings of all three servers', () => {
    expect(variables).toEqual(expect.arrayContaining(['STYTCH_ENV', 'ADMIN_API_KEY', 'TOKEN_LIFETIME_SECONDS', 'CLOCK_TOLERANCE_SECONDS']));
  });

  it.each(variables)('%s has a commented line in .env.example and a row in the README configuration table', (name) => {
    const lines = envExample.split('\n');
    let line = lines.findIndex((l) => l.startsWith(`${name}=`));
    expect(line).toBeGreaterThan(0);
    // A group of related settings (the ports, say) shares the comment above it.
    while (/^[A-Z0-9_]+=/.test(lines[line - 1] ?? '')) line--;
    expect(lines[line - 1]).toMatch(/^# \S/);
    expect(readme).toMatch(new RegExp(`^\\| [^\\n]*\`${name}\``, 'm'));
  });
});
