// The web console end to end: `npm start`'s server, headless Chromium driving /console as a person would
// (labels, buttons), each step checked on the page and again through the API from Node. Screenshots of
// every step go to .cache/console-screens/; axe-core checks every view for serious or critical violations.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code } from '../../src/kms/errors.ts';
import { CONSOLE_CSP } from '../../src/server/console.ts';
import { KmsClient } from '../../src/sdk/kms/client.ts';
import { SecretsClient } from '../../src/sdk/secrets/client.ts';
import { hasChromium, launchChromium } from '../helpers/chromium.ts';
import { startNodeServer, type RunningServer } from '../helpers/node-server.ts';
import { requireTool } from '../helpers/required-tool.ts';

const SCREENS = new URL('../../.cache/console-screens/', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'edgekms-console-'));
const chromiumOk = requireTool('Debian chromium', hasChromium, 'the web console is tested in Chromium');

let server: RunningServer;
let chrome: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
let admin: { access_key: string; secret_key: string; project_id: string };
let kms: KmsClient;
let secrets: SecretsClient;
let keyId: string;
const cspViolations: string[] = [];
const foreignRequests: string[] = [];

const shot = (name: string) => page.screenshot({ path: join(SCREENS, `${name}.png`), fullPage: true });

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core'), 'utf8');

/**
 * axe-core in the page: serious and critical violations, summarised so a failure names rule and element.
 * page.addScriptTag would add an inline <script>, which the console's CSP rightly blocks; evaluating the
 * source through the DevTools protocol is not subject to it.
 */
async function axeProblems(): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(AXE);
  const result = (await page.evaluate(() => (globalThis as any).axe.run(document))) as { violations: { id: string; impact: string; nodes: { target: string[] }[] }[] };
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

beforeAll(async () => {
  if (!chromiumOk) return;
  rmSync(SCREENS, { recursive: true, force: true });
  mkdirSync(SCREENS, { recursive: true });
  const dataDir = join(work, 'data');
  server = await startNodeServer({ EDGEKMS_DATA_DIR: dataDir });
  admin = JSON.parse(readFileSync(join(dataDir, 'admin.json'), 'utf8'));
  const options = { endpoint: server.url, accessKey: admin.access_key, secretKey: admin.secret_key, projectId: admin.project_id };
  kms = new KmsClient(options);
  secrets = new SecretsClient(options);
  chrome = await launchChromium();
  page = await (chrome.browser.contexts()[0] ?? (await chrome.browser.newContext())).newPage();
  page.setDefaultTimeout(20_000);
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  page.on('request', (r) => {
    if (!r.url().startsWith(server.url)) foreignRequests.push(r.url());
  });
}, 120_000);

