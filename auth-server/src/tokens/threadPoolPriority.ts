import { randomFill } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';

/** How far below the event loop the pool runs: at nice 10 the kernel weighs a thread 110 against the event loop's 1024. */
export const THREAD_POOL_NICENESS = 10;

/**
 * Runs libuv's thread pool, where the token endpoint computes every RS256 signature, at a lower
 * priority than the event loop, so that signing uses the CPU the event loop leaves instead of
 * taking its core.
 *
 * Linux shares a core fairly among the threads ready to run. Under load, four signing threads left
 * the one thread that reads requests and writes tokens a small share: it fell behind, the pool ran
 * out of work, and a sixth of the 2 cores sat idle. With the pool below it, the bench's token
 * endpoint issued 9 % more tokens/s (3,578 against 3,296, bench/README.md).
 *
 * Process-wide: the pool also runs fs, dns and zlib work, so call it from the process's entry
 * point, once, not from a library. Linux only, where a thread's priority is set by its id: on other
 * systems, and on Node.js before 22 (whose pool threads have no name to find them by), it changes
 * nothing. Returns how many threads it lowered.
 */
export async function lowerThreadPoolPriority(niceness = THREAD_POOL_NICENESS): Promise<number> {
  if (process.platform !== 'linux') return 0;
  // libuv starts (and names) its threads on the first job queued: one tiny job makes sure they exist.
  await new Promise<void>((resolve, reject) => randomFill(Buffer.alloc(1), (err) => (err ? reject(err) : resolve())));
  let lowered = 0;
  for (const threadId of readdirSync('/proc/self/task')) {
    try {
      if (readFileSync(`/proc/self/task/${threadId}/comm`, 'utf8').trim() !== 'libuv-worker') continue;
      setPriority(Number(threadId), niceness);
      lowered++;
    } catch {
      // A thread that has just ended, or a system that refuses: it keeps its priority, nothing else changes.
    }
  }
  return lowered;
}
