// The secret list, a page at a time, and the form that creates a secret and opens it.
import type { Secret } from '../../sdk/secrets/types.ts';
import { badge } from './badges.ts';
import { Messages, busy, field, h, heading, time } from './dom.ts';
import type { Clients } from './session.ts';
import { valueEditor } from './value-editor.ts';

const PAGE = 10;

export function secretsView(c: Clients): HTMLElement {
  const messages = new Messages();
  const body = h('tbody');
  const prev = h('button', { type: 'button', class: 'secondary' }, 'Previous page');
  const next = h('button', { type: 'button', class: 'secondary' }, 'Next page');
  const summary = h('p', { class: 'muted', 'aria-live': 'polite' });
  const markers = [''];
  let page = 0;
  let nextMarker = '';
  const load = () =>
    busy(null, messages, async () => {
      const r = await c.secrets.listSecrets({ limit: PAGE, marker: markers[page] || undefined });
      nextMarker = r.page_info.next_marker ?? '';
      body.replaceChildren(...r.secrets.map(row));
      if (!r.secrets.length) body.append(h('tr', {}, h('td', { colspan: 4 }, 'No secrets yet.')));
      summary.textContent = `Page ${page + 1}: ${r.secrets.length} secret(s).`;
      prev.disabled = page === 0;
      next.disabled = !nextMarker;
    });
  prev.addEventListener('click', () => {
    page = Math.max(0, page - 1);
    void load();
  });
  next.addEventListener('click', () => {
    markers[++page] = nextMarker;
    void load();
  });
  void load();
  return h(
    'section',
    {},
    heading('Secrets'),
    messages.status,
    messages.alert,
    createForm(c, messages),
    h('h2', {}, 'Your secrets'),
    h('table', {}, h('thead', {}, h('tr', {}, ...['Name', 'State', 'Description', 'Created'].map((t) => h('th', { scope: 'col' }, t)))), body),
    h('div', { class: 'pager' }, prev, summary, next),
  );
}

export const secretStateBadge = (state: string) => badge(state.replace('_', ' ').toLowerCase(), `secret-${state.toLowerCase()}`);

function row(s: Secret): HTMLTableRowElement {
  return h(
    'tr',
    {},
    h('td', {}, h('a', { href: `#/secrets/${encodeURIComponent(s.name)}` }, s.name)),
    h('td', {}, secretStateBadge(s.state)),
    h('td', {}, s.description || '—'),
    h('td', {}, time(s.create_time)),
  );
}

function createForm(c: Clients, messages: Messages): HTMLElement {
  const name = h('input', { name: 'name', required: true, maxlength: 64, pattern: '[a-zA-Z0-9._-]+', autocomplete: 'off' });
  const description = h('input', { name: 'description', maxlength: 2048, autocomplete: 'off' });
  const kmsKey = h('input', { name: 'kms_key_id', maxlength: 64, autocomplete: 'off' });
  const editor = valueEditor();
  const submit = h('button', { type: 'submit' }, 'Create secret');
  const form = h(
    'form',
    { class: 'card', 'aria-labelledby': 'create-secret-title' },
    h('h2', { id: 'create-secret-title' }, 'Create a secret'),
    h('div', { class: 'row' }, field('Name', name, 'Letters, digits, . _ -'), field('Description', description), field('KMS key ID (optional)', kmsKey, 'Empty: csms/default')),
    editor.element,
    submit,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const s = await busy(submit, messages, () =>
      c.secrets.createSecret({ name: name.value.trim(), description: description.value || undefined, kms_key_id: kmsKey.value.trim() || undefined, secret_string: editor.value() }),
    );
    if (s) location.hash = `#/secrets/${encodeURIComponent(s.name)}`;
  });
  return form;
}
