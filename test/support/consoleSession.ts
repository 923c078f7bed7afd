import { request, type HttpAnswer } from './http';
import type { AuthProject } from './stytchProject';

/** A signed-in console, as a browser holds it: the session cookie and the page's CSRF token. */
export interface ConsoleSession {
  /** `m2m_console=…`, for a Cookie header. */
  cookie: string;
  csrfToken: string;
  /** The console's origin, as a browser sends it in Origin. */
  origin: string;
  /** A call to the console's API (/console/api/…) with the cookie, the Origin and the CSRF token. */
  api(method: string, path: string, json?: unknown): Promise<HttpAnswer>;
}

/** The sign-in form as a browser posts it (same Origin, form-encoded); the answer itself, redirect not followed. */
export function postSignIn(
  auth: { url: string },
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  return request('POST', `${auth.url}console/sign-in`, {
    headers: { origin: new URL(auth.url).origin, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields),
    redirect: 'manual',
  });
}

/** The session cookie (name=value) an answer sets, or undefined. */
export function sessionCookieOf(answer: HttpAnswer): string | undefined {
  return answer.headers
    .getSetCookie()
    .find((c) => c.startsWith('m2m_console=') && !c.startsWith('m2m_console=;'))
    ?.split(';')[0];
}

/** Signs in with the project's credentials and reads the CSRF token from the console page. */
export async function signInToConsole(auth: AuthProject): Promise<ConsoleSession> {
  const answer = await postSignIn(auth, { project_id: auth.projectId, secret: auth.projectSecret });
  const cookie = sessionCookieOf(answer);
  if (answer.status !== 303 || !cookie) throw new Error(`console sign-in answered ${answer.status}`);
  const page = await request('GET', `${auth.url}console`, { headers: { cookie } });
  const csrfToken = /<meta name="csrf-token" content="([^"]+)">/.exec(page.text)?.[1];
  if (!csrfToken) throw new Error('the console page carries no CSRF token');
  const origin = new URL(auth.url).origin;
  return {
    cookie,
    csrfToken,
    origin,
    api: (method, path, json) =>
      request(method, `${auth.url}console/api${path}`, {
        headers: { cookie, origin, 'x-csrf-token': csrfToken },
        ...(json !== undefined && { json }),
      }),
  };
}
