// Who is signed in, and what their role lets them do: the one place the map
// decides which actions to offer. The permission table mirrors
// docs/security.md ("Permissions"); when GET /auth/me lists the user's
// permissions, that list wins. Nothing here touches the DOM or the network:
// util.js's api() reads the CSRF token and reports a 401 here, login.js fills
// the session from /auth/me and /auth/login.
//
// Bus events: 'session' (the signed-in user changed: {user, devOpen} or null),
// 'session-ended' (a request was answered 401: the session is over; payload:
// the user it was).

import { bus } from './ctx.js';

/** docs/security.md, "Permissions": role → what it may do. */
export const PERMISSIONS = {
  admin: ['read', 'analyse', 'respond', 'drill', 'edit_registers', 'edit_boundaries', 'ingest', 'supervise', 'administer'],
  commander: ['read', 'analyse', 'respond', 'drill'],
  dispatcher: ['read', 'analyse', 'respond', 'drill', 'supervise'],
  planner: ['read', 'analyse', 'edit_registers'],
  inspector: ['read', 'analyse', 'edit_registers', 'supervise'],
  viewer: ['read', 'analyse'],
  sensor: ['ingest'],
};

/** The collections an inspector edits (edit_registers on these only). */
const INSPECTED = ['enterprises', 'hazard_sources'];

export const ROLES = Object.keys(PERMISSIONS);

const state = {
  /** {username, role, scope, permissions?} or null */
  user: null,
  csrf: null,
  devOpen: false,
  /** The permissions /auth/me listed beside the user, if it did. */
  serverPermissions: null,
};

/** The signed-in user ({username, role, scope}), or null. */
export const currentUser = () => state.user;
/** The CSRF token of the session (sent as X-CSRF-Token on every write), or null. */
export const csrfToken = () => state.csrf;
/** Whether the server runs without sign-in (lookout serve --dev-open). */
export const isDevOpen = () => state.devOpen;

/** Takes the answer of GET /auth/me or POST /auth/login: {user, csrf_token, dev_open}. */
export function setSession(answer) {
  const before = state.user?.username ?? null;
  state.user = answer?.user ?? null;
  state.csrf = answer?.csrf_token ?? null;
  state.devOpen = Boolean(answer?.dev_open);
  state.serverPermissions = Array.isArray(answer?.permissions) ? answer.permissions : null;
  if (state.user) {
    document.body.dataset.role = state.user.role;
    document.body.dataset.user = state.user.username;
  } else {
    delete document.body.dataset.role;
    delete document.body.dataset.user;
  }
  document.body.classList.toggle('dev-open', state.devOpen);
  if (before !== (state.user?.username ?? null)) bus.emit('session', state.user ? { user: state.user, devOpen: state.devOpen } : null);
}

/** The permissions of the signed-in user: the server's list if it gave one, else the role's row of the table. */
export function permissions() {
  const u = state.user;
  if (!u) return [];
  if (Array.isArray(u.permissions)) return u.permissions;
  if (Array.isArray(state.serverPermissions)) return state.serverPermissions;
  return PERMISSIONS[u.role] ?? [];
}

/**
 * Whether the signed-in user may take an action needing `permission`
 * ('respond', 'drill', 'edit_registers', 'administer', …); for
 * edit_registers, `collection` narrows it (an inspector edits enterprises and
 * hazard sources only; counties need edit_boundaries).
 */
export function may(permission, collection = null) {
  if (collection === 'counties' && (permission === 'edit_registers' || permission === 'edit_boundaries')) {
    return permissions().includes('edit_boundaries');
  }
  if (!permissions().includes(permission)) return false;
  if (permission === 'edit_registers' && collection && state.user?.role === 'inspector') return INSPECTED.includes(collection);
  return true;
}

/** A request was answered 401: the session ended (signed out elsewhere, expired, user disabled). */
export function sessionEnded() {
  if (!state.user || state.devOpen) return;
  const user = state.user;
  setSession(null);
  bus.emit('session-ended', user);
}

/**
 * Removes what the user may not do from the page: every element with
 * data-perm="permission" (static parts of index.html) the role lacks.
 */
export function pruneByRole(root = document) {
  for (const node of root.querySelectorAll('[data-perm]')) {
    if (!may(node.dataset.perm)) node.remove();
  }
}
