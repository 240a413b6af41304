// pet serve: the dashboard's script. Plain ES2020, no dependencies.
// Everything from the API goes into the page through textContent or attributes
// (never innerHTML), so names, comments and values cannot inject markup.
'use strict';

// ---- DOM and formatting helpers -------------------------------------------

const $ = (id) => document.getElementById(id);

// el('a', {href: '#/', class: 'x'}, 'text', child, ...): an element whose
// attributes are set with setAttribute (or as properties for on* handlers and
// a few flags) and whose string children become text nodes.
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'checked' || k === 'disabled' || k === 'selected' || k === 'value') e[k] = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// Numbers compactly: integers whole, floats to 6 significant digits.
function fmtNum(x) {
  if (Number.isInteger(x) || !Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  let s = a !== 0 && (a < 1e-4 || a >= 1e9) ? x.toExponential(5) : x.toPrecision(6);
  const [m, e] = s.split('e');
  s = m.includes('.') ? m.replace(/\.?0+$/, '') : m;
  return e === undefined ? s : `${s}e${e.replace('+', '')}`;
}

function truncate(s, n) {
  return s.length > n ? s.slice(0, n) + '…' : s;
}

// Any JSON value as short text; null is an em dash.
function fmtValue(v) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return fmtNum(v);
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  return truncate(JSON.stringify(v), 200);
}

// Durations to 3 significant digits, in µs, ms or s.
function fmtSeconds(s) {
  if (s == null) return '—';
  const p = (x) => String(Number(x.toPrecision(3)));
  if (s < 1e-3) return `${p(s * 1e6)} µs`;
  return s < 1 ? `${p(s * 1e3)} ms` : `${p(s)} s`;
}

