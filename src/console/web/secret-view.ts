// One secret: details, its versions with their stages, a value shown only on request, a new version,
// moving a stage, and scheduled deletion with its restore.
import type { VersionMetadata } from '../../sdk/secrets/types.ts';
import { badge } from './badges.ts';
import { Messages, busy, field, h, heading, select, time } from './dom.ts';
import { secretStateBadge } from './secrets.ts';
import type { Clients } from './session.ts';
import { valueEditor } from './value-editor.ts';

export function secretView(c: Clients, name: string): HTMLElement {
  const messages = new Messages();
  const details = h('dl', { class: 'details' });
  const versions = h('tbody');
  const shown = h('pre', { class: 'value', hidden: true, tabindex: 0, 'aria-label': 'Secret value' });
  const deletion = h('div', { class: 'actions' });
  const stageVersion = select('version_id', []);

  const reload = async () => {
    const s = await c.secrets.showSecret(name);
    details.replaceChildren(
      ...(
        [
          ['Name', s.name],
          ['State', secretStateBadge(s.state)],
          ['KMS key', h('code', {}, s.kms_key_id)],
          ['Description', s.description || '—'],
          ['Created', time(s.create_time)],
          ['Deletion date', time(s.scheduled_delete_time)],
        ] as [string, Node | string][]
      ).flatMap(([t, d]) => [h('dt', {}, t), h('dd', {}, d)]),
    );
    const { version_metadatas: list } = await c.secrets.listVersions(name, { limit: 50 });
    versions.replaceChildren(...list.map(versionRow));
    stageVersion.replaceChildren(...list.map((v) => h('option', { value: v.id }, v.id)));
    deletion.replaceChildren(s.state === 'PENDING_DELETE' ? restoreButton() : scheduleForm());
  };

  const versionRow = (v: VersionMetadata) => {
    const show = h('button', { type: 'button', class: 'link', 'aria-label': `Show value of ${v.id}` }, 'Show value');
    show.addEventListener('click', () =>
      busy(show, messages, async () => {
        const r = await c.secrets.getVersion(name, v.id);
        shown.textContent = r.secret_string ?? `(binary, ${r.secret_binary?.length ?? 0} Base64 characters)`;
        shown.hidden = false;
        shown.focus();
      }),
    );
    return h('tr', {}, h('th', { scope: 'row' }, v.id), h('td', {}, ...v.version_stages.map((st) => badge(st, 'stage'))), h('td', {}, time(v.create_time)), h('td', {}, show));
  };

  const scheduleForm = () => {
    const days = h('input', { name: 'recovery_window_in_days', type: 'number', min: 7, max: 30, value: 7, required: true });
    const submit = h('button', { type: 'submit', class: 'danger' }, 'Schedule deletion');
    const form = h('form', { class: 'inline', 'aria-label': 'Schedule deletion' }, field('Days before deletion (7-30)', days), submit);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void busy(submit, messages, async () => {
        await c.secrets.scheduleDeletion(name, Number(days.value));
        await reload();
        messages.ok(`Deletion scheduled in ${days.value} days.`);
      });
    });
    return form;
  };
  const restoreButton = () => {
    const b = h('button', { type: 'button', class: 'secondary' }, 'Restore secret');
    b.addEventListener('click', () =>
      busy(b, messages, async () => {
        await c.secrets.restoreSecret(name);
        await reload();
        messages.ok('Secret restored.');
      }),
    );
    return b;
  };

  const editor = valueEditor();
  const addVersion = h('button', { type: 'submit' }, 'Add version');
  const versionForm = h('form', { class: 'card', 'aria-labelledby': 'new-version-title' }, h('h2', { id: 'new-version-title' }, 'New version'), editor.element, addVersion);
  versionForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void busy(addVersion, messages, async () => {
      const v = await c.secrets.createVersion(name, { secret_string: editor.value() });
      await reload();
      messages.ok(`Version ${v.id} added: ${v.version_stages.join(', ')}.`);
    });
  });

  const stage = h('input', { name: 'stage', required: true, maxlength: 64, pattern: '[a-zA-Z0-9._-]+', autocomplete: 'off' });
  const move = h('button', { type: 'submit', class: 'secondary' }, 'Set stage');
  const stageForm = h('form', { class: 'inline', 'aria-label': 'Set a stage' }, field('Stage name', stage), field('Version', stageVersion), move);
  stageForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void busy(move, messages, async () => {
      await c.secrets.updateStage(name, stage.value.trim(), stageVersion.value);
      await reload();
      messages.ok(`Stage ${stage.value} now points at ${stageVersion.value}.`);
    });
  });

  void busy(null, messages, reload);
  return h(
    'section',
    {},
    h('p', {}, h('a', { href: '#/secrets' }, '← All secrets')),
    heading(`Secret ${name}`),
    messages.status,
    messages.alert,
    details,
    h('h2', {}, 'Versions'),
    h('table', {}, h('thead', {}, h('tr', {}, ...['Version', 'Stages', 'Created', 'Value'].map((t) => h('th', { scope: 'col' }, t)))), versions),
    shown,
    stageForm,
    versionForm,
    h('h2', {}, 'Deletion'),
    deletion,
  );
}
