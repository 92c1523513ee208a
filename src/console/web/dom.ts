// A few DOM helpers: elements built from properties and children (text is always set as text, never
// parsed as HTML), labelled form fields, and the two live regions every view has (status and errors).
import { ApiError } from '../../sdk/errors.ts';

type Child = Node | string | null | undefined | false;
type Props = Record<string, string | number | boolean | ((e: Event) => void) | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  el.append(...(children.filter((c) => c !== null && c !== undefined && c !== false) as (Node | string)[]));
  return el;
}

let next = 0;
/** A fresh element id (labels point at their controls by id). */
export const uid = (prefix: string) => `${prefix}-${++next}`;

/** A label and its control, the control given an id; `hint` is read out with it. */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string): HTMLElement {
  control.id ||= uid('f');
  const hintEl = hint ? h('small', { id: `${control.id}-hint`, class: 'hint' }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintEl);
}

export function select(name: string, options: [value: string, text: string][], value = ''): HTMLSelectElement {
  const s = h('select', { name });
  for (const [v, t] of options) s.append(h('option', { value: v }, t));
  s.value = value;
  return s;
}

/** Where a view reports: `status` for what went well (polite), `alert` for errors with the API's code. */
export class Messages {
  readonly status = h('p', { role: 'status', class: 'status' });
  readonly alert = h('div', { role: 'alert', class: 'alert' });

  ok(text: string): void {
    this.alert.replaceChildren();
    this.status.textContent = text;
  }

  fail(e: unknown): void {
    this.status.textContent = '';
    const { code, text } = describeError(e);
    this.alert.replaceChildren(h('p', {}, h('strong', {}, 'Error '), code ? h('code', { class: 'code' }, code) : null, code ? ' ' : null, text));
  }

  clear(): void {
    this.status.textContent = '';
    this.alert.replaceChildren();
  }
}

export function describeError(e: unknown): { code?: string; text: string } {
  if (e instanceof ApiError) return { code: e.code, text: `${e.detail} (HTTP ${e.status})` };
  return { text: e instanceof Error ? e.message : String(e) };
}

/** Runs `work` with `button` disabled, reporting a failure in `messages`. */
export async function busy<T>(button: HTMLButtonElement | null, messages: Messages, work: () => Promise<T>): Promise<T | undefined> {
  if (button) button.disabled = true;
  try {
    return await work();
  } catch (e) {
    messages.fail(e);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

/** A view's heading, focusable so that navigation can move focus to it. */
export const heading = (text: string, level: 'h1' | 'h2' = 'h1') => h(level, { tabindex: -1 }, text);

export const time = (ms: number | string | undefined) => (ms === undefined || ms === '' || Number(ms) === 0 ? '—' : new Date(Number(ms)).toISOString().replace('T', ' ').slice(0, 19) + ' UTC');
