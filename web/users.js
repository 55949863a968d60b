// The users panel (admins only: the 'administer' permission): the people
// who may sign in and the API tokens of machines, managed without the
// command line. GET/POST /users, PATCH /users/{name} (role, scope,
// password, disable), GET/POST /tokens, DELETE /tokens/{id}. A new token's
// secret is shown once, as the server answers it. Refusals are shown next
// to the form, in the UI language where the map knows the reason.

import { bus } from './ctx.js';
import { term, isZh, fmtTime } from './i18n.js';
import { api, el, button } from './util.js';
import { may, ROLES, currentUser } from './session.js';

/** This panel's words: key → [中文, English]. */
const WORDS = {
  title: ['用户与令牌', 'Users and tokens'],
  users: ['用户', 'Users'],
  tokens: ['API 令牌', 'API tokens'],
  username: ['用户名', 'User name'],
  password: ['密码', 'Password'],
  role: ['角色', 'Role'],
  scope: ['范围', 'Scope'],
  scopeHint: ['市名或县（区）编号，逗号分隔；空为全省', 'City names or county ids, comma-separated; empty: the whole region'],
  wholeRegion: ['全省', 'Whole region'],
  add: ['添加用户', 'Add user'],
  disable: ['停用', 'Disable'],
  enable: ['启用', 'Enable'],
  disabled: ['已停用', 'Disabled'],
  created: ['创建', 'Created'],
  newPassword: ['重设密码', 'Reset password'],
  newPasswordPrompt: ['{user} 的新密码：', 'New password for {user}:'],
  save: ['保存', 'Save'],
  name: ['名称', 'Name'],
  createdBy: ['创建者', 'Made by'],
  lastUsed: ['最近使用', 'Last used'],
  revoked: ['已吊销', 'Revoked'],
  revoke: ['吊销', 'Revoke'],
  confirmRevoke: ['吊销令牌「{name}」？使用它的设备将无法再访问。', 'Revoke the token “{name}”? Machines using it lose access.'],
  confirmDisable: ['停用用户 {user}？其所有会话立即结束。', 'Disable {user}? All their sessions end at once.'],
  createToken: ['创建令牌', 'Create token'],
  secret: ['新令牌（只显示这一次，请立即保存）：', 'The new token (shown this once: keep it now):'],
  loading: ['正在加载…', 'Loading…'],
  failed: ['加载失败：{msg}', 'Did not load: {msg}'],
  required: ['必填', 'Required'],
  badScope: ['范围应为市名（如 太原市）或县（区）编号（如 1），逗号分隔', 'A scope is city names (e.g. 太原市) or county ids (e.g. 1), comma-separated'],
  county: ['县 #{id}', 'county #{id}'],
  shortPassword: ['密码至少 10 个字符', 'A password has at least 10 characters'],
  you: ['（本人）', '(you)'],
  team: ['所属队伍', 'Team'],
  teamHint: ['救援队伍编号（现场人员），空为无', 'Rescue team id (field staff); empty: none'],
  badTeam: ['队伍编号应为正整数', 'A team id is a positive whole number'],
};

function w(key, params = {}) {
  const [zh, en] = WORDS[key] ?? [key, key];
  return (isZh() ? zh : en).replace(/\{(\w+)\}/g, (_, k) => String(params[k] ?? ''));
}

/** Passwords the server takes (layers/src/auth/password.rs, MIN_CHARS). */
const MIN_PASSWORD = 10;

const U = {
  users: [], tokens: [], error: null, loading: false, shown: false, secret: null, formError: null, tokenError: null,
  // what is typed in the forms, kept across re-renders
  draft: { username: '', password: '', role: 'viewer', scope: '', team: '' },
  tokenDraft: { name: '', role: 'sensor' },
};

/** An input bound to `draft[name]`. */
function bound(draft, name, attrs) {
  const input = el('input', { class: 'input', name, value: draft[name], ...attrs });
  input.addEventListener('input', () => { draft[name] = input.value; });
  return input;
}

export function initUsers() {
  if (!may('administer') || !document.getElementById('users-pane')) return;
  bus.on('tab', (tab) => {
    U.shown = tab === 'users';
    if (U.shown) load();
  });
  bus.on('lang', render);
  render();
}

