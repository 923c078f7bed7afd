import { createHash, randomBytes } from 'node:crypto';

export interface ConsoleSession {
  /** The synchronizer token every change must carry (X-CSRF-Token, or the csrf_token form field). */
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
}

export interface SessionLifetimes {
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after sign-in, used or not. */
  maxMs: number;
}

export const DEFAULT_SESSION_LIFETIMES: SessionLifetimes = { idleMs: 30 * 60_000, maxMs: 8 * 3_600_000 };

/** Signed-in operators at once; beyond it the oldest session ends (sign-in is rate-limited, so this is a memory bound). */
const MAX_SESSIONS = 1_000;

/**
 * The console's server-side sessions, in memory: a restart signs everyone out. The browser holds only
 * a random id in an HttpOnly cookie; the map is keyed by its SHA-256, so the ids themselves are not kept.
 */
export class ConsoleSessions {
  private readonly sessions = new Map<string, ConsoleSession>();

  constructor(
    private readonly lifetimes: SessionLifetimes = DEFAULT_SESSION_LIFETIMES,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new session; the returned id goes into the cookie and nowhere else. */
  create(): { id: string; session: ConsoleSession } {
    if (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    const id = randomBytes(32).toString('base64url');
    const now = this.now();
    const session = { csrfToken: randomBytes(32).toString('base64url'), createdAt: now, lastSeenAt: now };
    this.sessions.set(keyOf(id), session);
    return { id, session };
  }

  /** The live session with this id (its idle time restarts), or undefined. */
  get(id: string | undefined): ConsoleSession | undefined {
    if (!id) return undefined;
    const key = keyOf(id);
    const session = this.sessions.get(key);
    if (!session) return undefined;
    const now = this.now();
    if (now - session.lastSeenAt >= this.lifetimes.idleMs || now - session.createdAt >= this.lifetimes.maxMs) {
      this.sessions.delete(key);
      return undefined;
    }
    session.lastSeenAt = now;
    return session;
  }

  /** The seconds a new session's cookie may live: its maximum lifetime. */
  get cookieMaxAgeSeconds(): number {
    return Math.floor(this.lifetimes.maxMs / 1000);
  }

  delete(id: string | undefined): void {
    if (id) this.sessions.delete(keyOf(id));
  }
}

function keyOf(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}
