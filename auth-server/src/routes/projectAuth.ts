import type { RequestHandler } from 'express';
import { setAuditActor } from '../audit/auditContext';
import { AuthServerError } from '../errors';
import { parseBasicAuth } from '@m2m/shared';
import type { FailureLimiter } from '@m2m/shared';
import { safeEqualStrings, verifySecret } from '../security/secrets';

export interface ServedProject {
  projectId: string;
  secretHash: string;
}

/**
 * Management endpoints require `Authorization: Basic base64(project_id:secret)`; anything else gets
 * Stytch's 401.
 */
export function requireProjectCredentials(project: ServedProject, failures: FailureLimiter): RequestHandler {
  return async (req, res, next) => {
    const credentials = parseBasicAuth(req.headers.authorization);
    if (!(await checkProjectCredentials(project, failures, String(req.ip), credentials))) {
      throw new AuthServerError(
        401,
        'unauthorized_credentials',
        credentials
          ? 'Unauthorized credentials: the project_id or secret is wrong'
          : 'Missing credentials: send Authorization: Basic base64(project_id:secret)',
        { headers: { 'WWW-Authenticate': 'Basic realm="stytch-project"' } },
      );
    }
    setAuditActor(res, 'project_api');
    next();
  };
}

/**
 * Whether `credentials` are the project's, for the management API and the console's sign-in alike:
 * one failure budget per caller address for both (a 429 AuthServerError beyond it). Comparisons are
 * constant-time; the attempt is counted before the check and refunded on success, so parallel
 * guesses can't outrun the count.
 */
export async function checkProjectCredentials(
  project: ServedProject,
  failures: FailureLimiter,
  ip: string,
  credentials: { id: string; secret: string } | undefined,
): Promise<boolean> {
  // Per IP (there is one project): a stranger's wrong secrets spend only their own address's budget.
  const wait = failures.tryAttempt(ip);
  if (wait > 0) {
    throw new AuthServerError(429, 'too_many_requests', `Too many failed authentication attempts; retry in ${wait} s`, {
      headers: { 'Retry-After': String(wait) },
    });
  }
  const ok =
    credentials !== undefined &&
    // Both checks always run, so the time taken does not tell which part was wrong.
    [safeEqualStrings(credentials.id, project.projectId), await verifySecret(credentials.secret, project.secretHash)].every(Boolean);
  if (ok) failures.succeeded(ip);
  return ok;
}
