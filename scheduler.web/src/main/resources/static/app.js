// The scheduler dashboard: one page over the REST API (/api/v1). Plain JavaScript, no build step, no library.
// Every piece of data reaches the page through DOM APIs (textContent, setAttribute), never through HTML parsing.

const API = '/api/v1';
const PAGE_SIZE = 50;
const RUN_PAGE_SIZE = 20;
const CHART_RUNS = 60;
const REFRESH_MS = 5000;
const STATES = ['ACTIVE', 'PAUSED', 'DISABLED', 'DORMANT', 'CONFLICT', 'INVALID'];
const SVG_NS = 'http://www.w3.org/2000/svg';

/** The logged-in session ({user, role, readOnly, csrfToken}) or null; whether views refresh themselves. */
const app = { session: null, live: true, view: null, routed: null };

// --- DOM helpers -------------------------------------------------------------------------------------------------

function build(element, attrs, children) {
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), value);
      else if (key === 'testid') element.setAttribute('data-testid', value);
      else element.setAttribute(key, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** An HTML element; strings among the children become text nodes. */
function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** An SVG element. */
function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

const $ = (id) => document.getElementById(id);

// --- formatting --------------------------------------------------------------------------------------------------

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** An instant in the browser's local time, the ISO value as its title. */
function time(iso) {
  if (iso === null || iso === undefined || iso === '') return h('span', { class: 'muted' }, '—');
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return h('span', null, String(iso));
  return h('time', { datetime: iso, title: iso }, date.toLocaleString());
}

function duration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (typeof ms !== 'number') return String(ms);
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60000);
  if (minutes < 60) return `${minutes} min ${Math.round((ms % 60000) / 1000)} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

function bytes(n) {
  if (typeof n !== 'number' || n < 0) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function badge(value, testid) {
  if (value === null || value === undefined) return h('span', { class: 'muted' }, '—');
  return h('span', { class: `badge s-${value}`, testid }, String(value));
}

/** "nextFire" → "Next fire", "lastPassTookMs" → "Last pass took", "sizeBytes" → "Size". */
function label(key) {
  const words = String(key).replace(/(Ms|Bytes)$/, '').replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Any JSON value, readably: instants as local times, *Ms as durations, objects as nested lists. */
function value(key, v) {
  if (v === null || v === undefined) return h('span', { class: 'muted' }, '—');
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number') {
    if (/Ms$/.test(key)) return h('span', { title: `${v} ms` }, duration(v));
    if (/[bB]ytes$/.test(key)) return h('span', { title: `${v} bytes` }, bytes(v));
    return String(v);
  }
  if (v === '') return h('span', { class: 'muted' }, '—');
  if (typeof v === 'string') return ISO_INSTANT.test(v) ? time(v) : v;
  if (Array.isArray(v)) {
    if (v.length === 0) return h('span', { class: 'muted' }, 'none');
    if (v.every((item) => item === null || typeof item !== 'object')) {
      return h('ul', { class: 'plain' }, v.map((item) => h('li', null, value(key, item))));
    }
    return h('ol', null, v.map((item) => h('li', null, value(key, item))));
  }
  const entries = Object.entries(v);
  if (entries.length === 0) return h('span', { class: 'muted' }, 'none');
  return props(entries);
}

function props(entries, testid) {
  return h('dl', { class: 'props', testid }, entries.map(([k, v]) => [h('dt', null, label(k)), h('dd', null, value(k, v))]));
}

/** A map of strings (run data, arguments) as a two-column table. */
function mapTable(map, testid, caption) {
  const entries = Object.entries(map || {});
  if (entries.length === 0) return h('p', { class: 'muted', testid }, 'none');
  return h('table', { testid },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Key'), h('th', { scope: 'col' }, 'Value'))),
    h('tbody', null, entries.map(([k, v]) => h('tr', null,
      h('td', { class: 'mono' }, k),
      h('td', { class: 'mono' }, typeof v === 'string' ? v : JSON.stringify(v))))));
}

// --- the API -----------------------------------------------------------------------------------------------------

/** A failed API call; {@code problem} is the RFC 9457 problem detail (title, status, detail, field, ...). */
class ApiError extends Error {
  constructor(problem) {
    super(problem.title);
    this.problem = problem;
    this.status = problem.status;
  }
}

async function api(method, path, body) {
  const headers = { Accept: 'application/json, application/problem+json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && method !== 'HEAD' && app.session && app.session.csrfToken) {
    headers['X-CSRF-Token'] = app.session.csrfToken;
  }
  let response;
  try {
    response = await fetch(API + path, init);
  } catch (e) {
    throw new ApiError({ title: 'The server cannot be reached', status: 0, detail: String(e && e.message || e) });
  }
  let data = null;
  if (response.status !== 204) {
    const text = await response.text();
    const type = response.headers.get('Content-Type') || '';
    if (text && type.includes('json')) {
      try {
        data = JSON.parse(text);
      } catch (e) {
        data = null;
      }
    } else if (text && !response.ok) {
      data = { detail: text.length > 300 ? `${text.slice(0, 300)}…` : text };
    }
  }
  if (!response.ok) {
    const problem = Object.assign({}, data && typeof data === 'object' ? data : {});
    problem.status = response.status;
    if (!problem.title) problem.title = response.statusText || `HTTP ${response.status}`;
    const retry = response.headers.get('Retry-After');
    if (retry) problem.retryAfter = retry;
    if (response.status === 401 && !path.startsWith('/session')) sessionLost();
    throw new ApiError(problem);
  }
  return data;
}

const enc = encodeURIComponent;

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  }
  return q.toString();
}

/** Whether the user may act: the operator role and the console not read-only. */
function mayAct() {
  return !!app.session && app.session.role === 'operator' && !app.session.readOnly;
}

/** An action's outcome: a success line, or the problem's title, detail and field. */
function showResult(target, outcome) {
  if (outcome instanceof ApiError) {
    const p = outcome.problem;
    target.replaceChildren(h('div', { class: 'problem', role: 'alert', testid: 'problem' },
      h('strong', { testid: 'problem-title' }, p.title),
      p.status ? h('span', { class: 'muted' }, ` (HTTP ${p.status})`) : null,
      p.detail ? h('div', { testid: 'problem-detail' }, p.detail) : null,
      p.field ? h('div', null, 'Field: ', h('code', { testid: 'problem-field' }, p.field)) : null,
      p.retryAfter ? h('div', null, `Retry after ${p.retryAfter} s.`) : null));
  } else if (outcome instanceof Error) {
    target.replaceChildren(h('div', { class: 'problem', role: 'alert', testid: 'problem' }, h('strong', null, outcome.message)));
  } else {
    target.replaceChildren(h('span', { class: 'ok', testid: 'result-ok' }, outcome));
  }
}

// --- views: lifecycle and routing --------------------------------------------------------------------------------

/**
 * One shown view: it loads through {@code refresh}, which runs again every REFRESH_MS while live refresh is on and
 * the tab is visible (never two at once); leaving the view stops it and discards late answers.
 */
class View {
  constructor(root) {
    this.root = root;
    this.alive = true;
    this.busy = false;
    this.refresher = null;
    this.timer = setInterval(() => this.tick(), REFRESH_MS);
  }

  tick() {
    if (this.alive && app.live && !document.hidden && this.refresher) this.run(this.refresher);
  }

  /** Runs one load now unless one is under way; errors show in the view's error line. */
  async run(load) {
    if (!this.alive || this.busy) return;
    this.busy = true;
    try {
      await load();
      if (this.alive) this.error(null);
    } catch (e) {
      if (this.alive && !(e instanceof ApiError && e.status === 401)) this.error(e);
    } finally {
      this.busy = false;
    }
  }

  error(e) {
    let line = this.root.querySelector('[data-role="load-error"]');
    if (!e) {
      if (line) line.remove();
      return;
    }
    if (!line) {
      line = h('div', { 'data-role': 'load-error', testid: 'load-error', class: 'result' });
      this.root.prepend(line);
    }
    showResult(line, e);
  }

  stop() {
    this.alive = false;
    clearInterval(this.timer);
  }
}

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/tasks';
  const at = raw.indexOf('?');
  const path = at < 0 ? raw : raw.slice(0, at);
  const params = new URLSearchParams(at < 0 ? '' : raw.slice(at + 1));
  const parts = path.split('/').filter(Boolean).map((part) => {
    try {
      return decodeURIComponent(part);
    } catch (e) {
      return part;
    }
  });
  return { parts, params };
}

/** Records a view's own state (filters, page) in the address without re-rendering it. */
function setHash(path, params) {
  const q = query(params);
  const hash = `#${path}${q ? `?${q}` : ''}`;
  if (location.hash !== hash) history.replaceState(null, '', hash);
  app.routed = location.hash;
}

