// The audit log (administrators): records filtered by identity, resource, result and time, oldest first,
// a page at a time, and a check of the whole hash chain. Read through /edgekms/v1/audit, signed like
// every other call.
import type { AuditRecord } from '../../audit/log.ts';
import { badge } from './badges.ts';
import { Messages, busy, field, h, heading, select } from './dom.ts';
import type { Clients } from './session.ts';

const PAGE = '20';

export function auditView(c: Clients): HTMLElement {
  const messages = new Messages();
  const identity = h('input', { name: 'identity', maxlength: 128, autocomplete: 'off' });
  const resource = h('input', { name: 'resource', maxlength: 128, autocomplete: 'off' });
  const result = select('result', [['', 'Any result'], ['success', 'Success'], ['failure', 'Failure']]);
  const from = h('input', { name: 'from', type: 'datetime-local', step: 1 });
  const to = h('input', { name: 'to', type: 'datetime-local', step: 1 });
  const body = h('tbody');
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more');
  const verify = h('button', { type: 'button', class: 'secondary' }, 'Verify the chain');
  const chain = h('p', { 'aria-live': 'polite' });
  let marker: number | undefined;
  // Only the latest query may fill the table: an earlier, slower answer is dropped.
  let generation = 0;

  // datetime-local is the browser's local time; the API takes UTC ISO times.
  const iso = (v: string) => (v ? new Date(v).toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined);
  const query = () => {
    const q: Record<string, string> = { limit: PAGE };
    const add = (k: string, v: string | undefined) => v && (q[k] = v);
    add('identity', identity.value.trim());
    add('resource', resource.value.trim());
    add('result', result.value);
    add('from', iso(from.value));
    add('to', iso(to.value));
    if (marker !== undefined) q.marker = String(marker);
    return q;
  };
  const load = (append: boolean) =>
    busy(null, messages, async () => {
      if (!append) marker = undefined;
      const mine = ++generation;
      const r = await c.http.request<{ records: AuditRecord[]; next_marker?: number }>('GET', '/edgekms/v1/audit', undefined, query(), { idempotent: true });
      if (mine !== generation) return;
      if (!append) body.replaceChildren();
      body.append(...r.records.map(row));
      if (!body.children.length) body.append(h('tr', {}, h('td', { colspan: 7 }, 'No records match.')));
      marker = r.next_marker;
      more.hidden = marker === undefined;
    });
  const form = h('form', { class: 'inline', 'aria-label': 'Filter the audit log' }, field('Identity (user or AK)', identity), field('Resource', resource), field('Result', result), field('From', from), field('To', to), h('button', { type: 'submit', class: 'secondary' }, 'Filter'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void load(false);
  });
  more.addEventListener('click', () => load(true));
  verify.addEventListener('click', () =>
    busy(verify, messages, async () => {
      const v = await c.http.request<{ intact: boolean; records: number; first_bad?: { seq: number; reason: string } }>('GET', '/edgekms/v1/audit/verify', undefined, {}, { idempotent: true });
      chain.textContent = v.intact ? `The chain is intact: ${v.records} record(s).` : `The chain is broken at record ${v.first_bad?.seq}: ${v.first_bad?.reason}`;
    }),
  );
  void load(false);
  return h(
    'section',
    {},
    heading('Audit log'),
    messages.status,
    messages.alert,
    h('div', { class: 'actions' }, verify, chain),
    form,
    h('table', {}, h('thead', {}, h('tr', {}, ...['#', 'Time (UTC)', 'Identity', 'Operation', 'Resource', 'Status', 'Result'].map((t) => h('th', { scope: 'col' }, t)))), body),
    more,
  );
}

function row(r: AuditRecord): HTMLTableRowElement {
  return h(
    'tr',
    {},
    h('td', {}, String(r.seq)),
    h('td', {}, r.time.replace('T', ' ').replace('Z', '')),
    h('td', {}, r.principal ?? '', r.access_key ? h('br') : null, r.access_key ? h('code', {}, r.access_key) : null),
    h('td', {}, r.operation ?? `${r.method}`),
    h('td', {}, r.resource ? h('code', {}, r.resource) : '—'),
    // A request record (written before the operation ran) has no answer yet: its outcome is the record with its request id.
    h('td', { class: 'nowrap' }, r.phase === 'request' ? 'request' : String(r.status), r.error_code ? ' ' : null, r.error_code ? h('code', {}, r.error_code) : null),
    h('td', {}, badge(r.result, r.result === 'success' ? 'secret-enabled' : r.result === 'pending' ? 'secret-pending' : 'state-4')),
  );
}
