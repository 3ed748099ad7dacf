// The Stepwell console: a single page with three views, routed on the URL
// hash. Every request goes through api.js (the public API and the execution
// stream), so the console can do nothing the API would not let a client do.
//
//   #/                         state machines
//   #/state-machine/<arn>      graph, definition, executions, start form
//   #/execution/<arn>          live graph, state details, history, tokens

import * as api from './api.js';
import { h, fill, fmtDate, fmtDuration, pretty } from './dom.js';
import { buildModel, layoutModel, renderSvg, paintStatuses, OUTCOMES } from './graph.js';
import { parseDefinition, findState, distributedStates } from './definition.js';
import { deriveStates, detailsOf, stateNameOf } from './history.js';

const main = document.getElementById('main');
const authStatus = document.getElementById('auth-status');
const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];
// Only a Map Run's child executions may be filtered by PENDING_REDRIVE
// (ListExecutions refuses it with a stateMachineArn).
const CHILD_STATUSES = [...STATUSES, 'PENDING_REDRIVE'];
const PAGE_SIZE = 25;
const HISTORY_ROWS = 1000;

let leaving = [];
// The input "New execution with this input" takes to the start form.
let draftInput = null;

function takeDraftInput() {
  const input = draftInput;
  draftInput = null;
  return input;
}

function onLeave(fn) {
  leaving.push(fn);
}

