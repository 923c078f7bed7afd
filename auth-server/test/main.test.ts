import fs from 'node:fs';
import path from 'node:path';
import { runMain } from '../../test/support/childServers';
import { freePort } from '../../test/support/freePort';
import { tempDir } from '../../test/support/stack';
import { THREAD_POOL_NICE_STEP } from '../src/threadPoolPriority';

/** Each thread's name and nice value, read from /proc (the nice value is the 19th field of its stat line). */
function threadsOf(pid: number): Array<{ tid: string; name: string; nice: number }> {
  return fs.readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { tid, name: fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim(), nice: Number(afterName[16]) };
  });
}

const startMain = (env: Record<string, string>) => runMain('auth-server', env);
const tmpDir = () => tempDir('auth-main').dir;

describe('auth-server entry point', () => {
  it('names a missing half of the project credentials in one line and exits 1', async () => {
    const run = startMain({ DATA_DIR: tmpDir(), AUTH_SERVER_PORT: '4999', STYTCH_PROJECT_ID: 'project-test-x' });
    expect(await run.exited).toBe(1);
    expect(run.stderr().trim().split('\n')).toEqual([expect.stringMatching(/^auth-server: STYTCH_SECRET is not set/)]);
  });

  it('names a custom claims template that breaks the rules in one line and exits 1', async () => {
    const run = startMain({ DATA_DIR: tmpDir(), AUTH_SERVER_PORT: '4999', M2M_CUSTOM_CLAIMS_TEMPLATE: '{"sub":"{{ client.client_id }}"}' });
    expect(await run.exited).toBe(1);
    expect(run.stderr().trim().split('\n')).toEqual([
      expect.stringMatching(/^auth-server: M2M_CUSTOM_CLAIMS_TEMPLATE is invalid .*registered claim/),
    ]);
  });

  it('refuses a corrupt database in one line, exits 1 and leaves the file alone', async () => {
    const dataDir = tmpDir();
    const file = path.join(dataDir, 'auth-server.db');
    fs.writeFileSync(file, 'garbage '.repeat(1000));
    const run = startMain({ DATA_DIR: dataDir, AUTH_SERVER_PORT: '4999' });
    expect(await run.exited).toBe(1);
    expect(run.stderr().trim().split('\n')).toEqual([expect.stringContaining(`${file} is not a usable SQLite database`)]);
    expect(fs.readFileSync(file, 'utf8')).toBe('garbage '.repeat(1000));
  });

  it('generates a project once, stores it owner-only, names the file (never the secret) and stops on SIGTERM', async () => {
    const dataDir = tmpDir();
    const run = startMain({ DATA_DIR: dataDir, AUTH_SERVER_PORT: String(await freePort()) });
    const projectFile = path.join(dataDir, 'stytch-project.json');
    await run.printed('listening');
    const project = JSON.parse(fs.readFileSync(projectFile, 'utf8')) as { project_id: string; secret: string };
    expect(fs.statSync(projectFile).mode & 0o777).toBe(0o600);
    const line = JSON.parse(
      run
        .stdout()
        .split('\n')
        .find((l) => l.includes('listening'))!,
    ) as Record<string, unknown>;
    expect(line).toMatchObject({ project_id: project.project_id, project_credentials: projectFile, generated: true });
    expect(run.stdout()).not.toContain(project.secret);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  // Linux sets a priority per thread; libuv names its pool threads from 1.50 on (Node.js 24, recent 22s).
  const [uvMajor = 0, uvMinor = 0] = process.versions.uv.split('.').map(Number);
  const poolThreadsNamed = process.platform === 'linux' && (uvMajor > 1 || uvMinor >= 50);
  (poolThreadsNamed ? it : it.skip)('runs its signing threads below its event loop, and says so', async () => {
    const run = startMain({ DATA_DIR: tmpDir(), AUTH_SERVER_PORT: String(await freePort()) });
    await run.printed('listening');
    const pid = run.child.pid!;
    const threads = threadsOf(pid);
    // Relative to the event loop's (the main thread's id is the pid): jest itself may run under `nice`.
    const eventLoopNice = threads.find((t) => t.tid === String(pid))!.nice;
    const expected = Math.min(19, eventLoopNice + THREAD_POOL_NICE_STEP);
    const pool = threads.filter((t) => t.name === 'libuv-worker');
    expect(pool.length).toBeGreaterThan(0);
    expect(pool.every((t) => t.nice === expected)).toBe(true);
    // Only the pool: the event loop and V8's own threads keep the process's priority.
    expect(threads.filter((t) => t.name !== 'libuv-worker').every((t) => t.nice === eventLoopNice)).toBe(true);
    if (expected > eventLoopNice) {
      expect(run.stdout()).toContain(`"signing_threads":"${pool.length} at nice ${expected}, the event loop at ${eventLoopNice}"`);
    }
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });
});
