// A secret's value as DEW's console takes it: key/value rows (stored as a JSON object) or plain text.
import { h, uid } from './dom.ts';

export interface ValueEditor {
  element: HTMLElement;
  /** The secret_string to send; throws a readable Error for rows that do not make an object. */
  value(): string;
}

export function valueEditor(): ValueEditor {
  const group = uid('mode');
  const rowsMode = h('input', { type: 'radio', name: group, value: 'rows', checked: true });
  const textMode = h('input', { type: 'radio', name: group, value: 'text' });
  const rows = h('div', { class: 'kv-rows' });
  const addRow = h('button', { type: 'button', class: 'secondary' }, 'Add row');
  const text = h('textarea', { name: 'secret_text', rows: 4, spellcheck: 'false' });
  text.id = uid('text');
  const rowsPane = h('div', {}, rows, addRow);
  const textPane = h('div', { class: 'field', hidden: true }, h('label', { for: text.id }, 'Secret value (plain text)'), text);

  const row = () => {
    const n = rows.children.length + 1;
    const key = h('input', { name: 'row_key', autocomplete: 'off', 'aria-label': `Key of row ${n}` });
    const val = h('input', { name: 'row_value', autocomplete: 'off', 'aria-label': `Value of row ${n}` });
    const remove = h('button', { type: 'button', class: 'link', 'aria-label': `Remove row ${n}` }, 'Remove');
    const r = h('div', { class: 'kv' }, key, val, remove);
    remove.addEventListener('click', () => {
      r.remove();
      rows.querySelector<HTMLInputElement>('input')?.focus();
    });
    rows.append(r);
    return key;
  };
  addRow.addEventListener('click', () => row().focus());
  row();
  const sync = () => {
    rowsPane.hidden = !rowsMode.checked;
    textPane.hidden = rowsMode.checked;
  };
  rowsMode.addEventListener('change', sync);
  textMode.addEventListener('change', sync);

  const element = h(
    'fieldset',
    { class: 'value-editor' },
    h('legend', {}, 'Secret value'),
    h('div', { class: 'modes' }, h('label', {}, rowsMode, ' Key/value rows'), h('label', {}, textMode, ' Plain text')),
    rowsPane,
    textPane,
  );
  return {
    element,
    value() {
      if (textMode.checked) return text.value;
      const out: Record<string, string> = {};
      for (const r of rows.children) {
        const [k, v] = r.querySelectorAll('input');
        if (!k.value && !v.value) continue;
        if (!k.value) throw new Error('Every row with a value needs a key.');
        if (k.value in out) throw new Error(`The key ${k.value} appears twice.`);
        out[k.value] = v.value;
      }
      if (!Object.keys(out).length) throw new Error('Add at least one key/value row.');
      return JSON.stringify(out);
    },
  };
}
