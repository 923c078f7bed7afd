import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { setAuditActor } from '../audit/auditContext';
import { AuthServerError } from '../errors';
import type { ConsoleSession, ConsoleSessions } from './sessions';

/** The session cookie: its path keeps it off every route but the console's. */
export const SESSION_COOKIE = 'm2m_console';
const COOKIE_PATH = '/console';

/** Only our own files, no inline script or style, no framing, forms post only here. */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * On every console answer: the CSP, no framing, no sniffing, no referrer to other sites, nothing cached.
 * (Not `no-referrer`: under it, browsers send `Origin: null` even on same-origin posts, which the origin check needs.)
 */
export const consoleHeaders: RequestHandler = (_req, res, next) => {
  res.set({
    'Content-Security-Policy': CONSOLE_CSP,
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  });
  next();
};

/** HttpOnly (no script reads it), SameSite=Strict (no other site sends it), Secure over https. */
export function setSessionCookie(req: Request, res: Response, id: string, maxAgeSeconds: number): void {
  res.append('Set-Cookie', cookie(req, `${SESSION_COOKIE}=${id}`, maxAgeSeconds));
}

export function clearSessionCookie(req: Request, res: Response): void {
  res.append('Set-Cookie', cookie(req, `${SESSION_COOKIE}=`, 0));
}

function cookie(req: Request, value: string, maxAgeSeconds: number): string {
  return `${value}; Path=${COOKIE_PATH}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${req.secure ? '; Secure' : ''}`;
}

/** The session id the request's cookie carries, if any. */
export function sessionIdOf(req: Request): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return value.join('=') || undefined;
  }
  return undefined;
}

/**
 * Whether the request comes from a page of this server: its Origin is the issuer's, or the one the
 * request was sent to (Host). Browsers send Origin on every POST, PUT and DELETE; without one, no.
 */
export function isSameOrigin(req: Request, issuer: string): boolean {
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return false;
  return origin === new URL(issuer).origin || origin === `${req.protocol}://${req.headers.host ?? ''}`;
}

export class CrossOriginError extends AuthServerError {
  constructor() {
    super(403, 'cross_origin_request', 'Changes are accepted only from the console itself (the Origin header is missing or another site)');
  }
}

/** The console's API: a live session, and for every change the same origin and the session's CSRF token. */
export function requireConsoleSession(sessions: ConsoleSessions, issuer: string): RequestHandler {
  return (req, res, next) => {
    const session = sessions.get(sessionIdOf(req));
    if (!session)
      throw new AuthServerError(401, 'console_session_required', 'Sign in to the console first (the session is missing or has expired)');
    if (!isSafeMethod(req.method)) {
      if (!isSameOrigin(req, issuer)) throw new CrossOriginError();
      requireCsrfToken(session, req.get('X-CSRF-Token'));
    }
    res.locals.consoleSession = session;
    setAuditActor(res, 'console');
    next();
  };
}

/** A constant-time comparison with the session's synchronizer token. */
export function requireCsrfToken(session: ConsoleSession, sent: unknown): void {
  const expected = Buffer.from(session.csrfToken);
  const given = Buffer.from(typeof sent === 'string' ? sent : '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new AuthServerError(403, 'invalid_csrf_token', 'The CSRF token is missing or wrong: reload the console and try again');
  }
}

function isSafeMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
}