async function load() {
  U.loading = true;
  render();
  try {
    const [users, tokens] = await Promise.all([api('/users'), api('/tokens')]);
    U.users = users?.users ?? [];
    U.tokens = tokens?.tokens ?? [];
    U.error = null;
  } catch (err) {
    U.error = w('failed', { msg: err.message });
  } finally {
    U.loading = false;
    render();
  }
}

/**
 * A scope from city names and county ids (as `lookout user add --cities
 * --counties` takes them): null (the whole region) when empty; an error
 * message when a part is neither. The server checks that each exists.
 */
function parseScope(text) {
  const parts = text.split(/[,，、\s]+/).map((s) => s.trim()).filter(Boolean);
  if (!parts.length) return { scope: null };
  const counties = parts.filter((p) => /^\d{1,6}$/.test(p)).map(Number);
  const cities = parts.filter((p) => /^\p{Script=Han}+市$/u.test(p));
  if (counties.length + cities.length !== parts.length) return { error: w('badScope') };
  return { scope: { counties, cities } };
}

function scopeText(scope) {
  if (!scope) return w('wholeRegion');
  const parts = [...(scope.cities ?? []), ...(scope.counties ?? []).map((id) => w('county', { id }))];
  return parts.join(', ') || w('wholeRegion');
}

function roleSelect(name, value) {
  const select = el('select', { class: 'select', name });
  for (const r of ROLES) {
    const o = el('option', { value: r }, term('role', r) || r);
    o.selected = r === value;
    select.append(o);
  }
  return select;
}

const field = (label, input, error) => el('label', 'field', el('span', 'field-label', label), input,
  error ? el('span', { class: 'field-error', role: 'alert' }, error) : null);

function userForm() {
  const form = el('form', { class: 'users-add', id: 'users-add', novalidate: true });
  const d = U.draft;
  const username = bound(d, 'username', { autocomplete: 'off', spellcheck: 'false', required: true });
  const password = bound(d, 'password', { type: 'password', autocomplete: 'new-password', required: true });
  const role = roleSelect('role', d.role);
  role.addEventListener('change', () => { d.role = role.value; });
  const scope = bound(d, 'scope', { placeholder: w('scopeHint'), autocomplete: 'off' });
  const team = bound(d, 'team', { placeholder: w('teamHint'), autocomplete: 'off', inputmode: 'numeric', name: 'team' });
  form.append(...[
    field(w('username'), username), field(w('password'), password), field(w('role'), role), field(w('scope'), scope),
    field(w('team'), team),
    U.formError ? el('p', { class: 'error-note', role: 'alert' }, U.formError) : null,
    el('div', 'form-actions', el('button', { type: 'submit', class: 'btn primary', name: 'add' }, w('add'))),
  ].filter(Boolean));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const parsed = parseScope(scope.value);
    const teamId = parseTeam(team.value);
    U.formError = !username.value.trim() ? `${w('username')}: ${w('required')}`
      : password.value.length < MIN_PASSWORD ? w('shortPassword')
        : parsed.error ?? (teamId === undefined ? w('badTeam') : null);
    if (U.formError) return render();
    try {
      await api('/users', { method: 'POST', body: { username: username.value.trim(), password: password.value, role: role.value, scope: parsed.scope, team: teamId } });
      U.formError = null;
      U.draft = { username: '', password: '', role: 'viewer', scope: '', team: '' };
      await load();
    } catch (err) {
      U.formError = err.message;
      render();
    }
  });
  return form;
}

async function change(user, body) {
  try {
    await api(`/users/${encodeURIComponent(user.username)}`, { method: 'PATCH', body });
    U.error = null;
  } catch (err) {
    U.error = err.message;
  }
  await load();
}

/** A team id typed: null when empty, undefined when not a positive whole number. */
function parseTeam(text) {
  const v = String(text ?? '').trim();
  if (!v) return null;
  return /^[1-9][0-9]{0,15}$/.test(v) ? Number(v) : undefined;
}

function teamInput(user) {
  const input = el('input', { name: 'team', class: 'users-team', inputmode: 'numeric', size: 6, value: user.team ?? '',
    placeholder: '—', 'aria-label': `${w('team')} ${user.username}` });
  input.addEventListener('change', () => {
    const team = parseTeam(input.value);
    if (team === undefined) {
      U.error = w('badTeam');
      return render();
    }
    change(user, { team });
  });
  return input;
}

