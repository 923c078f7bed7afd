import { randomFill } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** How many steps of nice the pool runs below the event loop: at +10 the kernel weighs a thread about a tenth as much. */
export const THREAD_POOL_NICE_STEP = 10;
/** The lowest priority Linux has. */
const NICEST = 19;

/** What lowerThreadPoolPriority did: how many pool threads it lowered, to which nice value, from the event loop's. */
export interface ThreadPoolPriority {
  lowered: number;
  nice: number;
  eventLoopNice: number;
}

/**
 * Runs libuv's thread pool, where the token endpoint computes every RS256 signature, below the
 * event loop, so that signing uses the CPU the event loop leaves instead of taking its core.
 *
 * Linux shares a core fairly among the threads ready to run. Under load, four signing threads left
 * the one thread that reads requests and writes tokens a small share: it fell behind, the pool ran
 * out of work, and a sixth of the 2 cores sat idle (bench/README.md, scenario 3).
 *
 * The pool is lowered against every thread the kernel weighs it with (its scheduling group: with
 * autogroup, the processes of the same session), not only its own event loop. It also runs fs, dns
 * and zlib work, so this is for a process's entry point, called once, not for a library. It changes
 * nothing on other systems, where a thread's priority can't be set by its id, and on a libuv before
 * 1.50, whose pool threads have no name to find them by. Nothing it meets stops the server: a thread
 * it can't lower keeps its priority.
 */
export async function lowerThreadPoolPriority(step = THREAD_POOL_NICE_STEP): Promise<ThreadPoolPriority> {
  if (process.platform !== 'linux') return { lowered: 0, nice: 0, eventLoopNice: 0 };
  // Relative to the event loop's own nice value (getPriority() is the calling thread's on Linux), so
  // that a process started under `nice` still gets its pool below it, never above.
  const eventLoopNice = getPriority();
  const nice = Math.min(NICEST, eventLoopNice + step);
  const result = { lowered: 0, nice, eventLoopNice };
  if (nice <= eventLoopNice) return result;
  try {
    // libuv starts (and names) all its threads on the first job queued: one tiny job makes sure they exist.
    await new Promise<void>((resolve, reject) => randomFill(Buffer.alloc(1), (err) => (err ? reject(err) : resolve())));
    for (const threadId of readdirSync('/proc/self/task')) {
      try {
        if (readFileSync(`/proc/self/task/${threadId}/comm`, 'utf8').trim() !== 'libuv-worker') continue;
        setPriority(Number(threadId), nice);
        result.lowered++;
      } catch {
        // A thread that has just ended, or a system that refuses: it keeps its priority.
      }
    }
  } catch {
    // No /proc (a sandbox): the pool keeps its priority.
  }
  return result;
}