afterAll(async () => {
  await chrome?.close();
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!chromiumOk)('the web console in Chromium', () => {
  it('serves its page, script and stylesheet under a strict Content-Security-Policy, without signing', async () => {
    for (const [path, type] of [['/console', 'text/html'], ['/console/app.js', 'text/javascript'], ['/console/app.css', 'text/css']]) {
      const res = await fetch(server.url + path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toContain(type);
      expect(res.headers.get('content-security-policy'), path).toBe(CONSOLE_CSP);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('set-cookie'), path).toBeNull();
    }
    expect(CONSOLE_CSP).toContain("default-src 'self'");
    expect(CONSOLE_CSP).not.toContain('unsafe-inline');
    const html = await (await fetch(`${server.url}/console`)).text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)|<style|\sstyle=/); // nothing inline
  });

  it('1. signs in (a wrong secret key is refused with the API code and not kept)', async () => {
    await page.goto(`${server.url}/console`);
    await page.getByRole('heading', { name: 'Sign in to edgekms' }).waitFor();
    expect(await axeProblems()).toEqual([]);
    await page.getByLabel('Project ID').fill(admin.project_id);
    await page.getByLabel('Access key (AK)').fill(admin.access_key);
    await page.getByLabel('Secret key (SK)').fill('not-the-secret-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toContain('APIGW.0301');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await shot('01-sign-in-refused');
    await page.getByLabel('Secret key (SK)').fill(admin.secret_key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Keys', level: 1 }).waitFor();
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual(['edgekms.console.credential']);
    expect(await axeProblems()).toEqual([]);
    await shot('02-keys-empty');
  });

  it('2. creates a key, encrypts "hello world!" and decrypts it', async () => {
    await page.getByLabel('Alias').fill('console-key');
    await page.getByLabel('Description').fill('made in the console');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('heading', { name: 'Key console-key' }).waitFor();
    keyId = decodeURIComponent(new URL(page.url()).hash.split('/')[2]);
    const k = (await kms.describeKey({ key_id: keyId })).key_info;
    expect([k.key_alias, k.key_spec, k.key_state, k.key_description]).toEqual(['console-key', 'AES_256', '2', 'made in the console']);
    await page.getByLabel('Plaintext (up to 4096 bytes)').fill('hello world!');
    await page.getByRole('button', { name: 'Encrypt', exact: true }).click();
    const cipher = page.getByLabel('Ciphertext (Base64)');
    await expect.poll(() => cipher.inputValue()).not.toBe('');
    // The ciphertext is the API's: the server decrypts it for Node too.
    expect((await kms.decryptData({ cipher_text: await cipher.inputValue() })).plain_text).toBe('hello world!');
    await page.getByLabel('Plaintext (up to 4096 bytes)').fill('');
    await page.getByRole('button', { name: 'Decrypt', exact: true }).click();
    await expect.poll(() => page.locator('#decrypted').innerText()).toBe('hello world!');
    expect(await axeProblems()).toEqual([]);
    await shot('03-key-encrypt-decrypt');
  });

  it("3. disables the key, shows the API's error when encrypting, enables it again", async () => {
    await page.getByRole('button', { name: 'Disable key' }).click();
    await page.getByText('Key disabled.').waitFor();
    expect((await kms.describeKey({ key_id: keyId })).key_info.key_state).toBe('3');
    await page.getByLabel('Plaintext (up to 4096 bytes)').fill('hello world!');
    await page.getByRole('button', { name: 'Encrypt', exact: true }).click();
    const alert = page.locator('section[aria-labelledby="crypto-title"] [role="alert"]');
    await expect.poll(() => alert.innerText()).toContain(Code.KeyDisabled);
    expect(await alert.innerText()).toContain('is disabled');
    await shot('04-encrypt-refused-disabled');
    await page.getByRole('button', { name: 'Enable key' }).click();
    await page.getByText('Key enabled.').waitFor();
    expect((await kms.describeKey({ key_id: keyId })).key_info.key_state).toBe('2');
  });

  it('4. schedules its deletion, then cancels it', async () => {
    await page.getByLabel('Days before deletion (7-1096)').fill('9');
    await page.getByRole('button', { name: 'Schedule deletion' }).click();
    await page.getByText('Deletion scheduled in 9 days.').waitFor();
    expect(await page.locator('.details').innerText()).toContain('Pending deletion');
    expect((await kms.describeKey({ key_id: keyId })).key_info.key_state).toBe('4');
    await shot('05-deletion-scheduled');
    await page.getByRole('button', { name: 'Cancel deletion' }).click();
    await page.getByText('Deletion cancelled').waitFor();
    expect((await kms.describeKey({ key_id: keyId })).key_info.key_state).toBe('3');
    expect(await page.locator('.details').innerText()).toContain('Disabled');
    await page.getByRole('link', { name: 'Keys', exact: true }).click();
    await page.getByRole('link', { name: 'console-key' }).waitFor();
    expect(await page.locator('tbody').innerText()).toContain('Disabled');
    await shot('06-keys-list');
  });

  it('5. creates a secret from two key/value rows (v1), adds a version (v2, SYSCURRENT)', async () => {
    await page.getByRole('link', { name: 'Secrets' }).click();
    await page.getByRole('heading', { name: 'Secrets', level: 1 }).waitFor();
    expect(await axeProblems()).toEqual([]);
    await page.getByLabel('Name').fill('db-credentials');
    await page.getByLabel('Key of row 1').fill('username');
    await page.getByLabel('Value of row 1').fill('app');
    await page.getByRole('button', { name: 'Add row' }).click();
    await page.getByLabel('Key of row 2').fill('password');
    await page.getByLabel('Value of row 2').fill('s3cret-1');
    await page.getByRole('button', { name: 'Create secret' }).click();
    await page.getByRole('heading', { name: 'Secret db-credentials' }).waitFor();
    const v1 = page.getByRole('row', { name: /^v1\b/ });
    await v1.waitFor();
    expect(await v1.innerText()).toContain('SYSCURRENT');
    expect(JSON.parse((await secrets.getVersion('db-credentials', 'v1')).secret_string!)).toEqual({ username: 'app', password: 's3cret-1' });
    expect(await axeProblems()).toEqual([]);
    await shot('07-secret-v1');
    await page.getByLabel('Key of row 1').fill('password');
    await page.getByLabel('Value of row 1').fill('s3cret-2');
    await page.getByRole('button', { name: 'Add version' }).click();
    const v2 = page.getByRole('row', { name: /^v2\b/ });
    await v2.waitFor();
    expect(await v2.innerText()).toContain('SYSCURRENT');
    expect(await v1.innerText()).not.toContain('SYSCURRENT');
    const latest = await secrets.getVersion('db-credentials', 'latest');
    expect([latest.version_metadata.id, JSON.parse(latest.secret_string!)]).toEqual(['v2', { password: 's3cret-2' }]);
    await page.getByRole('button', { name: 'Show value of v2' }).click();
    await expect.poll(() => page.getByLabel('Secret value', { exact: true }).innerText()).toBe('{"password":"s3cret-2"}');
    await shot('08-secret-v2');
  });

  it('6. signs out: neither sessionStorage nor the DOM holds the credential', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to edgekms' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    const html = await page.content();
    expect(html).not.toContain(admin.secret_key);
    expect(html).not.toContain(admin.access_key);
    expect(await page.evaluate(() => [...document.querySelectorAll('input')].map((i) => i.value))).toEqual(['', '', '']);
    // A reload stays signed out.
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to edgekms' }).waitFor();
    await shot('09-signed-out');
  });

  it('kept to its own origin and its Content-Security-Policy throughout', () => {
    expect(foreignRequests).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});
