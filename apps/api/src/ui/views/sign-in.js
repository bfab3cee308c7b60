/** Sign in: Turnout has API keys, and this tab has no token (or its token expired). */
import { signIn } from '../api.js';
import { h, replace } from '../dom.js';

export function renderSignIn(container, signedIn) {
  const keyId = h('input', { id: 'key-id', name: 'keyId', autocomplete: 'username', required: true });
  const keySecret = h('input', { id: 'key-secret', name: 'keySecret', type: 'password', autocomplete: 'current-password', required: true });
  const errors = h('div', { id: 'sign-in-errors', className: 'form-errors', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', id: 'sign-in' }, 'Sign in');
  container.replaceChildren(
    h('section', { className: 'page-head' }, h('h1', {}, 'Sign in'), h('p', { className: 'muted' }, 'This Turnout has API keys: give one (its id and secret) to use the UI. The token lasts for this tab only.')),
    h(
      'form',
      { id: 'sign-in-form', className: 'card form', novalidate: true, onsubmit: (event) => submitted(event) },
      h('label', { for: 'key-id' }, 'Key id'),
      keyId,
      h('label', { for: 'key-secret' }, 'Key secret'),
      keySecret,
      errors,
      h('div', { className: 'actions' }, submit),
    ),
  );
  keyId.focus();

  async function submitted(event) {
    event.preventDefault();
    submit.disabled = true;
    errors.hidden = true;
    try {
      await signIn(keyId.value.trim(), keySecret.value);
      signedIn();
    } catch (error) {
      replace(errors, h('p', {}, error.message));
      errors.hidden = false;
      submit.disabled = false;
    }
  }
}