function route(force) {
  if (!force && app.routed === location.hash && app.view) return;
  app.routed = location.hash;
  if (app.view) app.view.stop();
  app.view = null;
  if (!app.session) {
    showLogin('');
    return;
  }
  const { parts, params } = parseHash();
  const root = $('view');
  root.replaceChildren();
  const view = new View(root);
  app.view = view;
  const name = parts[0] || 'tasks';
  for (const link of document.querySelectorAll('#nav a')) {
    const current = link.dataset.view === name || (name === 'task' && link.dataset.view === 'tasks')
      || (name === 'run' && link.dataset.view === 'tasks');
    if (current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  switch (name) {
    case 'tasks': taskList(view, params); break;
    case 'task': taskPage(view, parts.slice(1).join('/'), params); break;
    case 'run': runPage(view, parts.slice(1).join('/')); break;
    case 'dead-letters': deadLetters(view, params); break;
    case 'stats': statsPage(view); break;
    default:
      location.hash = '#/tasks';
  }
}

// --- session -----------------------------------------------------------------------------------------------------

function showLogin(reason) {
  if (app.view) app.view.stop();
  app.view = null;
  app.session = null;
  $('view').replaceChildren();
  $('nav').hidden = true;
  $('who').hidden = true;
  $('login-view').hidden = false;
  $('login-reason').textContent = reason || '';
  $('login-error').textContent = '';
  $('login-password').value = '';
  document.title = 'Log in · Plugin Scheduler';
  $('login-user').focus();
}

function sessionLost() {
  if (app.session) showLogin('Your session has ended. Please log in again.');
}

function showApp(session) {
  app.session = session;
  $('login-view').hidden = true;
  $('nav').hidden = false;
  $('who').hidden = false;
  $('user-name').textContent = session.user;
  $('user-role').textContent = session.role;
  $('read-only-badge').hidden = !session.readOnly;
  route(true);
}

async function logIn(event) {
  event.preventDefault();
  const user = $('login-user').value.trim();
  const password = $('login-password').value;
  const error = $('login-error');
  if (!user || !password) {
    error.textContent = user ? 'Enter the password.' : 'Enter the user name.';
    (user ? $('login-password') : $('login-user')).focus();
    return;
  }
  $('login-submit').disabled = true;
  error.textContent = '';
  try {
    const session = await api('POST', '/session', { user, password });
    $('login-password').value = '';
    showApp(session);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) error.textContent = 'Wrong user name or password.';
    else if (e instanceof ApiError && e.status === 429) {
      error.textContent = `Too many failed log-ins. Try again${e.problem.retryAfter ? ` in ${e.problem.retryAfter} s` : ' later'}.`;
    } else error.textContent = `Log-in failed: ${e.message}${e.problem && e.problem.detail ? ` — ${e.problem.detail}` : ''}`;
    $('login-password').value = '';
    $('login-password').focus();
  } finally {
    $('login-submit').disabled = false;
  }
}

async function logOut() {
  try {
    await api('DELETE', '/session');
  } catch (e) {
    // the session is dropped on this side either way
  }
  showLogin('You have logged out.');
}

// --- the task list -----------------------------------------------------------------------------------------------

function taskList(view, params) {
  document.title = 'Tasks · Plugin Scheduler';
  const filter = {
    owner: params.get('owner') || '',
    state: params.get('state') || '',
    tenant: params.get('tenant') || '',
    q: params.get('q') || '',
    offset: Math.max(0, parseInt(params.get('offset') || '0', 10) || 0),
  };
  const owner = h('select', { id: 'filter-owner', name: 'owner', testid: 'filter-owner' }, h('option', { value: '' }, 'All owners'));
  const stateSelect = h('select', { id: 'filter-state', name: 'state', testid: 'filter-state' }, h('option', { value: '' }, 'All states'));
  const tenant = h('input', { id: 'filter-tenant', name: 'tenant', type: 'text', size: 12, testid: 'filter-tenant', value: filter.tenant });
  const q = h('input', { id: 'filter-q', name: 'q', type: 'search', size: 24, placeholder: 'id or name', testid: 'filter-q', value: filter.q });
  const total = h('span', { id: 'task-total', class: 'muted', testid: 'task-total' });
  const info = h('span', { id: 'page-info', testid: 'page-info', 'aria-live': 'polite' });
  const prev = h('button', { type: 'button', id: 'page-prev', testid: 'page-prev' }, '‹ Previous');
  const next = h('button', { type: 'button', id: 'page-next', testid: 'page-next' }, 'Next ›');
  const rows = h('tbody', { id: 'task-rows' });
  const empty = h('p', { id: 'task-empty', class: 'muted', testid: 'task-empty', hidden: true }, 'No task matches the filter.');
  const form = h('form', { id: 'task-filters', class: 'toolbar', role: 'search', 'aria-label': 'Filter tasks' },
    h('div', { class: 'field' }, h('label', { for: 'filter-q' }, 'Search'), q),
    h('div', { class: 'field' }, h('label', { for: 'filter-owner' }, 'Owner'), owner),
    h('div', { class: 'field' }, h('label', { for: 'filter-state' }, 'State'), stateSelect),
    h('div', { class: 'field' }, h('label', { for: 'filter-tenant' }, 'Tenant'), tenant),
    h('button', { type: 'submit', id: 'filter-apply' }, 'Apply'),
    h('button', { type: 'button', id: 'filter-clear', onclick: clear }, 'Clear'));
  view.root.append(
    h('h1', null, 'Tasks ', total),
    form,
    h('div', { class: 'pager' }, prev, info, next),
    h('table', { id: 'task-table', testid: 'task-table' },
      h('caption', { class: 'visually-hidden' }, 'Tasks, one page'),
      h('thead', null, h('tr', null,
        ['Task', 'State', 'Schedule', 'Next fire', 'Last fire', 'Last status', 'Owner']
          .map((title) => h('th', { scope: 'col' }, title)))),
      rows),
    empty);

  setOptions(owner, {}, filter.owner, 'All owners');
  setOptions(stateSelect, Object.fromEntries(STATES.map((st) => [st, null])), filter.state, 'All states');

  let seq = 0;
  async function load() {
    const mine = ++seq;
    const page = await api('GET', `/tasks?${query({ owner: filter.owner, state: filter.state, tenant: filter.tenant, q: filter.q, offset: filter.offset, limit: PAGE_SIZE })}`);
    if (!view.alive || mine !== seq) return;
    if (page.total > 0 && filter.offset >= page.total) {
      // the page emptied (tasks went away): show the last page that has tasks
      filter.offset = Math.floor((page.total - 1) / PAGE_SIZE) * PAGE_SIZE;
      record();
      await load();
      return;
    }
    render(page);
  }

  function render(page) {
    const facets = page.facets || {};
    setOptions(owner, facets.owners || {}, filter.owner, 'All owners');
    const states = Object.assign(Object.fromEntries(STATES.map((st) => [st, 0])), facets.states || {});
    setOptions(stateSelect, states, filter.state, 'All states');
    const all = Object.values(facets.states || {}).reduce((a, b) => a + b, 0);
    total.textContent = `(${page.total}${facets.states && all !== page.total ? ` of ${all}` : ''})`;
    pager(page, info, prev, next);
    empty.hidden = page.items.length > 0;
    reconcile(rows, page.items, (task) => task.id, taskRow);
  }

  function record() {
    setHash('/tasks', { owner: filter.owner, state: filter.state, tenant: filter.tenant, q: filter.q, offset: filter.offset || '' });
  }

  function apply(resetPage) {
    filter.owner = owner.value;
    filter.state = stateSelect.value;
    filter.tenant = tenant.value.trim();
    filter.q = q.value.trim();
    if (resetPage) filter.offset = 0;
    record();
    seq++;
    view.busy = false;
    view.run(load);
  }

  function clear() {
    owner.value = '';
    stateSelect.value = '';
    tenant.value = '';
    q.value = '';
    apply(true);
  }

  let typing = null;
  const debounced = () => {
    clearTimeout(typing);
    typing = setTimeout(() => apply(true), 300);
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(typing);
    apply(true);
  });
  owner.addEventListener('change', () => apply(true));
  stateSelect.addEventListener('change', () => apply(true));
  q.addEventListener('input', debounced);
  tenant.addEventListener('input', debounced);
  prev.addEventListener('click', () => {
    filter.offset = Math.max(0, filter.offset - PAGE_SIZE);
    apply(false);
  });
  next.addEventListener('click', () => {
    filter.offset += PAGE_SIZE;
    apply(false);
  });

  view.refresher = load;
  view.run(load);
}

