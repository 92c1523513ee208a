// One key: its details and state actions (enable, disable, schedule deletion, cancel it), then the
// sections that use or manage it. Every action reloads the details from the API.
import type { KeyDetails } from '../../sdk/kms/types.ts';
import { keyStateBadge } from './badges.ts';
import { Messages, busy, field, h, heading, time } from './dom.ts';
import { cryptoSection } from './key-crypto.ts';
import { grantsSection } from './key-grants.ts';
import { rotationSection } from './key-rotation.ts';
import { tagsSection } from './key-tags.ts';
import type { Clients } from './session.ts';

export function keyView(c: Clients, keyId: string): HTMLElement {
  const messages = new Messages();
  const title = heading('Key');
  const details = h('dl', { class: 'details' });
  const actions = h('div', { class: 'actions' });
  const sections = h('div');
  let loaded = false;

  const reload = async () => {
    const k = (await c.kms.describeKey({ key_id: keyId })).key_info;
    title.textContent = `Key ${k.key_alias}`;
    details.replaceChildren(
      ...dl([
        ['Key ID', h('code', {}, k.key_id)],
        ['Alias', k.key_alias],
        ['State', keyStateBadge(k.key_state)],
        ['Spec', k.key_spec],
        ['Usage', k.key_usage],
        ['Description', k.key_description || '—'],
        ['Created', time(k.creation_date)],
        ['Deletion date', time(k.scheduled_deletion_date)],
      ]),
    );
    actions.replaceChildren(...stateActions(c, k, messages, reload));
    if (!loaded) {
      loaded = true;
      sections.append(cryptoSection(c, k), rotationSection(c, k), tagsSection(c, k), grantsSection(c, k));
    }
  };
  void busy(null, messages, reload);

  return h(
    'section',
    {},
    h('p', {}, h('a', { href: '#/keys' }, '← All keys')),
    title,
    messages.status,
    messages.alert,
    details,
    h('h2', {}, 'State'),
    actions,
    sections,
  );
}

const dl = (rows: [string, Node | string][]) => rows.flatMap(([t, d]) => [h('dt', {}, t), h('dd', {}, d)]);

function stateActions(c: Clients, k: KeyDetails, messages: Messages, reload: () => Promise<void>): HTMLElement[] {
  const act = (label: string, done: string, call: () => Promise<unknown>, cls = 'secondary') => {
    const b = h('button', { type: 'button', class: cls }, label);
    b.addEventListener('click', () =>
      busy(b, messages, async () => {
        await call();
        await reload();
        messages.ok(done);
      }),
    );
    return b;
  };
  const id = { key_id: k.key_id };
  const out: HTMLElement[] = [];
  if (k.key_state === '3') out.push(act('Enable key', 'Key enabled.', () => c.kms.enableKey(id)));
  if (k.key_state === '2') out.push(act('Disable key', 'Key disabled.', () => c.kms.disableKey(id)));
  if (k.key_state === '4') out.push(act('Cancel deletion', 'Deletion cancelled; the key is disabled.', () => c.kms.cancelKeyDeletion(id)));
  else {
    const days = h('input', { name: 'pending_days', type: 'number', min: 7, max: 1096, value: 7, required: true });
    const submit = h('button', { type: 'submit', class: 'danger' }, 'Schedule deletion');
    const form = h('form', { class: 'inline', 'aria-label': 'Schedule deletion' }, field('Days before deletion (7-1096)', days), submit);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void busy(submit, messages, async () => {
        await c.kms.scheduleKeyDeletion({ key_id: k.key_id, pending_days: days.value });
        await reload();
        messages.ok(`Deletion scheduled in ${days.value} days.`);
      });
    });
    out.push(form);
  }
  return out;
}
