// Why: this machine's npm registry mirror serves only the linux builds of unrs-resolver's
// platform bindings (an optional dependency of jest 30), so `npm install` writes a lockfile
// without the others and `npm ci` then refuses it as out of sync. This adds the missing
// entries as optional, platform-tagged stubs (never fetched on linux, where they don't apply).
// Run after any `npm install` that rewrites package-lock.json: node scripts/lockfile-platform-stubs.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const parent = lock.packages['node_modules/unrs-resolver'];
const platforms = {
  android: ['android'],
  darwin: ['darwin'],
  freebsd: ['freebsd'],
  linux: ['linux'],
  openharmony: ['openharmony'],
  win32: ['win32'],
};
let added = 0;
for (const [name, version] of Object.entries(parent?.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  const [os, cpu] = name.replace('@unrs/resolver-binding-', '').split('-');
  lock.packages[key] = {
    version,
    cpu: [cpu === 'arm' ? 'arm' : cpu],
    dev: true,
    license: 'MIT',
    optional: true,
    os: platforms[os] ?? [os],
  };
  added++;
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)),
);
writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`added ${added} platform stub(s) to package-lock.json`);
