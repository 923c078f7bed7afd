import type { Request, Response } from 'express';
import { requestIdOf } from '../http/envelope';
import type { AuditActor } from './auditLog';

/** Who the guard in front of a route let in: set by requireProjectCredentials or the console's session check. */
export function setAuditActor(res: Response, actor: AuditActor): void {
  res.locals.auditActor = actor;
}

/** The actor and request id an audit event of this request carries. */
export function auditContext(req: Request, res: Response): { actor: AuditActor; requestId: string } {
  const actor = res.locals.auditActor as AuditActor | undefined;
  return { actor: actor ?? 'project_api', requestId: requestIdOf(req) };
}
