import { closeAll, startAuth } from '../../test/support/stack';
import { postSignIn, sessionCookieOf, signInToConsole } from '../../test/support/consoleSession';
import { basic, request } from '../../test/support/http';
import { controlledClock } from '../../test/support/clock';
import { leakedSecrets, LogCapture } from '../../test/support/logCapture';
import type { RunningAuthServer } from '../src';

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

describe('the console: sign-in, session, CSRF, headers', () => {
  const clock = controlledClock();
  let auth: RunningAuthServer;
  beforeAll(async () => {
    auth = await startAuth({ now: clock.now, consoleSessions: { idleMs: 30 * 60_000, maxMs: 8 * 3_600_000 } });
  });
  afterAll(() => closeAll(auth));

  const consoleUrl = () => `${auth.url}console`;
  const countClients = async () =>
    (
      await request('POST', `${auth.url}v1/m2m/clients/search`, {
        headers: { authorization: basic(auth.projectId, auth.projectSecret) },
        json: {},
      })
    ).body.results_metadata.total as number;

  it('shows the sign-in form without a session, with a CSP that allows no inline script and no framing', async () => {
    const page = await request('GET', consoleUrl());
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('action="/console/sign-in"');
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)/); // no inline script at all
    expect(page.headers.get('content-security-policy')).toBe(CSP);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('cache-control')).toBe('no-store');
    // The assets are ours, under the same policy; nothing comes from another host.
    const script = await request('GET', `${auth.url}console/assets/console.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(script.headers.get('content-security-policy')).toBe(CSP);
    expect(script.text).not.toMatch(/https?:\/\//);
    expect(script.text).not.toMatch(/localStorage|sessionStorage|indexedDB|document\.cookie/);
  });

  it('signs in with the project credentials: a 303 to the console and an HttpOnly, SameSite=Strict session cookie (not Secure over http)', async () => {
    const answer = await postSignIn(auth, { project_id: auth.projectId, secret: auth.projectSecret });
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe('/console');
    const [setCookie] = answer.headers.getSetCookie();
    expect(setCookie).toMatch(/^m2m_console=[A-Za-z0-9_-]{43}; Path=\/console; Max-Age=28800; HttpOnly; SameSite=Strict$/);
    // The page carries the CSRF token and the project id, never the project secret.
    const page = await request('GET', consoleUrl(), { headers: { cookie: sessionCookieOf(answer)! } });
    expect(page.text).toMatch(/<meta name="csrf-token" content="[A-Za-z0-9_-]{43}">/);
    expect(page.text).toContain(auth.projectId);
    expect(page.text).not.toContain(auth.projectSecret);
  });

  it('marks the cookie Secure when the console is served over https (behind a proxy that says so)', async () => {
    const behindProxy = await startAuth({ trustProxy: ['loopback'] });
    try {
      const answer = await postSignIn(
        behindProxy,
        { project_id: behindProxy.projectId, secret: behindProxy.projectSecret },
        { 'x-forwarded-proto': 'https', origin: `https://${new URL(behindProxy.url).host}` },
      );
      expect(answer.status).toBe(303);
      expect(answer.headers.getSetCookie()[0]).toMatch(/; HttpOnly; SameSite=Strict; Secure$/);
    } finally {
      await behindProxy.close();
    }
  });

  it('refuses a wrong secret with the form again (401) and no cookie', async () => {
    const answer = await postSignIn(auth, { project_id: auth.projectId, secret: 'not-the-secret' });
    expect(answer.status).toBe(401);
    expect(answer.text).toContain('The project ID or secret is wrong');
    expect(answer.headers.getSetCookie()).toEqual([]);
    const missing = await postSignIn(auth, { project_id: auth.projectId });
    expect(missing.status).toBe(400);
    expect(missing.headers.getSetCookie()).toEqual([]);
  });

  it('refuses a sign-in posted from another site or without an Origin (login CSRF)', async () => {
    const fields = { project_id: auth.projectId, secret: auth.projectSecret };
    const crossSite = await postSignIn(auth, fields, { origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body.error_type).toBe('cross_origin_request');
    expect(crossSite.headers.getSetCookie()).toEqual([]);
    const noOrigin = await request('POST', `${auth.url}console/sign-in`, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
      redirect: 'manual',
    });
    expect(noOrigin.status).toBe(403);
  });

  it('serves the API only to a session: 401 without one, in Stytch JSON', async () => {
    const answer = await request('GET', `${auth.url}console/api/v1/local/audit`);
    expect(answer.status).toBe(401);
    expect(answer.body.error_type).toBe('console_session_required');
    const forged = await request('GET', `${auth.url}console/api/v1/local/audit`, { headers: { cookie: 'm2m_console=made-up' } });
    expect(forged.status).toBe(401);
  });

  it('refuses every change without the CSRF token, with a wrong one, or from another origin, and changes nothing', async () => {
    const session = await signInToConsole(auth);
    const before = await countClients();
    const create = (headers: Record<string, string>) =>
      request('POST', `${auth.url}console/api/v1/m2m/clients`, {
        headers: { cookie: session.cookie, ...headers },
        json: { scopes: ['read:x'] },
      });

    const noToken = await create({ origin: session.origin });
    expect(noToken.status).toBe(403);
    expect(noToken.body.error_type).toBe('invalid_csrf_token');
    const wrongToken = await create({ origin: session.origin, 'x-csrf-token': 'x'.repeat(43) });
    expect(wrongToken.status).toBe(403);
    expect(wrongToken.body.error_type).toBe('invalid_csrf_token');
    const crossSite = await create({ origin: 'https://evil.example', 'x-csrf-token': session.csrfToken });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body.error_type).toBe('cross_origin_request');
    const noOrigin = await create({ 'x-csrf-token': session.csrfToken });
    expect(noOrigin.status).toBe(403);
    // Another session's token is not this session's.
    const other = await signInToConsole(auth);
    expect((await create({ origin: session.origin, 'x-csrf-token': other.csrfToken })).status).toBe(403);
    expect(await countClients()).toBe(before);

    const allowed = await session.api('POST', '/v1/m2m/clients', { scopes: ['read:x'], client_name: 'from-the-console' });
    expect(allowed.status).toBe(200);
    expect(allowed.body.m2m_client.client_secret).toEqual(expect.any(String));
    expect(await countClients()).toBe(before + 1);
  });

  it("answers the API's own validation errors field by field (400), never a 500", async () => {
    const session = await signInToConsole(auth);
    const bad = await session.api('POST', '/v1/m2m/clients', { scopes: 'read:x' });
    expect(bad.status).toBe(400);
    expect(bad.body.error_message).toMatch(/scopes/);
    const notJson = await request('POST', `${auth.url}console/api/v1/m2m/clients`, {
      headers: { cookie: session.cookie, origin: session.origin, 'x-csrf-token': session.csrfToken, 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(notJson.status).toBe(415);
  });

  it('ends a session after 30 idle minutes, and at sign-out (whose form needs the CSRF token too)', async () => {
    const idle = await signInToConsole(auth);
    clock.advance(29 * 60_000);
    expect((await idle.api('GET', '/v1/local/signing-keys')).status).toBe(200);
    clock.advance(29 * 60_000); // used 29 minutes ago: still alive
    expect((await idle.api('GET', '/v1/local/signing-keys')).status).toBe(200);
    clock.advance(30 * 60_000);
    expect((await idle.api('GET', '/v1/local/signing-keys')).status).toBe(401);

    const session = await signInToConsole(auth);
    const signOut = (fields: Record<string, string>) =>
      request('POST', `${auth.url}console/sign-out`, {
        headers: { cookie: session.cookie, origin: session.origin, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields),
        redirect: 'manual',
      });
    expect((await signOut({ csrf_token: 'wrong' })).status).toBe(403);
    expect((await session.api('GET', '/v1/local/signing-keys')).status).toBe(200);
    const out = await signOut({ csrf_token: session.csrfToken });
    expect(out.status).toBe(303);
    expect(out.headers.getSetCookie()[0]).toMatch(/^m2m_console=; Path=\/console; Max-Age=0;/);
    expect((await session.api('GET', '/v1/local/signing-keys')).status).toBe(401);
  });

  it('ends a session 8 hours after sign-in however busy it is', async () => {
    const session = await signInToConsole(auth);
    // Used every 20 minutes, so never idle: alive at 7 h 40 min, gone at 8 h.
    for (let step = 0; step < 23; step++) {
      clock.advance(20 * 60_000);
      expect((await session.api('GET', '/v1/local/signing-keys')).status).toBe(200);
    }
    clock.advance(20 * 60_000);
    expect((await session.api('GET', '/v1/local/signing-keys')).status).toBe(401);
  });
});

describe('console sign-in and the management API share the failure budget of the project credentials', () => {
  let auth: RunningAuthServer;
  beforeAll(async () => {
    auth = await startAuth({ rateLimit: { perClientPerMinute: 10, perIpPerMinute: 3 } });
  });
  afterAll(() => closeAll(auth));

  it('counts wrong Basic credentials and wrong sign-ins together: past the budget even the right secret waits (429 + Retry-After)', async () => {
    const wrongBasic = () =>
      request('POST', `${auth.url}v1/m2m/clients/search`, { headers: { authorization: basic(auth.projectId, 'wrong') }, json: {} });
    expect((await wrongBasic()).status).toBe(401);
    expect((await wrongBasic()).status).toBe(401);
    expect((await postSignIn(auth, { project_id: auth.projectId, secret: 'wrong' })).status).toBe(401);

    const refused = await postSignIn(auth, { project_id: auth.projectId, secret: auth.projectSecret });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.text).toMatch(/Too many failed authentication attempts/);
    expect(sessionCookieOf(refused)).toBeUndefined();
    expect((await wrongBasic()).status).toBe(429);
  });
});

