import fs from 'node:fs';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { accessToken, closeAll, sdk, startAuth } from '../../test/support/stack';
import type { RunningAuthServer } from '../src';

/**
 * The console in a real browser: Debian's headless Chromium (apt-get install chromium; .ci/run
 * installs it) driven by puppeteer-core. Screenshots go to .artifacts/console/ (git-ignored);
 * UPDATE_DOCS_SCREENSHOT=1 also refreshes docs/console.png, the README's.
 */
// The page functions below run in the browser. The project compiles without the DOM library (server
// code must not see browser globals), so the few they use are declared here, in this module only.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare const navigator: any;
declare const localStorage: any;
declare const sessionStorage: any;
/* eslint-enable @typescript-eslint/no-explicit-any */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = path.join(__dirname, '..', '..');
const ARTIFACTS = path.join(ROOT, '.artifacts', 'console');

describe('the console in headless Chromium', () => {
  let auth: RunningAuthServer;
  let browser: Browser;
  let page: Page;
  /** What the page reported: CSP violations and script errors would show up here. */
  const problems: string[] = [];

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    auth = await startAuth();
    // --no-sandbox: CI containers run as root, where Chromium's sandbox can't start.
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    const origin = new URL(auth.url).origin;
    for (const name of ['clipboard-read', 'clipboard-write']) {
      await browser.defaultBrowserContext().setPermission(origin, { permission: { name }, state: 'granted' });
    }
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 760 });
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (err) => problems.push(String(err)));
  });
  afterAll(async () => {
    await browser.close();
    await closeAll(auth);
  });

  const screenshot = async (name: string) => {
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
    if (name === 'clients' && process.env.UPDATE_DOCS_SCREENSHOT === '1')
      await page.screenshot({ path: path.join(ROOT, 'docs', 'console.png') });
  };
  const rowOf = (clientId: string) => `#clients tr[data-client-id="${clientId}"]`;
  const clickInRow = async (clientId: string, label: string) => {
    const button = await page.waitForSelector(`::-p-xpath(//tr[@data-client-id="${clientId}"]//button[normalize-space()="${label}"])`);
    await button!.click();
  };
  const revealedSecret = async (previous = '') => {
    await page.waitForFunction(
      (old) => {
        const input = document.querySelector('#secret-value');
        return !document.querySelector('#secret-reveal')?.hasAttribute('hidden') && input && input.value !== '' && input.value !== old;
      },
      {},
      previous,
    );
    return page.$eval('#secret-value', (input) => input.value);
  };
  const openTab = (tab: string) => page.click(`nav [data-tab="${tab}"]`);

  it('signs in, creates a client, rotates its secret, sees its token issued in the audit feed, and inspects that token', async () => {
    // Sign in with the project's credentials.
    await page.goto(`${auth.url}console`);
    await page.type('input[name="project_id"]', auth.projectId);
    await page.type('input[name="secret"]', auth.projectSecret);
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
    await page.waitForSelector('#clients');
    expect(page.url()).toBe(`${auth.url}console`); // no credential in the URL
    expect(await page.evaluate(() => document.cookie)).toBe(''); // the session cookie is HttpOnly

    // Create a client with scopes and trusted_metadata: its secret is shown once, copyable.
    await page.type('#client-form input[name="client_name"]', 'checkout-service');
    await page.type('#client-form input[name="client_description"]', 'Pays with write:payments tokens');
    await page.type('#client-form input[name="scopes"]', 'write:payments read:users');
    await page.$eval('#client-form textarea[name="trusted_metadata"]', (t) => (t.value = '{"tier":"gold"}'));
    await page.click('#client-save');
    const secret = await revealedSecret();
    const label = await page.$eval('#secret-label', (element) => String(element.textContent));
    const clientId = /\((m2m-client-[^)]+)\)/.exec(label)?.[1];
    if (clientId === undefined) throw new Error(`the secret's label names no client_id: ${label}`);
    await page.waitForSelector(rowOf(clientId));
    await page.click('#secret-copy');
    await page.waitForFunction(() => document.querySelector('#notice')?.textContent === 'Copied to the clipboard');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    const admin = sdk(auth);
    const { m2m_client: stored } = await admin.m2m.clients.get({ client_id: clientId });
    expect(stored).toMatchObject({
      client_name: 'checkout-service',
      scopes: ['write:payments', 'read:users'],
      trusted_metadata: { tier: 'gold' },
    });
    await screenshot('clients');
    await page.click('#secret-dismiss');

    // Rotate its secret: start (the new secret is shown once), then complete.
    await clickInRow(clientId, 'Rotate secret');
    const nextSecret = await revealedSecret(secret);
    expect(nextSecret).not.toBe(secret);
    await clickInRow(clientId, 'Complete rotation');
    await page.waitForFunction(
      (selector, lastFour) => document.querySelector(`${selector} td:nth-child(5)`)?.textContent === `…${lastFour}`,
      {},
      rowOf(clientId),
      nextSecret.slice(-4),
    );
    await screenshot('rotated');
    // The new secret works, the old one no longer does.
    const token = await accessToken(admin, { clientId: clientId, clientSecret: nextSecret }, ['read:users']);
    await expect(accessToken(admin, { clientId: clientId, clientSecret: secret })).rejects.toThrow(/invalid_client|authentication failed/i);

    // The live audit feed shows the token issued (and the rotation steps before it).
    await openTab('audit');
    await page.waitForFunction(
      (id) =>
        [...document.querySelectorAll('#audit tbody tr[data-type="token.issued"]')].some((row: { textContent: string }) =>
          row.textContent.includes(id),
        ),
      {},
      clientId,
    );
    const types = await page.$$eval('#audit tbody tr', (rows) => rows.map((row) => row.dataset.type));
    expect(types).toEqual(
      expect.arrayContaining([
        'client.created',
        'client.secret_rotation.started',
        'client.secret_rotation.completed',
        'token.issued',
        'token.refused',
      ]),
    );
    await screenshot('audit');

    // Inspect the token: header, claims, signature checked against the JWKS, expiry.
    await openTab('inspector');
    await page.$eval('#inspect-form textarea[name="token"]', (t, value) => (t.value = value), token);
    await page.click('#inspect-form button[type="submit"]');
    await page.waitForSelector('#inspect-result:not([hidden])');
    expect(await page.$eval('#inspect-signature', (p) => p.textContent)).toMatch(/^Signature: valid/);
    expect(await page.$eval('#inspect-expiry', (p) => p.textContent)).toMatch(/s left\)$/);
    const claims = JSON.parse((await page.$eval('#inspect-claims', (pre) => pre.textContent)) ?? '{}');
    expect(claims).toMatchObject({ sub: clientId, scope: 'read:users', aud: [auth.projectId] });
    await screenshot('inspector');

    // Nothing secret was left in the browser's storage, and the page ran without a CSP violation or error.
    const stored_ = await page.evaluate(() => `${localStorage.length}/${sessionStorage.length}`);
    expect(stored_).toBe('0/0');
    expect(problems).toEqual([]);
  });
});
