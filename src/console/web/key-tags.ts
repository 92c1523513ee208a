// A key's tags: listed, added one at a time, removed.
import type { KeyDetails } from '../../sdk/kms/types.ts';
import { Messages, busy, field, h } from './dom.ts';
import type { Clients } from './session.ts';

export function tagsSection(c: Clients, k: KeyDetails): HTMLElement {
  const messages = new Messages();
  const list = h('ul', { class: 'tags' });
  const key = h('input', { name: 'tag_key', required: true, maxlength: 36, autocomplete: 'off' });
  const value = h('input', { name: 'tag_value', maxlength: 43, autocomplete: 'off' });
  const add = h('button', { type: 'submit', class: 'secondary' }, 'Add tag');
  const reload = async () => {
    const { tags } = await c.kms.showKmsTags(k.key_id);
    list.replaceChildren(...tags.map((t) => {
      const remove = h('button', { type: 'button', class: 'link', 'aria-label': `Remove tag ${t.key}` }, 'Remove');
      remove.addEventListener('click', () =>
        busy(remove, messages, async () => {
          await c.kms.deleteTag(k.key_id, t.key);
          await reload();
          messages.ok(`Tag ${t.key} removed.`);
        }),
      );
      return h('li', {}, h('code', {}, `${t.key}=${t.value ?? ''}`), ' ', remove);
    }));
    if (!tags.length) list.append(h('li', { class: 'muted' }, 'No tags.'));
  };
  const form = h('form', { class: 'inline', 'aria-label': 'Add a tag' }, field('Tag key', key), field('Tag value', value), add);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void busy(add, messages, async () => {
      await c.kms.createKmsTag(k.key_id, { tag: { key: key.value.trim(), value: value.value } });
      form.reset();
      await reload();
      messages.ok('Tag added.');
    });
  });
  void busy(null, messages, reload);
  return h('section', { class: 'card', 'aria-labelledby': 'tags-title' }, h('h2', { id: 'tags-title' }, 'Tags'), messages.status, messages.alert, list, form);
}
