import path from 'node:path';
import { createStytchClient } from '@m2m/shared';
import { TUTORIAL_WALLETS } from '../apps/checkBalanceApp';
import type { Scenario } from '../lib/context';
import { addedCpuBudgetMicros, generatorCpuPerRequest } from '../lib/cpuBudget';
import { assertClean, int, met, ms, ratio, ratioWithSpread } from '../lib/format';
import { accessToken, createM2MClient, type M2MCredentials, projectOf, sdk } from '../../test/support/stytchProject';
import type { Row } from '../lib/result';
import { runInterleaved } from '../load/interleave';
import type { LoadResult } from '../load/loadSpec';
import { hostServer } from '../servers/hostServer';
import type { AuthInfo } from '../servers/kinds/authKind';
import type { RevocationProbeOptions } from '../servers/kinds/revocationProbeKind';

const TARGET_THROUGHPUT_RATIO = 0.97;
/** How often each trial asks whether its token is refused yet: the resolution of the windows. */
const POLL_MS = 100;
/** Distinct tokens (from a few clients) rotated across requests in the throughput comparison. */
const TOKEN_POOL = 64;
const POOL_CLIENTS = 4;
const DEFAULT_WINDOWS = { clientStatusMaxAgeSeconds: 30, jwksMaxAgeSeconds: 60 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const body = JSON.stringify({ customerId: TUTORIAL_WALLETS[0]?.customerId });
const headers = { 'content-type': 'application/json' };

/**
 * 6. How long a revoked machine keeps getting in. Each trial polls a guarded route with a token
 * every 100 ms; the trials start spread over one window, so that at the moment of the change each
 * one's last check (status lookup or JWKS read) is at a different age, as in a real fleet. Then
 * the client is deactivated (every trial's client at once) or the signing key revoked, and each
 * trial records how long until its first 401. Last, the guarded route's throughput with the
 * checks on against off.
 */
export const revocation: Scenario = {
  id: 6,
  title: 'Revocation: the windows, and what the checks cost',
  async run(ctx) {
    const { profile } = ctx;
    const windows = profile.revocationWindows ?? DEFAULT_WINDOWS;
    const authorize: RevocationProbeOptions['authorize'] = profile.revocationWindows ?? {};
    const trials = profile.revocationTrials;
    const auth = await hostServer('auth', { databaseFile: path.join(ctx.workDir, 'auth-s6.db') });
    try {
      const stytchProject = projectOf(auth.info);
      const admin = createStytchClient(stytchProject);

      // Deactivation: one app, one client per trial (each client has its own status entry).
      ctx.log(`  deactivate → refusal: ${trials} clients, window ${windows.clientStatusMaxAgeSeconds} s`);
      const clients: M2MCredentials[] = [];
      for (let i = 0; i < trials; i++) clients.push(await createM2MClient(sdk(auth.info), ['read:users'], 'bench revocation trial'));
      const clientTokens = await Promise.all(clients.map((client) => accessToken(sdk(auth.info), client, ['read:users'])));
      const deactivations = await withProbe(stytchProject, 1, authorize, ([url]) =>
        timeRevocation(
          clientTokens.map((token) => ({ url: url ?? '', token })),
          windows.clientStatusMaxAgeSeconds,
          async () => {
            await Promise.all(clients.map((client) => admin.m2m.clients.update({ client_id: client.clientId, status: 'inactive' })));
          },
        ),
      );

      // Key revocation: one app per trial (each has its own SDK client, so its own JWKS cache), one token.
      ctx.log(`  key revoke → refusal: ${trials} verifiers, window ${windows.jwksMaxAgeSeconds} s`);
      const keyClient = await createM2MClient(sdk(auth.info), ['read:users'], 'bench revocation trial');
      const oldKeyToken = await accessToken(sdk(auth.info), keyClient, ['read:users']);
      const keyRevocations = await withProbe(stytchProject, trials, authorize, (urls) =>
        timeRevocation(
          urls.map((url) => ({ url, token: oldKeyToken })),
          windows.jwksMaxAgeSeconds,
          () => revokeSigningKey(auth.info),
        ),
      );

      // Throughput with the checks on (default settings) and off, interleaved.
      ctx.log(
        `  checks on vs off: ${profile.connections} connections, ${profile.rounds} interleaved rounds, ${profile.durationSeconds} s each`,
      );
      const pool: string[] = [];
      for (let i = 0; i < POOL_CLIENTS; i++) {
        const client = await createM2MClient(sdk(auth.info), ['read:users'], 'bench revocation trial');
        for (let j = 0; j < TOKEN_POOL / POOL_CLIENTS; j++) pool.push(await accessToken(sdk(auth.info), client, ['read:users']));
      }
      const on = await hostServer('revocationProbe', { stytchProject, apps: 1, authorize: {} });
      const off = await hostServer('revocationProbe', {
        stytchProject,
        apps: 1,
        authorize: { clientStatus: false, jwksMaxAgeSeconds: false },
      });
      let throughput: Map<'on' | 'off', LoadResult>;
      let spread: Map<'on' | 'off', number[]>;
      const cpuPerRequest = new Map<'on' | 'off', number>();
      let lookupsDuringLoad = 0;
      try {
        const rotateHeader = { name: 'authorization', values: pool.map((token) => `Bearer ${token}`) };
        for (const probe of [on, off]) {
          for (const authorization of rotateHeader.values) await expectStatus(probe.info.urls[0] ?? '', authorization, 200);
        }
        const before = { on: await on.stats(), off: await off.stats() };
        const lookupsBefore = before.on.counters.statusLookups ?? 0;
        const cases = [
          {
            name: 'off' as const,
            spec: { url: off.info.urls[0] ?? '', method: 'POST' as const, path: '/api/check-balance', headers, body, rotateHeader },
          },
          {
            name: 'on' as const,
            spec: { url: on.info.urls[0] ?? '', method: 'POST' as const, path: '/api/check-balance', headers, body, rotateHeader },
          },
        ];
        const measured = await runInterleaved(cases, profile);
        throughput = measured.results;
        spread = measured.roundRates;
        const after = { on: await on.stats(), off: await off.stats() };
        for (const name of ['on', 'off'] as const) {
          cpuPerRequest.set(name, (after[name].cpuMicros - before[name].cpuMicros) / Math.max(measured.sentRequests.get(name) ?? 0, 1));
        }
        lookupsDuringLoad = (after.on.counters.statusLookups ?? 0) - lookupsBefore;
      } finally {
        await on.close();
        await off.close();
      }
      for (const [name, load] of throughput) assertClean(`checks ${name}`, load);
      const rps = (name: 'on' | 'off') => throughput.get(name)?.requestsPerSecond ?? 0;
      const throughputOk = rps('off') > 0 && rps('on') / rps('off') >= TARGET_THROUGHPUT_RATIO;
      // A trial sees a refusal on its first poll after the window, once that request's own lookup
      // (status or JWKS) has come back: the window plus a few polls is still "within the window".
      const slackMs = POLL_MS * 5;
      const clientOk = max(deactivations) <= windows.clientStatusMaxAgeSeconds * 1000 + slackMs;
      const keyOk = max(keyRevocations) <= windows.jwksMaxAgeSeconds * 1000 + slackMs;

      const windowRow = (label: string, samples: number[], windowSeconds: number, ok: boolean): Row => ({
        scenario: 6,
        case: label,
        p50: ms(median(samples)),
        value: `max ${ms(max(samples))} over ${samples.length} trials (polled every ${POLL_MS} ms)`,
        target: `≤ ${windowSeconds} s (+ ${slackMs} ms of polling): ${met(ok)}`,
      });
      const loadRow = (name: 'on' | 'off', label: string): Row => {
        const load = throughput.get(name);
        return {
          scenario: 6,
          case: label,
          rate: load ? int(load.requestsPerSecond) : '',
          p50: load ? ms(load.latencyMs.p50) : '',
          p99: load ? ms(load.latencyMs.p99) : '',
          ratio: name === 'off' ? '1.00×' : ratioWithSpread(rps('on'), rps('off'), spread.get('on'), spread.get('off')),
          value: `${int(cpuPerRequest.get(name) ?? 0)} µs CPU/req${name === 'on' ? `; ${lookupsDuringLoad} status lookups (${POOL_CLIENTS} clients)` : ''}`,
          ...(name === 'on'
            ? {
                target: `≥ ${TARGET_THROUGHPUT_RATIO}×: ${met(throughputOk)}`,
              }
            : {}),
        };
      };
      return {
        scenario: 6,
        title: revocation.title,
        rows: [
          windowRow('client deactivated → first refused request', deactivations, windows.clientStatusMaxAgeSeconds, clientOk),
          windowRow('signing key revoked → first refused request', keyRevocations, windows.jwksMaxAgeSeconds, keyOk),
          loadRow('off', 'guarded route, revocation checks off'),
          loadRow('on', 'guarded route, revocation checks on (defaults)'),
        ],
        checks: [
          {
            name: `a deactivated client is refused within ${windows.clientStatusMaxAgeSeconds} s (+ ${slackMs} ms of polling)`,
            passed: clientOk,
            judged: false,
            detail: `max ${ms(max(deactivations))}`,
          },
          {
            name: `a revoked signing key is refused within ${windows.jwksMaxAgeSeconds} s (+ ${slackMs} ms of polling)`,
            passed: keyOk,
            judged: false,
            detail: `max ${ms(max(keyRevocations))}`,
          },
          {
            name: `revocation checks on ≥ ${TARGET_THROUGHPUT_RATIO} of off`,
            passed: throughputOk,
            judged: false,
            detail: ratio(rps('on'), rps('off')),
          },
        ],
        reading: [
          `A deactivated client was refused after ${ms(median(deactivations))} (median; at most ${ms(max(deactivations))}), a revoked signing key after ${ms(median(keyRevocations))} (at most ${ms(max(keyRevocations))}):`,
          `the windows are clientStatusMaxAgeSeconds (${windows.clientStatusMaxAgeSeconds} s) and jwksMaxAgeSeconds (${windows.jwksMaxAgeSeconds} s), and a trial's wait is how old its last check was at the change.`,
          `With the checks on, the guarded route keeps ${ratioWithSpread(rps('on'), rps('off'), spread.get('on'), spread.get('off'))} of its throughput with them off (whole run [lowest–highest pair of rounds]), at ${int(cpuPerRequest.get('on') ?? 0)} against ${int(cpuPerRequest.get('off') ?? 0)} µs of server CPU a request; they cost ${lookupsDuringLoad} status lookups during the load (one per client per period). On a cache hit the checks are two map lookups and no await; the load generator spent ${int(generatorCpuPerRequest(throughput.get('off')))} µs a request against the server's ${int(cpuPerRequest.get('off') ?? 0)}, so ${generatorCpuPerRequest(throughput.get('off')) < (cpuPerRequest.get('off') ?? 0) ? "the server's one thread sets the rate, and" : 'the load generator sets the rate; if the server did,'} ${TARGET_THROUGHPUT_RATIO}× leaves the checks ${addedCpuBudgetMicros(cpuPerRequest.get('off') ?? 0, TARGET_THROUGHPUT_RATIO).toFixed(1)} µs of CPU a request.`,
        ],
      };
    } finally {
      await auth.close();
    }
  },
};

/** Starts `apps` guarded apps in one process, runs `use` on their URLs, stops them. */
async function withProbe<T>(
  stytchProject: RevocationProbeOptions['stytchProject'],
  apps: number,
  authorize: RevocationProbeOptions['authorize'],
  use: (urls: string[]) => Promise<T>,
): Promise<T> {
  const probe = await hostServer('revocationProbe', { stytchProject, apps, authorize });
  try {
    return await use(probe.info.urls);
  } finally {
    await probe.close();
  }
}

/**
 * Polls every trial's route; trial i starts i/N of a window late, so at the change (one window
 * after the first start) the trials' last checks are spread over the window. Returns, per trial,
 * the milliseconds from the start of the change to the first 401.
 */
async function timeRevocation(
  trials: Array<{ url: string; token: string }>,
  windowSeconds: number,
  change: () => Promise<void>,
): Promise<number[]> {
  const windowMs = windowSeconds * 1000;
  let changedAt: number | undefined = undefined;
  const pollers = trials.map(async ({ url, token }, i) => {
    await sleep((i * windowMs) / trials.length);
    for (;;) {
      const status = await post(url, `Bearer ${token}`);
      if (status === 401 && changedAt !== undefined) return Date.now() - changedAt;
      if (status !== 200)
        throw new Error(`a trial's request answered ${status} ${changedAt === undefined ? 'before' : 'after'} the change`);
      if (changedAt !== undefined && Date.now() - changedAt > windowMs + 10_000)
        throw new Error(`not refused within ${windowSeconds} s + 10 s`);
      await sleep(POLL_MS);
    }
  });
  await sleep(windowMs);
  changedAt = Date.now();
  await change();
  return Promise.all(pollers);
}

async function revokeSigningKey(auth: AuthInfo): Promise<void> {
  const basic = Buffer.from(`${auth.projectId}:${auth.projectSecret}`).toString('base64');
  const res = await fetch(new URL('v1/local/signing-keys/rotate', auth.url), {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/json' },
    body: JSON.stringify({ force: true, revoke_previous: true }),
  });
  if (res.status !== 200) throw new Error(`the key revocation answered ${res.status}: ${await res.text()}`);
}

async function post(url: string, authorization: string): Promise<number> {
  const res = await fetch(new URL('/api/check-balance', url), { method: 'POST', headers: { ...headers, authorization }, body });
  await res.arrayBuffer();
  return res.status;
}

async function expectStatus(url: string, authorization: string, expected: number): Promise<void> {
  const status = await post(url, authorization);
  if (status !== expected) throw new Error(`warm-up request answered ${status}, not ${expected}`);
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
}

const max = (samples: number[]) => Math.max(0, ...samples);