function userRow(user) {
  const me = currentUser()?.username === user.username;
  const role = roleSelect('role', user.role);
  role.addEventListener('change', () => change(user, { role: role.value }));
  const actions = el('td', 'users-actions',
    user.disabled
      ? button(w('enable'), () => change(user, { disabled: false }), 'btn small', { name: 'enable' })
      : button(w('disable'), () => {
        if (confirm(w('confirmDisable', { user: user.username }))) change(user, { disabled: true });
      }, 'btn small danger', { name: 'disable' }),
    button(w('newPassword'), () => {
      const password = prompt(w('newPasswordPrompt', { user: user.username }));
      if (password === null) return;
      if (password.length < MIN_PASSWORD) {
        U.error = w('shortPassword');
        return render();
      }
      change(user, { password });
    }, 'btn small', { name: 'password' }));
  return el('tr', { class: `users-row${user.disabled ? ' is-disabled' : ''}`, dataset: { username: user.username } },
    el('td', 'users-name', user.username, me ? ` ${w('you')}` : '',
      user.disabled ? el('span', 'users-state muted', ` · ${w('disabled')}`) : null),
    el('td', null, role),
    el('td', 'users-scope', scopeText(user.scope)),
    el('td', null, teamInput(user)),
    actions);
}

function tokenForm() {
  const form = el('form', { class: 'tokens-add', id: 'tokens-add', novalidate: true });
  const d = U.tokenDraft;
  const name = bound(d, 'name', { autocomplete: 'off', spellcheck: 'false', required: true });
  const role = roleSelect('role', d.role);
  role.addEventListener('change', () => { d.role = role.value; });
  form.append(...[
    field(w('name'), name), field(w('role'), role),
    U.tokenError ? el('p', { class: 'error-note', role: 'alert' }, U.tokenError) : null,
    el('div', 'form-actions', el('button', { type: 'submit', class: 'btn primary', name: 'create' }, w('createToken'))),
  ].filter(Boolean));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!name.value.trim()) {
      U.tokenError = `${w('name')}: ${w('required')}`;
      return render();
    }
    try {
      const made = await api('/tokens', { method: 'POST', body: { name: name.value.trim(), role: role.value } });
      U.secret = made?.token ?? null;
      U.tokenError = null;
      U.tokenDraft = { name: '', role: 'sensor' };
      await load();
    } catch (err) {
      U.tokenError = err.message;
      render();
    }
  });
  return form;
}

function tokenRow(token) {
  return el('tr', { class: `tokens-row${token.revoked ? ' is-disabled' : ''}`, dataset: { id: token.id } },
    el('td', null, token.name),
    el('td', null, term('role', token.role) || token.role),
    el('td', null, token.created_by ?? ''),
    el('td', null, token.last_used ? fmtTime(token.last_used, true) : '—'),
    el('td', 'users-actions', token.revoked ? w('revoked') : button(w('revoke'), async () => {
      if (!confirm(w('confirmRevoke', { name: token.name }))) return;
      try {
        await api(`/tokens/${encodeURIComponent(token.id)}`, { method: 'DELETE' });
      } catch (err) {
        U.error = err.message;
      }
      load();
    }, 'btn small danger', { name: 'revoke' })));
}

function render() {
  const pane = document.getElementById('users-pane');
  if (!pane) return;
  const head = (cells) => el('thead', null, el('tr', null, ...cells.map((k) => el('th', null, w(k)))));
  const users = el('table', { class: 'users-table', id: 'users-table' },
    head(['username', 'role', 'scope', 'team', 'save']), el('tbody', null, ...U.users.map(userRow)));
  users.querySelector('thead th:last-child').textContent = '';
  const tokens = el('table', { class: 'users-table', id: 'tokens-table' },
    head(['name', 'role', 'createdBy', 'lastUsed', 'revoke']), el('tbody', null, ...U.tokens.map(tokenRow)));
  tokens.querySelector('thead th:last-child').textContent = '';
  const secret = U.secret
    ? el('div', { class: 'token-secret', role: 'status' }, el('p', null, w('secret')),
      el('code', { id: 'token-secret' }, U.secret))
    : null;
  pane.replaceChildren(...[
    el('div', 'pane-head', el('h2', null, w('title'))),
    U.error ? el('p', { class: 'error-note', role: 'alert' }, U.error) : null,
    U.loading && !U.users.length ? el('p', 'muted', w('loading')) : null,
    el('h3', null, w('users')), users, userForm(),
    el('h3', null, w('tokens')), tokens, secret, tokenForm(),
  ].filter(Boolean));
  pane.dataset.loading = String(U.loading);
}
