import { execFile, spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../../../test/support/tempDir';
import { freePort } from '../../../test/support/freePort';

const run = promisify(execFile);

export const repoRoot = path.resolve(__dirname, '..', '..', '..');

export interface StackEnv extends Record<string, string> {
  DATA_DIR: string;
  AUTH_SERVER_PORT: string;
  WALLET_SERVER_PORT: string;
  PAYMENT_SERVER_PORT: string;
}

/** Free ports and a fresh DATA_DIR: the environment of a first `npm start` on a clean clone. */
export async function freshStackEnv(extra: Record<string, string> = {}): Promise<StackEnv> {
  return {
    DATA_DIR: tempDir('stack').dir,
    AUTH_SERVER_PORT: String(await freePort()),
    WALLET_SERVER_PORT: String(await freePort()),
    PAYMENT_SERVER_PORT: String(await freePort()),
    STYTCH_ENV: 'local',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

export interface NpmStart {
  child: ChildProcess;
  /** Everything printed so far, stdout and stderr. */
  output(): string;
  /** Resolves with the output once `text` appears; rejects if the process exits first. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
  /** SIGTERM, and the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Runs `npm start` at the repository root (or `root`, a copy of it), exactly as the README says
 * (`workspace` adds `-w <it>`), with `env` on top of a minimal environment.
 */
export function npmStart(env: Record<string, string>, workspace?: string, root = repoRoot): NpmStart {
  const child = spawn('npm', ['start', '--silent', ...(workspace ? ['-w', workspace] : [])], {
    cwd: root,
    // Only what npm and node need, so a developer's own settings can't leak into the test.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.homedir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));

  return {
    child,
    output: () => output,
    exited,
    async waitFor(text, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      const found = () => (typeof text === 'string' ? output.includes(text) : text.test(output));
      while (!found()) {
        if (gone) throw new Error(`npm start exited before printing ${String(text)}:\n${output}`);
        if (Date.now() > deadline) throw new Error(`npm start did not print ${String(text)} within ${timeoutMs} ms:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      return output;
    },
    async stop() {
      if (!gone) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The JSON log lines of one server from the stack's piped output. */
export function logLinesOf(output: string, name: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return {};
      }
    })
    .filter((line) => line.name === name);
}

/** The shell command under the banner's "Make a payment:", as a user would paste it. */
export function bannerPaymentCommand(output: string): string {
  const block = /^Make a payment[^\n]*:\n((?: {2}.*\n?)+)/m.exec(output);
  if (!block) throw new Error(`no "Make a payment" block in:\n${output}`);
  return block[1]!
    .split('\n')
    .map((line) => line.slice(2))
    .join('\n')
    .trim();
}

/**
 * Runs the banner's payment commands with bash in `cwd` (where their relative paths point), as a user
 * pastes them: in local mode they get the demo caller a token first; against Stytch, `token` stands
 * for the user's own ($TOKEN). Stdin is closed, so a command that would prompt (curl -u with no
 * password) fails instead of hanging. Resolves with the JSON they print last.
 */
export async function payAsTheBannerSays(
  output: string,
  { cwd = repoRoot, token }: { cwd?: string; token?: string } = {},
): Promise<Record<string, unknown>> {
  const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', `exec </dev/null\n${bannerPaymentCommand(output)}`], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.homedir(), ...(token && { TOKEN: token }) },
  });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(last) as Record<string, unknown>;
  } catch {
    throw new Error(`the banner's payment command printed no JSON:\n${stdout}`);
  }
}
