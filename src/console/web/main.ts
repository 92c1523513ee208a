// The web console: a page shell (skip link, navigation, sign-out) and a hash router over the views. Each
// navigation renders one view into <main> and moves keyboard focus to its heading.
import { auditView } from './audit.ts';
import { h } from './dom.ts';
import { keyView } from './key-view.ts';
import { keysView } from './keys.ts';
import { secretView } from './secret-view.ts';
import { secretsView } from './secrets.ts';
import { clear, clientsFor, load, type Clients } from './session.ts';
import { signInView } from './signin.ts';

const app = document.getElementById('app')!;
let clients: Clients | undefined;

export const go = (hash: string) => {
  if (location.hash === hash) render();
  else location.hash = hash;
};

function signOut(): void {
  clear();
  clients = undefined;
  history.replaceState(null, '', location.pathname);
  render();
}

function viewFor(c: Clients, hash: string): HTMLElement {
  const [, section = 'keys', id] = /^#\/([a-z]+)(?:\/(.+))?$/.exec(hash) ?? [];
  const name = id === undefined ? undefined : decodeURIComponent(id);
  if (section === 'audit') return auditView(c);
  if (section === 'secrets') return name ? secretView(c, name) : secretsView(c);
  return name ? keyView(c, name) : keysView(c);
}

function render(): void {
  const credential = load();
  if (!credential) {
    clients = undefined;
    app.replaceChildren(h('main', { id: 'main' }, signInView(() => render())));
    app.querySelector('input')?.focus();
    return;
  }
  clients ??= clientsFor(credential);
  const current = /^#\/(secrets|audit)/.exec(location.hash)?.[1] ?? 'keys';
  const link = (hash: string, text: string, section: string) => h('a', { href: hash, 'aria-current': current === section ? 'page' : undefined }, text);
  const view = viewFor(clients, location.hash);
  app.replaceChildren(
    h('a', { class: 'skip', href: '#main', onclick: (e) => (e.preventDefault(), view.querySelector<HTMLElement>('h1')?.focus()) }, 'Skip to content'),
    h(
      'header',
      { class: 'top' },
      h('span', { class: 'brand' }, 'edgekms console'),
      h('nav', { 'aria-label': 'Main' }, link('#/keys', 'Keys', 'keys'), link('#/secrets', 'Secrets', 'secrets'), link('#/audit', 'Audit log', 'audit')),
      h('span', { class: 'who' }, `${clients.accessKey} · project ${clients.projectId}`),
      h('button', { type: 'button', class: 'secondary', onclick: signOut }, 'Sign out'),
    ),
    h('main', { id: 'main' }, view),
  );
  view.querySelector<HTMLElement>('h1')?.focus();
}

window.addEventListener('hashchange', render);
render();
