import { tokenTimes } from '../src/m2m/tokenProvider';

/**
 * When a token is refreshed and until when it is handed out, from its expires_in and the moment
 * its request was sent: numbers in, numbers out (the provider's own clock is tested against the real
 * auth-server in tokenProvider.test.ts).
 */
const DEFAULTS = { refreshMarginSeconds: 60, refreshMarginRatio: 0.1, minRemainingSeconds: 15 };
const SENT_AT = 1_700_000_000_000;

/** Milliseconds before expiry, and the lifetime counted, instead of epoch times. */
function margins(expiresInSeconds: number, tuning = DEFAULTS) {
  const { expiresAt, refreshAt, usableUntil } = tokenTimes(expiresInSeconds, SENT_AT, tuning);
  return { lifetimeMs: expiresAt - SENT_AT, refreshMs: expiresAt - refreshAt, minRemainingMs: expiresAt - usableUntil };
}

describe('tokenTimes', () => {
  it('counts the lifetime from when the request was sent, less a second for exp being whole seconds', () => {
    expect(tokenTimes(3600, SENT_AT, DEFAULTS).expiresAt).toBe(SENT_AT + 3_599_000);
  });

  it('an hour-long token: refreshed 10 % of its life before expiry (more than 60 s), handed out until 15 s are left', () => {
    expect(margins(3600)).toEqual({ lifetimeMs: 3_599_000, refreshMs: 359_900, minRemainingMs: 15_000 });
  });

  it('a 5-minute token: 60 s is more than 10 % of its life, so 60 s it is', () => {
    expect(margins(300)).toEqual({ lifetimeMs: 299_000, refreshMs: 60_000, minRemainingMs: 15_000 });
  });

  it('a 4-second token: the margin is capped at half its life, the floor at a quarter', () => {
    expect(margins(4)).toEqual({ lifetimeMs: 3_000, refreshMs: 1_500, minRemainingMs: 750 });
  });

  it('a 1-second token: the lost second would leave nothing, so half its life counts', () => {
    expect(margins(1)).toEqual({ lifetimeMs: 500, refreshMs: 250, minRemainingMs: 125 });
  });

  it('follows the tuning: a larger ratio, a smaller margin, a larger floor', () => {
    expect(margins(3600, { ...DEFAULTS, refreshMarginRatio: 0.5 }).refreshMs).toBe(1_799_500);
    expect(margins(3600, { refreshMarginSeconds: 30, refreshMarginRatio: 0, minRemainingSeconds: 5 })).toEqual({
      lifetimeMs: 3_599_000,
      refreshMs: 30_000,
      minRemainingMs: 5_000,
    });
  });

  it('always refreshes before it stops handing the token out, and both happen before expiry', () => {
    const outOfOrder: string[] = [];
    for (const expiresIn of [1, 2, 4, 10, 59, 60, 61, 300, 3600, 86_400]) {
      for (const [refreshMarginSeconds, minRemainingSeconds] of [
        [60, 15],
        [15, 15],
        [0, 0],
        [600, 599],
      ] as const) {
        for (const refreshMarginRatio of [0, 0.1, 0.5]) {
          const tuning = { refreshMarginSeconds, refreshMarginRatio, minRemainingSeconds };
          const t = tokenTimes(expiresIn, SENT_AT, tuning);
          const inOrder = SENT_AT <= t.refreshAt && t.refreshAt <= t.usableUntil && t.usableUntil <= t.expiresAt;
          if (!inOrder) outOfOrder.push(JSON.stringify({ expiresIn, ...tuning }));
        }
      }
    }
    expect(outOfOrder).toEqual([]);
  });
});
