import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './freePort';
import { tempDir } from './tempDir';
import type { LogCapture } from './logCapture';

/**
 * The servers as real processes, run from their production build (`node <workspace>/dist/main.js`,
 * what `npm run start:prod -w <workspace>` runs; jest's global setup, globalSetup.ts, builds it):
 * for kill -9 and for capturing everything a process prints. `npm start` itself, through tsx, has
 * its own suites in launcher/test.
 */
export type Workspace = 'auth-server' | 'wallet-server' | 'payment-server';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const entryPoint = (workspace: Workspace) => path.join(REPO_ROOT, workspace, 'dist', 'main.js');

/** One run of a server's entry point, as `npm run start:prod -w <workspace>` would start it. */
export interface MainRun {
  child: ChildProcess;
  /** The exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout contains `text`; rejects, with what it printed, if it exits first or `timeoutMs` passes. */
  printed(text: string, timeoutMs?: number): Promise<void>;
}

/**
 * Runs `<workspace>/dist/main.js` with only `env` (plus PATH and HOME), in an empty folder: no .env
 * from the repository, no variable from the test's shell. For the entry points' own tests
 * (start-up errors, exit codes, what they print).
 */
export function runMain(workspace: Workspace, env: Record<string, string>): MainRun {
  const child = spawn(process.execPath, [entryPoint(workspace)], {
    cwd: tempDir(`${workspace}-cwd`).dir,
    env: { PATH: process.env.PATH ?? '', HOME: os.homedir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    child,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    async printed(text, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!stdout.includes(text)) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${workspace} exited first:\n${stdout}${stderr}`);
        if (Date.now() > deadline) throw new Error(`${workspace} did not print ${JSON.stringify(text)}:\n${stdout}${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
  };
}

export interface ChildServer {
  workspace: Workspace;
  url: string;
  port: number;
  process: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends a signal and waits for the exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/**
 * Every setting a developer's .env could set is given here (empty means unset: parseEnv drops it,
 * and dotenv never overrides a variable that exists), so the suite is not at the mercy of a local .env.
 */
const NEUTRAL_ENV: Record<string, string> = {
  STYTCH_ENV: 'local',
  STYTCH_PROJECT_ID: '',
  STYTCH_SECRET: '',
  AUTH_SERVER_PUBLIC_URL: '',
  WALLET_SERVER_URL: '',
  CLIENT_ID: '',
  CLIENT_SECRET: '',
  ADMIN_API_KEY: '',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'info',
  TOKEN_MAX_AGE_SECONDS: '',
  M2M_CUSTOM_CLAIMS_TEMPLATE: '',
};

export async function spawnServer(
  workspace: Workspace,
  port: number,
  env: Record<string, string>,
  logs?: LogCapture,
  readyTimeoutMs = 30_000,
): Promise<ChildServer> {
  const child = spawn(process.execPath, [entryPoint(workspace)], {
    cwd: path.join(REPO_ROOT, workspace),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...NEUTRAL_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output += text;
    logs?.push(text);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const url = `http://127.0.0.1:${port}/`;
  const server: ChildServer = {
    workspace,
    url,
    port,
    process: child,
    exited,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${workspace} exited before it was ready:\n${output.slice(-2000)}`);
    try {
      const res = await fetch(`${url}readyz`, { signal: AbortSignal.timeout(1_000) });
      await res.text();
      if (res.status === 200) return server;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await server.kill('SIGKILL');
      throw new Error(`${workspace} was not ready within ${readyTimeoutMs} ms:\n${output.slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface StackPorts {
  auth: number;
  wallet: number;
  payment: number;
}

export async function pickPorts(): Promise<StackPorts> {
  return { auth: await freePort(), wallet: await freePort(), payment: await freePort() };
}

/** The environment all three servers share, as one root .env would give it. */
export function stackEnv(dataDir: string, ports: StackPorts, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    AUTH_SERVER_PORT: String(ports.auth),
    WALLET_SERVER_PORT: String(ports.wallet),
    PAYMENT_SERVER_PORT: String(ports.payment),
    ...extra,
  };
}
