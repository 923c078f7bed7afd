import path from 'node:path';
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { jsonBody, type FailureLimiter } from '@m2m/shared';
import { z } from 'zod';
import type { AuditLog } from '../audit/auditLog';
import { AuthServerError } from '../errors';
import { requestIdOf } from '../http/envelope';
import { checkProjectCredentials, type ServedProject } from '../routes/projectAuth';
import {
  clearSessionCookie,
  consoleHeaders,
  CrossOriginError,
  isSameOrigin,
  requireConsoleSession,
  requireCsrfToken,
  sessionIdOf,
  setSessionCookie,
} from './consoleSecurity';
import { consolePage, signInPage } from './pages';
import type { ConsoleSessions } from './sessions';

/** console.js and console.css: next to src/ and dist/ alike (both are one level below the package). */
const ASSETS_DIR = path.join(__dirname, '..', '..', 'public');

export interface ConsoleDeps {
  project: ServedProject;
  /** The project credentials' failure budget: sign-in failures spend the same one as the management API's. */
  projectFailures: FailureLimiter;
  sessions: ConsoleSessions;
  audit: AuditLog;
  issuer: string;
  /** The local API the console drives (management, local extensions, audit), served again under /console/api behind the session. */
  api: RequestHandler[];
}

const signInForm = z.object({ project_id: z.string().max(200), secret: z.string().max(500) });

/** The web console at /console: sign-in, the page, its two assets, and the API behind a session. */
export function consoleRoutes({ project, projectFailures, sessions, audit, issuer, api }: ConsoleDeps): Router {
  const router = Router();
  const readForm = jsonBody({ limit: '4kb', form: { parameterLimit: 10 } });
  router.use('/console', consoleHeaders);
  router.use('/console/assets', express.static(ASSETS_DIR, { index: false, cacheControl: false }));

  router.get('/console', (req, res) => {
    const session = sessions.get(sessionIdOf(req));
    res.type('html').send(session ? consolePage({ projectId: project.projectId, csrfToken: session.csrfToken }) : signInPage());
  });

  router.post('/console/sign-in', readForm, async (req, res) => {
    // A cross-site form could otherwise sign the browser into the attacker's session (login CSRF).
    if (!isSameOrigin(req, issuer)) throw new CrossOriginError();
    const form = signInForm.safeParse(req.body ?? {});
    if (!form.success) {
      refuseSignIn(req, res, 400, 'Enter the project ID and the project secret');
      return;
    }
    let ok: boolean;
    try {
      ok = await checkProjectCredentials(project, projectFailures, String(req.ip), { id: form.data.project_id, secret: form.data.secret });
    } catch (err) {
      if (!(err instanceof AuthServerError) || err.status !== 429) throw err;
      res.set(err.headers);
      refuseSignIn(req, res, 429, `${err.message}.`, 'too_many_requests');
      return;
    }
    if (!ok) {
      refuseSignIn(req, res, 401, 'The project ID or secret is wrong', 'unauthorized_credentials');
      return;
    }
    sessions.delete(sessionIdOf(req));
    const { id } = sessions.create();
    setSessionCookie(req, res, id, sessions.cookieMaxAgeSeconds);
    audit.record({ type: 'console.signed_in', actor: 'console', requestId: requestIdOf(req) });
    res.redirect(303, '/console');
  });

  router.post('/console/sign-out', readForm, (req, res) => {
    if (!isSameOrigin(req, issuer)) throw new CrossOriginError();
    const id = sessionIdOf(req);
    const session = sessions.get(id);
    if (session) {
      requireCsrfToken(session, (req.body as Record<string, unknown> | undefined)?.csrf_token);
      sessions.delete(id);
      audit.record({ type: 'console.signed_out', actor: 'console', requestId: requestIdOf(req) });
    }
    clearSessionCookie(req, res);
    res.redirect(303, '/console');
  });

  router.use('/console/api', requireConsoleSession(sessions, issuer), jsonBody({ limit: '64kb' }), ...api);

  const refuseSignIn = (req: Request, res: Response, status: number, message: string, reason?: string) => {
    if (reason) audit.record({ type: 'console.sign_in_refused', actor: 'console', reason, requestId: requestIdOf(req) });
    res
      .status(status)
      .type('html')
      .send(signInPage({ error: message }));
  };

  return router;
}