/**
 * Fits a pager to a page of a list: "51–100 of 1234". The total may be null when counting would cost too much (a
 * task's run history): then {@code hasMore} says whether an older page exists.
 */
function pager(page, info, prev, next) {
  const first = page.items.length ? page.offset + 1 : 0;
  const last = page.offset + page.items.length;
  const known = isNum(page.total);
  info.textContent = known ? `${first}–${last} of ${page.total}` : `${first}–${last}${page.hasMore ? ' of more' : ''}`;
  prev.disabled = page.offset <= 0;
  next.disabled = known ? last >= page.total : !page.hasMore;
}

/** Fills a select with "value (count)" options, keeping the selection (also a value the facets no longer have). */
function setOptions(select, counts, selected, allLabel) {
  const keys = Object.keys(counts).sort();
  if (selected && !keys.includes(selected)) keys.push(selected);
  const wanted = [['', allLabel], ...keys.map((k) => [k, typeof counts[k] === 'number' ? `${k} (${counts[k]})` : k])];
  const current = Array.from(select.options).map((o) => [o.value, o.textContent]);
  if (JSON.stringify(current) !== JSON.stringify(wanted)) {
    select.replaceChildren(...wanted.map(([v, text]) => h('option', { value: v }, text)));
  }
  select.value = selected;
}

/**
 * Makes {@code tbody} show one row per item, in order, rebuilding only the rows whose data changed, so a live
 * refresh neither flickers nor moves the reader's place.
 */
function reconcile(tbody, items, key, makeRow) {
  const existing = new Map();
  for (const row of Array.from(tbody.rows)) existing.set(row.dataset.key, row);
  let cursor = tbody.firstElementChild;
  for (const item of items) {
    const k = key(item);
    const json = JSON.stringify(item);
    let row = existing.get(k);
    existing.delete(k);
    if (row && row.dataset.json !== json) {
      const fresh = makeRow(item);
      row.replaceWith(fresh);
      row = fresh;
    } else if (!row) {
      row = makeRow(item);
    }
    row.dataset.key = k;
    row.dataset.json = json;
    if (row !== cursor) tbody.insertBefore(row, cursor);
    else cursor = cursor.nextElementSibling;
  }
  for (const row of existing.values()) row.remove();
}

function taskRow(task) {
  return h('tr', { testid: 'task-row', 'data-task-id': task.id },
    h('td', null,
      h('a', { href: `#/task/${enc(task.id)}`, testid: 'task-link' }, task.name || task.taskId || task.id),
      h('span', { class: 'sub mono' }, task.id),
      task.problem ? h('span', { class: 'sub error' }, task.problem) : null),
    h('td', null, badge(task.state, 'task-state')),
    h('td', { title: task.schedule || '' },
      task.scheduleDescription || task.schedule || '—',
      task.scheduleOverridden ? h('span', { class: 'sub' }, 'overridden') : null),
    h('td', null, time(task.nextFire)),
    h('td', null, time(task.lastFire)),
    h('td', null, badge(task.lastStatus)),
    h('td', { title: task.ownerBundle || '' }, task.owner));
}

// --- one task ----------------------------------------------------------------------------------------------------

