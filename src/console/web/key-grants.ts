// A key's grants: listed, created for a principal with chosen operations, revoked.
import type { KeyDetails } from '../../sdk/kms/types.ts';
import { Messages, busy, field, h, time } from './dom.ts';
import type { Clients } from './session.ts';

const OPERATIONS = ['describe-key', 'encrypt-data', 'decrypt-data', 'create-datakey', 'create-datakey-without-plaintext', 'encrypt-datakey', 'decrypt-datakey', 'retire-grant', 'sign', 'verify'];

export function grantsSection(c: Clients, k: KeyDetails): HTMLElement {
  const messages = new Messages();
  const body = h('tbody');
  const grantee = h('input', { name: 'grantee_principal', required: true, maxlength: 64, autocomplete: 'off' });
  const name = h('input', { name: 'grant_name', maxlength: 255, autocomplete: 'off' });
  const boxes = OPERATIONS.map((op) => h('input', { type: 'checkbox', name: 'operations', value: op }));
  const create = h('button', { type: 'submit', class: 'secondary' }, 'Create grant');
  const reload = async () => {
    const r = await c.kms.listGrants({ key_id: k.key_id, limit: '100' });
    body.replaceChildren(...r.grants.map((g) => {
      const revoke = h('button', { type: 'button', class: 'link', 'aria-label': `Revoke grant ${g.name || g.grant_id}` }, 'Revoke');
      revoke.addEventListener('click', () =>
        busy(revoke, messages, async () => {
          await c.kms.revokeGrant({ key_id: k.key_id, grant_id: g.grant_id });
          await reload();
          messages.ok('Grant revoked.');
        }),
      );
      return h('tr', {}, h('td', {}, g.name || '—'), h('td', {}, h('code', {}, g.grantee_principal)), h('td', {}, g.operations.join(', ')), h('td', {}, time(g.creation_date)), h('td', {}, revoke));
    }));
    if (!r.grants.length) body.append(h('tr', {}, h('td', { colspan: 5 }, 'No grants.')));
  };
  const form = h(
    'form',
    { 'aria-label': 'Create a grant' },
    h('div', { class: 'row' }, field('Grantee principal (user id)', grantee), field('Name (optional)', name)),
    h('fieldset', { class: 'checks' }, h('legend', {}, 'Operations'), ...boxes.map((b) => h('label', {}, b, ` ${b.value}`))),
    create,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void busy(create, messages, async () => {
      await c.kms.createGrant({ key_id: k.key_id, grantee_principal: grantee.value.trim(), name: name.value || undefined, operations: boxes.filter((b) => b.checked).map((b) => b.value) });
      form.reset();
      await reload();
      messages.ok('Grant created.');
    });
  });
  void busy(null, messages, reload);
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'grants-title' },
    h('h2', { id: 'grants-title' }, 'Grants'),
    messages.status,
    messages.alert,
    h('table', {}, h('thead', {}, h('tr', {}, ...['Name', 'Grantee', 'Operations', 'Created', 'Action'].map((t) => h('th', { scope: 'col' }, t)))), body),
    form,
  );
}
