import type { SqliteDatabase } from '@m2m/shared';
import { AuthServerError } from '../errors';

/** The audit trail's table: one row per event, in the order they happened (`seq`). */
export const AUDIT_SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  type TEXT NOT NULL,
  actor TEXT NOT NULL,
  client_id TEXT,
  scopes TEXT,
  reason TEXT,
  request_id TEXT,
  details TEXT
);
CREATE INDEX IF NOT EXISTS audit_events_at ON audit_events (at);
`;

export type AuditEventType =
  | 'client.created'
  | 'client.updated'
  | 'client.deleted'
  | 'client.secret_rotation.started'
  | 'client.secret_rotation.completed'
  | 'client.secret_rotation.cancelled'
  | 'signing_key.rotated'
  | 'custom_claims_template.updated'
  | 'token.issued'
  | 'token.refused'
  | 'console.signed_in'
  | 'console.sign_in_refused'
  | 'console.signed_out';

/** Who did it: a client at the token endpoint, the project's Basic credentials, or a console session. */
export type AuditActor = 'client' | 'project_api' | 'console';

/** What is recorded. Never a secret or a token: ids, scopes, reasons and the request id only. */
export interface AuditEventInput {
  type: AuditEventType;
  actor: AuditActor;
  requestId?: string | undefined;
  clientId?: string | null | undefined;
  scopes?: string[] | undefined;
  /** Why something was refused: the error code the caller got. */
  reason?: string | undefined;
  /** Small, secret-free facts (which fields changed, the kids of a key rotation). */
  details?: Record<string, unknown> | undefined;
}

/** An event as the API shows it. */
export interface AuditEvent {
  event_id: number;
  at: string;
  type: AuditEventType;
  actor: AuditActor;
  client_id: string | null;
  scopes: string[] | null;
  reason: string | null;
  request_id: string | null;
  details: Record<string, unknown> | null;
}

export interface AuditRetention {
  /** Events older than this are deleted. */
  days: number;
  /** At most this many events are kept (the oldest go first). */
  maxEvents: number;
}

export const DEFAULT_AUDIT_RETENTION: AuditRetention = { days: 30, maxEvents: 100_000 };

export interface AuditPage {
  events: AuditEvent[];
  /** Pass as `cursor` for the next (older) page; null on the last one. */
  next_cursor: string | null;
}

interface AuditRow {
  seq: number;
  at: number;
  type: AuditEventType;
  actor: AuditActor;
  client_id: string | null;
  scopes: string | null;
  reason: string | null;
  request_id: string | null;
  details: string | null;
}

/** How long recorded events wait at most before they are written (reads write them first). */
const FLUSH_DELAY_MS = 100;
/** A batch this large is written at once rather than waiting for the delay. */
const MAX_BATCH = 500;
const DAY_MS = 86_400_000;

/**
 * The audit trail in the auth-server's database. `record` only queues the event: the token endpoint
 * must not wait for a disk write (synchronous=FULL makes every commit an fsync). Queued events are
 * written in one transaction within FLUSH_DELAY_MS, at MAX_BATCH, before every read and at close;
 * each write also deletes what the retention no longer keeps. A crash can lose the last 100 ms.
 */
export class AuditLog {
  private queue: Array<Omit<AuditRow, 'seq'>> = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly insert;
  private readonly deleteOlder;
  private readonly deleteBeyondCount;
  private readonly newest;
  private readonly before;
  private readonly after;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly retention: AuditRetention = DEFAULT_AUDIT_RETENTION,
    private readonly now: () => number = Date.now,
  ) {
    this.insert = db.prepare<Omit<AuditRow, 'seq'>>(
      `INSERT INTO audit_events (at, type, actor, client_id, scopes, reason, request_id, details)
       VALUES (@at, @type, @actor, @client_id, @scopes, @reason, @request_id, @details)`,
    );
    this.deleteOlder = db.prepare<[number]>('DELETE FROM audit_events WHERE at < ?');
    // Rows are only ever deleted oldest first, so seq numbers the kept rows without gaps.
    this.deleteBeyondCount = db.prepare<[number]>('DELETE FROM audit_events WHERE seq <= (SELECT MAX(seq) FROM audit_events) - ?');
    this.newest = db.prepare<[number], AuditRow>('SELECT * FROM audit_events ORDER BY seq DESC LIMIT ?');
    this.before = db.prepare<[number, number], AuditRow>('SELECT * FROM audit_events WHERE seq < ? ORDER BY seq DESC LIMIT ?');
    this.after = db.prepare<[number, number], AuditRow>('SELECT * FROM audit_events WHERE seq > ? ORDER BY seq ASC LIMIT ?');
    this.write([]);
  }

  /** Queues an event; it is written within FLUSH_DELAY_MS. */
  record(event: AuditEventInput): void {
    this.queue.push({
      at: this.now(),
      type: event.type,
      actor: event.actor,
      client_id: event.clientId ?? null,
      scopes: event.scopes ? JSON.stringify(event.scopes) : null,
      reason: event.reason ?? null,
      request_id: event.requestId ?? null,
      details: event.details ? JSON.stringify(event.details) : null,
    });
    if (this.queue.length >= MAX_BATCH) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_DELAY_MS).unref();
  }

  /** Writes the queued events now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    this.queue = [];
    this.write(batch);
  }

  /**
   * Newest first, `limit` at a time: `cursor` (a previous page's next_cursor) continues with older
   * events, and new events never shift a page. `afterEventId` instead returns the events newer than
   * that one, oldest first (what a live feed polls for).
   */
  page({ cursor, afterEventId, limit }: { cursor?: string | undefined; afterEventId?: number | undefined; limit: number }): AuditPage {
    this.flush();
    if (afterEventId !== undefined) return { events: this.after.all(afterEventId, limit).map(toEvent), next_cursor: null };
    const rows = cursor === undefined ? this.newest.all(limit + 1) : this.before.all(decodeCursor(cursor), limit + 1);
    const events = rows.slice(0, limit).map(toEvent);
    const last = events.at(-1);
    return { events, next_cursor: rows.length > limit && last ? encodeCursor(last.event_id) : null };
  }

  close(): void {
    this.flush();
  }

  private write(batch: Array<Omit<AuditRow, 'seq'>>): void {
    this.db.transaction(() => {
      for (const row of batch) this.insert.run(row);
      this.deleteOlder.run(this.now() - this.retention.days * DAY_MS);
      this.deleteBeyondCount.run(this.retention.maxEvents);
    })();
  }
}

/** The retention settings, checked where they are given (the environment's are checked by config.ts too). */
export function validateAuditRetention(retention: AuditRetention): AuditRetention {
  if (!Number.isInteger(retention.days) || retention.days < 1) throw new TypeError('audit retention: days must be a positive integer');
  if (!Number.isInteger(retention.maxEvents) || retention.maxEvents < 1) {
    throw new TypeError('audit retention: maxEvents must be a positive integer');
  }
  return retention;
}

function toEvent(row: AuditRow): AuditEvent {
  return {
    event_id: row.seq,
    at: new Date(row.at).toISOString(),
    type: row.type,
    actor: row.actor,
    client_id: row.client_id,
    scopes: row.scopes === null ? null : (JSON.parse(row.scopes) as string[]),
    reason: row.reason,
    request_id: row.request_id,
    details: row.details === null ? null : (JSON.parse(row.details) as Record<string, unknown>),
  };
}

/** Cursors are opaque to callers: the position of the last event of a page. */
function encodeCursor(seq: number): string {
  return Buffer.from(`before:${seq}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const match = /^before:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new AuthServerError(400, 'invalid_cursor', 'cursor is not a value returned as next_cursor by a previous page');
  return Number(match[1]);
}
