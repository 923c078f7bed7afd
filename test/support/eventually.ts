/**
 * Retries `check` until it passes or `timeoutMs` runs out, then throws its last failure. For
 * "recovers by itself" assertions: the outcome is asserted, not how long it took.
 */
export async function eventually(check: () => void | Promise<void>, { timeoutMs = 10_000, intervalMs = 100 } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
