/**
 * Bad input at every route of every server. Malformed JSON, JSON that is not an
 * object, wrong types, missing fields, unknown fields, oversized bodies (→ 413), huge numbers and
 * negative amounts each get a 4xx with a message that says what is wrong, and change nothing.
 */
import path from 'node:path';
import type { RunningAuthServer } from '@m2m/auth-server';
import type { RunningPaymentServer } from '@m2m/payment-server';
import type { RunningWalletServer } from '@m2m/wallet-server';
import { at, basic, bearer, get, rawRequest, request, type HttpAnswer } from './support/http';
import { LogCapture } from './support/logCapture';
import {
  accessToken,
  ADMIN_API_KEY,
  createM2MClient,
  JANE,
  JOHN,
  paymentCallerToken,
  sdk,
  startAuth,
  startPayment,
  startWallet,
  tempDir,
  type M2MCredentials,
  closeAll,
  projectOf,
} from './support/stack';

const tmp = tempDir('badinput');
const logs = new LogCapture();
let auth: RunningAuthServer;
let wallet: RunningWalletServer;
let payment: RunningPaymentServer;
let client: M2MCredentials;
let token: string;
/** A caller of the payment API (write:payments): bad input is judged after the token. */
let payerToken: string;

beforeAll(async () => {
  auth = await startAuth({
    databaseFile: path.join(tmp.dir, 'auth.db'),
    logger: logs.logger('auth-server'),
    rateLimit: { perClientPerMinute: 10_000, perIpPerMinute: 10_000 },
  });
  wallet = await startWallet(auth, { databaseFile: path.join(tmp.dir, 'wallet.db'), logger: logs.logger('wallet-server') });
  payment = await startPayment({
    stytchProject: projectOf(auth),
    walletServerUrl: wallet.url,
    credentialsFile: path.join(tmp.dir, 'payment-credentials.json'),
    logger: logs.logger('payment-server'),
  });
  client = await createM2MClient(sdk(auth), ['read:users', 'write:wallets'], 'bad-input-client');
  token = await accessToken(sdk(auth), client);
  payerToken = await paymentCallerToken(sdk(auth));
});

afterAll(async () => {
  await closeAll(payment, wallet, auth);
  tmp.remove();
});

/** Everything a bad request could have changed, on every server. */
async function state() {
  const admin = sdk(auth);
  const { m2m_client } = await admin.m2m.clients.get({ client_id: client.clientId });
  const { m2m_client: own } = await admin.m2m.clients.get({ client_id: payment.clientId });
  const template = await get(at(auth.url, '/v1/local/m2m/custom-claims-template'), {
    Authorization: basic(auth.projectId, auth.projectSecret),
  });
  const jwks = await get(at(auth.url, `/v1/sessions/jwks/${auth.projectId}`));
  return {
    wallets: [JOHN, JANE].map((w) => [wallet.wallets.findByCustomer(w.customerId)?.balance, wallet.wallets.ledgerSum(w.walletId)]),
    clients: (await admin.m2m.clients.search({})).results_metadata.total,
    client: [
      m2m_client.status,
      m2m_client.scopes,
      m2m_client.client_name,
      m2m_client.trusted_metadata,
      m2m_client.next_client_secret_last_four,
    ],
    own: [own.status, own.client_secret_last_four, own.next_client_secret_last_four],
    template: template.body.custom_claims_template,
    kids: (jwks.body.keys as { kid: string }[]).map((k) => k.kid),
  };
}

/** The message of any of the three error shapes (ours, Stytch's, OAuth 2.0's). */
function messageOf(answer: HttpAnswer): string | undefined {
  const body = answer.body as { error?: { message?: string } | string; error_message?: string; error_description?: string } | undefined;
  if (!body) return undefined;
  if (typeof body.error === 'object') return body.error.message;
  return body.error_message ?? body.error_description;
}

interface BadRequest {
  label: string;
  body: string;
  contentType?: string;
  /** 400 unless said otherwise. */
  status?: number;
  /** A word the message must contain (the field at fault). */
  mentions?: string;
}

