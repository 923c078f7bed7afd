import path from 'node:path';
import type { Scenario } from '../lib/context';
import { assertClean, int, met, ms, ratio, ratioWithSpread } from '../lib/format';
import { CORES, coresBusy, cpuBudgetMicros, generatorCpuPerRequest } from '../lib/cpuBudget';
import { accessToken, createM2MClient, paymentCallerToken, projectOf, sdk } from '../../test/support/stytchProject';
import { measureWalletCallCost } from '../lib/walletCallCost';
import { runInterleaved } from '../load/interleave';
import { hostServer } from '../servers/hostServer';
import { BENCH_ADMIN_API_KEY, JANE_DOE_WALLET, JOHN_DOE } from './fixtures';

/** Enough for every debit of 1 minor unit that a full run can make. */
export const BENCH_BALANCE = 1_000_000_000;
const TARGET_RATIO = 0.85;

/**
 * 4. What the payment hop costs: POST /initiate-payment (check-balance + debit through the
 * payment-server, tokens from its cache) against the same debit sent straight to a wallet with a
 * token in hand. Each side has a wallet-server of its own (same code, same disk), so that each
 * wallet's commits count its own debits: debits per commit is the group commit's batch size.
 * Every request carries a fresh Idempotency-Key, so each one really debits (and is answered only
 * once committed). Then what one wallet call costs the caller: the payment-server's WalletClient
 * (node:http) against axios, the client it used before, with the same keep-alive agent.
 */