function taskPage(view, id, params) {
  document.title = `${id} · Plugin Scheduler`;
  let runsOffset = Math.max(0, parseInt(params.get('runs') || '0', 10) || 0);
  const path = `/tasks/${enc(id)}`;
  const title = h('h1', { id: 'task-title', testid: 'task-title' }, id);
  const result = h('div', { id: 'action-result', class: 'result', role: 'status', 'aria-live': 'polite', testid: 'action-result' });
  const actions = h('section', { id: 'task-actions', 'aria-label': 'Actions', testid: 'task-actions' });
  const stateBox = h('div', { id: 'task-state-box', testid: 'task-state-box' });
  const fires = h('ol', { id: 'next-fires', testid: 'next-fires' });
  const chartBox = h('div', { id: 'run-chart', class: 'chart', testid: 'run-chart' });
  const runInfo = h('span', { id: 'runs-info', testid: 'runs-info' });
  const runsPrev = h('button', { type: 'button', id: 'runs-prev', testid: 'runs-prev' }, '‹ Newer');
  const runsNext = h('button', { type: 'button', id: 'runs-next', testid: 'runs-next' }, 'Older ›');
  const runRows = h('tbody', { id: 'run-rows' });
  const runsEmpty = h('p', { class: 'muted', hidden: true, testid: 'runs-empty' }, 'No run recorded yet.');
  const definition = h('div', { id: 'task-definition', testid: 'task-definition' });

  view.root.append(
    h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/tasks' }, 'Tasks'), ' › ', h('span', { class: 'mono' }, id)),
    title,
    result,
    actions,
    h('div', { class: 'grid' },
      h('section', { class: 'panel', 'aria-labelledby': 'h-state' }, h('h2', { id: 'h-state' }, 'State and schedule'), stateBox),
      h('section', { class: 'panel', 'aria-labelledby': 'h-fires' }, h('h2', { id: 'h-fires' }, 'Next fires'), fires)),
    h('section', { 'aria-labelledby': 'h-chart' }, h('h2', { id: 'h-chart' }, `Duration and fire lag, last ${CHART_RUNS} runs`), chartBox),
    h('section', { 'aria-labelledby': 'h-runs' },
      h('h2', { id: 'h-runs' }, 'Run history'),
      h('div', { class: 'pager' }, runsPrev, runInfo, runsNext),
      h('table', { id: 'run-table', testid: 'run-table' },
        h('caption', { class: 'visually-hidden' }, 'Runs, newest first'),
        h('thead', null, h('tr', null,
          ['Run', 'Trigger', 'Attempt', 'Status', 'Scheduled', 'Started', 'Duration', 'Lag', 'Message']
            .map((t) => h('th', { scope: 'col', class: ['Attempt', 'Duration', 'Lag'].includes(t) ? 'num' : null }, t)))),
        runRows),
      runsEmpty),
    h('section', { 'aria-labelledby': 'h-def' }, h('h2', { id: 'h-def' }, 'Definition'), definition));

  let task = null;
  const shown = { task: null, chart: null };
  const controls = buildActions();

  async function load() {
    const [detail, runs, recent] = await Promise.all([
      api('GET', path),
      api('GET', `${path}/runs?${query({ offset: runsOffset, limit: RUN_PAGE_SIZE })}`),
      runsOffset === 0 && RUN_PAGE_SIZE >= CHART_RUNS ? null : api('GET', `${path}/runs?${query({ offset: 0, limit: CHART_RUNS })}`),
    ]);
    if (!view.alive) return;
    task = detail;
    renderTask(detail);
    renderRuns(runs);
    renderChart((recent || runs).items);
  }

  function renderTask(detail) {
    const json = JSON.stringify(detail);
    if (json === shown.task) return;
    shown.task = json;
    title.textContent = detail.name && detail.name !== detail.taskId ? `${detail.name}` : detail.id;
    document.title = `${detail.id} · Plugin Scheduler`;
    stateBox.replaceChildren(h('dl', { class: 'props' },
      h('dt', null, 'Id'), h('dd', { class: 'mono', testid: 'task-id' }, detail.id),
      h('dt', null, 'State'), h('dd', null, badge(detail.state, 'task-state')),
      detail.problem ? [h('dt', null, 'Problem'), h('dd', { class: 'error', testid: 'task-problem' }, detail.problem)] : null,
      h('dt', null, 'Schedule'), h('dd', null,
        h('span', { title: detail.schedule || '', testid: 'task-schedule-words' }, detail.scheduleDescription || '—'),
        h('span', { class: 'sub mono', testid: 'task-schedule' }, detail.schedule || ''),
        detail.scheduleOverridden ? h('span', { class: 'badge badge-warn' }, 'overridden by an operator') : null),
      h('dt', null, 'Time zone'), h('dd', null, detail.zone || '—'),
      h('dt', null, 'Next fire'), h('dd', null, time(detail.nextFire)),
      h('dt', null, 'Last fire'), h('dd', null, time(detail.lastFire)),
      h('dt', null, 'Last status'), h('dd', null, badge(detail.lastStatus)),
      h('dt', null, 'Owner'), h('dd', null, detail.owner, detail.ownerBundle ? h('span', { class: 'sub' }, detail.ownerBundle) : null),
      detail.tenant ? [h('dt', null, 'Tenant'), h('dd', null, detail.tenant)] : null));
    const nextFires = detail.nextFires || [];
    fires.replaceChildren(...(nextFires.length
      ? nextFires.map((f) => h('li', null, time(f)))
      : [h('li', { class: 'muted' }, 'none planned')]));
    definition.replaceChildren(detail.definition ? props(Object.entries(detail.definition), 'definition-props')
      : h('p', { class: 'muted' }, 'No definition: no provider supplies this task now.'));
    controls.update(detail);
  }

  function renderRuns(page) {
    pager(page, runInfo, runsPrev, runsNext);
    runsEmpty.hidden = page.items.length > 0 || page.offset > 0;
    reconcile(runRows, page.items, (run) => run.runId, runRow);
  }

  function renderChart(runs) {
    const json = JSON.stringify(runs.map((r) => [r.runId, r.status, r.durationMs, r.lagMs]));
    if (json === shown.chart) return;
    shown.chart = json;
    chartBox.replaceChildren(runChart(runs));
  }

  function turnRuns(offset) {
    runsOffset = Math.max(0, offset);
    setHash(`/task/${enc(id)}`, { runs: runsOffset || '' });
    view.busy = false;
    view.run(load);
  }
  runsPrev.addEventListener('click', () => turnRuns(runsOffset - RUN_PAGE_SIZE));
  runsNext.addEventListener('click', () => turnRuns(runsOffset + RUN_PAGE_SIZE));

  /** The operator's buttons (or why there are none), built once; {@code update} fits them to the task's state. */
  function buildActions() {
    if (!mayAct()) {
      actions.append(h('p', { class: 'muted', id: 'actions-unavailable', testid: 'actions-unavailable' },
        app.session.readOnly ? 'The console is read-only: actions are switched off.'
          : `Your role (${app.session.role}) may view tasks; actions need the operator role.`));
      return { update() {} };
    }
    const trigger = h('button', { type: 'button', id: 'action-trigger', testid: 'action-trigger', class: 'primary' }, 'Trigger now');
    const enable = h('button', { type: 'button', id: 'action-enable', testid: 'action-enable' }, 'Enable');
    const disable = h('button', { type: 'button', id: 'action-disable', testid: 'action-disable' }, 'Disable');
    const pause = h('button', { type: 'button', id: 'action-pause', testid: 'action-pause' }, 'Pause');
    const resume = h('button', { type: 'button', id: 'action-resume', testid: 'action-resume' }, 'Resume');
    const reset = h('button', { type: 'button', id: 'action-reset-schedule', testid: 'action-reset-schedule' }, 'Reset schedule');
    const remove = h('button', { type: 'button', id: 'action-remove', testid: 'action-remove', class: 'danger' }, 'Remove');
    const input = h('input', { id: 'reschedule-input', testid: 'reschedule-input', type: 'text', spellcheck: 'false', 'aria-describedby': 'reschedule-help' });
    const preview = h('button', { type: 'button', id: 'reschedule-preview', testid: 'reschedule-preview' }, 'Preview');
    const apply = h('button', { type: 'submit', id: 'reschedule-apply', testid: 'reschedule-apply' }, 'Reschedule');
    const previewBox = h('div', { id: 'preview-result', class: 'preview', 'aria-live': 'polite', testid: 'preview-result' });
    actions.append(
      h('div', { class: 'actions' }, trigger, enable, disable, pause, resume, reset, remove),
      h('form', { class: 'reschedule', id: 'reschedule-form', 'aria-label': 'Reschedule' },
        h('label', { for: 'reschedule-input' }, 'New schedule'), input, preview, apply,
        h('span', { id: 'reschedule-help', class: 'muted small' }, 'e.g. cron:0 3 * * *, every:PT15M, rrule:FREQ=DAILY;BYHOUR=4')),
      previewBox);

    async function act(button, method, suffix, body, success) {
      button.disabled = true;
      try {
        const answer = await api(method, `${path}${suffix}`, body);
        showResult(result, success(answer));
        input.removeAttribute('aria-invalid');
        if (view.alive) {
          view.busy = false;
          await view.run(load);
        }
        return answer;
      } catch (e) {
        showResult(result, e);
        if (e instanceof ApiError && e.problem.field === 'schedule') input.setAttribute('aria-invalid', 'true');
        return null;
      } finally {
        button.disabled = false;
        if (task) update(task);
      }
    }

    trigger.addEventListener('click', () => act(trigger, 'POST', '/trigger', undefined, (a) => {
      const runId = a && a.runId;
      return runId ? h('span', null, 'Triggered: run ', h('a', { href: `#/run/${enc(runId)}`, testid: 'triggered-run', 'data-run-id': runId }, runId), '.')
        : 'Triggered.';
    }));
    enable.addEventListener('click', () => act(enable, 'POST', '/enable', undefined, () => 'Enabled.'));
    disable.addEventListener('click', () => act(disable, 'POST', '/disable', undefined, () => 'Disabled.'));
    pause.addEventListener('click', () => act(pause, 'POST', '/pause', undefined, () => 'Paused.'));
    resume.addEventListener('click', () => act(resume, 'POST', '/resume', undefined, () => 'Resumed.'));
    reset.addEventListener('click', () => act(reset, 'DELETE', '/schedule', undefined, (t) =>
      `Schedule reset to the provider's: ${t && (t.scheduleDescription || t.schedule) || 'done'}.`));
    let confirmRemove = false;
    remove.addEventListener('click', async () => {
      if (!confirmRemove) {
        confirmRemove = true;
        remove.textContent = 'Confirm remove';
        showResult(result, 'Press "Confirm remove" to delete this task and its history.');
        return;
      }
      const done = await act(remove, 'DELETE', '', undefined, () => 'Removed.');
      confirmRemove = false;
      remove.textContent = 'Remove';
      if (done !== null) location.hash = '#/tasks';
    });
    /** @return the schedule typed, or null after saying one is needed */
    const typedSchedule = () => {
      const text = input.value.trim();
      if (!text) {
        input.setAttribute('aria-invalid', 'true');
        previewBox.replaceChildren(h('p', { class: 'error' }, 'Enter a schedule first.'));
        input.focus();
        return null;
      }
      return text;
    };
    preview.addEventListener('click', async () => {
      const text = typedSchedule();
      if (text === null) return;
      preview.disabled = true;
      try {
        const answer = await api('GET', `/schedules/preview?${query({ schedule: text, count: 5 })}`);
        input.removeAttribute('aria-invalid');
        previewBox.replaceChildren(
          h('p', null, h('strong', { testid: 'preview-description' }, answer.description || answer.schedule), ' — next fires:'),
          h('ol', { testid: 'preview-fires' }, (answer.fires || []).map((f) => h('li', null, time(f)))));
      } catch (e) {
        if (e instanceof ApiError && e.problem.field === 'schedule') input.setAttribute('aria-invalid', 'true');
        showResult(previewBox, e);
      } finally {
        preview.disabled = false;
      }
    });
    actions.querySelector('#reschedule-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const text = typedSchedule();
      if (text === null) return;
      act(apply, 'PUT', '/schedule', { schedule: text }, (t) =>
        `Rescheduled: ${t && (t.scheduleDescription || t.schedule) || text}.`);
    });

    let filled = false;
    function update(t) {
      if (!filled && t.schedule && !input.value) {
        input.value = t.schedule;
        filled = true;
      }
      const defined = t.state !== 'DORMANT' && t.state !== 'INVALID' && t.state !== 'CONFLICT';
      enable.hidden = t.state !== 'DISABLED';
      disable.hidden = t.state === 'DISABLED';
      pause.hidden = t.state === 'PAUSED';
      resume.hidden = t.state !== 'PAUSED';
      trigger.disabled = !defined;
      for (const b of [disable, pause]) b.disabled = !defined;
      reset.disabled = !t.scheduleOverridden;
      reset.title = t.scheduleOverridden ? 'Back to the schedule the provider gives' : 'The schedule is the provider\'s own';
      remove.hidden = defined;
    }
    return { update };
  }

  view.refresher = load;
  view.run(load);
}

