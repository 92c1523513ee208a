// The web console end to end: `npm start`'s server, headless Chromium driving /console as a person would
// (labels, buttons), each step checked on the page and again through the API from Node. Screenshots of
// every step go to .cache/console-screens/; axe-core checks every view for serious or critical violations.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
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

/**
 * Waits for the view a create opens; when the console shows an error instead, fails with the error's text,
 * and when nothing comes, with what the page showed (a bare timeout says neither).
 */
async function opened(view: Locator): Promise<void> {
  const alert = page.getByRole('alert').filter({ hasText: /\S/ });
  await view.or(alert).first().waitFor().catch(async (e: Error) => {
    // Nothing came: say where the page was and what it showed, for the next one who reads this failure.
    const shown = await page.locator('main').innerText().catch(() => '(no main)');
    throw new Error(`${e.message}\npage: ${page.url()}\nshowing: ${shown.slice(0, 1500)}`);
  });
  if (!(await view.isVisible())) expect.fail(`the console showed an error instead: ${await alert.first().innerText()}`);
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
    for (const [path, type] of [['/console', 'text/html'], ['/console/', 'text/html'], ['/console/app.js', 'text/javascript'], ['/console/app.css', 'text/css']]) {
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
    await opened(page.getByRole('heading', { name: 'Key console-key' }));
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
    await page.getByRole('link', { name: 'Secrets', exact: true }).click();
    await page.getByRole('heading', { name: 'Secrets', level: 1 }).waitFor();
    expect(await axeProblems()).toEqual([]);
    await page.getByLabel('Name').fill('db-credentials');
    await page.getByLabel('Key of row 1').fill('username');
    await page.getByLabel('Value of row 1').fill('app');
    await page.getByRole('button', { name: 'Add row' }).click();
    await page.getByLabel('Key of row 2').fill('password');
    await page.getByLabel('Value of row 2').fill('s3cret-1');
    await page.getByRole('button', { name: 'Create secret' }).click();
    await opened(page.getByRole('heading', { name: 'Secret db-credentials' }));
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

  it('lists keys a page at a time and filters them by state', async () => {
    for (let i = 0; i < 11; i++) await kms.createKey({ key_alias: `page-${String(i).padStart(2, '0')}` });
    const total = (await kms.listKeys({ limit: '1000' })).key_details.length;
    expect(total).toBeGreaterThan(11);
    await page.getByRole('link', { name: 'Keys', exact: true }).click();
    const rows = page.locator('tbody tr');
    await expect.poll(() => page.locator('.pager p').innerText()).toBe(`Page 1: 10 of ${total} key(s).`);
    expect(await rows.count()).toBe(10);
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => page.locator('.pager p').innerText()).toBe(`Page 2: ${total - 10} of ${total} key(s).`);
    expect(await rows.count()).toBe(total - 10);
    expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await expect.poll(() => page.locator('.pager p').innerText()).toContain('Page 1:');
    await page.getByLabel('State').selectOption({ label: 'Disabled' });
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.locator('.pager p').innerText()).toBe('Page 1: 1 of 1 key(s).');
    expect(await rows.innerText()).toContain('console-key');
    await shot('10-keys-filtered');
  });

  it('manages tags, rotation and grants of a key', async () => {
    await kms.enableKey({ key_id: keyId });
    await page.goto(`${server.url}/console#/keys/${keyId}`);
    await page.getByRole('heading', { name: 'Key console-key' }).waitFor();
    await page.getByLabel('Tag key').fill('env');
    await page.getByLabel('Tag value').fill('prod');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await page.getByText('env=prod').waitFor();
    expect((await kms.showKmsTags(keyId)).tags).toEqual([{ key: 'env', value: 'prod' }]);
    await page.getByRole('button', { name: 'Remove tag env' }).click();
    await page.getByText('Tag env removed.').waitFor();
    expect((await kms.showKmsTags(keyId)).tags).toEqual([]);

    await page.getByRole('button', { name: 'Enable rotation' }).click();
    await page.getByText('Rotation is on').waitFor();
    await page.getByLabel('Interval in days (30-365)').fill('90');
    await page.getByRole('button', { name: 'Set interval' }).click();
    await page.getByText('Interval saved.').waitFor();
    const rotation = await kms.getKeyRotationStatus({ key_id: keyId });
    expect([rotation.key_rotation_enabled, rotation.rotation_interval]).toEqual([true, 90]);

    await page.getByLabel('Grantee principal (user id)').fill('0123456789abcdef0123456789abcdef');
    await page.getByLabel('Name (optional)').fill('reader');
    await page.getByRole('checkbox', { name: 'decrypt-data', exact: true }).check();
    await page.getByRole('button', { name: 'Create grant' }).click();
    await page.getByText('Grant created.').waitFor();
    const grants = (await kms.listGrants({ key_id: keyId })).grants;
    expect(grants.map((g) => [g.name, g.grantee_principal, g.operations])).toEqual([['reader', '0123456789abcdef0123456789abcdef', ['decrypt-data']]]);
    expect(await axeProblems()).toEqual([]);
    await shot('11-key-tags-rotation-grants');
    await page.getByRole('button', { name: 'Revoke grant reader' }).click();
    await page.getByText('Grant revoked.').waitFor();
    expect((await kms.listGrants({ key_id: keyId })).grants).toEqual([]);
  });

  it('signs and verifies with a signing key made in the console', async () => {
    await page.getByRole('link', { name: 'Keys', exact: true }).click();
    // Fields are looked up once their view is there, as after the other navigations here.
    await page.getByRole('heading', { name: 'Keys', level: 1, exact: true }).waitFor();
    await page.getByLabel('Alias').fill('console-signer');
    await page.getByLabel('Key spec').selectOption('EC_P256');
    await page.getByLabel('Key usage').selectOption('SIGN_VERIFY');
    await page.getByRole('button', { name: 'Create key' }).click();
    await opened(page.getByRole('heading', { name: 'Key console-signer' }));
    const signerId = decodeURIComponent(new URL(page.url()).hash.split('/')[2]);
    await page.getByLabel('Message').fill('pay 10 to bob');
    await page.getByRole('button', { name: 'Sign', exact: true }).click();
    const signature = page.getByLabel('Signature (Base64)');
    await expect.poll(() => signature.inputValue()).not.toBe('');
    const message = Buffer.from('pay 10 to bob').toString('base64');
    expect((await kms.verify({ key_id: signerId, message, message_type: 'RAW', signing_algorithm: 'ECDSA_SHA_256', signature: await signature.inputValue() })).signature_valid).toBe('true');
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByText('The signature is valid.').waitFor();
    await page.getByLabel('Message').fill('pay 99 to bob');
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByText('The signature is NOT valid.').waitFor();
    expect(await axeProblems()).toEqual([]);
    await shot('12-sign-verify');
  });

  it('creates a secret from plain text, schedules its deletion and restores it', async () => {
    await page.getByRole('link', { name: 'Secrets', exact: true }).click();
    // `exact`: 'Name' alone would also match a key's grant form field, Name (optional).
    await page.getByRole('heading', { name: 'Secrets', level: 1, exact: true }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('api-token');
    await page.getByRole('radio', { name: 'Plain text' }).check();
    await page.getByLabel('Secret value (plain text)').fill('tok-123');
    await page.getByRole('button', { name: 'Create secret' }).click();
    await opened(page.getByRole('heading', { name: 'Secret api-token' }));
    expect((await secrets.getVersion('api-token', 'v1')).secret_string).toBe('tok-123');
    await page.getByLabel('Days before deletion (7-30)').fill('8');
    await page.getByRole('button', { name: 'Schedule deletion' }).click();
    await page.getByText('Deletion scheduled in 8 days.').waitFor();
    expect((await secrets.showSecret('api-token')).state).toBe('PENDING_DELETE');
    expect(await page.locator('.details').innerText()).toContain('pending delete');
    await shot('13-secret-pending-delete');
    await page.getByRole('button', { name: 'Restore secret' }).click();
    await page.getByText('Secret restored.').waitFor();
    expect((await secrets.showSecret('api-token')).state).toBe('ENABLED');
    await page.getByLabel('Stage name').fill('blue');
    await page.getByLabel('Version', { exact: true }).selectOption('v1');
    await page.getByRole('button', { name: 'Set stage' }).click();
    await page.getByText('Stage blue now points at v1.').waitFor();
    expect(await page.getByRole('row', { name: /^v1\b/ }).innerText()).toContain('blue');
    expect((await secrets.showStage('api-token', 'blue')).version_id).toBe('v1');
    await page.getByRole('link', { name: 'Secrets', exact: true }).click();
    await page.getByRole('link', { name: 'db-credentials' }).waitFor();
    expect(await page.locator('tbody').innerText()).toContain('api-token');
  });

  it('shows the audit log, filtered, and verifies its chain', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    await page.getByLabel('Result').selectOption('failure');
    await page.getByLabel('Resource').fill(keyId);
    await page.getByRole('button', { name: 'Filter' }).click();
    // The table first shows the unfiltered log; wait for the filtered answer.
    const rows = () => page.locator('tbody tr').allInnerTexts();
    await expect.poll(async () => {
      const now = await rows();
      return now.length > 0 && now.every((r) => r.includes('failure') && r.includes(keyId));
    }).toBe(true);
    expect((await rows()).join('\n')).toContain(`encrypt-data\t${keyId}\t400 ${Code.KeyDisabled}\tfailure`);
    await page.getByRole('button', { name: 'Verify the chain' }).click();
    await page.getByText(/The chain is intact: \d+ record\(s\)\./).waitFor();
    expect(await axeProblems()).toEqual([]);
    await shot('14-audit');
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

  it('signs in and moves through a view from the keyboard alone, focus following the content', async () => {
    const focused = () => page.evaluate(() => {
      const el = document.activeElement as HTMLInputElement;
      return el.labels?.[0]?.textContent ?? el.textContent ?? '';
    });
    expect(await focused()).toBe('Project ID');
    await page.keyboard.type(admin.project_id);
    await page.keyboard.press('Tab');
    await page.keyboard.type(admin.access_key);
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Secret key (SK)');
    await page.keyboard.type(admin.secret_key);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Keys', level: 1 }).waitFor();
    expect(await focused()).toBe('Keys'); // the new view's heading takes focus
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Alias'); // then the first control of the view
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to edgekms' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it('kept to its own origin and its Content-Security-Policy throughout', () => {
    expect(foreignRequests).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});
