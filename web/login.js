// Signing in (docs/security.md, "Sign-in"): the sign-in page over the map
// (zh-CN / English), the one-time administrator set-up link
// (/map/#setup=<token>), the user and sign-out in the top bar, and the
// open-access banner of `lookout serve --dev-open`.
//
// ensureSignedIn() runs before the map starts: GET /auth/me answers the user
// (the map starts for them) or 401 (the sign-in page shows until they sign
// in). Later, any 401 ends the session (session.js): the page shows again
// over the map; the same user carries on where they were, another user gets
// a fresh page. Signing out reloads the page, so nothing of the last user's
// view stays in memory.

import { bus } from './ctx.js';
import { t, term, getLang, setLang, onLang } from './i18n.js';
import { api, el, button, toast } from './util.js';
import { setSession, currentUser, isDevOpen } from './session.js';

/** The set-up token of a link like /map/#setup=<token> (or ?setup=<token>), or null. */
function setupToken() {
  const hash = new URLSearchParams(location.hash.replace(/^#/, ''));
  return hash.get('setup') || new URLSearchParams(location.search).get('setup') || null;
}

function forgetSetupToken() {
  const url = new URL(location.href);
  url.hash = '';
  url.searchParams.delete('setup');
  history.replaceState(null, '', url.pathname + url.search);
}

/** Resolves with the signed-in user once someone is signed in (at once if the session cookie is good). */
export async function ensureSignedIn() {
  bus.on('session-ended', onSessionEnded);
  bus.on('session', renderUser);
  onLang(() => {
    renderUser();
    renderOverlay();
  });
  if (setupToken()) {
    const answer = await showOverlay('setup');
    return answer;
  }
  try {
    const me = await api('/auth/me', { quiet401: true });
    setSession(me);
    return me.user;
  } catch (err) {
    if (err.status !== 401) throw err;
  }
  return showOverlay('login');
}

// ------------------------------------------------------------ the overlay

const O = {
  /** 'login' | 'setup' | null */
  kind: null,
  node: null,
  error: null,
  note: null,
  busy: false,
  /** the user whose session ended, while the page waits for them again */
  previous: null,
  resolve: null,
};

function showOverlay(kind, { note = null } = {}) {
  O.kind = kind;
  O.note = note;
  O.error = null;
  document.body.classList.add('signed-out');
  return new Promise((resolve) => {
    O.resolve = resolve;
    renderOverlay();
    O.node.querySelector('input:not([type=hidden])')?.focus();
  });
}

function hideOverlay(user) {
  O.kind = null;
  O.node?.remove();
  O.node = null;
  document.body.classList.remove('signed-out');
  const resolve = O.resolve;
  O.resolve = null;
  resolve?.(user);
}

function renderOverlay() {
  if (!O.kind) return;
  const values = {};
  for (const input of O.node?.querySelectorAll('input') ?? []) values[input.name] = input.value;
  const focused = O.node?.contains(document.activeElement) ? document.activeElement.name : null;
  const setup = O.kind === 'setup';
  const form = el('form', { class: 'login-box', id: setup ? 'setup-form' : 'login-form', novalidate: true });
  const lang = button(t('app.lang.switch'), () => setLang(getLang() === 'zh' ? 'en' : 'zh'), 'btn lang', { id: 'login-lang', title: t('app.lang.title') });
  form.append(el('div', 'login-head',
    el('div', 'brand', el('strong', null, 'Lookout'), el('span', 'brand-name', t('app.name'))), lang));
  form.append(el('h2', null, setup ? t('auth.setup.title') : t('auth.title')));
  form.append(el('p', 'muted', setup ? t('auth.setup.hint') : t('auth.hint')));
  if (O.note) form.append(el('p', { class: 'login-note', role: 'status' }, O.note));
  const input = (name, label, type, autocomplete) => el('label', 'field',
    el('span', 'field-label', label),
    el('input', { class: 'input', name, type, autocomplete, required: true, spellcheck: 'false', value: values[name] ?? '' }));
  form.append(input('username', t('auth.username'), 'text', 'username'));
  form.append(input('password', t('auth.password'), 'password', setup ? 'new-password' : 'current-password'));
  if (setup) form.append(input('password2', t('auth.password2'), 'password', 'new-password'));
  const error = el('p', { class: 'login-error', id: 'login-error', role: 'alert' }, O.error ?? '');
  error.hidden = !O.error;
  form.append(error);
  const submit = el('button', { type: 'submit', class: 'btn primary big wide', id: 'login-submit' },
    O.busy ? t('auth.signingIn') : setup ? t('auth.setup.submit') : t('auth.signIn'));
  submit.disabled = O.busy;
  form.append(submit);
  form.append(el('p', 'login-foot muted', t('app.fictional.long')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    (setup ? submitSetup(form) : submitLogin(form)).catch((err) => fail(err.message));
  });
  const node = el('div', { class: 'login-overlay', id: 'login', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'login-title' }, form);
  form.querySelector('h2').id = 'login-title';
  if (O.node) O.node.replaceWith(node);
  else document.body.append(node);
  O.node = node;
  if (focused) node.querySelector(`[name=${focused}]`)?.focus();
}

function fail(message) {
  O.busy = false;
  O.error = message;
  renderOverlay();
}

const field = (form, name) => form.querySelector(`[name=${name}]`)?.value ?? '';

async function submitLogin(form) {
  const username = field(form, 'username').trim();
  const password = field(form, 'password');
  if (!username || !password) return fail(t('auth.required'));
  O.busy = true;
  O.error = null;
  renderOverlay();
  let answer;
  try {
    answer = await api('/auth/login', { method: 'POST', body: { username, password }, quiet401: true });
  } catch (err) {
    O.node?.querySelector('[name=password]') && (O.node.querySelector('[name=password]').value = '');
    if (err.status === 401) return fail(t('auth.wrong'));
    if (err.status === 429) return fail(t('auth.tooMany', { s: err.retryAfter ?? '?' }));
    return fail(t('auth.failed', { msg: err.body?.message ?? err.message }));
  }
  signedIn(answer);
}

async function submitSetup(form) {
  const username = field(form, 'username').trim();
  const password = field(form, 'password');
  if (!username || !password) return fail(t('auth.required'));
  if (password !== field(form, 'password2')) return fail(t('auth.setup.mismatch'));
  O.busy = true;
  O.error = null;
  renderOverlay();
  let answer;
  try {
    answer = await api('/auth/setup', { method: 'POST', body: { token: setupToken(), username, password }, quiet401: true });
  } catch (err) {
    if (err.status === 429) return fail(t('auth.tooMany', { s: err.retryAfter ?? '?' }));
    return fail(t('auth.setup.failed', { msg: err.body?.message ?? err.message }));
  }
  forgetSetupToken();
  // the set-up may sign the new administrator in; if it does not, they sign in
  if (answer?.csrf_token && answer?.user) return signedIn(answer);
  try {
    const me = await api('/auth/me', { quiet401: true });
    return signedIn(me);
  } catch {
    O.busy = false;
    O.kind = 'login';
    O.note = t('auth.setup.done', { name: username });
    O.error = null;
    renderOverlay();
    const name = O.node.querySelector('[name=username]');
    name.value = username;
    O.node.querySelector('[name=password]').value = '';
    O.node.querySelector('[name=password]').focus();
  }
}

function signedIn(answer) {
  O.busy = false;
  const previous = O.previous;
  O.previous = null;
  if (previous && previous.username !== answer.user?.username) {
    // another user: nothing of the last one's view may stay
    location.reload();
    return;
  }
  setSession(answer);
  hideOverlay(answer.user);
}

/** A 401 later on: show the page over the map; the same user carries on after signing in. */
function onSessionEnded(user) {
  if (O.kind) return;
  O.previous = user;
  showOverlay('login', { note: t('auth.ended') }).then(() => bus.emit('live-state', true));
  const name = O.node.querySelector('[name=username]');
  if (name && user?.username) {
    name.value = user.username;
    O.node.querySelector('[name=password]').focus();
  }
}

// ------------------------------------------------------------ top bar

/** The user, their role and the sign-out button in the top bar; the open-access banner. */
function renderUser() {
  const banner = document.getElementById('dev-open-banner');
  if (banner) banner.hidden = !isDevOpen();
  const box = document.getElementById('user-box');
  if (!box) return;
  const user = currentUser();
  if (!user) {
    box.replaceChildren();
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const label = el('span', { class: 'user-name', id: 'user-name', title: t('auth.user.title') },
    el('strong', null, isDevOpen() ? t('auth.devOpen.user') : user.username),
    el('span', { class: 'user-role', id: 'user-role', dataset: { role: user.role } }, term('role', user.role)));
  const parts = [label];
  if (!isDevOpen()) parts.push(button(t('auth.signOut'), signOut, 'btn', { id: 'sign-out', title: t('auth.signOut.title') }));
  box.replaceChildren(...parts);
}

async function signOut() {
  try {
    await api('/auth/logout', { method: 'POST', quiet401: true });
  } catch (err) {
    if (err.status !== 401) {
      toast(err.message, { kind: 'error' });
      return;
    }
  }
  location.reload();
}
