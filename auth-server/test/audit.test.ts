import path from 'node:path';
import { accessToken, closeAll, createM2MClient, sdk, startAuth, tempDir } from '../../test/support/stack';
import { signInToConsole } from '../../test/support/consoleSession';
import { basic, request } from '../../test/support/http';
import { controlledClock } from '../../test/support/clock';
import { loadAuthServerConfig, type RunningAuthServer } from '../src';

/** GET /v1/local/audit with the project's Basic credentials. */
function readAudit(auth: RunningAuthServer, query = '') {
  return request('GET', `${auth.url}v1/local/audit${query}`, { headers: { authorization: basic(auth.projectId, auth.projectSecret) } });
}

/** Every event, newest first, through every page. */
async function allEvents(auth: RunningAuthServer): Promise<Array<Record<string, unknown>>> {
  const events = [];
  let cursor: string | null = null;
  do {
    const page = await readAudit(auth, `?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    expect(page.status).toBe(200);
    events.push(...page.body.events);
    cursor = page.body.next_cursor;
  } while (cursor);
  return events;
}

describe('the audit log records who did what, never a secret or a token', () => {
  let auth: RunningAuthServer;
  beforeAll(async () => {
    auth = await startAuth();
  });
  afterAll(() => closeAll(auth));

  it('records client changes, each rotation step, key rotations, the template, and tokens issued and refused', async () => {
    const admin = sdk(auth);
    const client = await createM2MClient(admin, ['read:users', 'write:wallets'], 'audited');
    const token = await accessToken(admin, client, ['read:users']);
    const refused = await request('POST', `${auth.url}v1/public/${auth.projectId}/oauth2/token`, {
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: 'wrong-secret' }),
    });
    expect(refused.status).toBe(401);
    const badScope = await request('POST', `${auth.url}v1/public/${auth.projectId}/oauth2/token`, {
      headers: { 'x-request-id': 'request-id-test-scope-check' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: client.clientId,
        client_secret: client.clientSecret,
        scope: 'admin',
      }),
    });
    expect(badScope.status).toBe(400);
    await admin.m2m.clients.update({ client_id: client.clientId, status: 'inactive' });
    const { m2m_client: rotating } = await admin.m2m.clients.secrets.rotateStart({ client_id: client.clientId });
    await admin.m2m.clients.secrets.rotate({ client_id: client.clientId });
    await admin.m2m.clients.secrets.rotateStart({ client_id: client.clientId });
    await admin.m2m.clients.secrets.rotateCancel({ client_id: client.clientId });
    const rotation = await request('POST', `${auth.url}v1/local/signing-keys/rotate`, {
      headers: { authorization: basic(auth.projectId, auth.projectSecret) },
      json: {},
    });
    expect(rotation.status).toBe(200);
    const template = await request('PUT', `${auth.url}v1/local/m2m/custom-claims-template`, {
      headers: { authorization: basic(auth.projectId, auth.projectSecret) },
      json: { tier: '{{ client.trusted_metadata.tier }}' },
    });
    expect(template.status).toBe(200);
    await admin.m2m.clients.delete({ client_id: client.clientId });

    const events = (await allEvents(auth)).reverse();
    expect(events.map((e) => e.type)).toEqual([
      'client.created',
      'token.issued',
      'token.refused',
      'token.refused',
      'client.updated',
      'client.secret_rotation.started',
      'client.secret_rotation.completed',
      'client.secret_rotation.started',
      'client.secret_rotation.cancelled',
      'signing_key.rotated',
      'custom_claims_template.updated',
      'client.deleted',
    ]);
    const [created, issued, wrongSecret, wrongScope, updated] = events;
    expect(created).toMatchObject({ actor: 'project_api', client_id: client.clientId, scopes: ['read:users', 'write:wallets'] });
    expect(issued).toMatchObject({ actor: 'client', client_id: client.clientId, scopes: ['read:users'], reason: null });
    expect(wrongSecret).toMatchObject({ client_id: client.clientId, reason: 'invalid_client' });
    expect(wrongScope).toMatchObject({ client_id: client.clientId, reason: 'invalid_scope', request_id: 'request-id-test-scope-check' });
    expect(updated).toMatchObject({ details: { fields: ['status'], status: 'inactive' } });
    expect(events[9]).toMatchObject({ details: { kid: rotation.body.kid, retired_kid: rotation.body.retired_kid, force: false } });
    expect(events[10]).toMatchObject({ details: { claims: ['tier'] } });
    for (const e of events) expect(e.request_id).toMatch(/^request-id-test-/);

    // Nothing that authenticates appears anywhere in the trail.
    const trail = JSON.stringify(events);
    for (const secret of [client.clientSecret, rotating.next_client_secret, token, auth.projectSecret, 'wrong-secret']) {
      expect(trail).not.toContain(secret);
    }
  });

  it('names the console as the actor of changes made there, and records sign-ins', async () => {
    const session = await signInToConsole(auth);
    const created = await session.api('POST', '/v1/m2m/clients', { client_name: 'console-made', scopes: ['read:x'] });
    expect(created.status).toBe(200);
    const [newest, signedIn] = (await readAudit(auth, '?limit=2')).body.events;
    expect(newest).toMatchObject({ type: 'client.created', actor: 'console', client_id: created.body.m2m_client.client_id });
    expect(newest.request_id).toBe(created.body.request_id);
    expect(signedIn).toMatchObject({ type: 'console.signed_in', actor: 'console' });
  });

  it('is only for the project: 401 without its credentials', async () => {
    const answer = await request('GET', `${auth.url}v1/local/audit`);
    expect(answer.status).toBe(401);
    expect(answer.body.error_type).toBe('unauthorized_credentials');
  });
});

describe('paging through the audit log', () => {
  let auth: RunningAuthServer;
  beforeAll(async () => {
    auth = await startAuth();
    const admin = sdk(auth);
    for (let i = 0; i < 25; i++) await admin.m2m.clients.create({ client_name: `page-${i}`, scopes: ['read:x'] });
  });
  afterAll(() => closeAll(auth));

  it('pages newest first with a cursor that stays stable while new events arrive', async () => {
    const first = await readAudit(auth, '?limit=10');
    expect(first.body.events.map((e: { details: { client_name: string } }) => e.details.client_name)).toEqual(
      Array.from({ length: 10 }, (_, i) => `page-${24 - i}`),
    );
    // New events between pages do not shift the next page.
    await sdk(auth).m2m.clients.create({ client_name: 'late', scopes: ['read:x'] });
    const second = await readAudit(auth, `?limit=10&cursor=${first.body.next_cursor}`);
    const third = await readAudit(auth, `?limit=10&cursor=${second.body.next_cursor}`);
    const names = [...second.body.events, ...third.body.events].map((e: { details: { client_name: string } }) => e.details.client_name);
    expect(names).toEqual(Array.from({ length: 15 }, (_, i) => `page-${14 - i}`));
    expect(third.body.next_cursor).toBeNull();
  });

  it('returns the events after a given one, oldest first (what the live feed polls for)', async () => {
    const [newest] = (await readAudit(auth, '?limit=1')).body.events;
    const admin = sdk(auth);
    await admin.m2m.clients.create({ client_name: 'feed-1', scopes: ['read:x'] });
    await admin.m2m.clients.create({ client_name: 'feed-2', scopes: ['read:x'] });
    const newer = await readAudit(auth, `?after=${newest.event_id}`);
    expect(newer.body.events.map((e: { details: { client_name: string } }) => e.details.client_name)).toEqual(['feed-1', 'feed-2']);
    expect(newer.body.next_cursor).toBeNull();
  });

  it.each([
    ['?cursor=bm90LWEtY3Vyc29y', 'invalid_cursor'],
    ['?limit=0', 'invalid_request'],
    ['?limit=501', 'invalid_request'],
    ['?limit=ten', 'invalid_request'],
    ['?after=-1', 'invalid_request'],
    ['?after=1&cursor=YmVmb3JlOjEw', 'invalid_request'],
    ['?since=1', 'invalid_request'],
  ])('answers %s with 400 %s', async (query, errorType) => {
    const answer = await readAudit(auth, query);
    expect(answer.status).toBe(400);
    expect(answer.body.error_type).toBe(errorType);
  });
});

describe('audit retention', () => {
  it('deletes events older than the retention period', async () => {
    const clock = controlledClock();
    const auth = await startAuth({ now: clock.now, auditRetention: { days: 7, maxEvents: 1_000 } });
    try {
      const admin = sdk(auth);
      await admin.m2m.clients.create({ client_name: 'old', scopes: ['read:x'] });
      clock.advance(6 * 86_400_000);
      await admin.m2m.clients.create({ client_name: 'recent', scopes: ['read:x'] });
      clock.advance(1 * 86_400_000 + 1);
      await admin.m2m.clients.create({ client_name: 'new', scopes: ['read:x'] });
      const names = (await allEvents(auth)).map((e) => (e.details as { client_name: string }).client_name);
      expect(names).toEqual(['new', 'recent']);
    } finally {
      await auth.close();
    }
  });

  it('keeps at most the newest maxEvents events', async () => {
    const auth = await startAuth({ auditRetention: { days: 30, maxEvents: 5 } });
    try {
      const admin = sdk(auth);
      for (let i = 0; i < 8; i++) await admin.m2m.clients.create({ client_name: `n-${i}`, scopes: ['read:x'] });
      const names = (await allEvents(auth)).map((e) => (e.details as { client_name: string }).client_name);
      expect(names).toEqual(['n-7', 'n-6', 'n-5', 'n-4', 'n-3']);
    } finally {
      await auth.close();
    }
  });

  it('keeps the trail across a restart, and each event recorded just before close', async () => {
    const dir = tempDir('audit');
    const databaseFile = path.join(dir.dir, 'auth.db');
    let auth: RunningAuthServer | undefined;
    try {
      auth = await startAuth({ databaseFile });
      await sdk(auth).m2m.clients.create({ client_name: 'before-restart', scopes: ['read:x'] });
      await auth.close();
      auth = await startAuth({ databaseFile });
      const names = (await allEvents(auth)).map((e) => (e.details as { client_name: string }).client_name);
      expect(names).toEqual(['before-restart']);
    } finally {
      await closeAll(auth);
      dir.remove();
    }
  });

  it.each([
    [{ AUDIT_RETENTION_DAYS: '0' }, /AUDIT_RETENTION_DAYS/],
    [{ AUDIT_RETENTION_DAYS: 'a week' }, /AUDIT_RETENTION_DAYS/],
    [{ AUDIT_MAX_EVENTS: '10' }, /AUDIT_MAX_EVENTS/],
  ])('refuses %j at start-up, naming the setting', (env, message) => {
    expect(() => loadAuthServerConfig(env)).toThrow(message);
  });

  it('defaults to 30 days and 100 000 events', () => {
    expect(loadAuthServerConfig({})).toMatchObject({ AUDIT_RETENTION_DAYS: 30, AUDIT_MAX_EVENTS: 100_000 });
  });
});
