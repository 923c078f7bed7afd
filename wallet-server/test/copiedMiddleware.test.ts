import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { RunningAuthServer } from '@m2m/auth-server';
import { buildCopiedProject, type CopiedProject } from '../../shared/test/support/copiedProject';
import { accessToken, createM2MClient, sdk, startAuth } from '../../test/support/stack';

const middlewareFile = path.resolve(__dirname, '..', '..', 'shared', 'src', 'middleware', 'authorizeToken.ts');

/** What a user writes around the copied file: no code of ours, the Stytch client from the environment. */
const USER_APP = `
import express from 'express';
import { authorizeToken } from './authorizeToken';

const app = express();
app.get('/balance', authorizeToken('read:users'), (req, res) => {
  res.json({ caller: req.m2m?.client_id, scopes: req.m2m?.scopes });
});
app.post('/debit', authorizeToken('write:wallets'), (_req, res) => {
  res.json({ ok: true });
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') console.log('listening ' + address.port);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

describe('authorizeToken.ts copied alone into another Express app', () => {
  let auth: RunningAuthServer;
  let project: CopiedProject | undefined;
  let child: ChildProcess | undefined;
  let base: string;

  beforeAll(async () => {
    auth = await startAuth();
    project = await buildCopiedProject([['shared/src/middleware/authorizeToken.ts', 'authorizeToken.ts']], { 'app.ts': USER_APP });
    expect(project.errors).toEqual([]);
    child = spawn(process.execPath, [project.compiled('app.ts')], {
      cwd: project.dir,
      env: { PATH: process.env.PATH, STYTCH_PROJECT_ID: auth.projectId, STYTCH_SECRET: auth.projectSecret, STYTCH_ENV: auth.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const port = await new Promise<string>((resolve, reject) => {
      let output = '';
      child!.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening (\d+)/.exec(output);
        if (match) resolve(match[1]!);
      });
      child!.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child!.once('exit', (code) => reject(new Error(`app exited with ${code}: ${output}`)));
    });
    base = `http://127.0.0.1:${port}`;
  }, 60_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await auth.close();
    project?.remove();
  });

  it('imports nothing but express and stytch', () => {
    const source = fs.readFileSync(middlewareFile, 'utf8');
    const imported = [...source.matchAll(/^import[^;]*?from '([^']+)'/gm)].map((m) => m[1]);
    expect(new Set(imported)).toEqual(new Set(['express', 'stytch']));
    expect(source).not.toMatch(/require\(/);
  });

  it('compiles with tsc and serves 200 / 401 / 403 with the client built from the environment', async () => {
    const admin = sdk(auth);
    const reader = await createM2MClient(admin, ['read:users']);
    const token = await accessToken(admin, reader);

    const ok = await fetch(`${base}/balance`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ caller: reader.clientId, scopes: ['read:users'] });

    const anonymous = await fetch(`${base}/balance`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="api"');

    const forbidden = await fetch(`${base}/debit`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(((await forbidden.json()) as { error: { code: string } }).error.code).toBe('insufficient_scope');
  });
});
