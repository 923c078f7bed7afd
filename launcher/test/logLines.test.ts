import { PassThrough } from 'node:stream';
import { relayLines } from '../src/logLines';

/** Feeds `lines` through relayLines and returns what it wrote. */
async function relay(lines: string[], pretty: boolean): Promise<string> {
  const input = new PassThrough();
  const output = new PassThrough();
  let written = '';
  output.on('data', (chunk: Buffer) => (written += chunk.toString()));
  relayLines(input, output, { label: 'wallet ', name: 'wallet-server', pretty, level: 50 });
  input.end(lines.join('\n') + '\n');
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 20));
  return written;
}

const line = JSON.stringify({ level: 30, time: 1_795_000_000_000, pid: 1, hostname: 'h', name: 'wallet-server', msg: 'request completed' });

describe("the stack's log relay", () => {
  it('in a terminal: pretty, every line prefixed with the server label', async () => {
    const out = await relay([line, 'wallet-server: WALLET_SERVER_PORT is invalid'], true);
    const lines = out.trimEnd().split('\n');
    expect(lines.every((l) => l.startsWith('wallet  | '))).toBe(true);
    expect(out).toContain('request completed');
    expect(out).not.toContain('"level":30');
    expect(lines.at(-1)).toBe('wallet  | wallet-server: WALLET_SERVER_PORT is invalid');
  });

  it('piped: JSON lines as written, a stray text line wrapped into JSON with the server name', async () => {
    const out = await relay([line, 'a plain line'], false);
    const [first, second] = out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(first).toEqual(JSON.parse(line));
    expect(second).toMatchObject({ name: 'wallet-server', level: 50, msg: 'a plain line' });
  });
});
