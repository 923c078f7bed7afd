import type { RequestHandler } from 'express';
import { AuthServerError } from '../errors';
import { parseBasicAuth } from '@m2m/shared';
import type { FailureLimiter } from '@m2m/shared';
import { safeEqualStrings, verifySecret } from '../security/secrets';

/**
 * Management endpoints require `Authorization: Basic base64(project_id:secret)`; anything else gets
 * Stytch's 401. Comparisons are constant-time; failed attempts are counted per IP
 * (before the check, refunded on success, so parallel guesses can't outrun the count).
 */
export function requireProjectCredentials(project: { projectId: string; secretHash: string }, failures: FailureLimiter): RequestHandler {
  return async (req, _res, next) => {
    // Per IP (there is one project): a stranger's wrong secrets spend only their own address's budget.
    const ipKey = String(req.ip);
    const wait = failures.tryAttempt(ipKey);
    if (wait > 0) {
      throw new AuthServerError(429, 'too_many_requests', `Too many failed authentication attempts; retry in ${wait} s`, {
        headers: { 'Retry-After': String(wait) },
      });
    }
    const credentials = parseBasicAuth(req.headers.authorization);
    const ok =
      credentials !== undefined &&
      // Both checks always run, so the time taken does not tell which part was wrong.
      [safeEqualStrings(credentials.id, project.projectId), await verifySecret(credentials.secret, project.secretHash)].every(Boolean);
    if (!ok) {
      throw new AuthServerError(
        401,
        'unauthorized_credentials',
        credentials
          ? 'Unauthorized credentials: the project_id or secret is wrong'
          : 'Missing credentials: send Authorization: Basic base64(project_id:secret)',
        { headers: { 'WWW-Authenticate': 'Basic realm="stytch-project"' } },
      );
    }
    failures.succeeded(ipKey);
    next();
  };
}
