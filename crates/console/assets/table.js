// The execution's Table view, as AWS's console has it: one row per visit
// of a state (name, type, status, resource, started after; duration,
// timestamp and a timeline on request), Map iterations and Parallel
// branches as rows that open onto the visits inside them, a status filter,
// and the columns picked kept for the next execution. Choosing a row
// selects that step, as choosing it in the graph does.

import { h, fill, fmtDate, fmtDuration } from './dom.js';

/** The columns: [key, title, shown unless the user hid it]. The name is always shown. */
export const COLUMNS = [
  ['type', 'Type', true],
  ['status', 'Status', true],
  ['resource', 'Resource', true],
  ['after', 'Started after', true],
  ['duration', 'Duration', false],
  ['timestamp', 'Timestamp', false],
  ['timeline', 'Timeline', false],
];

const STATUS_FILTER = [
  ['', 'All statuses'], ['failed', 'Failed'], ['caught', 'Caught error'], ['aborted', 'Aborted'],
  ['running', 'In progress'], ['succeeded', 'Succeeded'],
];

const PREFERENCES = 'stepwell.console.tableColumns';

/**
 * The rows to draw from `visitTree`'s: `[{row, depth, open}]`. Without a
 * filter, the children of the rows whose keys are in `expanded`; with a
 * status, the rows of that status and the rows around them, opened.
 */
export function visibleRows(tree, expanded, status = '') {
  const out = [];
  const matches = new Map();
  const match = (row) => {
    if (!matches.has(row.key)) {
      const inner = row.children.map(match).some(Boolean);
      matches.set(row.key, { self: row.status === status, inner });
    }
    const m = matches.get(row.key);
    return m.self || m.inner;
  };
  const walk = (rows, depth) => {
    for (const row of rows) {
      if (status && !match(row)) continue;
      const open = status ? matches.get(row.key).inner : expanded.has(row.key);
      out.push({ row, depth, open });
      if (open) walk(row.children, depth + 1);
    }
  };
  walk(tree, 0);
  return out;
}

/** The keys of the rows around the row `key` (to open so that it shows), or null when there is none. */
export function rowsAround(tree, key) {
  const path = [];
  const find = (rows) => rows.some((r) => {
    if (r.key === key) return true;
    path.push(r.key);
    if (find(r.children)) return true;
    path.pop();
    return false;
  });
  return find(tree) ? path : null;
}

/**
 * What a Task's row names as its resource: the resource as its history
 * records it, and the state machine a `states:startExecution` Task starts
 * (the console has a page for it).
 */
export function resourceOf(visit) {
  if (!visit || typeof visit.resource !== 'string') return null;
  let machine = null;
  if (visit.resource.startsWith('states:startExecution') && typeof visit.parameters === 'string') {
    try {
      const arn = JSON.parse(visit.parameters).StateMachineArn;
      if (typeof arn === 'string' && /^arn:[^:]+:states:[^:]*:[^:]*:stateMachine:/.test(arn)) machine = arn;
    } catch {
      // Parameters that are not JSON name nothing.
    }
  }
  return { text: visit.resource, machine };
}

function loadColumns() {
  const shown = new Set(COLUMNS.filter(([, , on]) => on).map(([k]) => k));
  try {
    const saved = JSON.parse(localStorage.getItem(PREFERENCES) || 'null');
    if (Array.isArray(saved)) return new Set(saved.filter((k) => COLUMNS.some(([c]) => c === k)));
  } catch {
    // No storage (or not ours): the defaults.
  }
  return shown;
}

function saveColumns(shown) {
  try {
    localStorage.setItem(PREFERENCES, JSON.stringify([...shown]));
  } catch {
    // Not kept: the choice still holds on this page.
  }
}

/**
 * The Table view. `badge(status)` draws a status, `machineLink(arn)` is
 * the address of a state machine's page, `onChoose(row)` is called when a
 * row is chosen. `render(tree, {start, end, selected})` draws `visitTree`'s
 * rows (execution start and end in epoch seconds; `end` null while it
 * runs; `selected` the chosen row's key, whose rows around open the first
 * time it is drawn).
 */
