import fs from 'node:fs';
import path from 'node:path';
import { runMain } from '../../test/support/childServers';
import { freePort } from '../../test/support/freePort';
import { tempDir } from '../../test/support/stack';

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
});