export const paymentEndToEnd: Scenario = {
  id: 4,
  title: 'Payment end to end vs a direct wallet debit',
  async run(ctx) {
    const { profile } = ctx;
    const auth = await hostServer('auth', { databaseFile: path.join(ctx.workDir, 'auth-s4.db') });
    const startWallet = (name: string) =>
      hostServer('wallet', {
        databaseFile: path.join(ctx.workDir, `wallet-s4-${name}.db`),
        stytchProject: projectOf(auth.info),
        seedBalance: BENCH_BALANCE,
      });
    const directWallet = await startWallet('direct');
    const paymentWallet = await startWallet('payment');
    try {
      const client = await createM2MClient(sdk(auth.info), ['read:users', 'write:wallets'], 'bench payment-service');
      const payment = await hostServer('payment', {
        stytchProject: projectOf(auth.info),
        walletServerUrl: paymentWallet.info.url,
        credentialsFile: path.join(ctx.workDir, 'payment-s4-credentials.json'),
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        adminApiKey: BENCH_ADMIN_API_KEY,
        // Far above any latency worth measuring; only so that a very busy CI machine reports slow
        // payments instead of 504s that would stop the scenario.
        walletTimeoutMs: 30_000,
      });
      try {
        const token = await accessToken(sdk(auth.info), client, ['write:wallets']);
        const readToken = await accessToken(sdk(auth.info), client, ['read:users']);
        // The payment API's caller: its token is verified once, then served from the guard's cache.
        const callerToken = await paymentCallerToken(sdk(auth.info), 'bench checkout-service');
        const processes = { directWallet, paymentWallet, payment };
        const before = new Map(await Promise.all(Object.entries(processes).map(async ([name, p]) => [name, await p.stats()] as const)));
        ctx.log(
          `  direct wallet debit and POST /initiate-payment: ${profile.connections} connections, ${profile.rounds} interleaved rounds, ${profile.durationSeconds} s each`,
        );
        const { results, sentRequests, roundRates } = await runInterleaved(
          [
            {
              name: 'direct',
              spec: {
                url: directWallet.info.url,
                method: 'POST',
                path: '/api/debit',
                headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
                body: JSON.stringify({ customerId: JOHN_DOE, amount: 1, destinationWalletId: JANE_DOE_WALLET }),
                uniqueHeader: 'Idempotency-Key',
              },
            },
            {
              name: 'viaPayment',
              spec: {
                url: payment.info.url,
                method: 'POST',
                path: '/initiate-payment',
                headers: { 'content-type': 'application/json', authorization: `Bearer ${callerToken}` },
                body: JSON.stringify({ customerId: JOHN_DOE, debitAmount: 1, destinationWalletId: JANE_DOE_WALLET }),
                uniqueHeader: 'Idempotency-Key',
              },
            },
          ],
          profile,
        );
        const direct = results.get('direct');
        const viaPayment = results.get('viaPayment');
        if (!direct || !viaPayment) throw new Error('a load run returned no result');
        assertClean('direct debit', direct);
        assertClean('initiate-payment', viaPayment);
        const after = new Map(await Promise.all(Object.entries(processes).map(async ([name, p]) => [name, await p.stats()] as const)));
        const spent = (name: keyof typeof processes) => (after.get(name)?.cpuMicros ?? 0) - (before.get(name)?.cpuMicros ?? 0);
        const commits = (name: 'directWallet' | 'paymentWallet') =>
          (after.get(name)?.counters.debitCommits ?? 0) - (before.get(name)?.counters.debitCommits ?? 0);
        const directSent = Math.max(sentRequests.get('direct') ?? 0, 1);
        const paymentsSent = Math.max(sentRequests.get('viaPayment') ?? 0, 1);
        const batch = {
          direct: directSent / Math.max(commits('directWallet'), 1),
          viaPayment: paymentsSent / Math.max(commits('paymentWallet'), 1),
        };
        const cpu = {
          directWallet: spent('directWallet') / directSent,
          paymentWallet: spent('paymentWallet') / paymentsSent,
          payment: spent('payment') / paymentsSent,
        };
        const tokenStats = after.get('payment')?.counters ?? {};
        // What the target leaves a payment, summed over the wallet, the payment-server and the load generator.
        const generator = generatorCpuPerRequest(viaPayment);
        const paymentCpuInAll = cpu.paymentWallet + cpu.payment + generator;
        const targetBudget = cpuBudgetMicros(TARGET_RATIO * direct.requestsPerSecond);

        ctx.log('  one wallet call: the WalletClient (node:http) against axios, same keep-alive agent');
        const callCost = await measureWalletCallCost(paymentWallet.info.url, readToken, JOHN_DOE, {
          calls: profile.name === 'full' ? 20_000 : 2_000,
          concurrency: profile.connections,
        });
        ctx.rss.push({
          server: 'wallet-server',
          afterRun: 'scenario 4 (debits via payments)',
          rssBytes: after.get('paymentWallet')?.rssBytes ?? 0,
        });
        ctx.rss.push({ server: 'payment-server', afterRun: 'scenario 4 (payments)', rssBytes: after.get('payment')?.rssBytes ?? 0 });

        const paymentRatio = viaPayment.requestsPerSecond / Math.max(direct.requestsPerSecond, 1);
        const ok = paymentRatio >= TARGET_RATIO;
        const axiosExtra = callCost.axios.cpuMicrosPerCall - callCost.walletClient.cpuMicrosPerCall;
        // Two wallet calls a payment: what axios would add to the payment-server's CPU per payment.
        const addedShare = cpu.payment > 0 ? (2 * axiosExtra) / cpu.payment : 0;
        return {
          scenario: 4,
          title: paymentEndToEnd.title,
          rows: [
            {
              scenario: 4,
              case: 'POST /api/debit on the wallet, token in hand',
              rate: int(direct.requestsPerSecond),
              p50: ms(direct.latencyMs.p50),
              p99: ms(direct.latencyMs.p99),
              ratio: '1.00×',
              value: `${batch.direct.toFixed(1)} debits per commit; wallet ${int(cpu.directWallet)} µs CPU/debit`,
            },
            {
              scenario: 4,
              case: 'POST /initiate-payment (check-balance + debit)',
              rate: int(viaPayment.requestsPerSecond),
              p50: ms(viaPayment.latencyMs.p50),
              p99: ms(viaPayment.latencyMs.p99),
              ratio: ratioWithSpread(
                viaPayment.requestsPerSecond,
                direct.requestsPerSecond,
                roundRates.get('viaPayment'),
                roundRates.get('direct'),
              ),
              value: `${batch.viaPayment.toFixed(1)} debits per commit; wallet ${int(cpu.paymentWallet)} µs, payment-server ${int(cpu.payment)} µs CPU/payment; ${int(tokenStats.tokenRequests ?? 0)} token requests`,
              target: `≥ ${TARGET_RATIO.toFixed(2)}×: ${met(ok)}`,
            },
            {
              scenario: 4,
              case: 'one wallet call from the caller: the WalletClient (node:http, answer checked)',
              rate: `${int(callCost.walletClient.callsPerSecond)}/s`,
              ratio: '1.00×',
              value: `${int(callCost.walletClient.cpuMicrosPerCall)} µs caller CPU/call`,
            },
            {
              scenario: 4,
              case: 'one wallet call from the caller: axios, as the WalletClient used it before',
              rate: `${int(callCost.axios.callsPerSecond)}/s`,
              ratio: ratio(callCost.axios.callsPerSecond, callCost.walletClient.callsPerSecond),
              value: `${int(callCost.axios.cpuMicrosPerCall)} µs caller CPU/call (+${int(axiosExtra)} µs: ${Math.round(addedShare * 100)}% more CPU a payment)`,
            },
          ],
          checks: [
            {
              name: `payment ÷ direct debit ≥ ${TARGET_RATIO}`,
              passed: ok,
              judged: false,
              detail: ratio(viaPayment.requestsPerSecond, direct.requestsPerSecond),
            },
          ],
          reading: [
            `A payment through the payment-server runs at ${ratio(viaPayment.requestsPerSecond, direct.requestsPerSecond)} the rate of a bare wallet debit, with a p50 of ${ms(viaPayment.latencyMs.p50)} against ${ms(direct.latencyMs.p50)}.`,
            `CPU sets the rate here: a direct debit costs the wallet ${int(cpu.directWallet)} µs of CPU; a payment costs ${int(cpu.paymentWallet + cpu.payment)} µs (${((cpu.paymentWallet + cpu.payment) / Math.max(cpu.directWallet, 1)).toFixed(1)} times as much): ${int(cpu.paymentWallet)} µs in the wallet, which answers two calls (check-balance, then the debit), and ${int(cpu.payment)} µs in the payment-server (authorizeToken from its cache, validation, the two wallet calls, logging), all on the same 2 cores as the load generator. A payment is three HTTP exchanges where a direct debit is one, so on one machine it cannot come near the direct rate; on separate hosts the payment-server's CPU would not be taken from the wallet's.`,
            `What the target leaves: ${TARGET_RATIO}× of the direct rate is ${int(TARGET_RATIO * direct.requestsPerSecond)} payments/s, so on ${CORES} cores a payment could cost at most ${int(targetBudget)} µs of CPU, summed over every process; it costs ${int(paymentCpuInAll)} (wallet ${int(cpu.paymentWallet)}, payment-server ${int(cpu.payment)}, load generator ${int(generator)} µs a request), with these three processes keeping ${coresBusy(viaPayment.requestsPerSecond, paymentCpuInAll).toFixed(2)} of ${CORES} cores busy.`,
            `Commits: ${batch.direct.toFixed(1)} debits per commit when the ${profile.connections} connections debit directly, ${batch.viaPayment.toFixed(1)} through the payment-server, whose ${profile.connections} payments are split between the two calls; each debit is answered after its group's COMMIT and fsync, which hold the wallet's event loop (better-sqlite3 is synchronous), so a check-balance that arrives meanwhile waits for it. The tokens come from the payment-server's cache (${int(tokenStats.tokenRequests ?? 0)} token requests in all, ${int(tokenStats.cacheHits ?? 0)} cache hits).`,
            `The WalletClient's node:http against axios for one wallet call, same keep-alive agent: ${int(callCost.walletClient.cpuMicrosPerCall)} against ${int(callCost.axios.cpuMicrosPerCall)} µs of the caller's CPU (${int(callCost.walletClient.callsPerSecond)} against ${int(callCost.axios.callsPerSecond)} calls/s from one process), though only the WalletClient checks the answer against the contract; over a payment's two calls axios would add about ${Math.round(addedShare * 100)}% to the payment-server's CPU a payment, which is why the WalletClient left it.`,
            'Every request debited for real (a fresh Idempotency-Key each), committed with synchronous=FULL before it was answered; debits that reach the wallet together share one transaction and one fsync (group commit).',
          ],
        };
      } finally {
        await payment.close();
      }
    } finally {
      await paymentWallet.close();
      await directWallet.close();
      await auth.close();
    }
  },
};
