// Small shared helpers: HTTP to the Lookout API, DOM building, toasts.

import { t, term } from './i18n.js';
import { csrfToken, currentUser, sessionEnded } from './session.js';

/** An error answer of the API: status, the server's reason, and Retry-After (seconds) when it gave one. */
export class ApiError extends Error {
  constructor(status, message, body, retryAfter = null) {
    super(message);
    this.status = status;
    this.body = body;
    this.retryAfter = retryAfter;
  }
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * JSON from the API: the one place the map makes requests. The session
 * cookie goes with every request (same origin only) and every write carries
 * the session's X-CSRF-Token. Errors carry the server's reason
 * ({code, description} or {error, message}); 401 and 403 are said in the UI
 * language, and a 401 tells session.js the session is over (unless
 * `quiet401`: the sign-in calls themselves).
 */
export async function api(path, { method = 'GET', body, file, signal, accept, quiet401 = false } = {}) {
  const headers = { accept: accept ?? 'application/json, application/geo+json' };
  const init = { method, headers, signal, credentials: 'same-origin' };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  } else if (file !== undefined) {
    // a File or Blob sent as it is (an attachment): its own type
    headers['content-type'] = file.type || 'application/octet-stream';
    init.body = file;
  }
  const csrf = csrfToken();
  if (WRITES.has(method) && csrf) headers['x-csrf-token'] = csrf;
  const res = await fetch(path, init);
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const reason = data?.description ?? data?.message ?? data?.reason ?? (text && text.length < 300 ? text : '') ?? '';
    const where = new URL(path, location.href).pathname;
    const retry = Number(res.headers.get('retry-after'));
    const retryAfter = Number.isFinite(retry) && retry > 0 ? retry : null;
    let message = `${method} ${where}: HTTP ${res.status}${reason ? ` — ${reason}` : ''}`;
    if (res.status === 401) {
      message = t('auth.error.401');
      if (!quiet401) sessionEnded();
    } else if (res.status === 403 && data?.error === 'csrf') {
      message = t('auth.error.csrf');
    } else if (res.status === 403 && data?.error !== 'cross_origin') {
      message = t('auth.error.403', { role: term('role', currentUser()?.role ?? '') || '—', reason: reason || `${method} ${where}` });
    } else if (res.status === 429) {
      message = t('auth.error.429', { s: retryAfter ?? '?' });
    }
    throw new ApiError(res.status, message, data, retryAfter);
  }
  return data;
}

/** Element factory: el('div', 'cls', 'text') or el('div', {class, text, title, on: {click}, dataset}, ...children). */
export function el(tag, opts, ...children) {
  const e = document.createElement(tag);
  if (typeof opts === 'string') {
    if (opts) e.className = opts;
    if (children.length === 1 && (typeof children[0] === 'string' || typeof children[0] === 'number')) {
      e.textContent = String(children[0]);
      return e;
    }
  } else if (opts) {
    for (const [k, v] of Object.entries(opts)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k === 'on') for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
      else if (k === 'dataset') Object.assign(e.dataset, v);
      else if (k === 'style') Object.assign(e.style, v);
      else if (k in e && typeof v !== 'string') e[k] = v;
      else e.setAttribute(k, v === true ? '' : v);
    }
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

export function button(label, onClick, className = 'btn', extra = {}) {
  return el('button', { type: 'button', class: className, on: { click: onClick }, ...extra }, label);
}

/** A transient message in the corner of the map; kind: info | ok | warn | error | inject. */
export function toast(message, { kind = 'info', title, timeout = 6000 } = {}) {
  const box = document.getElementById('toasts');
  if (!box) return null;
  const node = el('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' });
  if (title) node.append(el('strong', 'toast-title', title));
  node.append(el('div', 'toast-body', message));
  const close = button('×', () => node.remove(), 'toast-close', { 'aria-label': t('app.close') });
  node.append(close);
  box.prepend(node);
  while (box.children.length > 6) box.lastElementChild.remove();
  if (timeout) setTimeout(() => node.remove(), timeout);
  return node;
}

/** A lasting error over the map (the red banner); the page is marked as failed for the tests. */
export function showError(message) {
  const banner = document.getElementById('banner');
  const lines = new Set(banner.textContent ? banner.textContent.split('\n') : []);
  lines.add(message);
  banner.textContent = [...lines].join('\n');
  banner.hidden = false;
  document.body.dataset.error = 'true';
}

/** A count as 12,345, or ? when unknown. */
export const fmtCount = (n) => (Number.isFinite(n) ? n.toLocaleString('en-US') : '?');

export function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}

/** Bounds [[w, s], [e, n]] of any GeoJSON geometry. */
export function geometryBounds(geometry) {
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  const visit = (c) => {
    if (typeof c[0] === 'number') {
      w = Math.min(w, c[0]);
      e = Math.max(e, c[0]);
      s = Math.min(s, c[1]);
      n = Math.max(n, c[1]);
    } else c.forEach(visit);
  };
  if (geometry?.type === 'GeometryCollection') geometry.geometries.forEach((g) => visit(g.coordinates));
  else if (geometry?.coordinates) visit(geometry.coordinates);
  return Number.isFinite(w) ? [[w, s], [e, n]] : null;
}

export const hexAlpha = (hex, alpha) => {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
};