async function route() {
  for (const fn of leaving) {
    try {
      fn();
    } catch {
      // A view's cleanup never blocks the next view.
    }
  }
  leaving = [];
  renderAuthStatus();
  const hash = location.hash.replace(/^#/, '');
  const [, kind, rest] = hash.match(/^\/([a-z-]*)\/?(.*)$/) || [];
  const arn = rest ? decodeURIComponent(rest) : '';
  try {
    if (kind === 'state-machine' && arn) await machineView(arn);
    else if (kind === 'execution' && arn) await executionView(arn);
    else await listView();
  } catch (e) {
    showError(e);
  }
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

async function listView() {
  document.title = 'State machines · Stepwell';
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
  fill(main, h('h1', {}, 'State machines'), table, empty, more);
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

async function machineView(arn) {
  const sm = await api.call('DescribeStateMachine', { stateMachineArn: arn });
  document.title = `${sm.name} · Stepwell`;
  const definition = parseDefinition(sm.definition);
  const express = sm.type === 'EXPRESS';

  const statePanel = h('div', { id: 'state-definition', class: 'side muted' }, 'Click a state to see its definition.');
  const graph = graphFrame(definition, (name) => {
    select(graph.svg, name);
    fill(statePanel,
      h('h3', {}, name),
      h('pre', { class: 'json' }, JSON.stringify(findState(definition, name), null, 2)));
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

  fill(main,
    h('nav', { class: 'crumbs' }, h('a', { href: '#/' }, 'State machines'), ' / ', sm.name),
    h('h1', {}, sm.name, ' ', h('span', { class: 'badge' }, sm.type || 'STANDARD')),
    h('p', { class: 'muted arn' }, sm.stateMachineArn, sm.creationDate ? ` · created ${fmtDate(sm.creationDate)}` : ''),
    h('div', { class: 'split' },
      h('section', { class: 'card grow' }, h('div', { class: 'card-head' }, h('h2', {}, 'Graph'), graph.toolbar), graph.frame),
      h('div', { class: 'side-col' }, startForm(arn, express, takeDraftInput() ?? '{}'), statePanel)),
    executions,
    h('section', { class: 'card' },
      h('details', {}, h('summary', {}, h('h2', { class: 'inline' }, 'Definition')),
        h('pre', { id: 'definition', class: 'json' }, pretty(sm.definition)))));
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
    res.output !== undefined ? h('pre', { class: 'json', id: 'start-result-output' }, pretty(res.output)) : null,
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

async function executionView(arn) {
  let desc = await api.call('DescribeExecution', { executionArn: arn });
  document.title = `${desc.name} · Stepwell`;
  let sm;
  try {
    sm = await api.call('DescribeStateMachineForExecution', { executionArn: arn });
  } catch (e) {
    if (api.isAuthError(e)) throw e;
    sm = await api.call('DescribeStateMachine', { stateMachineArn: desc.stateMachineArn });
  }
  const definition = parseDefinition(sm.definition);
  // A Map Run's child execution links back to the execution that ran it.
  const parentArn = desc.mapRunArn
    ? (await api.call('DescribeMapRun', { mapRunArn: desc.mapRunArn })).executionArn
    : null;

  const events = new Map();
  let status = desc.status;
  let derived = deriveStates([], status);
  let selected = null;
  let selectedVisit = null;

  const panel = h('div', { id: 'state-detail', class: 'side muted' }, 'Click a state to see what happened in it.');
  const graph = graphFrame(definition, (name) => {
    selected = name;
    selectedVisit = null;
    select(graph.svg, name);
    renderDetail();
  }, 'execution-graph');
  const header = h('div', { id: 'execution-header' });
  const tokenPanel = h('section', { id: 'token-panel', class: 'card', hidden: true });
  const ioPanel = h('section', { id: 'execution-io', class: 'card' });
  const history = historyTable();
  const connection = h('span', { id: 'connection', class: 'muted' });
  const ctrl = new AbortController();
  onLeave(() => {
    ctrl.abort();
    clearTimeout(polling);
  });

  const renderHeader = () => {
    const stop = h('button', { type: 'button', id: 'stop-execution', class: 'danger' }, 'Stop execution');
    const confirm = h('span', { id: 'stop-confirm-box', hidden: true },
      h('input', { id: 'stop-error', placeholder: 'error (optional)', 'aria-label': 'Error (optional)' }),
      h('input', { id: 'stop-cause', placeholder: 'cause (optional)', 'aria-label': 'Cause (optional)' }),
      h('button', { type: 'button', id: 'stop-confirm', class: 'danger' }, 'Confirm stop'));
    stop.addEventListener('click', () => {
      confirm.hidden = false;
      stop.hidden = true;
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
    const redrive = h('button', { type: 'button', id: 'redrive-execution', class: 'primary' }, 'Redrive');
    redrive.addEventListener('click', async () => {
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
      h('h1', {}, desc.name, ' ', statusBadge(status, 'execution-status')),
      h('p', { class: 'muted arn' }, desc.executionArn),
      h('p', {},
        `Started ${fmtDate(desc.startDate)}`,
        desc.stopDate ? ` · stopped ${fmtDate(desc.stopDate)} · took ${fmtDuration(desc.startDate, desc.stopDate)}` : '',
        desc.redriveCount ? ` · redriven ${desc.redriveCount === 1 ? 'once' : `${desc.redriveCount} times`}` : '',
        ' ', connection),
      h('div', { class: 'toolbar' },
        running ? [stop, confirm] : null,
        !running && desc.redriveStatus === 'REDRIVABLE' && !desc.mapRunArn ? redrive : null,
        desc.mapRunArn ? null : again));
  };

  const renderIo = () => {
    fill(ioPanel,
      h('h2', {}, 'Execution input and output'),
      h('div', { class: 'io-grid' },
        h('div', {}, h('h3', {}, 'Input'), h('pre', { class: 'json', id: 'execution-input' }, pretty(desc.input))),
        h('div', {}, h('h3', {}, 'Output'), h('pre', { class: 'json', id: 'execution-output' }, desc.output !== undefined ? pretty(desc.output) : '—'))),
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
    if (!ctrl.signal.aborted && [...mapRuns.values()].some((c) => c.run.status === 'RUNNING')) {
      polling = setTimeout(() => renderMapRuns().catch(showToast), 2000);
    }
  };

  const renderDetail = () => {
    if (!selected) return;
    const state = derived.states.get(selected);
    const def = findState(definition, selected);
    const type = def && typeof def.Type === 'string' ? def.Type : '';
    panel.classList.remove('muted');
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
    const visits = state.visits;
    if (selectedVisit === null || selectedVisit >= visits.length) selectedVisit = visits.length - 1;
    const v = visits[selectedVisit];
    const chooser = visits.length > 1
      ? h('label', { class: 'inline' }, 'Visit ',
        h('select', {
          id: 'visit-select',
          onchange: (ev) => {
            selectedVisit = Number(ev.target.value);
            renderDetail();
          },
        }, visits.map((x, i) => h('option', { value: i, selected: i === selectedVisit }, `${i + 1} of ${visits.length} (${x.status})`))))
      : null;
    const retries = Math.max(0, v.attempts - 1);
    const section = (title, id, text) =>
      text === undefined || text === null ? null : h('div', {}, h('h4', {}, title), h('pre', { class: 'json', id }, pretty(text)));
    fill(panel,
      h('h3', {}, selected, ' ', statusBadge(v.status, 'detail-status')),
      h('p', { class: 'muted' }, v.type || type, v.resource ? ` · ${v.resource}` : ''),
      chooser,
      h('dl', { class: 'facts' },
        h('dt', {}, 'Attempts'), h('dd', { id: 'detail-attempts', 'data-attempts': v.attempts, 'data-retries': retries },
          v.attempts ? `${v.attempts}${retries ? ` (${retries} ${retries === 1 ? 'retry' : 'retries'})` : ''}` : '—'),
        h('dt', {}, 'Entered'), h('dd', {}, fmtDate(v.start)),
        h('dt', {}, 'Exited'), h('dd', {}, v.closed ? fmtDate(v.end) : v.status === 'running' ? 'still running' : '—'),
        h('dt', {}, 'Duration'), h('dd', { id: 'detail-timing' }, v.end ? fmtDuration(v.start, v.end) : '')),
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
      section('Input', 'detail-input', v.input),
      section('Parameters', 'detail-parameters', v.parameters),
      section('Output', 'detail-output', v.output));
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
              h('button', {
                type: 'button',
                class: 'send-failure danger',
                onclick: () => send('SendTaskFailure', {
                  taskToken: v.token,
                  ...(error.value.trim() ? { error: error.value.trim() } : {}),
                  ...(cause.value.trim() ? { cause: cause.value.trim() } : {}),
                }),
              }, 'Send failure'))),
          result);
      }));
  };

  function update() {
    derived = deriveStates([...events.values()], status, definition);
    paintStatuses(graph.svg, derived.states);
    const badge = header.querySelector('#execution-status');
    if (badge) {
      badge.textContent = status;
      badge.setAttribute('data-status', status);
      badge.className = `badge status-${status.toLowerCase()}`;
    }
    renderTokens();
    history.render([...events.values()], derived, derived.execution.start ?? desc.startDate);
    renderDetail();
  }

  renderHeader();
  renderIo();
  fill(main,
    header,
    tokenPanel,
    h('div', { class: 'split' },
      h('section', { class: 'card grow' },
        h('div', { class: 'card-head' }, h('h2', {}, 'Graph'), graph.toolbar),
        legend(definition),
        graph.frame),
      h('div', { class: 'side-col' }, h('section', { class: 'card' }, panel))),
    ioPanel,
    mapRunsPanel,
    history.element);
  update();
  renderMapRuns().catch(showToast);

  // Live updates from the execution stream; the first message of each
  // connection carries every event so far.
  let failures = 0;
  while (!ctrl.signal.aborted) {
    try {
      fill(connection, status === 'RUNNING' ? '● live' : '');
      for await (const msg of api.stream(arn, ctrl.signal)) {
        for (const ev of msg.events || []) events.set(ev.id, ev);
        if ((msg.events || []).some((ev) => String(ev.type).startsWith('MapRun'))) {
          renderMapRuns().catch(showToast);
        }
        if (msg.status) status = msg.status;
        failures = 0;
        update();
      }
      if (ctrl.signal.aborted) return;
      fill(connection, '');
      await refreshDescription();
      if (status !== 'RUNNING') return;
    } catch (e) {
      if (ctrl.signal.aborted) return;
      if (api.isAuthError(e)) return showError(e);
      if (e instanceof api.ApiError && (e.status === 404 || e.status === 405)) {
        // A server without the stream: read the history once, refresh on demand.
        await loadHistory();
        return;
      }
      fill(connection, 'connection lost, reconnecting…');
    }
    failures += 1;
    await sleep(Math.min(15000, 500 * 2 ** failures), ctrl.signal);
  }

  async function loadHistory() {
    let nextToken;
    do {
      const res = await api.call('GetExecutionHistory', {
        executionArn: arn, includeExecutionData: true, maxResults: 1000, ...(nextToken ? { nextToken } : {}),
      });
      for (const ev of res.events || []) events.set(ev.id, ev);
      nextToken = res.nextToken;
    } while (nextToken && !ctrl.signal.aborted);
    await refreshDescription();
    fill(connection, h('button', { type: 'button', id: 'refresh', class: 'small', onclick: () => loadHistory().catch(showError) }, 'Refresh'));
  }
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
  const element = h('div', { class: 'map-run', 'data-map-run-arn': mapRunArn },
    title, counts,
    h('div', { class: 'toolbar' }, filter, prev, pageInfo, next),
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
    fill(rows, list.length
      ? list.map((x) => h('tr', { 'data-execution-arn': x.executionArn, 'data-status': x.status },
        h('td', {}, h('a', { href: link.execution(x.executionArn) }, x.name)),
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
 * The event table: HISTORY_ROWS events a page (first, previous, next, last),
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
      h('td', {}, d ? h('details', {}, h('summary', {}, summarize(d)), h('pre', { class: 'json' }, JSON.stringify(expand(d), null, 2))) : ''));
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

  const element = h('section', { class: 'card', id: 'history-section' },
    h('div', { class: 'card-head' }, h('h2', {}, 'Event history'),
      h('div', { class: 'toolbar' }, filter, firstButton, prev, info, next, lastButton)),
    h('table', { id: 'history', class: 'list' },
      h('thead', {}, h('tr', {}, h('th', {}, 'ID'), h('th', {}, 'Type'), h('th', {}, 'State'), h('th', {}, 'Elapsed'), h('th', {}, 'Details'))),
      body));
  return {
    element,
    render(events, derived, start) {
      last = { events, derived, start };
      draw();
    },
  };
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

/** JSON strings inside event details shown as JSON. */
function expand(d) {
  const out = {};
  for (const [k, v] of Object.entries(d)) {
    if (typeof v === 'string' && /^(input|output|parameters|cause)$/.test(k)) {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        // Not JSON: as it is.
      }
    }
    out[k] = v;
  }
  return out;
}

function summarize(d) {
  const parts = [];
  if (d.error !== undefined) parts.push(`${d.error}`);
  if (d.cause !== undefined) parts.push(String(d.cause));
  for (const k of ['resource', 'input', 'output', 'parameters']) if (d[k] !== undefined && parts.length < 2) parts.push(`${k} ${d[k]}`);
  const s = parts.join(': ');
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