function fmtTime(unix) {
  if (unix == null) return '—';
  return new Date(unix * 1000).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

// Restarts a short CSS highlight on an element.
function flash(e) {
  e.classList.remove('flash');
  void e.offsetWidth; // reflow, so the animation starts again
  e.classList.add('flash');
}

// ---- API access and the error banner --------------------------------------

const UNREACHABLE = 'server not reachable — is `pet serve` still running?';

function showError(msg) {
  const e = $('error');
  e.textContent = msg || '';
  e.hidden = !msg;
}

// GET a JSON endpoint; throws an Error whose message is the server's
// {"error": "..."} text, or UNREACHABLE when the request did not complete.
async function api(path) {
  let res;
  try {
    res = await fetch(path, { cache: 'no-store' });
  } catch (_) {
    throw new Error(UNREACHABLE);
  }
  let body = null;
  try { body = await res.json(); } catch (_) { /* not JSON */ }
  if (!res.ok) throw new Error((body && body.error) || `HTTP ${res.status} ${res.statusText}`);
  if (body === null) throw new Error(`${path} did not answer JSON`);
  return body;
}

const enc = encodeURIComponent;
const trajApi = (name) => `/api/traj/${enc(name)}`;

// ---- Shared state: the store, the header and footer -----------------------

let store = null;        // last /api/store answer
let viewToken = 0;       // grows at each render; stale async work checks it
let liveTimer = null;    // the runs view's refresh interval
const lastRunsHash = {}; // trajectory name -> last runs-view hash (for back links)

async function loadStore() {
  store = await api('/api/store');
  $('store-url').textContent = store.store;
  document.querySelector('footer').textContent = `pet ${store.version} · read-only dashboard`;
  return store;
}

const findTraj = (name) => (store ? store.trajectories.find((t) => t.name === name) : undefined);

// ---- Routing: #/  #/t/NAME?query  #/t/NAME/run/INDEX ----------------------

function parseHash() {
  const h = location.hash.replace(/^#/, '') || '/';
  const [path, qs = ''] = h.split('?');
  let parts;
  try { parts = path.split('/').filter(Boolean).map(decodeURIComponent); } catch (_) { return { page: 'list' }; }
  const query = Object.fromEntries(new URLSearchParams(qs));
  if (parts[0] === 't' && parts.length === 2) return { page: 'runs', name: parts[1], query };
  if (parts[0] === 't' && parts.length === 4 && parts[2] === 'run') {
    return { page: 'run', name: parts[1], index: parts[3] };
  }
  return { page: 'list' };
}

function runsHash(name, q = {}) {
  const qs = Object.entries(q)
    .filter(([k, v]) => v !== undefined && v !== null && v !== '' && !(k === 'offset' && Number(v) === 0))
    .map(([k, v]) => `${enc(k)}=${enc(v)}`)
    .join('&');
  return `#/t/${enc(name)}` + (qs ? `?${qs}` : '');
}

let runsView = null; // the live runs view, when it is on screen

async function route() {
  const r = parseHash();
  // Same trajectory's runs view with another query: update in place.
  if (r.page === 'runs' && runsView && runsView.name === r.name) {
    runsView.setQuery(r.query);
    return;
  }
  const token = ++viewToken;
  clearInterval(liveTimer);
  runsView = null;
  showError('');
  const view = $('view');
  try {
    await loadStore();
    if (token !== viewToken) return;
    if (r.page === 'runs') runsView = renderRuns(view, r.name, r.query, token);
    else if (r.page === 'run') await renderRun(view, r.name, r.index, token);
    else renderList(view);
  } catch (e) {
    if (token !== viewToken) return;
    showError(e.message);
    view.replaceChildren(el('section', { class: 'card' }, el('p', { class: 'muted' }, 'Nothing to show here. ',
      el('a', { href: '#/' }, 'Back to the trajectories'), '.')));
  }
}

// ---- Page: the trajectory list -------------------------------------------

function chips(names) {
  if (!names.length) return el('span', { class: 'muted' }, 'none');
  return el('span', { class: 'chips' }, names.map((n) => el('code', { class: 'chip' }, n)));
}

function progress(t) {
  const pct = t.runs ? (100 * t.completed) / t.runs : 0;
  return el('span', { class: 'progress', title: `${fmtNum(pct)} % completed` },
    el('span', { class: 'progress-bar', style: `width:${pct}%` }));
}

function renderList(view) {
  const ts = store.trajectories;
  const cards = ts.map((t) => el('section', { class: 'card traj' },
    el('h2', {}, el('a', { href: runsHash(t.name) }, t.name)),
    t.comment ? el('p', { class: 'comment' }, t.comment) : null,
    el('dl', { class: 'facts' },
      el('dt', {}, 'created'), el('dd', {}, t.created_utc),
      el('dt', {}, 'pet version'), el('dd', {}, t.pet_version),
      el('dt', {}, 'runs'), el('dd', {}, `${t.runs} (${t.completed} completed, ${t.pending} pending) `, progress(t)),
      el('dt', {}, 'nodes'), el('dd', {}, String(t.nodes)),
      el('dt', {}, 'explored'), el('dd', {}, chips(t.explored)),
      el('dt', {}, 'results'), el('dd', {}, chips(t.results))),
    t.provenance.length ? el('div', { class: 'provenance' },
      el('h3', {}, 'Provenance'),
      t.provenance.map((p) => el('details', {},
        el('summary', {}, p.session),
        el('table', { class: 'kv' }, el('tbody', {},
          p.items.map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, v)))))))) : null));
  view.replaceChildren(
    el('h1', {}, 'Trajectories'),
    ts.length ? el('div', { class: 'cards' }, cards)
      : el('section', { class: 'card' }, el('p', { class: 'muted' }, 'The store holds no trajectories.')));
}

// ---- Page: the runs of one trajectory -------------------------------------

