// The key list: filtered by state and spec on the server, a page at a time (list-keys' marker), and the
// form that creates a key and opens it.
import type { KeyDetails } from '../../sdk/kms/types.ts';
import { keyStateBadge, KEY_STATES } from './badges.ts';
import { Messages, busy, field, h, heading, select, time } from './dom.ts';
import type { Clients } from './session.ts';

const PAGE = 10;
export const SPECS = ['AES_256', 'SM4', 'RSA_2048', 'RSA_3072', 'RSA_4096', 'EC_P256', 'EC_P384', 'SECP256K1', 'SM2', 'ED25519', 'HMAC_256', 'HMAC_384', 'HMAC_512', 'HMAC_SM3'];
const USAGES = ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'GENERATE_VERIFY_MAC'];

export function keysView(c: Clients): HTMLElement {
  const messages = new Messages();
  const state = select('state', [['', 'All states'], ...Object.entries(KEY_STATES)]);
  const spec = select('spec', [['ALL', 'All specs'], ...SPECS.map((s): [string, string] => [s, s])], 'ALL');
  const body = h('tbody');
  const summary = h('p', { class: 'muted', 'aria-live': 'polite' });
  const prev = h('button', { type: 'button', class: 'secondary' }, 'Previous page');
  const next = h('button', { type: 'button', class: 'secondary' }, 'Next page');
  // markers[i] is where page i starts ('' for the first).
  let markers = [''];
  let page = 0;
  let nextMarker = '';
  // Only the latest query may fill the table: an earlier, slower answer is dropped.
  let generation = 0;

  const load = () =>
    busy(null, messages, async () => {
      const mine = ++generation;
      const r = await c.kms.listKeys({ limit: String(PAGE), marker: markers[page] || undefined, key_state: state.value || undefined, key_spec: spec.value });
      if (mine !== generation) return;
      nextMarker = r.truncated === 'true' ? r.next_marker : '';
      body.replaceChildren(...r.key_details.map(row));
      if (!r.key_details.length) body.append(h('tr', {}, h('td', { colspan: 5 }, 'No keys match.')));
      summary.textContent = `Page ${page + 1}: ${r.key_details.length} of ${r.total} key(s).`;
      prev.disabled = page === 0;
      next.disabled = !nextMarker;
    });
  prev.addEventListener('click', () => {
    page = Math.max(0, page - 1);
    void load();
  });
  next.addEventListener('click', () => {
    markers[page + 1] = nextMarker;
    page++;
    void load();
  });
  const filter = h('form', { class: 'inline', 'aria-label': 'Filter keys' }, field('State', state), field('Spec', spec), h('button', { type: 'submit', class: 'secondary' }, 'Filter'));
  filter.addEventListener('submit', (e) => {
    e.preventDefault();
    markers = [''];
    page = 0;
    void load();
  });
  void load();

  return h(
    'section',
    {},
    heading('Keys'),
    messages.status,
    messages.alert,
    createForm(c, messages),
    h('h2', {}, 'Your keys'),
    filter,
    h('table', {}, h('caption', { class: 'visually-hidden' }, 'Keys'), h('thead', {}, h('tr', {}, ...['Alias', 'Key ID', 'Spec / usage', 'State', 'Created'].map((t) => h('th', { scope: 'col' }, t)))), body),
    h('div', { class: 'pager' }, prev, summary, next),
  );
}

function row(k: KeyDetails): HTMLTableRowElement {
  return h(
    'tr',
    {},
    h('td', {}, h('a', { href: `#/keys/${encodeURIComponent(k.key_id)}` }, k.key_alias)),
    h('td', {}, h('code', {}, k.key_id)),
    h('td', {}, `${k.key_spec} / ${k.key_usage}`),
    h('td', {}, keyStateBadge(k.key_state)),
    h('td', {}, time(k.creation_date)),
  );
}

function createForm(c: Clients, messages: Messages): HTMLElement {
  const alias = h('input', { name: 'alias', required: true, maxlength: 255, pattern: '[a-zA-Z0-9:/_-]+', autocomplete: 'off' });
  const spec = select('spec', SPECS.map((s) => [s, s]), 'AES_256');
  const usage = select('usage', USAGES.map((u) => [u, u]), 'ENCRYPT_DECRYPT');
  const description = h('input', { name: 'description', maxlength: 255, autocomplete: 'off' });
  const submit = h('button', { type: 'submit' }, 'Create key');
  const form = h(
    'form',
    { class: 'card', 'aria-labelledby': 'create-key-title' },
    h('h2', { id: 'create-key-title' }, 'Create a key'),
    h('div', { class: 'row' }, field('Alias', alias, 'Letters, digits, : / _ -'), field('Key spec', spec), field('Key usage', usage)),
    field('Description', description),
    submit,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await busy(submit, messages, () => c.kms.createKey({ key_alias: alias.value.trim(), key_spec: spec.value, key_usage: usage.value, key_description: description.value || undefined }));
    if (r) location.hash = `#/keys/${encodeURIComponent(r.key_info.key_id)}`;
  });
  return form;
}
