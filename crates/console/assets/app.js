// The Stepwell console: a single page with three views, routed on the URL
// hash. Every request goes through api.js (the public API and the execution
// stream), so the console can do nothing the API would not let a client do.
//
//   #/                         state machines
//   #/state-machine/<arn>      graph, definition, executions, start form
//   #/execution/<arn>          live graph, table and event views, step
//                              details, tokens

import * as api from './api.js';
import { h, fill, fmtDate, fmtDuration, pretty } from './dom.js';
import { buildModel, layoutModel, renderSvg, paintStatuses, OUTCOMES } from './graph.js';
import { parseDefinition, findState, distributedStates } from './definition.js';
import { deriveStates, detailsOf, stateNameOf, statesInFocus, refocus, focusPicks, inFocus, visitTree } from './history.js';
import { stateTable } from './table.js';

const main = document.getElementById('main');
const authStatus = document.getElementById('auth-status');
const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];
// Only a Map Run's child executions may be filtered by PENDING_REDRIVE
// (ListExecutions refuses it with a stateMachineArn).
const CHILD_STATUSES = [...STATUSES, 'PENDING_REDRIVE'];
const PAGE_SIZE = 25;
const HISTORY_ROWS = 1000;

// The input "New execution with this input" takes to the start form.
let draftInput = null;

function takeDraftInput() {
  const input = draftInput;
  draftInput = null;
  return input;
}

// Each route() renders one view, which a later route() supersedes: the
// older one's signal aborts, so it neither fills the page nor follows its
// execution (a view checks `signal.aborted` after every wait, and cleans
// up on the signal's `abort`).
let current = null;

async function route() {
  if (current) current.abort();
  const ctrl = new AbortController();
  current = ctrl;
  const { signal } = ctrl;
  renderAuthStatus();
  const hash = location.hash.replace(/^#/, '');
  const [, kind, rest] = hash.match(/^\/([a-z-]*)\/?(.*)$/) || [];
  let arn = '';
  try {
    arn = rest ? decodeURIComponent(rest) : '';
  } catch {
    // A malformed address: the list.
  }
  try {
    if (kind === 'state-machine' && arn) await machineView(arn, signal);
    else if (kind === 'execution' && arn) await executionView(arn, signal);
    else await listView(signal);
  } catch (e) {
    if (!signal.aborted) showError(e);
  }
}

/** Fill the page with a view, unless a later route() superseded it. */
function show(signal, ...children) {
  if (signal.aborted) return false;
  fill(main, ...children);
  return true;
}

const link = {
  machine: (arn) => `#/state-machine/${encodeURIComponent(arn)}`,
  execution: (arn) => `#/execution/${encodeURIComponent(arn)}`,
};

/** An execution's status (RUNNING, …), or a state's (running, …, in words and icon). */
function statusBadge(status, id) {
  const [words, icon] = OUTCOMES[status] || [status, ''];
  return h('span', { class: `badge status-${String(status).toLowerCase()}`, 'data-status': status, id },
    icon ? `${icon} ${words}` : words);
}

function showError(e) {
  if (api.isAuthError(e)) {
    signInView(e.message);
    return;
  }
  fill(
    main,
    h('div', { class: 'error-box', id: 'error', role: 'alert' },
      h('strong', {}, e.type || 'Error'), ': ', e.message || String(e)),
    h('p', {}, h('a', { href: '#/' }, 'Back to state machines')),
  );
}

// ---------------------------------------------------------------------------
// Signing in (only when the server verifies SigV4)

function renderAuthStatus() {
  const c = api.credentials();
  if (!c) {
    fill(authStatus);
    return;
  }
  fill(
    authStatus,
    h('span', { class: 'muted' }, `Signing as ${c.accessKeyId} (${c.region})`),
    ' ',
    h('button', {
      type: 'button',
      id: 'sign-out',
      class: 'link',
      onclick: () => {
        api.clearCredentials();
        route();
      },
    }, 'Sign out'),
  );
}

function signInView(reason) {
  const field = (id, label, attrs = {}) =>
    h('label', { for: id }, label, h('input', { id, name: id, autocomplete: 'off', spellcheck: 'false', ...attrs }));
  const form = h('form', { id: 'signin', class: 'card narrow' },
    h('h1', {}, 'Sign in'),
    h('p', { class: 'muted' },
      'This server verifies AWS Signature Version 4. Enter credentials it accepts; ',
      'they stay in this browser tab (sessionStorage) and sign every request here.'),
    reason ? h('p', { class: 'error-box' }, reason) : null,
    field('signin-access-key', 'Access key ID', { required: true }),
    field('signin-secret', 'Secret access key', { type: 'password', required: true }),
    field('signin-session-token', 'Session token (optional)'),
    field('signin-region', 'Region', { value: 'us-east-1', required: true }),
    h('button', { type: 'submit', id: 'signin-submit', class: 'primary' }, 'Sign in'),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = (id) => form.querySelector(`#${id}`).value.trim();
    api.setCredentials({
      accessKeyId: v('signin-access-key'),
      secretAccessKey: v('signin-secret'),
      sessionToken: v('signin-session-token') || undefined,
      region: v('signin-region') || 'us-east-1',
    });
    route();
  });
  fill(main, form);
}

// ---------------------------------------------------------------------------
// State machines