interface RouteUnderTest {
  name: string;
  method: string;
  url: () => string;
  headers: () => Record<string, string>;
  /** A body the route accepts (checked last, so a refusal above is about the bad part). */
  valid?: () => Record<string, unknown>;
  /** Fields with values of the wrong type. */
  wrongTypes?: Record<string, unknown[]>;
  /** Required fields (each is removed in turn). */
  required?: string[];
  /** Whether an unknown field is refused (strict schema). */
  strict?: boolean;
  /** Numeric fields, and whether they hold an amount (negative, zero and fractions are refused too). */
  numbers?: { field: string; amount: boolean }[];
  /** The body size limit, for the 413 case. */
  limitBytes: number;
  /** Bodies the route must refuse on top of the generic ones. */
  extra?: () => BadRequest[];
}

const json = (value: unknown) => JSON.stringify(value);

function badRequestsFor(route: RouteUnderTest): BadRequest[] {
  const valid = route.valid?.() ?? {};
  const cases: BadRequest[] = [
    { label: 'malformed JSON', body: '{"customerId": "67uh', contentType: 'application/json' },
    { label: 'JSON with a trailing comma', body: '{"a": 1,}', contentType: 'application/json' },
    { label: 'oversized body', body: json({ ...valid, pad: 'x'.repeat(route.limitBytes + 1) }), status: 413 },
  ];
  if (route.valid) {
    cases.push(
      { label: 'a JSON array', body: '[]' },
      { label: 'a JSON string', body: '"hello"' },
      { label: 'a JSON number', body: '42' },
      { label: 'JSON null', body: 'null' },
    );
  }
  // (The token endpoint takes extra parameters on purpose: they are the custom claims' request.* variables.)
  if (route.strict && route.valid)
    cases.push({ label: 'deeply nested JSON', body: json({ ...valid, nested: JSON.parse('['.repeat(2000) + ']'.repeat(2000)) }) });
  if (route.strict && route.valid) cases.push({ label: 'an unknown field', body: json({ ...valid, isAdmin: true }), mentions: 'isAdmin' });
  for (const field of route.required ?? []) {
    const rest = Object.fromEntries(Object.entries(valid).filter(([key]) => key !== field));
    cases.push({ label: `missing ${field}`, body: json(rest), mentions: field });
  }
  for (const [field, values] of Object.entries(route.wrongTypes ?? {})) {
    for (const value of values)
      cases.push({ label: `${field} = ${JSON.stringify(value)}`, body: json({ ...valid, [field]: value }), mentions: field });
  }
  for (const { field, amount } of route.numbers ?? []) {
    const huge: [string, string][] = [
      ['1e400 (Infinity once parsed)', '1e400'],
      ['2^53 + 2 (beyond safe integers)', '9007199254740994'],
      ['1e300', '1e300'],
      ['a 400-digit integer', '9'.repeat(400)],
      ['-1', '-1'],
    ];
    if (amount) huge.push(['0', '0'], ['-100', '-100'], ['1.5', '1.5'], ['-0.01', '-0.01'], ['1e-7', '1e-7']);
    const template = json({ ...valid, [field]: '__NUMBER__' });
    for (const [label, literal] of huge)
      cases.push({ label: `${field} = ${label}`, body: template.replace('"__NUMBER__"', literal), mentions: field });
  }
  return [...cases, ...(route.extra?.() ?? [])];
}

const walletHeaders = () => ({ Authorization: bearer(token), 'Idempotency-Key': `bad-input-${Math.random()}` });
const adminHeaders = () => ({ Authorization: bearer(ADMIN_API_KEY) });
const payerHeaders = () => ({ Authorization: bearer(payerToken) });
const projectHeaders = () => ({ Authorization: basic(auth.projectId, auth.projectSecret) });
const idString = ['', 42, null, true, ['x'], { id: 'x' }, 'x'.repeat(200)];

