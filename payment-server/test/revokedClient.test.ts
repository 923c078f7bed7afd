/**
 * The payment-server's own client is deactivated. The wallet refuses its cached token
 * within the wallet's window; the payment fails with a clear 502, the token is dropped, and no
 * request is retried in a loop. Once the client is active again, payments recover by themselves.
 */
import type { RunningAuthServer } from '@m2m/auth-server';
import type { StytchProject } from '@m2m/shared';
import type { RunningWalletServer } from '@m2m/wallet-server';
import { eventually } from '../../test/support/eventually';
import type { RunningPaymentServer } from '../src/server';
import type { CountingProxy } from '../../test/support/countingProxy';
import {
  balanceOf,
  bearerHeader,
  createCaller,
  createClient,
  JOHN,
  LogCapture,
  pay,
  postPayment,
  sdk,
  startAuthBehindProxy,
  startPayment,
  startWallet,
  tempDir,
  type TestClient,
  credentialsFileIn,
} from './support/stack';

describe('the payment-server when its M2M client is revoked', () => {
  const dir = tempDir('payment-server').dir;
  const logs = new LogCapture();
  let auth: RunningAuthServer;
  let authProxy: CountingProxy;
  let wallet: RunningWalletServer;
  let client: TestClient;
  let caller: TestClient & { token: string };
  let payment: RunningPaymentServer;

  beforeAll(async () => {
    // Behind the proxy, the auth-server's tokens name the proxy as issuer: the payment-server accepts its caller's tokens.
    let project: StytchProject;
    ({ auth, proxy: authProxy, project } = await startAuthBehindProxy());
    // A 1 s status window keeps the test short; the default is 30 s.
    wallet = await startWallet(auth, { stytchProject: project, authorize: { clientStatusMaxAgeSeconds: 1 } });
    client = await createClient(auth);
    caller = await createCaller(auth);
    payment = await startPayment({
      credentialsFile: credentialsFileIn(dir),
      stytchProject: project,
      walletServerUrl: wallet.url,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      logger: logs.logger('payment-server'),
    });
  });
  afterAll(async () => {
    await payment.close();
    await wallet.close();
    await authProxy.close();
    await auth.close();
  });

  it('fails payments with a 502 naming the revocation, without retry loops, then recovers after reactivation', async () => {
    expect((await postPayment(payment.url, pay({ debitAmount: 1 }), bearerHeader(caller.token))).status).toBe(200);
    const admin = sdk(auth);
    await admin.m2m.clients.update({ client_id: client.clientId, status: 'inactive' });

    // The cached token is refused once the wallet's status window has passed: dropped, no retry.
    await eventually(async () => {
      const res = await postPayment(payment.url, pay({ debitAmount: 1 }), bearerHeader(caller.token));
      expect(res.status).toBe(502);
      expect(res.body.error.code).toBe('m2m_client_revoked');
      expect(res.body.error.message).toContain('Nothing was debited');
    });

    // Later payments: one token request each, refused at once (invalid_client), never retried; nothing debited.
    const before = balanceOf(wallet, JOHN.customerId);
    authProxy.reset();
    for (let i = 0; i < 5; i++) {
      const res = await postPayment(payment.url, pay({ debitAmount: 1 }), bearerHeader(caller.token));
      expect([res.status, res.body.error.code]).toEqual([502, 'm2m_credentials_rejected']);
    }
    expect(authProxy.tokenRequestTotal()).toBe(5);
    expect(balanceOf(wallet, JOHN.customerId)).toBe(before);

    await admin.m2m.clients.update({ client_id: client.clientId, status: 'active' });
    await eventually(async () => {
      expect((await postPayment(payment.url, pay({ debitAmount: 1 }), bearerHeader(caller.token))).status).toBe(200);
    });
    expect(logs.text()).not.toContain(client.clientSecret);
  });
});
