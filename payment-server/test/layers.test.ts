import fs from 'node:fs';
import path from 'node:path';

/**
 * The folders of src/ are layers (payment-server README, "Layout"): each imports only from the
 * folders before it in this list, so that the copyable token client never depends on the server
 * around it and the stored credentials never depend on the routes that manage them.
 */
const LAYERS = ['m2m', 'wallet', 'credentials', 'metrics', 'payments', 'admin'];
const src = path.resolve(__dirname, '..', 'src');

/** The src/ folders a file imports from (relative imports only). */
function foldersImportedBy(file: string): string[] {
  const source = fs.readFileSync(file, 'utf8');
  const specifiers = [...source.matchAll(/^(?:import|export)[^;]*?from '(\.[^']+)'/gm)].map((m) => m[1]!);
  return specifiers.map((specifier) => path.relative(src, path.resolve(path.dirname(file), specifier)).split(path.sep)[0]!);
}

describe('the layers of payment-server/src', () => {
  it('has exactly the folders the README lists', () => {
    const folders = fs.readdirSync(src, { withFileTypes: true }).filter((entry) => entry.isDirectory());
    expect(folders.map((entry) => entry.name).sort()).toEqual([...LAYERS].sort());
  });

  it.each(LAYERS.map((layer, i) => [layer, LAYERS.slice(0, i)] as const))('%s imports only from %p', (layer, below) => {
    const strays: string[] = [];
    for (const name of fs.readdirSync(path.join(src, layer))) {
      const file = path.join(src, layer, name);
      for (const folder of foldersImportedBy(file)) {
        if (folder !== layer && !below.includes(folder)) strays.push(`${layer}/${name} imports from ${folder}/`);
      }
    }
    expect(strays).toEqual([]);
  });
});
