import { spawn } from 'node:child_process';
import path from 'node:path';
import type { LoadResult, LoadSpec } from './loadSpec';

const WORKER = path.join(__dirname, 'autocannonWorker.ts');

/** Runs the loads one after another in one child process (see autocannonWorker.ts). */
export function runLoads(specs: LoadSpec[]): Promise<LoadResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited with ${code}: ${stderr.trim()}`));
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        const results = JSON.parse(line) as LoadResult[];
        if (results.length !== specs.length) throw new Error('wrong count');
        resolve(results);
      } catch {
        reject(new Error(`load generator printed no result: ${stdout.trim()} ${stderr.trim()}`));
      }
    });
    child.stdin.end(JSON.stringify(specs));
  });
}

/** Runs one load in its own process. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const [result] = await runLoads([spec]);
  if (!result) throw new Error('load generator returned no result');
  return result;
}
