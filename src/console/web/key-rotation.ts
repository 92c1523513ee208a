// Automatic rotation of a symmetric key: its status, switching it on or off, and the interval in days.
import type { KeyDetails } from '../../sdk/kms/types.ts';
import { Messages, busy, field, h, time } from './dom.ts';
import type { Clients } from './session.ts';

const ROTATABLE = new Set(['AES_256', 'SM4']);

export function rotationSection(c: Clients, k: KeyDetails): HTMLElement {
  if (!ROTATABLE.has(k.key_spec)) return h('div');
  const messages = new Messages();
  const status = h('p');
  const toggle = h('button', { type: 'button', class: 'secondary' }, 'Enable rotation');
  const interval = h('input', { name: 'rotation_interval', type: 'number', min: 30, max: 365, value: 365, required: true });
  const save = h('button', { type: 'submit', class: 'secondary' }, 'Set interval');
  let enabled = false;
  const id = { key_id: k.key_id };
  const reload = async () => {
    const s = await c.kms.getKeyRotationStatus(id);
    enabled = s.key_rotation_enabled;
    interval.value = String(s.rotation_interval || 365);
    status.textContent = `Rotation is ${enabled ? 'on' : 'off'}; interval ${s.rotation_interval || '—'} days; ${s.number_of_rotations} rotation(s), last ${time(s.last_rotation_time)}.`;
    toggle.textContent = enabled ? 'Disable rotation' : 'Enable rotation';
  };
  toggle.addEventListener('click', () =>
    busy(toggle, messages, async () => {
      await (enabled ? c.kms.disableKeyRotation(id) : c.kms.enableKeyRotation(id));
      await reload();
      messages.ok(`Rotation ${enabled ? 'enabled' : 'disabled'}.`);
    }),
  );
  const form = h('form', { class: 'inline', 'aria-label': 'Rotation interval' }, field('Interval in days (30-365)', interval), save);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void busy(save, messages, async () => {
      await c.kms.updateKeyRotationInterval({ key_id: k.key_id, rotation_interval: Number(interval.value) });
      await reload();
      messages.ok('Interval saved.');
    });
  });
  void busy(null, messages, reload);
  return h('section', { class: 'card', 'aria-labelledby': 'rotation-title' }, h('h2', { id: 'rotation-title' }, 'Rotation'), messages.status, messages.alert, status, toggle, form);
}