describe('the console in the logs', () => {
  it('logs no project secret, client secret, session id or CSRF token, through sign-in, creation and rotation', async () => {
    const capture = new LogCapture();
    const auth = await startAuth({ logger: capture.logger('auth-server') });
    try {
      const failed = await postSignIn(auth, { project_id: auth.projectId, secret: `${auth.projectSecret}-wrong` });
      expect(failed.status).toBe(401);
      const session = await signInToConsole(auth);
      const created = await session.api('POST', '/v1/m2m/clients', { client_name: 'logged', scopes: ['read:x'] });
      const id = created.body.m2m_client.client_id as string;
      const rotated = await session.api('POST', `/v1/m2m/clients/${id}/secrets/rotate/start`);
      expect(rotated.status).toBe(200);
      // Something was logged for each request, so the check below has lines to look at.
      expect(capture.linesContaining('/console/api/v1/m2m/clients').length).toBeGreaterThan(0);
      expect(
        leakedSecrets(capture.text(), {
          projectSecret: auth.projectSecret,
          clientSecret: created.body.m2m_client.client_secret,
          nextSecret: rotated.body.m2m_client.next_client_secret,
          sessionId: session.cookie.split('=')[1],
          csrfToken: session.csrfToken,
        }),
      ).toEqual([]);
    } finally {
      await auth.close();
    }
  });
});