const ROUTES: RouteUnderTest[] = [
  // wallet-server (with a valid token carrying both scopes)
  {
    name: 'wallet POST /api/check-balance',
    method: 'POST',
    url: () => at(wallet.url, '/api/check-balance'),
    headers: walletHeaders,
    valid: () => ({ customerId: JOHN.customerId }),
    required: ['customerId'],
    wrongTypes: { customerId: idString },
    strict: true,
    limitBytes: 16 * 1024,
  },
  {
    name: 'wallet POST /api/debit',
    method: 'POST',
    url: () => at(wallet.url, '/api/debit'),
    headers: walletHeaders,
    valid: () => ({ customerId: JOHN.customerId, amount: 5, destinationWalletId: JANE.walletId }),
    required: ['customerId', 'amount', 'destinationWalletId'],
    wrongTypes: { customerId: idString, destinationWalletId: idString, amount: ['5', null, true, [5], { value: 5 }] },
    numbers: [{ field: 'amount', amount: true }],
    strict: true,
    limitBytes: 16 * 1024,
    extra: () => [
      {
        label: 'a body with no Idempotency-Key header',
        body: json({ customerId: JOHN.customerId, amount: 5, destinationWalletId: JANE.walletId }),
        mentions: 'Idempotency-Key',
      },
      {
        label: 'the customer paying their own wallet',
        body: json({ customerId: JOHN.customerId, amount: 5, destinationWalletId: JOHN.walletId }),
        mentions: 'destinationWalletId',
      },
    ],
  },
  // payment-server
  {
    name: 'payment POST /initiate-payment',
    method: 'POST',
    url: () => at(payment.url, '/initiate-payment'),
    headers: payerHeaders,
    valid: () => ({ customerId: JOHN.customerId, debitAmount: 5, destinationWalletId: JANE.walletId }),
    required: ['customerId', 'debitAmount', 'destinationWalletId'],
    wrongTypes: { customerId: idString, destinationWalletId: idString, debitAmount: ['5', null, true, [5], { value: 5 }] },
    numbers: [{ field: 'debitAmount', amount: true }],
    strict: true,
    limitBytes: 16 * 1024,
  },
  {
    name: 'payment POST /admin/m2m/clients',
    method: 'POST',
    url: () => at(payment.url, '/admin/m2m/clients'),
    headers: adminHeaders,
    valid: () => ({ scopes: ['read:users'], client_name: 'never-created' }),
    required: ['scopes'],
    wrongTypes: {
      scopes: ['read:users', [1], [''], ['has space'], null, {}],
      client_name: [1, null, 'x'.repeat(300)],
      trusted_metadata: ['x', [], 5],
    },
    strict: true,
    limitBytes: 16 * 1024,
  },
  {
    name: 'payment POST /admin/m2m/clients/search',
    method: 'POST',
    url: () => at(payment.url, '/admin/m2m/clients/search'),
    headers: adminHeaders,
    valid: () => ({ limit: 10 }),
    wrongTypes: {
      limit: ['10', null, true],
      cursor: [5, ''],
      query: ['x', { operator: 'XOR', operands: [] }, { operator: 'AND', operands: [{ filter_name: 'secret', filter_value: ['x'] }] }],
    },
    numbers: [{ field: 'limit', amount: false }],
    strict: true,
    limitBytes: 16 * 1024,
  },
  {
    name: 'payment PUT /admin/m2m/clients/:id',
    method: 'PUT',
    url: () => at(payment.url, `/admin/m2m/clients/${client.clientId}`),
    headers: adminHeaders,
    valid: () => ({ client_name: 'renamed-never' }),
    wrongTypes: {
      status: ['deleted', 1, null],
      scopes: ['read:users', [1]],
      client_name: [1, 'x'.repeat(300)],
      trusted_metadata: ['x', 5],
    },
    strict: true,
    limitBytes: 16 * 1024,
    extra: () => [{ label: 'an empty update', body: '{}' }],
  },
  ...['', '/start', '/complete', '/cancel'].map((suffix): RouteUnderTest => ({
    name: `payment POST /admin/m2m/secret-rotation${suffix}`,
    method: 'POST',
    url: () => at(payment.url, `/admin/m2m/secret-rotation${suffix}`),
    headers: adminHeaders,
    limitBytes: 16 * 1024,
  })),
  // auth-server management API (project credentials) and token endpoint
  {
    name: 'auth POST /v1/m2m/clients',
    method: 'POST',
    url: () => at(auth.url, '/v1/m2m/clients'),
    headers: projectHeaders,
    valid: () => ({ scopes: ['read:users'], client_name: 'never-created' }),
    required: ['scopes'],
    wrongTypes: {
      scopes: ['read:users', [1], [''], ['has space'], null],
      client_id: [5, 'has space', '../../etc', 'x'.repeat(200)],
      client_secret: [5, 'short', 'aaaaaaaaaaaaaaaa'],
      client_name: [1, 'x'.repeat(300)],
      trusted_metadata: ['x', [], { big: 'x'.repeat(5000) }],
    },
    strict: true,
    limitBytes: 64 * 1024,
  },
  {
    name: 'auth POST /v1/m2m/clients/search',
    method: 'POST',
    url: () => at(auth.url, '/v1/m2m/clients/search'),
    headers: projectHeaders,
    valid: () => ({ limit: 10 }),
    wrongTypes: { limit: ['10', null], cursor: [5, 'not-a-cursor'], query: ['x', { operator: 'XOR', operands: [] }] },
    numbers: [{ field: 'limit', amount: false }],
    strict: true,
    limitBytes: 64 * 1024,
  },
  {
    name: 'auth PUT /v1/m2m/clients/:id',
    method: 'PUT',
    url: () => at(auth.url, `/v1/m2m/clients/${client.clientId}`),
    headers: projectHeaders,
    valid: () => ({ client_name: 'renamed-never' }),
    wrongTypes: { status: ['deleted', 1], scopes: ['read:users', [1], ['a b']], trusted_metadata: ['x', 5] },
    strict: true,
    limitBytes: 64 * 1024,
  },
  ...['/start', '/cancel', ''].map((suffix): RouteUnderTest => ({
    name: `auth POST /v1/m2m/clients/:id/secrets/rotate${suffix}`,
    method: 'POST',
    url: () => at(auth.url, `/v1/m2m/clients/${client.clientId}/secrets/rotate${suffix}`),
    headers: projectHeaders,
    limitBytes: 64 * 1024,
  })),
  {
    name: 'auth POST /v1/local/signing-keys/rotate',
    method: 'POST',
    url: () => at(auth.url, '/v1/local/signing-keys/rotate'),
    headers: projectHeaders,
    limitBytes: 64 * 1024,
  },
  {
    name: 'auth PUT /v1/local/m2m/custom-claims-template',
    method: 'PUT',
    url: () => at(auth.url, '/v1/local/m2m/custom-claims-template'),
    headers: projectHeaders,
    limitBytes: 64 * 1024,
    extra: () => [
      { label: 'a template setting a registered claim', body: json({ sub: 'someone-else' }), mentions: 'sub' },
      { label: 'a template with an unknown variable root', body: json({ x: '{{ process.env.STYTCH_SECRET }}' }) },
      { label: 'a template that is an array', body: '["x"]' },
    ],
  },
  {
    name: 'auth POST /v1/public/:project/oauth2/token (JSON)',
    method: 'POST',
    url: () => at(auth.url, `/v1/public/${auth.projectId}/oauth2/token`),
    headers: () => ({}),
    valid: () => ({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret }),
    required: ['grant_type'],
    wrongTypes: { grant_type: ['password', 5, null], scope: [5, ['read:users']], scopes: ['read:users', [5]] },
    limitBytes: 16 * 1024,
    extra: () => [
      {
        label: 'a scope the client does not hold',
        body: json({
          grant_type: 'client_credentials',
          client_id: client.clientId,
          client_secret: client.clientSecret,
          scope: 'admin:everything',
        }),
        mentions: 'admin:everything',
      },
      {
        label: 'form body with client_id repeated',
        contentType: 'application/x-www-form-urlencoded',
        body: `grant_type=client_credentials&client_id=${client.clientId}&client_id=x&client_secret=${client.clientSecret}`,
        mentions: 'client_id',
      },
      {
        label: 'form body over the limit',
        contentType: 'application/x-www-form-urlencoded',
        body: `grant_type=client_credentials&pad=${'x'.repeat(17 * 1024)}`,
        status: 413,
      },
    ],
  },
];

