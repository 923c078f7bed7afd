import { Router } from 'express';
import { z } from 'zod';
import type { AuditLog } from '../audit/auditLog';
import { sendStytch } from '../http/envelope';
import { stytchMethodNotAllowed } from '../http/errorHandler';
import { parseBody } from '../http/validation';

const auditQuery = z
  .strictObject({
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.string().min(1).max(100).optional(),
    after: z.coerce.number().int().min(0).optional(),
  })
  .refine((q) => q.cursor === undefined || q.after === undefined, {
    error: 'send cursor (older events) or after (newer events), not both',
  });

/** `GET /v1/local/audit`: the audit trail, newest first, a page at a time (project Basic auth). */
export function auditRoutes({ audit }: { audit: AuditLog }): Router {
  const router = Router();
  router
    .route('/v1/local/audit')
    .get((req, res) => {
      const query = parseBody(auditQuery, req.query);
      sendStytch(req, res, audit.page({ cursor: query.cursor, afterEventId: query.after, limit: query.limit }));
    })
    .all(stytchMethodNotAllowed(['GET']));
  return router;
}