function renderRuns(view, name, query, token) {
  const t = findTraj(name);
  if (!t) throw new Error(`the store holds no trajectory '${name}'`);
  let q = { ...query };          // where, sort, order, offset, limit
  let seen = { generation: t.generation, completed: t.completed };
  let pageSeq = 0;               // drops answers to superseded requests
  let plotKey = '';              // explored/results lists the plot selects were built from

  // Filter form, count, live toggle.
  const where = el('input', { id: 'where', type: 'text', placeholder: 'e.g. rule_number > 100',
    spellcheck: 'false', autocomplete: 'off', 'aria-label': 'where expression', value: q.where || '' });
  const form = el('form', { class: 'filter', onsubmit: (ev) => {
    ev.preventDefault();
    navigate({ ...q, where: where.value.trim(), offset: 0 });
  } }, el('label', { for: 'where' }, 'where'), where,
  el('button', { id: 'apply', type: 'submit' }, 'Apply'),
  el('button', { id: 'clear', type: 'button', class: 'secondary',
    onclick: () => { where.value = ''; navigate({ ...q, where: '', offset: 0 }); } }, 'Clear'));
  const count = el('span', { id: 'count' });
  const elapsed = el('span', { id: 'elapsed', class: 'muted' });
  const live = el('input', { id: 'live', type: 'checkbox', checked: true, onchange: () => dot.classList.toggle('off', !live.checked) });
  const dot = el('span', { id: 'live-indicator', class: 'dot', title: 'refreshes every 2 s while checked' });

  // Table and pager.
  const table = el('table', { id: 'runs', class: 'grid' }, el('thead'), el('tbody'));
  const empty = el('p', { id: 'runs-empty', class: 'muted', hidden: true });
  const prev = el('button', { id: 'prev', type: 'button', class: 'secondary', onclick: () => page(-1) }, '‹ Prev');
  const next = el('button', { id: 'next', type: 'button', class: 'secondary', onclick: () => page(1) }, 'Next ›');
  const rowsText = el('span', { id: 'rows', class: 'muted' });
  const size = el('select', { id: 'page-size', 'aria-label': 'rows per page',
    onchange: () => navigate({ ...q, limit: size.value, offset: 0 }) },
  [25, 50, 100, 500].map((n) => el('option', { value: String(n) }, `${n} per page`)));

  // Plot panel.
  const plotPanel = el('section', { class: 'card plot', id: 'plot-panel' });
  const summary = el('span', { id: 'traj-summary', class: 'muted' });

  view.replaceChildren(
    el('p', { class: 'crumbs' }, el('a', { href: '#/' }, 'Trajectories'), ' / ', name),
    el('h1', {}, name, ' ', summary),
    t.comment ? el('p', { class: 'comment' }, t.comment) : null,
    el('section', { class: 'card' },
      el('div', { class: 'toolbar' }, form,
        el('label', { class: 'live', for: 'live' }, live, dot, 'live')),
      el('p', { class: 'count-line' }, count, ' ', elapsed),
      el('div', { class: 'table-wrap' }, table), empty,
      el('div', { class: 'pager' }, prev, rowsText, next, size)),
    plotPanel);

  const limit = () => Number(q.limit) || 50;
  const offset = () => Number(q.offset) || 0;

  function navigate(nq) {
    const h = runsHash(name, nq);
    lastRunsHash[name] = h;
    if (location.hash === h) load(); else location.hash = h; // hashchange -> setQuery
  }

  function page(dir) {
    navigate({ ...q, offset: Math.max(0, offset() + dir * limit()) });
  }

  function sortBy(col) {
    const order = q.sort === col && (q.order || 'asc') === 'asc' ? 'desc' : 'asc';
    navigate({ ...q, sort: col, order, offset: 0 });
  }

  function showTraj(tr) {
    summary.textContent = `${tr.runs} runs · ${tr.completed} completed · ${tr.pending} pending`;
    buildPlotPanel(tr);
  }

  // Fetch and draw the current page of runs.
  async function load() {
    const seq = ++pageSeq;
    if (![...size.options].some((o) => o.value === String(limit()))) size.append(el('option', { value: String(limit()) }, `${limit()} per page`));
    size.value = String(limit());
    const params = { offset: offset(), limit: limit(), sort: q.sort, order: q.sort ? q.order || 'asc' : undefined, where: q.where };
    const qs = Object.entries(params).filter(([, v]) => v !== undefined && v !== '')
      .map(([k, v]) => `${k}=${enc(v)}`).join('&');
    try {
      const res = await api(`${trajApi(name)}/runs?${qs}`);
      if (seq !== pageSeq || token !== viewToken) return;
      showError('');
      table.classList.remove('stale');
      drawTable(res);
    } catch (e) {
      if (seq !== pageSeq || token !== viewToken) return;
      showError(e.message);
      count.textContent = 'the runs could not be read';
      table.classList.add('stale');
      elapsed.textContent = '';
    }
    drawPlot();
  }

  function drawTable(res) {
    const head = el('tr', {}, res.columns.map((c) => {
      const sorted = res.sort === c.name;
      const arrow = sorted ? (res.order === 'desc' ? ' ▼' : ' ▲') : '';
      const kind = c.kind === 'param' ? 'parameter' : c.kind;
      const numeric = c.name === 'run' || c.name === 'runtime' || (res.rows.length && typeof res.rows[0].cells[res.columns.indexOf(c)] === 'number');
      return el('th', { class: `kind-${c.kind}${numeric ? ' num' : ''}`, 'aria-sort': sorted ? (res.order === 'desc' ? 'descending' : 'ascending') : null,
        title: `${kind}${c.unit ? ` [${c.unit}]` : ''}; click to sort` },
      el('button', { type: 'button', class: 'sort', onclick: () => sortBy(c.name) }, c.name, el('span', { class: 'arrow' }, arrow)));
    }));
    const body = res.rows.map((r) => el('tr', {}, r.cells.map((v, i) => {
      const col = res.columns[i].kind === 'meta' ? res.columns[i].name : '';
      if (col === 'run') {
        return el('td', { class: 'num' }, el('a', { class: 'run-link', href: `#/t/${enc(name)}/run/${r.index}` }, String(r.index)));
      }
      if (col === 'status') return el('td', {}, el('span', { class: `status ${v}` }, fmtValue(v)));
      if (col === 'runtime') return el('td', { class: 'num' }, fmtSeconds(v));
      return el('td', { class: typeof v === 'number' ? 'num' : v === null ? 'null' : null,
        title: typeof v === 'object' && v !== null ? truncate(JSON.stringify(v), 1000) : null }, fmtValue(v));
    })));
    table.tHead.replaceChildren(head);
    table.tBodies[0].replaceChildren(...body);
    count.textContent = `${res.matched} of ${res.total} runs match`;
    const ms = res.elapsed_ms;
    elapsed.textContent = `· ${ms < 10 ? ms.toFixed(2) : Math.round(ms)} ms on the server`;
    const a = res.rows.length ? res.offset + 1 : 0;
    const b = res.offset + res.rows.length;
    rowsText.textContent = res.rows.length ? `rows ${a}–${b} of ${res.matched}` : 'no rows';
    prev.disabled = res.offset === 0;
    next.disabled = b >= res.matched;
    empty.hidden = res.rows.length > 0;
    empty.textContent = res.total === 0 ? 'This trajectory has no runs yet.'
      : res.matched === 0 ? 'No run matches the filter.' : 'No rows on this page; go back a page.';
  }

  // (Re)builds the plot's selects when the trajectory's columns change,
  // keeping the current choices that still exist.
  function buildPlotPanel(tr) {
    const key = JSON.stringify([tr.results, tr.explored]);
    if (key === plotKey) return;
    plotKey = key;
    const old = {};
    for (const id of ['plot-y', 'plot-x', 'plot-series', 'plot-y2']) old[id] = $(id) && $(id).value;
    if (!tr.results.length || !tr.explored.length) {
      plotPanel.replaceChildren(el('h2', {}, 'Plot'), el('p', { class: 'muted', id: 'plot-note' },
        !tr.results.length ? 'This trajectory has no scalar results to plot (yet).' : 'No explored parameter to plot against.'));
      return;
    }
    const select = (id, label, names, none, dflt) => {
      const s = el('select', { id, onchange: drawPlot },
        none ? el('option', { value: '' }, 'none') : null,
        names.map((n) => el('option', { value: n }, n)));
      s.value = old[id] != null && [...s.options].some((o) => o.value === old[id]) ? old[id] : dflt;
      return el('label', {}, label, s);
    };
    plotPanel.replaceChildren(
      el('h2', {}, 'Plot'),
      el('div', { class: 'plot-controls' },
        select('plot-y', 'y', tr.results, false, tr.results[0]),
        select('plot-x', 'x', tr.explored, false, tr.explored[0]),
        select('plot-series', 'series', tr.explored, true, ''),
        select('plot-y2', 'heatmap y', tr.explored, true, tr.explored.length >= 2 ? tr.explored[1] : '')),
      el('p', { class: 'muted', id: 'plot-note', hidden: true }),
      el('div', { class: 'plot-frame' }, el('img', { id: 'plot', alt: 'plot of the selected result',
        onload: () => { $('plot-note').hidden = true; $('plot').hidden = false; },
        onerror: plotFailed })));
  }

  let plotRound = 0; // alternates the URL's parameter order to force a redraw
  function drawPlot(force) {
    const img = $('plot');
    if (!img) return;
    const y2 = $('plot-y2').value;
    $('plot-series').disabled = y2 !== '';
    const width = Math.max(200, Math.min(2000, Math.round(img.parentElement.clientWidth || 800)));
    const height = Math.max(150, Math.min(1500, Math.round(width * (y2 ? 0.6 : 0.5))));
    const params = [['y', $('plot-y').value], ['x', $('plot-x').value],
      ['series', y2 ? '' : $('plot-series').value], ['y2', y2], ['where', q.where || ''],
      ['width', width], ['height', height]].filter(([k, v]) => v !== '' || k === 'where');
    if (force === true) plotRound ^= 1;
    if (plotRound) params.reverse();
    const src = `${trajApi(name)}/plot.png?` + params.map(([k, v]) => `${k}=${enc(v)}`).join('&');
    if (img.getAttribute('src') !== src) img.src = src;
  }

  // The image did not load: ask the same URL for its JSON error message.
  async function plotFailed() {
    const img = $('plot');
    const src = img.getAttribute('src');
    let msg = 'the plot could not be drawn';
    try {
      const res = await fetch(src, { cache: 'no-store' });
      const body = await res.json();
      if (body && body.error) msg = body.error;
    } catch (_) { msg = UNREACHABLE; }
    if ($('plot') !== img || img.getAttribute('src') !== src) return;
    img.hidden = true;
    $('plot-note').textContent = `No plot: ${msg}`;
    $('plot-note').hidden = false;
  }

  // Live refresh: poll the store; on new runs or a re-read, redraw in place.
  async function poll() {
    if (!live.checked || token !== viewToken) return;
    try {
      await loadStore();
      dot.classList.remove('down');
      if ($('error').textContent === UNREACHABLE) showError('');
    } catch (e) {
      dot.classList.add('down');
      if (e.message === UNREACHABLE) showError(UNREACHABLE);
      return;
    }
    if (token !== viewToken) return;
    const tr = findTraj(name);
    if (!tr) { showError(`the trajectory '${name}' is no longer in the store`); return; }
    flash(dot);
    if (tr.generation !== seen.generation || tr.completed !== seen.completed) {
      seen = { generation: tr.generation, completed: tr.completed };
      showTraj(tr);
      await load();
      drawPlot(true);
      flash(count);
    }
  }

  showTraj(t);
  load();
  liveTimer = setInterval(poll, 2000);
  lastRunsHash[name] = location.hash || runsHash(name);
  return {
    name,
    setQuery(nq) {
      q = { ...nq };
      lastRunsHash[name] = location.hash;
      if (where.value.trim() !== (q.where || '')) where.value = q.where || '';
      load();
    },
  };
}