describe.each(ROUTES.map((route) => [route.name, route] as const))('%s', (_name, route) => {
  it('refuses every bad body with a clear 4xx and changes nothing', async () => {
    const before = await state();
    const problems: string[] = [];
    for (const bad of badRequestsFor(route)) {
      const headers = { 'content-type': bad.contentType ?? 'application/json', ...route.headers() };
      if (bad.label === 'a body with no Idempotency-Key header') delete (headers as Record<string, string>)['Idempotency-Key'];
      const answer = await request(route.method, route.url(), { headers, body: bad.body });
      const message = messageOf(answer);
      const expected = bad.status ?? 400;
      if (answer.status !== expected) problems.push(`${bad.label}: ${answer.status} (expected ${expected}) ${answer.text.slice(0, 200)}`);
      else if (!message || message.length < 10) problems.push(`${bad.label}: no clear message in ${answer.text.slice(0, 200)}`);
      else if (bad.mentions && !message.includes(bad.mentions))
        problems.push(`${bad.label}: the message does not name ${bad.mentions}: ${message}`);
    }
    expect(problems).toEqual([]);
    expect(await state()).toEqual(before);
  });

  if (route.valid && route.method !== 'PUT' && !route.name.includes('POST /v1/m2m/clients') && !route.name.includes('admin/m2m/clients')) {
    it('accepts the valid body (so the refusals are about the bad parts)', async () => {
      const answer = await request(route.method, route.url(), {
        headers: { 'content-type': 'application/json', ...route.headers() },
        json: route.valid!(),
      });
      expect(answer.status).toBe(200);
    });
  }
});

