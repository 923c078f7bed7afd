import { createLogger, type Logger } from '@m2m/shared';

/**
 * Collects every log line of the servers a test starts (pino at level trace, so nothing is
 * filtered away before we look at it). `secretsIn` lists which of the given secrets appear.
 */
export class LogCapture {
  readonly lines: string[] = [];

  /** A pino logger writing into this capture, with the shared redaction rules. */
  logger(name: string): Logger {
    return createLogger({
      name,
      level: 'trace',
      destination: {
        write: (line: string) => {
          this.lines.push(line);
        },
      },
    });
  }

  /** For child processes: feed their stdout/stderr here. */
  push(chunk: string): void {
    for (const line of chunk.split('\n')) if (line.trim()) this.lines.push(line);
  }

  text(): string {
    return this.lines.join('\n');
  }

  /** The lines that contain `needle` (empty when none do). */
  linesContaining(needle: string): string[] {
    return this.lines.filter((line) => line.includes(needle));
  }
}

/**
 * Which of `secrets` occur in `haystack`, named (so a failure says which secret leaked, not its value).
 * Very short values are skipped: a 4-character last-four legitimately appears everywhere.
 */
export function leakedSecrets(haystack: string, secrets: Record<string, string | undefined>): string[] {
  return Object.entries(secrets)
    .filter(([, value]) => value !== undefined && value.length >= 8 && haystack.includes(value))
    .map(([name]) => name);
}
