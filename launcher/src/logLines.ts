import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { prettyFactory } from 'pino-pretty';

/**
 * Relays a child's output line by line. In a terminal: pretty, prefixed with the server's label.
 * Piped: JSON lines as the servers wrote them (each carries its `name`); a stray non-JSON line
 * (a one-line start-up error, say) is wrapped into a JSON line so the stream stays parseable.
 */
export function relayLines(
  input: Readable,
  output: Writable,
  options: { label: string; name: string; pretty: boolean; level: number },
): void {
  const pretty = options.pretty ? prettyFactory({ colorize: true, ignore: 'pid,hostname,name', translateTime: 'HH:MM:ss.l' }) : undefined;
  const lines = createInterface({ input, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (!line.trim()) return;
    const json = parseJson(line);
    if (pretty) {
      const text = json ? pretty(json).trimEnd() : line;
      output.write(
        text
          .split('\n')
          .map((l) => `${options.label} | ${l}`)
          .join('\n') + '\n',
      );
    } else {
      output.write((json ? line : JSON.stringify({ level: options.level, time: Date.now(), name: options.name, msg: line })) + '\n');
    }
  });
}

function parseJson(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