it('a body sent as text/plain is not parsed as JSON: 415, nothing debited', async () => {
  const before = await state();
  const body = json({ customerId: JOHN.customerId, debitAmount: 5, destinationWalletId: JANE.walletId });
  const answer = await request('POST', at(payment.url, '/initiate-payment'), {
    headers: { 'content-type': 'text/plain', ...payerHeaders() },
    body,
  });
  expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status: 415, code: 'unsupported_media_type' });
  expect(await state()).toEqual(before);
});

/** One body reader on every server (shared/src/jsonBody.ts). */
describe('the JSON body reader of every server', () => {
  /** One route per server and error shape, each with a body it accepts. */
  const doors = () => [
    {
      name: 'wallet /api/debit',
      url: at(wallet.url, '/api/debit'),
      headers: walletHeaders(),
      valid: { customerId: JOHN.customerId, amount: 1, destinationWalletId: JANE.walletId },
    },
    {
      name: 'payment /initiate-payment',
      url: at(payment.url, '/initiate-payment'),
      headers: payerHeaders(),
      valid: { customerId: JOHN.customerId, debitAmount: 1, destinationWalletId: JANE.walletId },
    },
    {
      name: 'payment /admin/m2m/clients/search',
      url: at(payment.url, '/admin/m2m/clients/search'),
      headers: adminHeaders(),
      valid: { limit: 1 },
    },
    { name: 'auth /v1/m2m/clients/search', url: at(auth.url, '/v1/m2m/clients/search'), headers: projectHeaders(), valid: { limit: 1 } },
    {
      name: 'auth token endpoint',
      url: at(auth.url, `/v1/public/${auth.projectId}/oauth2/token`),
      headers: {},
      valid: { grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret },
    },
  ];
  const codeOf = (answer: HttpAnswer) => (answer.body?.error?.code ?? answer.body?.error_type ?? answer.body?.error) as string | undefined;

  it('a body that is not JSON (text/plain, a form, no content type) gets 415 naming application/json', async () => {
    const before = await state();
    const seen: unknown[] = [];
    for (const door of doors()) {
      const text = json(door.valid);
      const variants: [string, Record<string, string>, string | Buffer][] = [
        ['text/plain', { 'content-type': 'text/plain' }, text],
        ['no content type', {}, Buffer.from(text)],
        ['xml', { 'content-type': 'application/xml' }, '<x/>'],
      ];
      // The token endpoint takes forms on purpose (RFC 6749); everywhere else a form is refused.
      if (!door.name.includes('token')) variants.push(['a form', { 'content-type': 'application/x-www-form-urlencoded' }, 'customerId=x']);
      for (const [label, type, body] of variants) {
        const answer = await request('POST', door.url, { headers: { ...type, ...door.headers }, body });
        seen.push({ door: door.name, label, status: answer.status, names: messageOf(answer)?.includes('application/json') });
      }
    }
    expect(seen).toEqual(seen.map((s) => ({ ...(s as object), status: 415, names: true })));
    expect(await state()).toEqual(before);
  });

  it('JSON only as UTF-8: no charset or utf-8 are read, any other charset gets 415', async () => {
    const before = await state();
    const seen: unknown[] = [];
    for (const door of doors()) {
      for (const charset of ['utf-7', 'latin1', 'utf-16le', 'iso-8859-1', 'UTF-32']) {
        const answer = await request('POST', door.url, {
          headers: { 'content-type': `application/json; charset=${charset}`, ...door.headers },
          body: json(door.valid),
        });
        seen.push({ door: door.name, charset, status: answer.status, code: codeOf(answer) });
      }
    }
    expect(seen).toEqual(
      seen.map((s) => ({ ...(s as object), status: 415, code: expect.stringMatching(/unsupported_media_type|invalid_request/) })),
    );
    expect(await state()).toEqual(before);
    for (const door of doors().filter((d) => !d.name.includes('debit') && !d.name.includes('payment'))) {
      for (const type of ['application/json; charset=utf-8', 'application/json; charset="UTF-8"', 'application/json']) {
        const answer = await request('POST', door.url, { headers: { 'content-type': type, ...door.headers }, body: json(door.valid) });
        expect({ door: door.name, type, status: answer.status }).toEqual({ door: door.name, type, status: 200 });
      }
    }
  });

  it('nesting deeper than 32 levels gets 400 naming the limit on every server (7,000 levels included, never a 500)', async () => {
    const before = await state();
    // Arrays are the densest nesting: 7,000 levels fit in the 16 kB limits.
    const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
    const seen: unknown[] = [];
    const deepDoors = [
      ...doors(),
      {
        name: 'auth POST /v1/m2m/clients',
        url: at(auth.url, '/v1/m2m/clients'),
        headers: projectHeaders(),
        valid: { scopes: ['read:users'] },
      },
      {
        name: 'payment POST /admin/m2m/clients',
        url: at(payment.url, '/admin/m2m/clients'),
        headers: adminHeaders(),
        valid: { scopes: ['read:users'] },
      },
    ];
    for (const door of deepDoors) {
      for (const levels of [33, 7_000]) {
        const body = json({ ...door.valid, trusted_metadata: '__DEEP__' }).replace('"__DEEP__"', nested(levels));
        const answer = await request('POST', door.url, { headers: { 'content-type': 'application/json', ...door.headers }, body });
        seen.push({ door: door.name, levels, status: answer.status, names: messageOf(answer)?.includes('32') });
      }
    }
    expect(seen).toEqual(seen.map((s) => ({ ...(s as object), status: 400, names: true })));
    expect(await state()).toEqual(before);
    // Brackets inside strings are text, not nesting.
    const [token] = doors().filter((d) => d.name.includes('token'));
    const answer = await request('POST', token!.url, {
      headers: { 'content-type': 'application/json' },
      body: json({ ...token!.valid, note: `${'[{'.repeat(40)}\\"[` }),
    });
    expect(answer.status).toBe(200);
  });

  it('valid JSON that is not an object is called "must be a JSON object", not "not valid JSON"', async () => {
    for (const door of doors()) {
      for (const body of ['"x"', '42', 'null', '[]']) {
        const answer = await request('POST', door.url, { headers: { 'content-type': 'application/json', ...door.headers }, body });
        expect({ door: door.name, body, status: answer.status, message: messageOf(answer) }).toEqual({
          door: door.name,
          body,
          status: 400,
          message: expect.stringContaining('must be a JSON object'),
        });
      }
    }
  });
});

