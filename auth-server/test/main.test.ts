import fs from 'node:fs';
import path from 'node:path';
import { runMain } from '../../test/support/childServers';
import { freePort } from '../../test/support/freePort';
import { tempDir } from '../../test/support/stack';

/** Each thread's name and nice value, read from /proc (the nice value is the 19th field of its stat line). */
function threadsOf(pid: number): Array<{ name: string; nice: number }> {
  return fs.readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { name: fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim(), nice: Number(afterName[16]) };
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

  // Linux sets a priority per thread; Node.js 22 and later (the engines the project supports) name libuv's pool threads.
  (process.platform === 'linux' ? it : it.skip)('runs its signing threads below the event loop, and says so', async () => {
    const run = startMain({ DATA_DIR: tmpDir(), AUTH_SERVER_PORT: String(await freePort()) });
    await run.printed('listening');
    const threads = threadsOf(run.child.pid!);
    const pool = threads.filter((t) => t.name === 'libuv-worker');
    expect(pool.length).toBe(4);
    expect(pool.map((t) => t.nice)).toEqual([10, 10, 10, 10]);
    // Only the pool: the event loop and V8's own threads keep the default priority.
    expect(threads.filter((t) => t.name !== 'libuv-worker').every((t) => t.nice === 0)).toBe(true);
    expect(run.stdout()).toContain('"signing_threads":"4 at nice 10, below the event loop"');
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });
});
