import { spawn } from 'node:child_process';
import path from 'node:path';
import type { LoadResult, LoadSpec } from './loadSpec';

const WORKER = path.join(__dirname, 'autocannonWorker.ts');

/** Runs one load in a child process (see autocannonWorker.ts) and returns its result. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
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
        resolve(JSON.parse(line) as LoadResult);
      } catch {
        reject(new Error(`load generator printed no result: ${stdout.trim()} ${stderr.trim()}`));
      }
    });
    child.stdin.end(JSON.stringify(spec));
  });
}