function runRow(run) {
  const failed = ['FAILED', 'TIMED_OUT', 'ABANDONED'].includes(run.status);
  return h('tr', { testid: 'run-row', 'data-run-id': run.runId, 'data-status': run.status },
    h('td', null, h('a', { href: `#/run/${enc(run.runId)}`, class: 'mono', testid: 'run-link' }, shortId(run.runId))),
    h('td', null, run.trigger),
    h('td', { class: 'num' }, run.attempt),
    h('td', null, badge(run.status, 'run-status')),
    h('td', null, time(run.scheduledAt)),
    h('td', null, time(run.startedAt)),
    h('td', { class: 'num', title: run.durationMs === null || run.durationMs === undefined ? '' : `${run.durationMs} ms` }, duration(run.durationMs)),
    h('td', { class: 'num', title: run.lagMs === null || run.lagMs === undefined ? '' : `${run.lagMs} ms` }, duration(run.lagMs)),
    h('td', { class: `message${failed ? ' error' : ''}` }, run.message || ''));
}

function shortId(id) {
  const text = String(id);
  return text.length > 20 ? `${text.slice(0, 10)}…${text.slice(-6)}` : text;
}

// --- the chart ---------------------------------------------------------------------------------------------------

/**
 * Duration and fire lag of the given runs (newest first, as the API lists them) as two small line charts, oldest
 * run on the left, each with its own scale (a lag of a few ms beside durations of seconds would otherwise be flat).
 * Every point is a circle with a tooltip naming the run.
 */