// ---- Page: one run -------------------------------------------------------

async function renderRun(view, name, index, token) {
  const run = await api(`${trajApi(name)}/runs/${enc(index)}`);
  if (token !== viewToken) return;
  const back = lastRunsHash[name] || runsHash(name);
  const t = findTraj(name);
  const n = t ? t.runs : 0;
  const nav = el('p', { class: 'crumbs' },
    el('a', { href: '#/' }, 'Trajectories'), ' / ',
    el('a', { id: 'back', href: back }, name), ' / ', run.name,
    el('span', { class: 'run-nav' },
      run.index > 0 ? el('a', { href: `#/t/${enc(name)}/run/${run.index - 1}` }, '‹ previous run') : null,
      run.index + 1 < n ? el('a', { href: `#/t/${enc(name)}/run/${run.index + 1}` }, 'next run ›') : null));

  const times = [
    el('span', { class: `status ${run.status}` }, run.status),
    `started ${fmtTime(run.started)}`, `finished ${fmtTime(run.finished)}`, `runtime ${fmtSeconds(run.runtime)}`,
  ];
  const params = el('table', { id: 'run-params', class: 'grid' },
    el('thead', {}, el('tr', {}, el('th', {}, 'name'), el('th', {}, 'value'), el('th', {}, 'comment'))),
    el('tbody', {}, run.parameters.map((p) => el('tr', {},
      el('td', {}, el('code', {}, p.name), p.explored ? el('span', { class: 'tag' }, 'explored') : null),
      el('td', {}, el('code', {}, p.value === null && p.summary ? p.summary : fmtValue(p.value))),
      el('td', { class: 'muted' }, p.comment || '')))));

  // One table per result path (a row per item), then its images.
  const itemTable = (r) => el('div', { class: 'table-wrap' }, el('table', { class: 'grid items' },
    el('thead', {}, el('tr', {}, ['item', 'type', 'summary', 'value'].map((h) => el('th', {}, h)))),
    el('tbody', {}, r.items.map((it) => el('tr', {},
      el('td', {}, el('code', {}, it.name)),
      el('td', {}, el('code', {}, it.type)),
      el('td', {}, it.summary),
      el('td', {}, it.value === null || it.value === undefined ? el('span', { class: 'muted' }, '—')
        : el('code', { class: 'value' }, truncate(JSON.stringify(it.value), 200))))))));
  const images = (r) => r.items.filter((it) => it.image).map((it) =>
    el('img', { class: 'result-image', src: it.image, alt: `${r.path} ${it.name}` }));
  const results = el('section', { id: 'run-results' }, el('h2', {}, 'Results'),
    run.results.length
      ? run.results.map((r) => el('div', { class: 'card result' },
        el('h3', {}, el('code', {}, r.path)),
        r.comment ? el('p', { class: 'comment' }, r.comment) : null,
        itemTable(r), images(r)))
      : el('p', { class: 'muted' }, run.status === 'pending' ? 'This run has not finished yet.' : 'This run stored no results.'));

  view.replaceChildren(nav,
    el('h2', { id: 'run-title' }, `${run.name} (index ${run.index})`),
    el('p', { class: 'times' }, times.map((x, i) => [i ? ' · ' : '', x])),
    run.summary ? el('p', { class: 'comment' }, typeof run.summary === 'string' ? run.summary : JSON.stringify(run.summary)) : null,
    el('section', { class: 'card' }, el('h2', {}, 'Parameters'), el('div', { class: 'table-wrap' }, params)),
    results);
}

// ---- Start ---------------------------------------------------------------

window.addEventListener('hashchange', route);
route();
