// Sign-in: the project id and an access key pair. The pair is checked with one signed call (list-keys,
// limit 1) before it is kept; a refused pair shows the API's error and is not stored.
import { Messages, busy, field, h, heading } from './dom.ts';
import { clientsFor, save } from './session.ts';

export function signInView(done: () => void): HTMLElement {
  const messages = new Messages();
  const project = h('input', { name: 'project', required: true, autocomplete: 'off', spellcheck: 'false' });
  const ak = h('input', { name: 'ak', required: true, autocomplete: 'username', spellcheck: 'false' });
  const sk = h('input', { name: 'sk', type: 'password', required: true, autocomplete: 'current-password' });
  const submit = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'card narrow' },
    field('Project ID', project),
    field('Access key (AK)', ak),
    field('Secret key (SK)', sk, 'Kept in this tab only (sessionStorage) until you sign out; requests are signed in the page.'),
    submit,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const credential = { projectId: project.value.trim(), accessKey: ak.value.trim(), secretKey: sk.value };
    const ok = await busy(submit, messages, async () => {
      await clientsFor(credential).kms.listKeys({ limit: '1' });
      return true;
    });
    if (!ok) return;
    save(credential);
    form.reset();
    done();
  });
  return h('section', { class: 'signin', 'aria-labelledby': 'signin-title' }, Object.assign(heading('Sign in to edgekms'), { id: 'signin-title' }), messages.alert, form);
}