function runChart(runs) {
  const points = runs.slice().reverse().filter((r) => isNum(r.durationMs) || isNum(r.lagMs));
  if (points.length === 0) {
    return h('p', { class: 'muted', id: 'chart-empty', testid: 'chart-empty' }, 'No finished run to chart yet.');
  }
  const width = 860;
  const panel = 120;
  const gap = 36;
  const left = 64;
  const right = 16;
  const top = 22;
  const height = top + panel + gap + panel + 28;
  const series = [
    { key: 'durationMs', name: 'Duration', css: 'duration', y0: top },
    { key: 'lagMs', name: 'Fire lag', css: 'lag', y0: top + panel + gap },
  ];
  const x = (i) => left + (points.length === 1 ? (width - left - right) / 2 : i * (width - left - right) / (points.length - 1));
  const durations = points.map((r) => r.durationMs).filter(isNum);
  const lags = points.map((r) => r.lagMs).filter(isNum);
  const summary = `Chart of the last ${points.length} runs, oldest first. Duration: median ${duration(median(durations))}, `
    + `max ${duration(durations.length ? Math.max(...durations) : null)}. Fire lag: median ${duration(median(lags))}, `
    + `max ${duration(lags.length ? Math.max(...lags) : null)}.`;
  const svg = s('svg', {
    viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': summary, testid: 'run-chart-svg', id: 'run-chart-svg',
    'data-points': points.length,
  });
  svg.append(s('title', null, summary));
  for (const line of series) {
    const values = points.map((r) => r[line.key]);
    const max = niceMax(Math.max(0, ...values.filter(isNum)));
    const y = (v) => line.y0 + panel - (max === 0 ? 0 : v / max * panel);
    svg.append(s('text', { x: left, y: line.y0 - 8, class: 'title' }, line.name));
    for (const fraction of [0, 0.5, 1]) {
      const v = max * fraction;
      svg.append(
        s('line', { x1: left, x2: width - right, y1: y(v), y2: y(v), class: fraction === 0 ? 'axis' : 'grid-line' }),
        s('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end' }, duration(Math.round(v))));
    }
    svg.append(s('line', { x1: left, x2: left, y1: line.y0, y2: line.y0 + panel, class: 'axis' }));
    const coords = [];
    values.forEach((v, i) => {
      if (isNum(v)) coords.push([x(i), y(v), v, points[i]]);
    });
    if (coords.length > 1) {
      svg.append(s('polyline', { points: coords.map(([cx, cy]) => `${cx.toFixed(1)},${cy.toFixed(1)}`).join(' '), class: `series-${line.css}` }));
    }
    for (const [cx, cy, v, run] of coords) {
      const failed = ['FAILED', 'TIMED_OUT', 'ABANDONED'].includes(run.status);
      svg.append(s('circle', {
        cx: cx.toFixed(1), cy: cy.toFixed(1), r: 3.5, class: `point point-${line.css}${failed ? ' failed' : ''}`,
        'data-run-id': run.runId, 'data-value': v,
      }, s('title', null, `${line.name} ${duration(v)} — run ${run.runId}, ${run.status}, ${run.startedAt || run.scheduledAt || ''}`)));
    }
    if (coords.length === 0) {
      svg.append(s('text', { x: (left + width) / 2, y: line.y0 + panel / 2, 'text-anchor': 'middle' },
        line.key === 'lagMs' ? 'no scheduled run in this window' : 'no finished run'));
    }
  }
  svg.append(s('text', { x: left, y: height - 6 }, 'older'), s('text', { x: width - right, y: height - 6, 'text-anchor': 'end' }, 'newer'));
  return svg;
}

function isNum(v) {
  return typeof v === 'number' && Number.isFinite(v);
}

