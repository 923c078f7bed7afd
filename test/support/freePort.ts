import net from 'node:net';

/**
 * Ports for child processes, which are told a port and bind it later. A port from listen(0) comes from
 * the kernel's ephemeral range (32768–60999 on Linux, 49152–65535 on macOS), where any outgoing
 * connection elsewhere in the run may take it before the child binds: npm start once failed in CI with
 * "Port … is already in use" that way. These come from below that range, where the kernel never hands
 * out ports by itself, and each jest worker draws from its own block of 1,000, so two workers never
 * offer the same one. The README's fixed ports (4000, 4010, 4020) are below every block.
 */
const FIRST_BLOCK = 20_000;
const BLOCK_SIZE = 1_000;
const worker = Number(process.env.JEST_WORKER_ID ?? 0);
if (!Number.isInteger(worker) || FIRST_BLOCK + (worker + 1) * BLOCK_SIZE > 32_768) {
  throw new Error(`freePort: no port block for jest worker ${String(process.env.JEST_WORKER_ID)}`);
}
const blockStart = FIRST_BLOCK + worker * BLOCK_SIZE;
/** This process's ports: `first` to `first + size - 1`. */
export const portBlock = { first: blockStart, size: BLOCK_SIZE } as const;
// A random start, so a rerun does not begin where a crashed run's leftover servers may still listen.
let next = Math.floor(Math.random() * BLOCK_SIZE);

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port that is free now and that no other caller in this test run will be given. */
export async function freePort(): Promise<number> {
  for (let tried = 0; tried < BLOCK_SIZE; tried++) {
    const port = blockStart + (next++ % BLOCK_SIZE);
    if (await bindable(port)) return port;
  }
  throw new Error(`freePort: every port in ${blockStart}–${blockStart + BLOCK_SIZE - 1} is in use`);
}