export function stateTable({ badge, machineLink, onChoose }) {
  const expanded = new Set();
  const shown = loadColumns();
  let last = { tree: [], start: null, end: null, selected: null };
  // The row last opened up to: a chosen row shows once, then stays as
  // the user leaves it.
  let revealed = null;

  const filter = h('select', { id: 'state-table-filter', 'aria-label': 'Show the steps of one status' },
    STATUS_FILTER.map(([value, label]) => h('option', { value }, label)));
  filter.addEventListener('change', () => draw());
  const boxes = COLUMNS.map(([key, title]) => {
    const box = h('input', { type: 'checkbox', name: 'column', value: key, checked: shown.has(key) });
    box.addEventListener('change', () => {
      if (box.checked) shown.add(key);
      else shown.delete(key);
      saveColumns(shown);
      draw();
    });
    return h('label', { class: 'check' }, box, ' ', title);
  });
  const preferences = h('details', { id: 'state-table-columns', class: 'menu' },
    h('summary', {}, 'Columns'),
    h('fieldset', {}, h('legend', {}, 'Visible columns'), boxes));
  const head = h('thead');
  const body = h('tbody');
  const count = h('span', { class: 'muted', id: 'state-table-count', role: 'status' });
  const element = h('div', { id: 'state-table-view' },
    h('div', { class: 'toolbar' }, filter, preferences, count),
    h('div', { class: 'table-scroll' },
      h('table', { id: 'state-table', class: 'list steps' }, head, body)));

  const toggle = (key) => {
    if (expanded.has(key)) expanded.delete(key);
    else expanded.add(key);
    draw(key, 'row-toggle');
  };

  const timeline = (row) => {
    const { start, end } = last;
    const stop = end ?? Date.now() / 1000;
    const total = stop - start;
    const bar = h('span', { class: `bar status-${row.status}` });
    const track = h('span', { class: 'timeline', 'aria-hidden': 'true' }, bar);
    if (typeof start === 'number' && typeof row.start === 'number' && total > 0) {
      const from = Math.max(0, (row.start - start) / total);
      const to = Math.min(1, ((row.end ?? stop) - start) / total);
      // Through the CSSOM: the page's CSP refuses style attributes.
      bar.style.left = `${(from * 100).toFixed(2)}%`;
      bar.style.width = `${Math.max(0.5, (to - from) * 100).toFixed(2)}%`;
    }
    return track;
  };

  const cells = {
    type: (row) => row.type || '',
    status: (row) => badge(row.status),
    resource: (row) => {
      const r = row.kind === 'visit' ? resourceOf(row.visit) : null;
      if (!r) return '';
      return [h('code', {}, r.text), r.machine
        ? [' ', h('a', { href: machineLink(r.machine), class: 'resource-link' }, r.machine.split(':').slice(6).join(':'))]
        : null];
    },
    after: (row) => (typeof row.start === 'number' && typeof last.start === 'number' ? fmtDuration(last.start, row.start) : ''),
    duration: (row) => (typeof row.end === 'number' ? fmtDuration(row.start, row.end) : row.status === 'running' ? 'running' : ''),
    timestamp: (row) => fmtDate(row.start),
    timeline,
  };

  const line = ({ row, depth, open }) => {
    const expandable = row.children.length > 0;
    const label = row.name;
    const owner = row.kind === 'visit' ? null : row.owner && row.owner.name;
    const tr = h('tr', {
      'data-row-key': row.key,
      'data-kind': row.kind,
      'data-state': row.kind === 'visit' ? row.name : owner,
      'data-status': row.status,
      'data-iteration': row.kind === 'iteration' ? row.iteration : null,
      class: row.key === last.selected ? 'selected' : null,
      'aria-current': row.key === last.selected ? 'true' : null,
    },
    h('td', { class: `name depth-${Math.min(depth, 8)}` },
      expandable
        ? h('button', {
          type: 'button',
          class: 'row-toggle',
          'aria-expanded': open ? 'true' : 'false',
          'aria-label': `${open ? 'Collapse' : 'Expand'} ${owner ? `${owner} ${label}` : label}`,
          disabled: Boolean(filter.value),
          onclick: () => toggle(row.key),
        }, open ? '▾' : '▸')
        : h('span', { class: 'row-toggle-space' }),
      h('button', {
        type: 'button',
        class: 'link row-select',
        'aria-label': owner ? `${owner} ${label}` : null,
        onclick: () => onChoose(row),
      }, label)),
    COLUMNS.filter(([key]) => shown.has(key)).map(([key]) => h('td', { class: `col-${key}` }, cells[key](row))));
    tr.addEventListener('click', (ev) => {
      if (ev.target.closest('button, a, input, select, summary')) return;
      onChoose(row);
    });
    return tr;
  };

  // `focusKey`, `focusClass`: the control to keep the keyboard focus on
  // (the rows are drawn again).
  function draw(focusKey, focusClass) {
    const active = document.activeElement;
    const held = active && body.contains(active) ? active.closest('tr') : null;
    const keep = focusKey ? [focusKey, focusClass]
      : held ? [held.getAttribute('data-row-key'), active.classList.contains('row-toggle') ? 'row-toggle' : 'row-select'] : null;
    fill(head, h('tr', {}, h('th', { scope: 'col' }, 'Name'),
      COLUMNS.filter(([key]) => shown.has(key)).map(([key, title]) => h('th', { scope: 'col', class: `col-${key}` }, title))));
    const rows = visibleRows(last.tree, expanded, filter.value);
    fill(body, rows.length
      ? rows.map(line)
      : h('tr', {}, h('td', { colspan: 1 + shown.size, class: 'muted' }, filter.value ? 'No step has this status.' : 'No step has run yet.')));
    fill(count, filter.value ? `${rows.filter((r) => r.row.status === filter.value).length} shown` : '');
    if (keep) {
      const tr = [...body.rows].find((r) => r.getAttribute('data-row-key') === keep[0]);
      const control = tr && tr.querySelector(`.${keep[1]}`);
      if (control) control.focus();
    }
  }

  return {
    element,
    render(tree, { start, end, selected }) {
      last = { tree, start, end, selected };
      if (selected && selected !== revealed) {
        const around = rowsAround(tree, selected);
        if (around) {
          for (const k of around) expanded.add(k);
          revealed = selected;
        }
      }
      draw();
    },
  };
}