function median(values) {
  if (values.length === 0) return null;
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** A round upper bound for an axis: 1, 2 or 5 times a power of ten. */
function niceMax(v) {
  if (v <= 0) return 0;
  const power = 10 ** Math.floor(Math.log10(v));
  for (const step of [1, 2, 5, 10]) {
    if (step * power >= v) return step * power;
  }
  return 10 * power;
}

// --- one run -----------------------------------------------------------------------------------------------------

function runPage(view, runId) {
  document.title = `Run ${runId} · Plugin Scheduler`;
  const body = h('div', { id: 'run-detail', testid: 'run-detail' });
  const crumbs = h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/tasks' }, 'Tasks'));
  view.root.append(crumbs, h('h1', null, 'Run ', h('span', { class: 'mono', testid: 'run-id' }, runId)), body);
  let shown = null;
  const known = ['runId', 'taskId', 'trigger', 'attempt', 'status', 'scheduledAt', 'startedAt', 'endedAt', 'durationMs', 'lagMs', 'message', 'data', 'arguments'];
  async function load() {
    const run = await api('GET', `/runs/${enc(runId)}`);
    if (!view.alive) return;
    const json = JSON.stringify(run);
    if (json === shown) return;
    shown = json;
    crumbs.replaceChildren(h('a', { href: '#/tasks' }, 'Tasks'), ' › ',
      h('a', { href: `#/task/${enc(run.taskId)}`, class: 'mono' }, run.taskId), ' › ', h('span', null, 'run'));
    const extra = Object.entries(run).filter(([k]) => !known.includes(k));
    body.replaceChildren(
      h('dl', { class: 'props' },
        h('dt', null, 'Task'), h('dd', null, h('a', { href: `#/task/${enc(run.taskId)}`, class: 'mono', testid: 'run-task' }, run.taskId)),
        h('dt', null, 'Status'), h('dd', null, badge(run.status, 'run-status')),
        h('dt', null, 'Trigger'), h('dd', { testid: 'run-trigger' }, run.trigger),
        h('dt', null, 'Attempt'), h('dd', { testid: 'run-attempt' }, String(run.attempt)),
        h('dt', null, 'Scheduled at'), h('dd', null, time(run.scheduledAt)),
        h('dt', null, 'Started'), h('dd', null, time(run.startedAt)),
        h('dt', null, 'Ended'), h('dd', null, time(run.endedAt)),
        h('dt', null, 'Duration'), h('dd', null, duration(run.durationMs)),
        h('dt', null, 'Fire lag'), h('dd', null, duration(run.lagMs)),
        h('dt', null, 'Message'), h('dd', null, run.message ? h('pre', { class: 'text', testid: 'run-message' }, run.message) : h('span', { class: 'muted' }, '—')),
        extra.map(([k, v]) => [h('dt', null, label(k)), h('dd', null, value(k, v))])),
      h('h2', null, 'Data'), mapTable(run.data, 'run-data', 'Data the run returned'),
      h('h2', null, 'Arguments'), mapTable(run.arguments, 'run-arguments', 'Arguments the run was given'));
  }
  view.refresher = load;
  view.run(load);
}

// --- dead letters ------------------------------------------------------------------------------------------------

function deadLetters(view, params) {
  document.title = 'Dead letters · Plugin Scheduler';
  let task = params.get('task') || '';
  let offset = Math.max(0, parseInt(params.get('offset') || '0', 10) || 0);
  const input = h('input', { id: 'dl-task', name: 'task', type: 'text', size: 36, value: task, testid: 'dl-task', placeholder: 'owner:task' });
  const result = h('div', { id: 'dl-result', class: 'result', role: 'status', 'aria-live': 'polite', testid: 'dl-result' });
  const info = h('span', { id: 'dl-info', testid: 'dl-info' });
  const prev = h('button', { type: 'button', id: 'dl-prev' }, '‹ Previous');
  const next = h('button', { type: 'button', id: 'dl-next' }, 'Next ›');
  const rows = h('tbody', { id: 'dl-rows' });
  const empty = h('p', { class: 'muted', hidden: true, testid: 'dl-empty', id: 'dl-empty' }, 'No dead letter.');
  const purge = h('button', { type: 'button', id: 'dl-purge', class: 'danger', testid: 'dl-purge', hidden: !mayAct() }, 'Purge…');
  const cancel = h('button', { type: 'button', id: 'dl-purge-cancel', hidden: true }, 'Cancel');
  const form = h('form', { class: 'toolbar', role: 'search', 'aria-label': 'Filter dead letters' },
    h('div', { class: 'field' }, h('label', { for: 'dl-task' }, 'Task'), input),
    h('button', { type: 'submit' }, 'Apply'), purge, cancel);
  const headings = ['Run', 'Task', 'Last attempt', 'Attempts', 'Last error', 'Arguments'];
  if (mayAct()) headings.push('Action');
  view.root.append(
    h('h1', null, 'Dead letters'),
    h('p', { class: 'muted' }, 'Runs that failed their last allowed attempt. Replaying one submits it again with the same arguments.'),
    form, result,
    h('div', { class: 'pager' }, prev, info, next),
    h('table', { id: 'dl-table', testid: 'dl-table' },
      h('caption', { class: 'visually-hidden' }, 'Dead letters'),
      h('thead', null, h('tr', null, headings.map((t) => h('th', { scope: 'col', class: t === 'Attempts' ? 'num' : null }, t)))),
      rows),
    empty);

  let total = 0;
  let confirming = false;
  async function load() {
    const page = await api('GET', `/dead-letters?${query({ task, offset, limit: PAGE_SIZE })}`);
    if (!view.alive) return;
    total = page.total;
    pager(page, info, prev, next);
    empty.hidden = page.items.length > 0;
    purge.disabled = page.total === 0;
    reconcile(rows, page.items, (d) => d.runId, letterRow);
  }

  function letterRow(d) {
    return h('tr', { testid: 'dead-letter-row', 'data-run-id': d.runId },
      h('td', null, h('a', { href: `#/run/${enc(d.runId)}`, class: 'mono' }, shortId(d.runId))),
      h('td', null, h('a', { href: `#/task/${enc(d.taskId)}`, class: 'mono' }, d.taskId)),
      h('td', null, time(d.lastAttempt || d.failedAt),
        d.firstAttempt && d.attempts > 1 ? h('span', { class: 'sub' }, 'first: ', time(d.firstAttempt)) : null),
      h('td', { class: 'num' }, d.attempts),
      h('td', { class: 'message error' }, d.lastError || ''),
      h('td', { class: 'mono small' }, Object.entries(d.arguments || {}).map(([k, v]) => h('div', null, `${k}=${v}`))),
      mayAct() ? h('td', null, h('button', {
        type: 'button', testid: 'dl-replay', 'data-run-id': d.runId,
        onclick: (event) => replay(event.currentTarget, d.runId),
      }, 'Replay')) : null);
  }

  async function replay(button, runId) {
    button.disabled = true;
    try {
      const answer = await api('POST', `/dead-letters/${enc(runId)}/replay`);
      showResult(result, h('span', null, `Replayed ${runId} as run `,
        h('a', { href: `#/run/${enc(answer.runId)}`, class: 'mono', testid: 'replayed-run' }, answer.runId), '.'));
      view.busy = false;
      await view.run(load);
    } catch (e) {
      showResult(result, e);
    } finally {
      button.disabled = false;
    }
  }

  function resetPurge() {
    confirming = false;
    purge.textContent = 'Purge…';
    cancel.hidden = true;
  }
  purge.addEventListener('click', async () => {
    if (!confirming) {
      confirming = true;
      purge.textContent = `Confirm: purge ${total} dead letter${total === 1 ? '' : 's'}${task ? ` of ${task}` : ''}`;
      cancel.hidden = false;
      purge.focus();
      return;
    }
    purge.disabled = true;
    try {
      const answer = await api('DELETE', `/dead-letters?${query({ task })}`);
      showResult(result, `Purged ${answer.purged} dead letter${answer.purged === 1 ? '' : 's'}.`);
      offset = 0;
      view.busy = false;
      await view.run(load);
    } catch (e) {
      showResult(result, e);
    } finally {
      purge.disabled = false;
      resetPurge();
    }
  });
  cancel.addEventListener('click', resetPurge);
  const reload = () => {
    setHash('/dead-letters', { task, offset: offset || '' });
    view.busy = false;
    view.run(load);
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    task = input.value.trim();
    offset = 0;
    resetPurge();
    reload();
  });
  prev.addEventListener('click', () => {
    offset = Math.max(0, offset - PAGE_SIZE);
    reload();
  });
  next.addEventListener('click', () => {
    offset += PAGE_SIZE;
    reload();
  });
  view.refresher = load;
  view.run(load);
}

// --- scheduler stats ---------------------------------------------------------------------------------------------

function statsPage(view) {
  document.title = 'Scheduler · Plugin Scheduler';
  const result = h('div', { id: 'stats-result', class: 'result', role: 'status', 'aria-live': 'polite', testid: 'stats-result' });
  const control = h('div', { class: 'actions', id: 'scheduler-control' });
  const body = h('div', { id: 'stats-body', testid: 'stats-body' });
  view.root.append(h('h1', null, 'Scheduler'), control, result, body);
  let shown = null;
  let pausedAll = null;
  const pauseAll = h('button', { type: 'button', id: 'pause-all', testid: 'pause-all', class: 'danger' }, 'Pause all tasks');
  const resumeAll = h('button', { type: 'button', id: 'resume-all', testid: 'resume-all', class: 'primary' }, 'Resume all tasks');
  const pausedLine = h('span', { id: 'paused-all', testid: 'paused-all' });
  control.append(pausedLine);
  if (mayAct()) control.append(pauseAll, resumeAll);

  function showPaused(paused) {
    pausedAll = paused;
    pausedLine.replaceChildren(paused ? h('span', { class: 'badge badge-warn' }, 'All tasks paused') : h('span', { class: 'badge s-ACTIVE' }, 'Running'));
    pauseAll.hidden = paused;
    resumeAll.hidden = !paused;
  }

  async function toggle(button, action) {
    button.disabled = true;
    try {
      const answer = await api('POST', `/scheduler/${action}`);
      showPaused(!!answer.pausedAll);
      showResult(result, answer.pausedAll ? 'The scheduler is paused: no task fires until it is resumed.' : 'The scheduler is running again.');
      view.busy = false;
      await view.run(load);
    } catch (e) {
      showResult(result, e);
    } finally {
      button.disabled = false;
    }
  }
  pauseAll.addEventListener('click', () => toggle(pauseAll, 'pause'));
  resumeAll.addEventListener('click', () => toggle(resumeAll, 'resume'));

  async function load() {
    const [stats, scheduler] = await Promise.all([api('GET', '/stats'), api('GET', '/scheduler')]);
    if (!view.alive) return;
    showPaused(!!(scheduler && scheduler.pausedAll));
    const json = JSON.stringify(stats);
    if (json === shown) return;
    shown = json;
    body.replaceChildren(...renderStats(stats));
  }
  view.refresher = load;
  view.run(load);
}