/** Every message says a thing once. */
describe('messages read once', () => {
  it('an amount beyond the safe integers reports the limit once', async () => {
    const answer = await request('POST', at(payment.url, '/initiate-payment'), {
      headers: { 'content-type': 'application/json', ...payerHeaders() },
      body: json({ customerId: JOHN.customerId, debitAmount: '__N__', destinationWalletId: JANE.walletId }).replace('"__N__"', '1e300'),
    });
    expect(answer.status).toBe(400);
    const message = messageOf(answer)!;
    expect(message.match(/9007199254740991/g)).toHaveLength(1);
    expect(message.match(/debitAmount/g)).toHaveLength(1);
  });

  it('the 422 for a reused Idempotency-Key tells the remedy once', async () => {
    const key = `reused-${Math.random()}`;
    const pay = (debitAmount: number) =>
      request('POST', at(payment.url, '/initiate-payment'), {
        headers: { 'Idempotency-Key': key, ...payerHeaders() },
        json: { customerId: JOHN.customerId, debitAmount, destinationWalletId: JANE.walletId },
      });
    expect((await pay(1)).status).toBe(200);
    const reused = await pay(2);
    expect(reused.status).toBe(422);
    const message = messageOf(reused)!;
    expect(message.match(/new (Idempotency-)?key/gi)).toHaveLength(1);
  });
});