async function listView(signal) {
  if (!signal.aborted) document.title = 'State machines · Stepwell';
  const body = h('tbody');
  const more = h('button', { type: 'button', id: 'state-machines-more', hidden: true }, 'Load more');
  const table = h('table', { id: 'state-machines', class: 'list' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Type'), h('th', {}, 'Created'))),
    body);
  let token = null;
  let count = 0;
  const load = async () => {
    const res = await api.call('ListStateMachines', token ? { nextToken: token, maxResults: 100 } : { maxResults: 100 });
    for (const m of res.stateMachines || []) {
      count += 1;
      body.appendChild(h('tr', { 'data-arn': m.stateMachineArn, 'data-name': m.name },
        h('td', {}, h('a', { href: link.machine(m.stateMachineArn), 'data-state-machine': m.name }, m.name)),
        h('td', {}, m.type || ''),
        h('td', {}, fmtDate(m.creationDate))));
    }
    token = res.nextToken || null;
    more.hidden = !token;
    empty.hidden = count > 0;
  };
  more.addEventListener('click', () => load().catch(showError));
  const empty = h('p', { class: 'muted', id: 'no-state-machines', hidden: true },
    'No state machines yet. Create one through the API, for example: ',
    h('code', {}, `aws stepfunctions create-state-machine --endpoint-url ${location.origin} --name Hello --role-arn arn:aws:iam::123456789012:role/x --definition file://hello.asl.json`));
  await load();
  show(signal, h('h1', {}, 'State machines'), table, empty, more);
}

/** The graph of a definition inside a scrollable frame with a zoom toggle. */
function graphFrame(definition, onSelect, id) {
  const model = buildModel(definition);
  const lay = layoutModel(model, window.dagre);
  const svg = renderSvg(model, lay, onSelect);
  const frame = h('div', { class: 'graph-frame', id }, svg);
  const fit = h('button', { type: 'button', class: 'small', id: `${id}-size` }, 'Actual size');
  fit.addEventListener('click', () => {
    const actual = frame.classList.toggle('actual');
    fit.textContent = actual ? 'Fit to width' : 'Actual size';
  });
  return { svg, frame, toolbar: h('div', { class: 'toolbar' }, fit) };
}

function select(svg, name) {
  for (const g of svg.querySelectorAll('g.state.selected')) g.classList.remove('selected');
  for (const g of svg.querySelectorAll('g.state')) {
    if (g.getAttribute('data-state') === name) g.classList.add('selected');
  }
}

async function machineView(arn, signal) {
  const sm = await api.call('DescribeStateMachine', { stateMachineArn: arn });
  if (!signal.aborted) document.title = `${sm.name} · Stepwell`;
  const definition = parseDefinition(sm.definition);
  const express = sm.type === 'EXPRESS';

  const statePanel = h('div', { id: 'state-definition', class: 'side muted' }, 'Click a state to see its definition.');
  const graph = graphFrame(definition, (name) => {
    select(graph.svg, name);
    fill(statePanel,
      h('h3', {}, name),
      h('pre', { class: 'json', tabindex: 0 }, JSON.stringify(findState(definition, name), null, 2)));
    statePanel.classList.remove('muted');
  }, 'machine-graph');

  // AWS lists no executions of an EXPRESS state machine (ListExecutions
  // answers StateMachineTypeNotSupported).
  const executions = express
    ? h('section', { class: 'card', id: 'express-note' },
      h('h2', {}, 'Executions'),
      h('p', { class: 'muted' },
        'Executions of EXPRESS state machines are not listed (AWS keeps no history of them). ',
        'Start one here to see its result.'))
    : await executionsSection(arn);
  const versions = await versionsSection(arn);

  show(signal,
    h('nav', { class: 'crumbs' }, h('a', { href: '#/' }, 'State machines'), ' / ', sm.name),
    h('h1', {}, sm.name, ' ', h('span', { class: 'badge' }, sm.type || 'STANDARD')),
    h('p', { class: 'muted arn' }, sm.stateMachineArn, sm.creationDate ? ` · created ${fmtDate(sm.creationDate)}` : ''),
    h('div', { class: 'split' },
      h('section', { class: 'card grow' }, h('div', { class: 'card-head' }, h('h2', {}, 'Graph'), graph.toolbar), graph.frame),
      h('div', { class: 'side-col' }, startForm(arn, express, takeDraftInput() ?? '{}'), statePanel)),
    executions,
    versions,
    h('section', { class: 'card' },
      h('details', {}, h('summary', {}, h('h2', { class: 'inline' }, 'Definition')),
        h('pre', { id: 'definition', class: 'json', tabindex: 0 }, pretty(sm.definition)))));
}

/**
 * A state machine's published versions and its aliases, with the versions
 * each alias routes to (ListStateMachineVersions, ListStateMachineAliases,
 * DescribeStateMachineAlias); nothing when it has neither.
 */
async function versionsSection(arn) {
  const list = async (op, key) => {
    const out = [];
    let nextToken;
    do {
      const res = await api.call(op, { stateMachineArn: arn, maxResults: 1000, ...(nextToken ? { nextToken } : {}) });
      out.push(...(res[key] || []));
      nextToken = res.nextToken;
    } while (nextToken && out.length < 1000);
    return out;
  };
  // A server without versions still shows the state machine.
  const tolerant = (e) => {
    if (api.isAuthError(e)) throw e;
    return [];
  };
  const [versions, aliases] = await Promise.all([
    list('ListStateMachineVersions', 'stateMachineVersions').catch(tolerant),
    list('ListStateMachineAliases', 'stateMachineAliases').catch(tolerant),
  ]);
  if (!versions.length && !aliases.length) return null;
  const described = await Promise.all(aliases.map((a) =>
    api.call('DescribeStateMachineAlias', { stateMachineAliasArn: a.stateMachineAliasArn }).catch((e) => {
      if (api.isAuthError(e)) throw e;
      return a;
    })));
  const tail = (x) => String(x).split(':').pop();
  return h('section', { class: 'card', id: 'versions-section' },
    h('h2', {}, 'Versions and aliases'),
    h('div', { class: 'io-grid' },
      h('div', {},
        h('h3', {}, 'Versions'),
        versions.length
          ? h('table', { id: 'versions', class: 'list' },
            h('thead', {}, h('tr', {}, h('th', {}, 'Version'), h('th', {}, 'Created'))),
            h('tbody', {}, versions.map((v) => h('tr', { 'data-version-arn': v.stateMachineVersionArn },
              h('td', {}, tail(v.stateMachineVersionArn)), h('td', {}, fmtDate(v.creationDate))))))
          : h('p', { class: 'muted' }, 'No published versions.')),
      h('div', {},
        h('h3', {}, 'Aliases'),
        described.length
          ? h('table', { id: 'aliases', class: 'list' },
            h('thead', {}, h('tr', {}, h('th', {}, 'Alias'), h('th', {}, 'Routes to'), h('th', {}, 'Created'))),
            h('tbody', {}, described.map((a) => h('tr', { 'data-alias-arn': a.stateMachineAliasArn },
              h('td', {}, tail(a.stateMachineAliasArn), a.description ? h('div', { class: 'muted' }, a.description) : null),
              h('td', {}, (a.routingConfiguration || [])
                .map((r) => `version ${tail(r.stateMachineVersionArn)} (${r.weight}%)`).join(', ')),
              h('td', {}, fmtDate(a.creationDate))))))
          : h('p', { class: 'muted' }, 'No aliases.'))));
}

/**
 * The start form. A STANDARD execution opens in its own view; an EXPRESS
 * one runs synchronously (StartSyncExecution) and its result shows here.
 */
function startForm(arn, express, input) {
  const startError = h('div', { id: 'start-error', class: 'error-box', hidden: true, role: 'alert' });
  const result = h('div', { id: 'start-result', hidden: true, 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', id: 'start-execution', class: 'primary' }, 'Start execution');
  const form = h('form', { id: 'start-form', class: 'card' },
    h('h2', {}, 'Start an execution'),
    express ? h('p', { class: 'muted' }, 'EXPRESS: the execution runs synchronously and its result shows below.') : null,
    h('label', { for: 'start-name' }, 'Name (optional)',
      h('input', { id: 'start-name', placeholder: 'generated when empty', autocomplete: 'off' })),
    h('label', { for: 'start-input' }, 'Input (JSON)',
      h('textarea', { id: 'start-input', rows: 6, spellcheck: 'false' }, input)),
    startError,
    submit,
    result);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    startError.hidden = true;
    result.hidden = true;
    const input = form.querySelector('#start-input').value;
    try {
      JSON.parse(input);
    } catch (e) {
      fill(startError, `The input is not valid JSON: ${e.message}`);
      startError.hidden = false;
      return;
    }
    const name = form.querySelector('#start-name').value.trim();
    const request = { stateMachineArn: arn, input, ...(name ? { name } : {}) };
    submit.disabled = true;
    try {
      if (express) {
        fill(result, h('p', { class: 'muted' }, 'Running…'));
        result.hidden = false;
        fill(result, syncResult(await api.call('StartSyncExecution', request)));
      } else {
        const res = await api.call('StartExecution', request);
        location.hash = link.execution(res.executionArn);
      }
    } catch (e) {
      if (api.isAuthError(e)) return showError(e);
      result.hidden = true;
      fill(startError, h('strong', {}, e.type), ': ', e.message);
      startError.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

/** What StartSyncExecution answered: the status, then the output or the error. */
function syncResult(res) {
  return [
    h('h3', {}, 'Result ', statusBadge(res.status, 'start-result-status')),
    h('p', { class: 'muted' }, res.name || '', res.stopDate ? ` · took ${fmtDuration(res.startDate, res.stopDate)}` : ''),
    res.output !== undefined ? h('pre', { class: 'json', tabindex: 0, id: 'start-result-output' }, pretty(res.output)) : null,
    errorBox('start-result-error', res.error, res.cause),
  ];
}

/** An error and its cause, or nothing when there is neither. */
function errorBox(id, error, cause) {
  if (error === undefined && cause === undefined) return null;
  return h('div', { class: 'error-box', id }, h('strong', {}, error || ''), cause ? h('pre', {}, cause) : null);
}

/** The executions of a STANDARD state machine, newest first, with a status filter and paging. */
async function executionsSection(arn) {
  const filter = h('select', { id: 'status-filter', 'aria-label': 'Filter the executions by status' },
    h('option', { value: '' }, 'All statuses'),
    STATUSES.map((s) => h('option', { value: s }, s)));
  const rows = h('tbody');
  const prev = h('button', { type: 'button', id: 'executions-prev', class: 'small' }, '‹ Newer');
  const next = h('button', { type: 'button', id: 'executions-next', class: 'small' }, 'Older ›');
  const pageInfo = h('span', { class: 'muted', id: 'executions-page' });
  const refresh = h('button', { type: 'button', id: 'executions-refresh', class: 'small' }, 'Refresh');
  const tokens = [null];
  let page = 0;
  const loadExecutions = async () => {
    const req = { stateMachineArn: arn, maxResults: PAGE_SIZE };
    if (filter.value) req.statusFilter = filter.value;
    if (tokens[page]) req.nextToken = tokens[page];
    const res = await api.call('ListExecutions', req);
    const list = [...(res.executions || [])].sort((a, b) => (b.startDate || 0) - (a.startDate || 0));
    fill(rows, list.length
      ? list.map((x) => h('tr', { 'data-execution-arn': x.executionArn, 'data-status': x.status, 'data-name': x.name },
        h('td', {}, h('a', { href: link.execution(x.executionArn) }, x.name)),
        h('td', {}, statusBadge(x.status)),
        h('td', {}, fmtDate(x.startDate)),
        h('td', {}, fmtDate(x.stopDate))))
      : h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'No executions.')));
    tokens[page + 1] = res.nextToken || null;
    tokens.length = page + 2;
    prev.disabled = page === 0;
    next.disabled = !res.nextToken;
    fill(pageInfo, `Page ${page + 1}`);
  };
  filter.addEventListener('change', () => {
    page = 0;
    tokens.length = 1;
    loadExecutions().catch(showError);
  });
  prev.addEventListener('click', () => {
    page = Math.max(0, page - 1);
    loadExecutions().catch(showError);
  });
  next.addEventListener('click', () => {
    page += 1;
    loadExecutions().catch(showError);
  });
  refresh.addEventListener('click', () => loadExecutions().catch(showError));
  await loadExecutions();
  return h('section', { class: 'card', id: 'executions-section' },
    h('div', { class: 'card-head' }, h('h2', {}, 'Executions'),
      h('div', { class: 'toolbar' }, filter, refresh, prev, pageInfo, next)),
    h('table', { id: 'executions', class: 'list' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Status'), h('th', {}, 'Started'), h('th', {}, 'Stopped'))),
      rows));
}

// ---------------------------------------------------------------------------
// Execution

async function executionView(arn, signal) {
  let desc = await api.call('DescribeExecution', { executionArn: arn });
  if (!signal.aborted) document.title = `${desc.name} · Stepwell`;
  // A Map Run's child execution links back to the execution that ran it.
  const parentArn = desc.mapRunArn
    ? (await api.call('DescribeMapRun', { mapRunArn: desc.mapRunArn })).executionArn
    : null;
  if (isExpressArn(arn)) {
    expressChildView(desc, parentArn, signal);
    return;
  }
  let sm;
  try {
    sm = await api.call('DescribeStateMachineForExecution', { executionArn: arn });
  } catch (e) {
    if (api.isAuthError(e)) throw e;
    sm = await api.call('DescribeStateMachine', { stateMachineArn: desc.stateMachineArn });
  }
  const definition = parseDefinition(sm.definition);

  const events = new Map();
  let status = desc.status;
  let derived = deriveStates([], status);
  let selected = null;
  // The visit shown (a key of visitChoices), and the Map iteration last
  // picked: another state of the same iteration opens on it.
  let selectedKey = null;
  let selectedIteration = null;
  // What the graph shows inside Maps and Parallels (history.js, "One
  // iteration at a time"): set when the user picks an iteration or a visit.
  let focus = new Map();
  // The view shown (graph, table, events) and the Table view's chosen row.
  let view = 'graph';
  let tableSelection = null;

  const panel = h('div', { id: 'state-detail', class: 'side muted' }, 'Choose a state to see what happened in it.');
  const graph = graphFrame(definition, (name) => {
    selected = name;
    selectedKey = null;
    select(graph.svg, name);
    renderDetail();
  }, 'execution-graph');
  const focusBar = h('div', { id: 'graph-focus', class: 'focus-bar', hidden: true });
  const table = stateTable({
    badge: (s) => statusBadge(s),
    machineLink: link.machine,
    onChoose: (row) => chooseRow(row),
  });
  const tabs = viewTabs([['graph', 'Graph view'], ['table', 'Table view'], ['events', 'Event view']], (v) => {
    view = v;
    // The event table is wide: no step details beside it (AWS's neither).
    sideCol.hidden = v === 'events';
    renderTable();
  });
  const sideCol = h('div', { class: 'side-col' },
    h('section', { class: 'card', 'aria-labelledby': 'step-details-title' }, h('h2', { id: 'step-details-title' }, 'Step details'), panel));
  const header = h('div', { id: 'execution-header' });
  const tokenPanel = h('section', { id: 'token-panel', class: 'card', hidden: true });
  const ioPanel = h('section', { id: 'execution-io', class: 'card' });
  const history = historyTable();
  const connection = h('span', { id: 'connection', class: 'muted' });
  signal.addEventListener('abort', () => clearTimeout(polling));

  const renderHeader = () => {
    const stop = h('button', { type: 'button', id: 'stop-execution', class: 'danger' }, 'Stop execution');
    const confirm = h('span', { id: 'stop-confirm-box', hidden: true },
      h('input', { id: 'stop-error', placeholder: 'error (optional)', 'aria-label': 'Error (optional)' }),
      h('input', { id: 'stop-cause', placeholder: 'cause (optional)', 'aria-label': 'Cause (optional)' }),
      h('button', { type: 'button', id: 'stop-confirm', class: 'danger' }, 'Confirm stop'),
      h('button', { type: 'button', id: 'stop-cancel' }, 'Cancel'));
    stop.addEventListener('click', () => {
      confirm.hidden = false;
      stop.hidden = true;
      confirm.querySelector('#stop-error').focus();
    });
    confirm.querySelector('#stop-cancel').addEventListener('click', () => {
      confirm.hidden = true;
      stop.hidden = false;
      stop.focus();
    });
    confirm.querySelector('#stop-confirm').addEventListener('click', async () => {
      const error = confirm.querySelector('#stop-error').value.trim();
      const cause = confirm.querySelector('#stop-cause').value.trim();
      try {
        await api.call('StopExecution', { executionArn: arn, ...(error ? { error } : {}), ...(cause ? { cause } : {}) });
        await refreshDescription();
      } catch (e) {
        showToast(e);
      }
    });
    const running = status === 'RUNNING';
    // Redrive asks first, as Stop does: it runs the execution again.
    const redrive = h('button', { type: 'button', id: 'redrive-execution', class: 'primary' }, 'Redrive');
    const redriveConfirm = h('span', { id: 'redrive-confirm-box', hidden: true },
      h('span', { class: 'muted' }, 'Run the execution again from the states that did not succeed? '),
      h('button', { type: 'button', id: 'redrive-confirm', class: 'primary' }, 'Confirm redrive'),
      h('button', { type: 'button', id: 'redrive-cancel' }, 'Cancel'));
    redrive.addEventListener('click', () => {
      redriveConfirm.hidden = false;
      redrive.hidden = true;
      redriveConfirm.querySelector('#redrive-confirm').focus();
    });
    redriveConfirm.querySelector('#redrive-cancel').addEventListener('click', () => {
      redriveConfirm.hidden = true;
      redrive.hidden = false;
      redrive.focus();
    });
    redriveConfirm.querySelector('#redrive-confirm').addEventListener('click', async () => {
      try {
        await api.call('RedriveExecution', { executionArn: arn });
        route();
      } catch (e) {
        showToast(e);
      }
    });
    // A Map Run's child execution is redriven, or started again, with its parent.
    const again = h('button', { type: 'button', id: 'new-execution' }, 'New execution with this input');
    again.addEventListener('click', () => {
      draftInput = pretty(desc.input);
      location.hash = link.machine(desc.stateMachineArn);
    });
    fill(header,
      h('nav', { class: 'crumbs' },
        h('a', { href: '#/' }, 'State machines'), ' / ',
        parentArn
          ? h('a', { href: link.execution(parentArn), id: 'parent-execution-link' }, 'parent execution')
          : h('a', { href: link.machine(desc.stateMachineArn), id: 'state-machine-link' }, sm.name || 'state machine'),
        ' / ',
        desc.name),
      desc.mapRunArn ? h('p', { class: 'muted', id: 'map-run-of' }, `Child execution of Map Run ${desc.mapRunArn}`) : null,
      startedBy ? h('p', { class: 'muted', id: 'started-by' }, 'Started by the execution ',
        h('a', { href: link.execution(startedBy), id: 'started-by-link' }, startedBy.split(':').pop())) : null,
      h('h1', {}, desc.name, ' ', statusBadge(status, 'execution-status')),
      h('p', { class: 'muted arn' }, desc.executionArn),
      ranThrough(desc),
      h('p', {},
        `Started ${fmtDate(desc.startDate)}`,
        desc.stopDate ? ` · stopped ${fmtDate(desc.stopDate)} · took ${fmtDuration(desc.startDate, desc.stopDate)}` : '',
        desc.redriveCount ? ` · redriven ${desc.redriveCount === 1 ? 'once' : `${desc.redriveCount} times`}` : '',
        ' ', connection),
      h('div', { class: 'toolbar' },
        running ? [stop, confirm] : null,
        !running && desc.redriveStatus === 'REDRIVABLE' && !desc.mapRunArn ? [redrive, redriveConfirm] : null,
        desc.mapRunArn ? null : again));
  };
  // An execution a `states:startExecution` Task started names its parent
  // when the parent passed it (AWS's console links it the same way).
  const startedBy = startedByOf(desc.input);

  const renderIo = () => {
    fill(ioPanel,
      h('h2', {}, 'Execution input and output'),
      h('div', { class: 'io-grid' },
        h('div', {}, h('h3', {}, 'Input'), h('pre', { class: 'json', tabindex: 0, id: 'execution-input' }, pretty(desc.input))),
        h('div', {}, h('h3', {}, 'Output'), h('pre', { class: 'json', tabindex: 0, id: 'execution-output' }, desc.output !== undefined ? pretty(desc.output) : '—'))),
      errorBox('execution-error', desc.error, desc.cause));
  };

  const refreshDescription = async () => {
    desc = await api.call('DescribeExecution', { executionArn: arn });
    if (desc.status !== 'RUNNING' || status === 'RUNNING') status = desc.status;
    renderHeader();
    renderIo();
    update();
    renderMapRuns().catch(showToast);
  };

  // A Distributed Map's Map Runs, read again every 2 s while one runs.
  const mapRunsPanel = h('section', { id: 'map-runs', class: 'card', hidden: true });
  const mapRuns = new Map();
  let polling = null;
  const renderMapRuns = async () => {
    const runs = (await api.call('ListMapRuns', { executionArn: arn })).mapRuns || [];
    for (const r of runs) if (!mapRuns.has(r.mapRunArn)) mapRuns.set(r.mapRunArn, mapRunCard(r.mapRunArn));
    await Promise.all([...mapRuns.values()].map((c) => c.refresh()));
    mapRunsPanel.hidden = mapRuns.size === 0;
    fill(mapRunsPanel, h('h2', {}, 'Map Runs'), [...mapRuns.values()].map((c) => c.element));
    renderDetail();
    clearTimeout(polling);
    if (!signal.aborted && [...mapRuns.values()].some((c) => c.run.status === 'RUNNING')) {
      polling = setTimeout(() => renderMapRuns().catch(showToast), 2000);
    }
  };

  const renderDetail = () => {
    if (!selected) return;
    const state = derived.states.get(selected);
    const def = findState(definition, selected);
    const type = def && typeof def.Type === 'string' ? def.Type : '';
    panel.classList.remove('muted');
    if (!state || state.mapRunArn) tableSelection = null;
    if (!state) {
      fill(panel,
        h('h3', {}, selected, ' ', statusBadge('notreached', 'detail-status')),
        h('p', { class: 'muted' }, `${type} · not reached in this execution.`));
      return;
    }
    if (state.mapRunArn) {
      const card = mapRuns.get(state.mapRunArn);
      fill(panel,
        h('h3', {}, selected, ' ', statusBadge(state.status, 'detail-status')),
        h('p', { class: 'muted' }, `${type} · runs in the child executions of the Distributed Map ${state.map}, each with its own history.`),
        h('p', { id: 'detail-map-run' }, card && card.run ? itemCounts(card.run) : ''),
        card ? h('button', { type: 'button', class: 'link', id: 'detail-children', onclick: () => card.element.scrollIntoView() },
          'Show the child executions') : null);
      return;
    }
    const choices = visitChoices(state);
    // The visit the graph shows: in the iteration (or the Parallel's visit)
    // picked; a state that did not run there says so.
    const focused = choices.filter((c) => inFocus(c.visit, focus) === true);
    const picked = choices.find((c) => c.key === selectedKey);
    if (!picked && !focused.length && choices.some((c) => inFocus(c.visit, focus) === false)) {
      tableSelection = null;
      fill(panel,
        h('h3', {}, selected, ' ', statusBadge('notreached', 'detail-status')),
        h('p', { class: 'muted', id: 'detail-not-here' }, `${type} · not reached in ${focusWords(focusPicks(focus, derived))}.`),
        visitChooser(choices, null, pickVisit));
      return;
    }
    const chosen = picked
      || focused.pop()
      || (selectedIteration !== null && choices.filter((c) => c.iteration === selectedIteration).pop())
      || defaultChoice(state, choices);
    selectedKey = chosen.key;
    if (chosen.iteration !== null) selectedIteration = chosen.iteration;
    const v = chosen.visit;
    const own = `v${v.enteredId}`;
    if (!tableSelection || !(tableSelection === own || tableSelection.startsWith(`${own}#`) || tableSelection.startsWith(`${own}/`))) {
      tableSelection = own;
    }
    const retries = Math.max(0, v.attempts - 1);
    const section = (title, id, text) =>
      text === undefined || text === null ? null : h('div', {}, h('h4', {}, title), h('pre', { class: 'json', tabindex: 0, id }, pretty(text)));
    fill(panel,
      h('h3', {}, selected, ' ', statusBadge(v.status, 'detail-status')),
      h('p', { class: 'muted' }, v.type || type, v.resource ? ` · ${v.resource}` : ''),
      visitChooser(choices, chosen, pickVisit),
      v.type === 'Map' && !v.mapRunArn ? iterationViewer(v) : null,
      h('dl', { class: 'facts' },
        chosen.iteration !== null ? [h('dt', {}, 'Iteration'), h('dd', { id: 'detail-iteration' }, `index ${chosen.iteration}`)] : null,
        h('dt', {}, 'Attempts'), h('dd', { id: 'detail-attempts', 'data-attempts': v.attempts, 'data-retries': retries },
          v.attempts ? `${v.attempts}${retries ? ` (${retries} ${retries === 1 ? 'retry' : 'retries'})` : ''}` : '—'),
        h('dt', {}, 'Entered'), h('dd', {}, fmtDate(v.start)),
        h('dt', {}, 'Exited'), h('dd', {}, v.closed ? fmtDate(v.end) : v.status === 'running' ? 'still running' : '—'),
        h('dt', {}, 'Duration'), h('dd', { id: 'detail-timing' }, v.end ? fmtDuration(v.start, v.end) : ''),
        v.type === 'Map' ? iterationFacts(v, v.mapRunArn ? mapRuns.get(v.mapRunArn) : null) : null),
      v.childExecutionArn
        ? h('p', { id: 'detail-child' }, 'Started the execution ',
          h('a', { href: link.execution(v.childExecutionArn), id: 'detail-child-execution' }, v.childExecutionArn.split(':').pop()))
        : null,
      v.failure
        ? h('div', { class: 'error-box', id: 'detail-failure' },
          h('div', {}, 'Error: ', h('strong', { id: 'detail-error' }, v.failure.error ?? '')),
          v.failure.cause ? h('pre', { id: 'detail-cause' }, pretty(v.failure.cause)) : null)
        : null,
      v.retried.length
        ? h('div', { id: 'detail-retries' },
          h('h4', {}, 'Retries'),
          h('ol', { class: 'retries' }, v.retried.map((f) => h('li', {},
            h('strong', {}, f.error ?? ''), f.timestamp ? h('span', { class: 'muted' }, ` at ${fmtDate(f.timestamp)}`) : null,
            f.cause ? h('div', { class: 'muted' }, f.cause) : null))))
        : null,
      // The data flow in the order the state applies it: its input, what it
      // handed its resource, the resource's own result, its output, the
      // variables it assigned; between them the fields of the definition
      // that shaped each.
      section('Input', 'detail-input', v.input),
      dataFlow(def, 'detail-flow-in', ['InputPath', 'ItemsPath', 'ItemSelector']),
      section(def && def.Arguments !== undefined ? 'Arguments' : 'Parameters', 'detail-parameters', v.parameters),
      section('Task result', 'detail-result', v.result),
      dataFlow(def, 'detail-flow-out', ['ResultSelector', 'ResultPath', 'OutputPath', 'Output']),
      section('Output', 'detail-output', v.output),
      section('Variables', 'detail-variables', v.variables));
  };

  // A visit picked in the step details' chooser: the graph shows the
  // iteration (or the Parallel's visit) it ran in.
  const pickVisit = (key) => {
    selectedKey = key;
    selectedIteration = null;
    const c = visitChoices(derived.states.get(selected)).find((x) => x.key === key);
    if (c) focus = refocus(focus, c.visit, derived);
    repaint();
    renderDetail();
    renderTable();
    panel.querySelector('#visit-select')?.focus();
  };

  // AWS's Map iteration viewer: which of a Map's iterations the graph shows.
  const iterationViewer = (v) => {
    const p = focus.get(v.name);
    const current = p && p.id === v.enteredId && p.iteration !== null ? String(p.iteration) : '';
    const byIndex = [...v.iterations].sort((a, b) => a[0] - b[0]);
    const pick = (ev) => {
      const value = ev.target.value;
      focus = refocus(focus, v, derived, value === '' ? null : Number(value));
      tableSelection = value === '' ? `v${v.enteredId}` : `v${v.enteredId}#${value}`;
      repaint();
      renderDetail();
      renderTable();
      panel.querySelector('#map-iteration-select')?.focus();
    };
    return h('label', { class: 'inline' }, 'The graph shows ',
      h('select', { id: 'map-iteration-select', onchange: pick },
        h('option', { value: '', selected: current === '' }, 'all iterations'),
        ITERATION_GROUPS.map(([status, title]) => {
          const list = byIndex.filter(([, s]) => s === status);
          return list.length
            ? h('optgroup', { label: `${title} (${list.length})` },
              list.map(([i]) => h('option', { value: String(i), selected: String(i) === current }, `iteration #${i}`)))
            : null;
        })));
  };

  // The graph's colours: each state's outcome, in the iterations picked.
  const repaint = () => {
    paintStatuses(graph.svg, statesInFocus(derived, focus));
    const picks = focusPicks(focus, derived);
    const words = picks.length ? focusWords(picks) : '';
    if (focusBar.dataset.words === words) return;
    focusBar.dataset.words = words;
    focusBar.hidden = !picks.length;
    const clear = h('button', {
      type: 'button',
      class: 'small',
      id: 'graph-focus-clear',
      onclick: () => {
        focus = new Map();
        repaint();
        renderDetail();
        const g = graph.svg.querySelector('g.state.selected');
        (g && (g.matches('[role="button"]') ? g : g.querySelector(':scope > [role="button"]')))?.focus();
      },
    }, 'Show all iterations');
    fill(focusBar, picks.length ? [h('span', {}, `The graph shows ${words}.`), ' ', clear] : []);
  };

  // A row chosen in the Table view: its step (for an iteration or a
  // branch, its Map's or Parallel's) in the step details and the graph,
  // which shows the iteration.
  const chooseRow = (row) => {
    const v = row.visit || row.owner;
    if (!v) return;
    const state = derived.states.get(v.name);
    const c = state && visitChoices(state).find((x) => x.visit === v);
    selected = v.name;
    selectedKey = c ? c.key : null;
    selectedIteration = null;
    tableSelection = row.key;
    focus = refocus(focus, v, derived, row.kind === 'iteration' ? row.iteration : undefined);
    select(graph.svg, v.name);
    repaint();
    renderDetail();
    renderTable();
  };

  const renderTable = () => {
    if (view !== 'table') return;
    table.render(visitTree(derived, definition), {
      start: derived.execution.start ?? desc.startDate,
      end: status === 'RUNNING' ? null : derived.execution.end ?? desc.stopDate ?? null,
      selected: tableSelection,
    });
  };

  const renderTokens = () => {
    const waiting = derived.waiting;
    tokenPanel.hidden = waiting.length === 0;
    if (!waiting.length) {
      tokenPanel.replaceChildren();
      return;
    }
    // Keep what the user is typing: only rebuild when the set of tokens changes.
    const key = waiting.map((v) => v.token).join('\n');
    if (tokenPanel.dataset.tokens === key) return;
    tokenPanel.dataset.tokens = key;
    fill(tokenPanel,
      h('h2', {}, 'Waiting for a task token'),
      waiting.map((v) => {
        const result = h('p', { class: 'token-result', role: 'status' });
        const output = h('textarea', { class: 'token-output', rows: 3, spellcheck: 'false' }, '{}');
        const error = h('input', { class: 'failure-error', placeholder: 'error' });
        const cause = h('input', { class: 'failure-cause', placeholder: 'cause' });
        // Failing the task asks first, as Stop does.
        const sendFailure = h('button', { type: 'button', class: 'send-failure danger' }, 'Send failure');
        const failureConfirm = h('span', { class: 'send-failure-confirm-box', hidden: true },
          h('button', { type: 'button', class: 'send-failure-confirm danger' }, 'Confirm failure'), ' ',
          h('button', { type: 'button', class: 'send-failure-cancel' }, 'Cancel'));
        const confirming = (on) => {
          failureConfirm.hidden = !on;
          sendFailure.hidden = on;
          (on ? failureConfirm.querySelector('.send-failure-confirm') : sendFailure).focus();
        };
        sendFailure.addEventListener('click', () => confirming(true));
        failureConfirm.querySelector('.send-failure-cancel').addEventListener('click', () => confirming(false));
        failureConfirm.querySelector('.send-failure-confirm').addEventListener('click', () => {
          confirming(false);
          send('SendTaskFailure', {
            taskToken: v.token,
            ...(error.value.trim() ? { error: error.value.trim() } : {}),
            ...(cause.value.trim() ? { cause: cause.value.trim() } : {}),
          });
        });
        const send = async (op, input) => {
          try {
            await api.call(op, input);
            fill(result, `${op} sent.`);
          } catch (e) {
            if (api.isAuthError(e)) return showError(e);
            fill(result, h('strong', {}, e.type), ': ', e.message);
          }
        };
        return h('div', { class: 'token-task', 'data-state': v.name },
          h('h3', {}, v.name),
          h('p', {}, 'Task token: ', h('code', { class: 'task-token' }, v.token)),
          h('div', { class: 'token-forms' },
            h('div', {}, h('label', {}, 'Output (JSON)', output),
              h('button', {
                type: 'button',
                class: 'send-success primary',
                onclick: () => send('SendTaskSuccess', { taskToken: v.token, output: output.value }),
              }, 'Send success')),
            h('div', {}, h('label', {}, 'Error', error), h('label', {}, 'Cause', cause),
              sendFailure, failureConfirm)),
          result);
      }));
  };

  function update() {
    derived = deriveStates([...events.values()], status, definition);
    repaint();
    const badge = header.querySelector('#execution-status');
    if (badge) {
      badge.textContent = status;
      badge.setAttribute('data-status', status);
      badge.className = `badge status-${status.toLowerCase()}`;
    }
    renderTokens();
    history.render([...events.values()], derived, derived.execution.start ?? desc.startDate);
    renderDetail();
    renderTable();
  }

  renderHeader();
  renderIo();
  fill(tabs.panels.graph, h('div', { class: 'card-head' }, legend(definition), graph.toolbar), focusBar, graph.frame);
  fill(tabs.panels.table, table.element);
  fill(tabs.panels.events, history.element);
  if (!show(signal,
    header,
    tokenPanel,
    h('div', { class: 'split' },
      h('section', { class: 'card grow', id: 'view-mode', 'aria-label': 'Execution views' },
        tabs.list,
        Object.values(tabs.panels)),
      sideCol),
    ioPanel,
    mapRunsPanel,
    // The definition this execution ran (DescribeStateMachineForExecution:
    // the version's, or the one from before an update).
    h('section', { class: 'card', id: 'execution-definition-section' },
      h('details', {}, h('summary', {}, h('h2', { class: 'inline' }, 'Definition')),
        h('pre', { id: 'execution-definition', class: 'json', tabindex: 0 }, pretty(sm.definition)))))) return;
  update();
  renderMapRuns().catch(showToast);

  // Live updates from the execution stream; the first message of each
  // connection carries every event so far.
  let failures = 0;
  while (!signal.aborted) {
    try {
      fill(connection, status === 'RUNNING' ? '● live' : '');
      for await (const msg of api.stream(arn, signal)) {
        for (const ev of msg.events || []) events.set(ev.id, ev);
        if ((msg.events || []).some((ev) => String(ev.type).startsWith('MapRun'))) {
          renderMapRuns().catch(showToast);
        }
        if (msg.status) status = msg.status;
        failures = 0;
        update();
      }
      if (signal.aborted) return;
      fill(connection, '');
      await refreshDescription();
      if (status !== 'RUNNING') return;
    } catch (e) {
      if (signal.aborted) return;
      if (api.isAuthError(e)) return showError(e);
      if (e instanceof api.ApiError && (e.status === 404 || e.status === 405)) {
        // A server without the stream: read the history once, refresh on demand.
        await loadHistory();
        return;
      }
      fill(connection, 'connection lost, reconnecting…');
    }
    failures += 1;
    await sleep(Math.min(15000, 500 * 2 ** failures), signal);
  }

  async function loadHistory() {
    let nextToken;
    do {
      const res = await api.call('GetExecutionHistory', {
        executionArn: arn, includeExecutionData: true, maxResults: 1000, ...(nextToken ? { nextToken } : {}),
      });
      for (const ev of res.events || []) events.set(ev.id, ev);
      nextToken = res.nextToken;
    } while (nextToken && !signal.aborted);
    await refreshDescription();
    fill(connection, h('button', { type: 'button', id: 'refresh', class: 'small', onclick: () => loadHistory().catch(showError) }, 'Refresh'));
  }
}

/** The parent execution an input names (`AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID`), or null. */
function startedByOf(input) {
  try {
    const id = JSON.parse(input).AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID;
    return typeof id === 'string' && /^arn:[^:]+:states:/.test(id) ? id : null;
  } catch {
    return null;
  }
}

/** The version, and the alias, an execution was started through. */
function ranThrough(desc) {
  const version = desc.stateMachineVersionArn;
  const alias = desc.stateMachineAliasArn;
  if (!version && !alias) return null;
  const tail = (arn) => String(arn).split(':').pop();
  return h('p', { id: 'execution-version' },
    version ? ['Version ', h('strong', {}, tail(version))] : null,
    version && alias ? ', through the alias ' : alias ? 'Alias ' : null,
    alias ? h('strong', {}, tail(alias)) : null);
}

/**
 * An EXPRESS child execution of a Distributed Map: AWS keeps no history of
 * it (GetExecutionHistory refuses its ARN), so it has no graph; what
 * DescribeExecution says of it.
 */
function expressChildView(desc, parentArn, signal) {
  show(signal,
    h('nav', { class: 'crumbs' },
      h('a', { href: '#/' }, 'State machines'), ' / ',
      parentArn ? h('a', { href: link.execution(parentArn), id: 'parent-execution-link' }, 'parent execution') : 'parent execution',
      ' / ', desc.name),
    h('h1', {}, desc.name, ' ', statusBadge(desc.status, 'execution-status')),
    h('p', { class: 'muted arn' }, desc.executionArn),
    h('p', { class: 'muted', id: 'express-child-note' },
      `An EXPRESS child execution of Map Run ${desc.mapRunArn || ''}: it keeps no execution history, `,
      'so there is no graph or event list to show.'),
    h('section', { class: 'card', id: 'execution-io' },
      h('h2', {}, 'Execution input and output'),
      h('div', { class: 'io-grid' },
        h('div', {}, h('h3', {}, 'Input'), h('pre', { class: 'json', tabindex: 0, id: 'execution-input' }, pretty(desc.input))),
        h('div', {}, h('h3', {}, 'Output'), h('pre', { class: 'json', tabindex: 0, id: 'execution-output' }, desc.output !== undefined ? pretty(desc.output) : '—'))),
      errorBox('execution-error', desc.error, desc.cause)));
}

/**
 * A Map Run: its status and item counts, and a page of its child
 * executions (each a link to its own view), filtered by status.
 * `refresh()` reads them again.
 */
function mapRunCard(mapRunArn) {
  const title = h('h3');
  const counts = h('p', { class: 'muted map-run-counts' });
  const filter = h('select', { class: 'map-run-filter', 'aria-label': 'Status of the child executions' },
    h('option', { value: '' }, 'All statuses'),
    CHILD_STATUSES.map((s) => h('option', { value: s }, s)));
  const rows = h('tbody');
  const prev = h('button', { type: 'button', class: 'small map-run-prev' }, '‹ Previous');
  const next = h('button', { type: 'button', class: 'small map-run-next' }, 'Next ›');
  const pageInfo = h('span', { class: 'muted' });
  const expressNote = h('p', { class: 'muted map-run-express', hidden: true },
    'EXPRESS child executions keep no execution history (AWS sends theirs to CloudWatch Logs when logging is on): ',
    'they are listed with their status, without a page of their own.');
  const element = h('div', { class: 'map-run', 'data-map-run-arn': mapRunArn },
    title, counts,
    h('div', { class: 'toolbar' }, filter, prev, pageInfo, next),
    expressNote,
    h('table', { class: 'list map-run-children' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Child execution'), h('th', {}, 'Status'), h('th', {}, 'Started'))),
      rows));
  const card = { element, run: null, refresh: null };
  const tokens = [null];
  let page = 0;
  const loadChildren = async () => {
    const req = { mapRunArn, maxResults: PAGE_SIZE };
    if (filter.value) req.statusFilter = filter.value;
    if (tokens[page]) req.nextToken = tokens[page];
    const res = await api.call('ListExecutions', req);
    const list = res.executions || [];
    // EXPRESS children keep no history (GetExecutionHistory refuses their
    // ARNs, as AWS does): no page of their own to link to.
    const express = list.some((x) => isExpressArn(x.executionArn));
    expressNote.hidden = !express;
    fill(rows, list.length
      ? list.map((x) => h('tr', { 'data-execution-arn': x.executionArn, 'data-status': x.status },
        h('td', {}, isExpressArn(x.executionArn)
          ? h('span', { class: 'express-child', title: 'An EXPRESS child execution keeps no history' }, x.name)
          : h('a', { href: link.execution(x.executionArn) }, x.name)),
        h('td', {}, statusBadge(x.status)),
        h('td', {}, fmtDate(x.startDate))))
      : h('tr', {}, h('td', { colspan: 3, class: 'muted' }, 'No child executions.')));
    tokens[page + 1] = res.nextToken || null;
    tokens.length = page + 2;
    prev.disabled = page === 0;
    next.disabled = !res.nextToken;
    fill(pageInfo, `Page ${page + 1}`);
  };
  const turn = (to) => {
    page = to;
    loadChildren().catch(showToast);
  };
  filter.addEventListener('change', () => {
    tokens.length = 1;
    turn(0);
  });
  prev.addEventListener('click', () => turn(Math.max(0, page - 1)));
  next.addEventListener('click', () => turn(page + 1));
  card.refresh = async () => {
    const [run] = await Promise.all([api.call('DescribeMapRun', { mapRunArn }), loadChildren()]);
    card.run = run;
    element.setAttribute('data-status', run.status);
    fill(title, mapRunArn.split('/').pop(), ' ', statusBadge(run.status));
    fill(counts, itemCounts(run));
  };
  return card;
}

/**
 * The Event view: HISTORY_ROWS events a page (first, previous, next, last),
 * all events or only failures or one type. `render(events, derived, start)`
 * shows the events so far; a page that only grew keeps its rows.
 */
function historyTable() {
  const body = h('tbody');
  const filter = h('select', { id: 'history-filter', 'aria-label': 'Events shown' });
  const info = h('span', { class: 'muted', id: 'history-page' });
  let first = 0; // the page's first row, in the filtered list
  let shown = []; // the ids of the page's rows
  let types = '';
  let last = { events: [], derived: null, start: null };
  const button = (id, text, to) => h('button', {
    type: 'button',
    class: 'small',
    id,
    onclick: () => {
      first = to();
      draw();
    },
  }, text);
  const filtered = () => {
    const list = [...last.events].sort((a, b) => a.id - b.id);
    if (filter.value === 'failures') return list.filter((ev) => isFailureEvent(ev.type));
    return filter.value ? list.filter((ev) => ev.type === filter.value) : list;
  };
  const lastPage = (count) => Math.max(0, Math.ceil(count / HISTORY_ROWS) - 1) * HISTORY_ROWS;
  const firstButton = button('history-first', '« First', () => 0);
  const prev = button('history-prev', '‹ Previous', () => Math.max(0, first - HISTORY_ROWS));
  const next = button('history-next', 'Next ›', () => first + HISTORY_ROWS);
  const lastButton = button('history-last', 'Last »', () => lastPage(filtered().length));
  filter.addEventListener('change', () => {
    first = 0;
    draw();
  });

  // The filter offers the event types seen so far.
  const offerTypes = () => {
    const seen = [...new Set(last.events.map((ev) => ev.type))].sort();
    if (seen.join() === types) return;
    types = seen.join();
    const value = filter.value;
    fill(filter,
      h('option', { value: '' }, 'All events'),
      h('option', { value: 'failures' }, 'Failures only'),
      h('optgroup', { label: 'Event type' }, seen.map((t) => h('option', { value: t }, t))));
    filter.value = value;
  };

  const row = (ev) => {
    const d = detailsOf(ev);
    const { derived, start } = last;
    return h('tr', { 'data-event-id': ev.id, 'data-type': ev.type, class: isFailureEvent(ev.type) ? 'failure' : null },
      h('td', { class: 'num' }, ev.id),
      h('td', {}, ev.type),
      h('td', {}, stateNameOf(ev, derived)),
      h('td', { class: 'num', title: fmtDate(ev.timestamp) }, typeof start === 'number' ? `+${fmtDuration(start, ev.timestamp)}` : fmtDate(ev.timestamp)),
      h('td', {}, d ? h('details', {}, h('summary', {}, summarize(d)), h('pre', { class: 'json', tabindex: 0 }, JSON.stringify(expand(d), null, 2))) : ''));
  };

  const draw = () => {
    offerTypes();
    const list = filtered();
    first = Math.min(first, lastPage(list.length));
    const page = list.slice(first, first + HISTORY_ROWS);
    if (shown.length > page.length || shown.some((id, i) => page[i].id !== id)) {
      body.replaceChildren();
      shown = [];
    }
    for (const ev of page.slice(shown.length)) {
      body.appendChild(row(ev));
      shown.push(ev.id);
    }
    const end = first + page.length;
    const paged = list.length > HISTORY_ROWS;
    fill(info, paged ? `Events ${first + 1}–${end} of ${list.length}` : `${list.length} events`);
    for (const b of [firstButton, prev, next, lastButton]) b.hidden = !paged;
    firstButton.disabled = prev.disabled = first === 0;
    next.disabled = lastButton.disabled = end >= list.length;
  };

  const element = h('div', { id: 'history-section' },
    h('div', { class: 'toolbar' }, filter, firstButton, prev, info, next, lastButton),
    h('div', { class: 'table-scroll' },
      h('table', { id: 'history', class: 'list' },
        h('thead', {}, h('tr', {}, ['ID', 'Type', 'State', 'Elapsed', 'Details'].map((t) => h('th', { scope: 'col' }, t)))),
        body)));
  return {
    element,
    render(events, derived, start) {
      last = { events, derived, start };
      draw();
    },
  };
}

// The order AWS's iteration viewer groups a Map's iterations in.
const ITERATION_GROUPS = [['failed', 'Failed'], ['caught', 'Caught'], ['aborted', 'Aborted'], ['running', 'In progress'], ['succeeded', 'Succeeded']];

/**
 * The visits of a state to choose from: inside a Map by the index of the
 * item its iteration ran (counted from zero; a state can run more than
 * once in one iteration, or again in a retried Map), elsewhere in the
 * order they ran.
 */
function visitChoices(state) {
  const seen = new Map();
  return state.visits.map((visit, i) => {
    if (typeof visit.iteration !== 'number') {
      return { key: `#${i}`, visit, iteration: null, label: `${i + 1} of ${state.visits.length}` };
    }
    const n = (seen.get(visit.iteration) || 0) + 1;
    seen.set(visit.iteration, n);
    return { key: `${visit.iteration}.${n}`, visit, iteration: visit.iteration, label: n > 1 ? `Index ${visit.iteration} (${n})` : `Index ${visit.iteration}` };
  });
}

/**
 * The visit a state's detail opens on: in a Map, the first iteration (by
 * index) with the state's own outcome (a failed one for a failed state);
 * else the last visit.
 */
function defaultChoice(state, choices) {
  const last = choices[choices.length - 1];
  if (last.iteration === null) return last;
  const same = choices.filter((c) => c.visit.status === state.status);
  return same.length ? same.reduce((a, b) => (b.iteration < a.iteration ? b : a)) : last;
}

/**
 * A chooser of visits (iterations grouped by outcome), or nothing for one
 * visit shown; with none chosen (`chosen` null), it asks for one.
 */
function visitChooser(choices, chosen, onPick) {
  if (choices.length < 2 && chosen) return null;
  const option = (c) => h('option', { value: c.key, selected: c === chosen }, c.iteration === null ? `${c.label} (${c.visit.status})` : c.label);
  const iterated = (chosen || choices[0]).iteration !== null;
  const byIndex = [...choices].sort((a, b) => a.iteration - b.iteration || a.key.localeCompare(b.key));
  const groups = iterated
    ? ITERATION_GROUPS.map(([status, title]) => {
      const list = byIndex.filter((c) => c.visit.status === status);
      return list.length ? h('optgroup', { label: `${title} (${list.length})` }, list.map(option)) : null;
    })
    : choices.map(option);
  return h('label', { class: 'inline' }, iterated ? 'Iteration ' : 'Visit ',
    h('select', { id: 'visit-select', onchange: (ev) => onPick(ev.target.value) },
      chosen ? null : h('option', { value: '', selected: true, disabled: true }, 'choose one'),
      groups));
}

/** The iterations and visits a focus picked, in words: `Each iteration #2`. */
function focusWords(picks) {
  return picks.map((p) => [
    p.name,
    p.of > 1 ? ` visit ${p.visit} of ${p.of}` : '',
    p.iteration !== null ? `${p.of > 1 ? ',' : ''} iteration #${p.iteration}` : '',
  ].join('')).join(' › ');
}

/**
 * Tabs (AWS's view modes): `views` are `[key, title]`, the first one
 * shown; `onChange(key)` when another is chosen (by click, or the arrow
 * keys, Home and End on the tabs). `panels[key]` are the panels to fill.
 */
function viewTabs(views, onChange) {
  const tabs = views.map(([key, title], i) => h('button', {
    type: 'button',
    role: 'tab',
    id: `view-${key}`,
    class: 'tab',
    'aria-controls': `${key}-panel`,
    'aria-selected': i === 0 ? 'true' : 'false',
    tabindex: i === 0 ? '0' : '-1',
  }, title));
  const panels = views.map(([key], i) => h('div', { role: 'tabpanel', id: `${key}-panel`, 'aria-labelledby': `view-${key}`, hidden: i !== 0 }));
  const choose = (i, moveFocus) => {
    tabs.forEach((t, j) => {
      t.setAttribute('aria-selected', String(i === j));
      t.tabIndex = i === j ? 0 : -1;
    });
    panels.forEach((p, j) => {
      p.hidden = i !== j;
    });
    if (moveFocus) tabs[i].focus();
    onChange(views[i][0]);
  };
  tabs.forEach((t, i) => {
    t.addEventListener('click', () => choose(i, false));
    t.addEventListener('keydown', (ev) => {
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[ev.key];
      if (to === undefined) return;
      ev.preventDefault();
      choose((to + tabs.length) % tabs.length, true);
    });
  });
  return {
    list: h('div', { role: 'tablist', class: 'tabs', 'aria-label': 'View mode' }, tabs),
    panels: Object.fromEntries(views.map(([key], i) => [key, panels[i]])),
  };
}

/**
 * A Map's iterations by outcome: those its history records (inline), or
 * its Map Run's item counts (distributed).
 */
function iterationFacts(v, card) {
  if (v.mapRunArn) return [h('dt', {}, 'Items'), h('dd', { id: 'detail-iterations' }, card && card.run ? itemCounts(card.run) : '')];
  const count = { failed: 0, aborted: 0, succeeded: 0, running: 0 };
  for (const status of v.iterations.values()) count[status] = (count[status] || 0) + 1;
  return [h('dt', {}, 'Iterations'),
    h('dd', {
      id: 'detail-iterations',
      'data-failed': count.failed,
      'data-aborted': count.aborted,
      'data-succeeded': count.succeeded,
      'data-running': count.running,
    }, `${count.failed} failed, ${count.aborted} aborted, ${count.succeeded} succeeded, ${count.running} in progress`)];
}

/** The fields of a state's definition that shape its data, as written. */
function dataFlow(def, id, fields) {
  const present = def ? fields.filter((f) => def[f] !== undefined) : [];
  if (!present.length) return null;
  return h('dl', { class: 'facts flow', id },
    present.map((f) => [h('dt', {}, f),
      h('dd', {}, h('code', {}, typeof def[f] === 'string' ? def[f] : JSON.stringify(def[f])))]));
}

/** A Map Run's EXPRESS child execution: `arn:aws:states:…:express:…`. */
function isExpressArn(arn) {
  return /^arn:[^:]+:states:[^:]*:[^:]*:express:/.test(String(arn));
}

function isFailureEvent(type) {
  return /(Failed|TimedOut|Aborted)$/.test(type);
}

function itemCounts(run) {
  const c = run.itemCounts || {};
  return `${c.total} items: ${c.succeeded} succeeded, ${c.failed} failed, ${c.running} running, ${c.pending} pending, ${c.aborted} aborted`;
}

function legend(definition) {
  const shown = ['succeeded', 'failed', 'caught', 'running', 'aborted', 'notreached'];
  if (distributedStates(definition).length) shown.push('children');
  return h('div', { class: 'legend' }, shown.map((k) => {
    const [words, icon] = OUTCOMES[k];
    return h('span', { class: `key key-${k}`, 'data-icon': icon }, words[0].toUpperCase() + words.slice(1));
  }));
}

/** JSON text as JSON, or the text when it is not JSON. */
function parsed(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * JSON strings inside event details shown as JSON: the input, output,
 * parameters and cause, and each of the `assignedVariables`.
 */
function expand(d) {
  const out = {};
  for (const [k, v] of Object.entries(d)) {
    if (typeof v === 'string' && /^(input|output|parameters|cause)$/.test(k)) out[k] = parsed(v);
    else if (k === 'assignedVariables' && v && typeof v === 'object') {
      out[k] = Object.fromEntries(Object.entries(v).map(([name, x]) => [name, typeof x === 'string' ? parsed(x) : x]));
    } else out[k] = v;
  }
  return out;
}

/** One line about an event's details, for the event table. */
function summarize(d) {
  const failure = [d.error, d.cause].filter((x) => x !== undefined).map(String).join(': ');
  const parts = failure ? [failure] : [];
  // A task's resource as AWS's console names it: `lambda:invoke`.
  if (d.resource !== undefined) parts.push(d.resourceType ? `${d.resourceType}:${d.resource}` : String(d.resource));
  // A Map iteration: the Map's name and the item's index.
  if (typeof d.index === 'number') parts.push(`${d.name ?? ''} index ${d.index}`.trim());
  if (typeof d.length === 'number') parts.push(`${d.length} ${d.length === 1 ? 'item' : 'items'}`);
  if (d.mapRunArn !== undefined) parts.push(String(d.mapRunArn));
  if (d.assignedVariables && typeof d.assignedVariables === 'object') {
    parts.push(`assigned ${Object.keys(d.assignedVariables).join(', ')}`);
  }
  for (const k of ['input', 'output', 'parameters']) if (d[k] !== undefined) parts.push(`${k} ${d[k]}`);
  const s = parts.slice(0, 3).join(' · ');
  return s.length > 90 ? s.slice(0, 89) + '…' : s || '…';
}

function sleep(ms, signal) {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}

function showToast(e) {
  const t = h('div', { class: 'toast error-box', role: 'alert' }, h('strong', {}, e.type || 'Error'), ': ', e.message || String(e));
  document.body.appendChild(t);
  setTimeout(() => t.remove(), 6000);
}

window.addEventListener('hashchange', route);
route();