function renderStats(st) {
  const lag = st.lag || {};
  const lagMs = (name) => (isNum(lag[`${name}Ms`]) ? lag[`${name}Ms`] : lag[name]);
  const sections = [];
  sections.push(h('div', { class: 'grid' },
    h('section', { class: 'panel', 'aria-labelledby': 'h-summary' }, h('h2', { id: 'h-summary' }, 'Now'),
      h('dl', { class: 'props', testid: 'stats-summary' },
        h('dt', null, 'Counting since'), h('dd', null, time(st.since)),
        h('dt', null, 'Execution service'), h('dd', null, st.executing === false ? h('span', { class: 'error' }, 'absent: fires are held') : 'available'),
        h('dt', null, 'Stuck runs'), h('dd', { testid: 'stuck-runs', class: st.stuckRuns > 0 ? 'error' : null }, String(st.stuckRuns ?? '—')),
        h('dt', null, 'Retries and submissions waiting'), h('dd', null, String(st.pendingRetries ?? '—')),
        h('dt', null, 'Held locks'), h('dd', null, String(st.heldLocks ?? '—')),
        h('dt', null, 'Held runs'), h('dd', null, String(st.heldRuns ?? '—')),
        h('dt', null, 'Paused'), h('dd', null, st.paused ? 'yes' : 'no'))),
    h('section', { class: 'panel', 'aria-labelledby': 'h-lag' }, h('h2', { id: 'h-lag' }, 'Fire lag'),
      h('dl', { class: 'props', testid: 'lag-percentiles' },
        h('dt', null, 'Samples'), h('dd', null, String(lag.samples ?? 0)),
        ['p50', 'p90', 'p99', 'max'].map((p) => [h('dt', null, p === 'max' ? 'Max' : p), h('dd', { testid: `lag-${p}` }, duration(lagMs(p)))])))));

  const byStatus = Object.entries(st.runsByStatus || {});
  sections.push(h('section', { 'aria-labelledby': 'h-status' }, h('h2', { id: 'h-status' }, 'Runs by status'),
    byStatus.length === 0 ? h('p', { class: 'muted' }, 'No run yet.')
      : h('table', { testid: 'runs-by-status', class: 'compact' },
        h('thead', null, h('tr', null, byStatus.map(([k]) => h('th', { scope: 'col', class: 'num' }, badge(k))))),
        h('tbody', null, h('tr', null, byStatus.map(([, v]) => h('td', { class: 'num' }, String(v))))))));

  sections.push(h('section', { 'aria-labelledby': 'h-pools' }, h('h2', { id: 'h-pools' }, 'Worker pools and queues'),
    table('pools-table', ['Priority', 'Threads', 'Active', 'Busy', 'Queued', 'Extra (for stuck runs)'], (st.pools || []).map((p) => [
      p.priority, num(p.threads), num(p.active),
      h('meter', { min: 0, max: Math.max(1, p.threads), value: p.active, title: `${p.active} of ${p.threads} threads busy` }),
      num(p.queued), num(p.extra)]), 'No pool reported.')));

  sections.push(h('section', { 'aria-labelledby': 'h-owners' }, h('h2', { id: 'h-owners' }, 'Owners'),
    table('owners-table', ['Owner', 'Pool', 'Running', 'Queued', 'Stuck', 'Share'], (st.owners || []).map((o) => [
      o.owner, o.priority, num(o.running), num(o.queued), num(o.stuck), num(o.share)]), 'No owner holds or waits for a thread.')));

  sections.push(h('section', { 'aria-labelledby': 'h-problems' }, h('h2', { id: 'h-problems' }, 'Provider problems'),
    table('provider-problems', ['Owner', 'Provider', 'Since', 'Reason'], (st.providerProblems || []).map((p) => [
      p.owner, p.provider, time(p.since), h('span', { class: 'error' }, p.reason)]), 'None: every provider answered in time.')));

  sections.push(h('section', { 'aria-labelledby': 'h-history' }, h('h2', { id: 'h-history' }, 'Run history and pruning'),
    st.history ? props(Object.entries(st.history), 'history') : h('p', { class: 'muted' }, 'The task store does not report its history.')));

  const known = ['since', 'runsByStatus', 'lag', 'pools', 'stuckRuns', 'pendingRetries', 'heldLocks', 'paused', 'executing', 'heldRuns', 'history', 'owners', 'providerProblems'];
  const extra = Object.entries(st).filter(([k]) => !known.includes(k));
  if (extra.length) sections.push(h('section', null, h('h2', null, 'More'), props(extra)));
  return sections;
}

function num(v) {
  return isNum(v) ? String(v) : '—';
}

function table(testid, headings, rows, emptyText) {
  if (rows.length === 0) return h('p', { class: 'muted', testid: `${testid}-empty` }, emptyText);
  return h('table', { testid },
    h('thead', null, h('tr', null, headings.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', null, rows.map((cells) => h('tr', null, cells.map((c) => h('td', null, c))))));
}

// --- start -------------------------------------------------------------------------------------------------------

async function start() {
  $('login-form').addEventListener('submit', logIn);
  $('logout').addEventListener('click', logOut);
  const live = $('live-toggle');
  try {
    app.live = sessionStorage.getItem('ps.live') !== 'off';
  } catch (e) {
    app.live = true;
  }
  live.checked = app.live;
  live.addEventListener('change', () => {
    app.live = live.checked;
    try {
      sessionStorage.setItem('ps.live', app.live ? 'on' : 'off');
    } catch (e) {
      // private mode: the choice lasts for this page only
    }
    if (app.live && app.view) app.view.tick();
  });
  const navigate = () => {
    const before = app.routed;
    route(false);
    // a new view: reading and tabbing start at its top, as after a page load
    if (app.routed !== before && app.session) $('main').focus({ preventScroll: false });
  };
  window.addEventListener('hashchange', navigate);
  window.addEventListener('popstate', navigate);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && app.view) app.view.tick();
  });
  try {
    showApp(await api('GET', '/session'));
  } catch (e) {
    showLogin(e instanceof ApiError && e.status === 401 ? '' : `The server did not answer: ${e.message}`);
  }
}

start();
