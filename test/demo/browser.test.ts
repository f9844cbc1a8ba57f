/**
 * The demo in a real browser: headless Chromium (Debian's package) driven by playwright-core.
 * Screenshots of each step go to test-output/browser/ (git-ignored).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { ROOT, startDemo } from './helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(ROOT, 'test-output', 'browser');

describe('demo in headless Chromium', {
  skip: !existsSync(CHROMIUM) && `no browser at ${CHROMIUM} (apt-get install chromium)`,
}, () => {
  let browser: Browser;
  let demo: Awaited<ReturnType<typeof startDemo>>['demo'];
  let url: string;
  let step = 0;
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(SHOTS, `${String(++step).padStart(2, '0')}-${name}.png`), fullPage: true });

  before(async () => {
    // No silent skip: CI installs the browser (.ci/run), and a missing one must fail loudly.
    assert.ok(existsSync(CHROMIUM), `no browser at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
    mkdirSync(SHOTS, { recursive: true });
    ({ demo, url } = await startDemo());
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  after(async () => {
    await browser?.close();
    await demo?.close();
  });

  async function signIn(page: Page, username: string, password: string, remember = false) {
    await page.goto(`${url}/login`);
    await page.fill('#username', username);
    await page.fill('#password', password);
    if (remember) await page.check('input[name=remember]');
    await Promise.all([page.waitForURL(`${url}/`), page.click('button[type=submit]')]);
  }

  it('logs in, keeps the session, revokes another device, logs out, and leaves nothing behind the back button', async () => {
    const first = await browser.newContext({
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome first-device',
    });
    const page = await first.newPage();

    // A failed login shows a flash.
    await page.goto(`${url}/`);
    assert.equal(new URL(page.url()).pathname, '/login', 'a visitor is sent to the login page');
    await page.fill('#username', 'alice');
    await page.fill('#password', 'not her password');
    await Promise.all([page.waitForURL(/\/login/), page.click('button[type=submit]')]);
    assert.match((await page.textContent('.flash.error')) ?? '', /Wrong username or password/);
    await shot(page, 'login-failed');

    // Log in and see the greeting.
    await signIn(page, 'alice', 'wonderland-2026');
    assert.match((await page.textContent('h1')) ?? '', /Hello, Alice Liddell!/);
    await shot(page, 'home');

    // The cookie as the browser holds it.
    const cookies = await first.cookies(url);
    const sid = cookies.find((c) => c.name === 'sid');
    assert.ok(sid, 'the browser holds the session cookie');
    assert.equal(sid.httpOnly, true);
    assert.equal(sid.sameSite, 'Lax');
    assert.equal(sid.path, '/');
    assert.equal(sid.secure, false, 'no Secure only because this is plain-http localhost');
    assert.equal(sid.expires, -1, 'a browser-session cookie without remember-me');
    assert.equal(await page.evaluate(() => document.cookie), '', 'scripts cannot read it');

    // Reload: still signed in.
    await page.reload();
    assert.match((await page.textContent('h1')) ?? '', /Hello, Alice Liddell!/);

    // A second browser (another device) signs in with remember-me.
    const second = await browser.newContext({
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome second-device',
    });
    const other = await second.newPage();
    await signIn(other, 'alice', 'wonderland-2026', true);
    const remembered = (await second.cookies(url)).find((c) => c.name === 'sid');
    assert.ok(remembered && remembered.expires > Date.now() / 1000, 'remember-me makes the cookie persistent');

    // The devices page lists both; revoke the first device from the second.
    await other.goto(`${url}/devices`);
    assert.equal(await other.locator('tbody tr').count(), 2);
    await shot(other, 'devices');
    const firstRow = other.locator('tbody tr', { hasText: 'first-device' });
    await Promise.all([other.waitForURL(`${url}/devices`), firstRow.locator('button', { hasText: 'Revoke' }).click()]);
    assert.match((await other.textContent('.flash.success')) ?? '', /signed out/);
    assert.equal(await other.locator('tbody tr').count(), 1);
    await shot(other, 'devices-after-revoke');

    // The first device is signed out.
    await page.reload();
    assert.equal(new URL(page.url()).pathname, '/login');
    await shot(page, 'revoked-device');

    // The admin page, then log out on the second device.
    await other.goto(`${url}/admin`);
    assert.match((await other.textContent('h1')) ?? '', /Admin/);
    await shot(other, 'admin');
    await other.goto(`${url}/profile`);
    assert.match(await other.inputValue('#email'), /alice@example\.com/);
    await shot(other, 'profile');
    await Promise.all([other.waitForURL(/\/login/), other.click('header button[type=submit]')]);
    assert.match((await other.textContent('.flash.info')) ?? '', /You are signed out/);
    await shot(other, 'logged-out');

    // Back button: the private page is not shown from cache (Cache-Control: no-store).
    await other.goBack();
    await other.waitForLoadState();
    assert.equal(new URL(other.url()).pathname, '/login', `back shows ${other.url()}`);
    assert.doesNotMatch((await other.content()) ?? '', /alice@example\.com|Hello, Alice/);
    await shot(other, 'back-button');

    await first.close();
    await second.close();
  });
});