it('an Idempotency-Key that is not printable ASCII or too long is refused by the payment-server before any debit', async () => {
  const before = await state();
  for (const key of ['x'.repeat(256), 'has space', 'tab\tkey']) {
    const answer = await request('POST', at(payment.url, '/initiate-payment'), {
      headers: { 'Idempotency-Key': key, ...payerHeaders() },
      json: { customerId: JOHN.customerId, debitAmount: 5, destinationWalletId: JANE.walletId },
    });
    expect({ key, status: answer.status, code: answer.body?.error?.code }).toEqual({ key, status: 400, code: 'invalid_idempotency_key' });
  }
  expect(await state()).toEqual(before);
});

it('path parameters that are not client ids are refused, not passed upstream', async () => {
  for (const id of ['..%2F..%2Fv1%2Fm2m%2Fclients', '%00', 'a%20b', 'x'.repeat(300)]) {
    const answer = await get(at(payment.url, `/admin/m2m/clients/${id}`), adminHeaders());
    expect({ id, status: answer.status }).toEqual({ id, status: expect.any(Number) });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
  }
});

it('broken %-encoding in a path: a JSON 4xx from every server, never a 500', async () => {
  const cases: [string, string, string, Record<string, string>][] = [
    [auth.url, 'GET', '/v1/m2m/clients/%E0%A4%A', projectHeaders()],
    [auth.url, 'DELETE', '/v1/m2m/clients/%', projectHeaders()],
    [auth.url, 'POST', '/v1/public/%/oauth2/token', {}],
    [auth.url, 'GET', '/v1/sessions/jwks/%zz', {}],
    [wallet.url, 'POST', '/api/%', walletHeaders()],
    [payment.url, 'GET', '/admin/m2m/clients/%', adminHeaders()],
    [payment.url, 'DELETE', '/admin/m2m/clients/%E0%A4%A', adminHeaders()],
    [payment.url, 'POST', '/initiate-payment/%', payerHeaders()],
  ];
  const before = await state();
  for (const [base, method, rawPath, headers] of cases) {
    const answer = await rawRequest(base, method, rawPath, headers);
    expect({ rawPath, status: answer.status >= 400 && answer.status < 500, json: answer.text.startsWith('{') }).toEqual({
      rawPath,
      status: true,
      json: true,
    });
  }
  expect(await state()).toEqual(before);
});

it('no bad input produced a 5xx or an error-level log line', () => {
  expect(logs.lines.filter((line) => /"statusCode":5\d\d/.test(line) || /"level":50/.test(line))).toEqual([]);
});
