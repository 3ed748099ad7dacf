// What happened to each state, derived from an execution's history events
// (AWS's HistoryEvent shapes). Pure functions: no DOM, no network.
//
// Each `…StateEntered` event opens a *visit* of a state. Every later event
// belongs to the visit its `previousEventId` chain leads to (events of one
// Parallel branch or Map iteration chain to each other), until the visit's
// `…StateExited`. The events of a Parallel or Map itself (`ParallelState…`,
// `MapState…`, `MapIteration…`, `MapRun…`) are the exception: AWS chains
// them to the last event of a branch or iteration, so they belong to the
// innermost open Parallel or Map visit around the event they follow. A
// visit knows the Parallel or Map visit it runs in (`parent`). Its outcome:
//   succeeded  exited normally (after retries, if any)
//   caught     exited right after a failure: a Catch took it (a Parallel or
//              Map shows the failure inside it that ended it)
//   failed     never exited and the execution ended, or a Fail state; or
//              its own failure ended its Parallel branch (AWS then records
//              `…StateAborted` for it)
//   running    entered, not exited, execution still running
//   aborted    stopped with the execution, or `…StateAborted`; or still
//              open when another state's failure ended the execution (a
//              Parallel branch beside the one that failed)
// A Distributed Map's states run in child executions and have no visits
// here: once the Map has started its Map Run they are `children` (see
// below).
// A state's outcome folds its visits (several for Map iterations and
// loops): running, then failed, caught, aborted, succeeded. After a redrive
// (`ExecutionRedriven`) only its visits in the last run it ran in count;
// those of an earlier run keep the outcome they had when that run ended.
//
// `<Type>StateAborted` events carry no name: AWS chains them to the last
// event of the branch or iteration that failed, not to the state they
// stop. Such an event is about an open visit of that type: the one it
// follows, or else one beside it in the same Parallel or Map (in the
// iteration the `MapIterationAborted` just before names).
//
// A visit also keeps what its state's detail shows: the variables its
// `Assign` set (`assignedVariables`, parsed), a Task's own result before
// ResultSelector, ResultPath and OutputPath (`result`), the Map iteration
// it ran in (`iteration`, the item's index), a Map's iterations by index
// (`iterations`), and the child execution a `states:startExecution` Task
// started (`childExecutionArn`).

import { distributedStates, failErrors, findState, statesOf } from './definition.js';

const RANK = { running: 5, failed: 4, caught: 3, aborted: 2, succeeded: 1 };
const ENDS = { ExecutionSucceeded: 'SUCCEEDED', ExecutionFailed: 'FAILED', ExecutionTimedOut: 'TIMED_OUT', ExecutionAborted: 'ABORTED' };

/** The details object of an event (`taskScheduledEventDetails`, …). */
export function detailsOf(ev) {
  for (const [k, v] of Object.entries(ev)) {
    if (k.endsWith('EventDetails') && v && typeof v === 'object') return v;
  }
  return null;
}

function isScheduled(type) {
  return type === 'TaskScheduled' || type === 'ActivityScheduled' || type === 'LambdaFunctionScheduled';
}

function isTaskSuccess(type) {
  return type === 'TaskSucceeded' || type === 'ActivitySucceeded' || type === 'LambdaFunctionSucceeded';
}

/** Each variable's value (`assignedVariables` holds JSON text), parsed. */
function parseVariables(vars) {
  if (!vars || typeof vars !== 'object') return null;
  const out = {};
  for (const [k, v] of Object.entries(vars)) {
    try {
      out[k] = typeof v === 'string' ? JSON.parse(v) : v;
    } catch {
      out[k] = v;
    }
  }
  return out;
}

/** The execution a `states:startExecution` Task started, from its output. */
function executionArnIn(text) {
  if (typeof text !== 'string') return null;
  try {
    const arn = JSON.parse(text).ExecutionArn;
    return typeof arn === 'string' && arn ? arn : null;
  } catch {
    return null;
  }
}

/** The event id a States.Runtime cause names: "… (entered at the event id #5) …". */
function enteredIdIn(cause) {
  const m = typeof cause === 'string' && /entered at the event id #(\d+)/.exec(cause);
  return m ? Number(m[1]) : null;
}

const ITERATION = { MapIterationStarted: 'running', MapIterationSucceeded: 'succeeded', MapIterationFailed: 'failed', MapIterationAborted: 'aborted' };

function isFailure(type) {
  return /(Failed|TimedOut)$/.test(type) && !/^(Execution|MapIteration)/.test(type);
}

/** A token found in a waiting task's parameters, when the server added none. */
function tokenFromParameters(text) {
  if (typeof text !== 'string') return null;
  try {
    let found = null;
    const walk = (v) => {
      if (found || !v || typeof v !== 'object') return;
      for (const [k, x] of Object.entries(v)) {
        if (/task_?token/i.test(k) && typeof x === 'string' && x) {
          found = x;
          return;
        }
        walk(x);
      }
    };
    walk(JSON.parse(text));
    return found;
  } catch {
    return null;
  }
}

/**
 * @param {object[]} events  HistoryEvents, any order
 * @param {string} status    the execution's status (RUNNING, SUCCEEDED, …)
 * @param {object} [definition]  the parsed definition, for what histories
 *   do not record: the Error and Cause of a Fail state (one inside a caught
 *   Parallel or Map leaves them nowhere else)
 * @returns {{states: Map<string, {status: string, visits: object[]}>,
 *            visits: object[], waiting: object[], execution: object,
 *            eventVisit: Map<number, object>}}
 */
export function deriveStates(events, status, definition = {}) {
  const sorted = [...events].sort((a, b) => a.id - b.id);
  const byId = new Map(sorted.map((e) => [e.id, e]));
  const visits = [];
  const owner = new Map();
  const open = [];
  const execution = { status, error: null, cause: null, start: null, end: null };
  const fails = failErrors(definition);
  // RedriveExecution starts another run of the execution: the visits of
  // the run before keep the outcome they had when it ended (`ended`).
  let run = 0;
  let ended = null;
  // The event that ended the current run, and the iteration the last
  // `MapIterationAborted` named (the `<Type>StateAborted` after it is about
  // a state in that iteration).
  let endEvent = null;
  let abortedIteration = null;

  const lastOpen = (fits = () => true) => {
    for (let i = open.length - 1; i >= 0; i--) {
      if (fits(open[i])) return open[i];
    }
    return null;
  };
  // The Parallel or Map visit (`type`) an event of its own belongs to: the
  // innermost one around `v` that has not ended.
  const around = (v, type) => {
    const fits = (x) => x.type === type && !x.closed && !x.ended;
    for (let x = v; x; x = x.parent) if (fits(x)) return x;
    return lastOpen(fits);
  };
  const close = (v) => {
    v.closed = true;
    const i = open.indexOf(v);
    if (i >= 0) open.splice(i, 1);
  };
  // The open visit of a state of type `stateType` that a `…StateAborted`
  // stops: `v`, the visit of the event it follows, when it fits (a Task
  // whose own failure ended its branch); else, in the Parallel or Map
  // around `v`, the first one still open (in `iteration`, when a
  // `MapIterationAborted` came just before).
  const abortedVisit = (stateType, v, iteration) => {
    const fits = (x) => !x.closed && x.type === stateType;
    if (v && fits(v) && !iteration) return v;
    let scope = iteration ? iteration.map : null;
    for (let x = v && v.parent; x && !scope; x = x.parent) if (!x.closed) scope = x;
    const found = open.find((x) => fits(x) && (!scope || within(x, scope))
      && (!iteration || (x.parent === iteration.map && x.iteration === iteration.index)));
    return found || (v && fits(v) ? v : null);
  };
  // The visit whose own error ended the execution at once: a States.Runtime
  // error in a Parallel branch or a Map iteration records no failure of
  // its state, only `ExecutionFailed`, whose cause names the event that
  // entered the state and which follows that state's last event.
  const culprit = (end) => {
    if (!end || end.type !== 'ExecutionFailed') return null;
    const id = enteredIdIn((detailsOf(end) || {}).cause);
    const named = id === null ? null : visits.find((x) => x.enteredId === id && x.run === run);
    const v = named || owner.get(end.previousEventId);
    return v && v.run === run && !v.closed && !fan(v) ? v : null;
  };

  for (const ev of sorted) {
    const type = String(ev.type || '');
    const d = detailsOf(ev) || {};
    const afterIteration = abortedIteration;
    abortedIteration = null;
    if (type === 'ExecutionStarted') execution.start = ev.timestamp;
    if (ENDS[type]) {
      ended = ENDS[type];
      endEvent = ev;
      execution.end = ev.timestamp;
      if (d.error !== undefined) execution.error = d.error;
      if (d.cause !== undefined) execution.cause = d.cause;
      continue;
    }
    if (type === 'ExecutionRedriven') {
      settle(visits.filter((v) => v.run === run), ended, execution, fails, culprit(endEvent));
      run += 1;
      open.length = 0;
      endEvent = null;
      Object.assign(execution, { error: null, cause: null, end: null });
      continue;
    }
    if (ev.stateEnteredEventDetails) {
      // Entered from inside a Parallel or Map (its `…Started` or
      // `MapIterationStarted`), or after a state with the same parent.
      const from = owner.get(ev.previousEventId);
      const parent = from ? (fan(from) && !from.closed ? from : from.parent) : null;
      // The first state of a Map iteration follows its MapIterationStarted;
      // the others follow a state of the same iteration, or a Parallel in it.
      const prev = byId.get(ev.previousEventId);
      const started = prev && prev.type === 'MapIterationStarted' ? detailsOf(prev) : null;
      const v = {
        name: d.name,
        type: type.replace(/StateEntered$/, ''),
        run,
        parent,
        iteration: started && typeof started.index === 'number' ? started.index : from ? from.iteration : null,
        enteredId: ev.id,
        input: d.input,
        output: undefined,
        parameters: undefined,
        result: undefined,
        variables: null,
        childExecutionArn: null,
        iterations: new Map(),
        resource: undefined,
        failures: [],
        attempts: 0,
        lastFailed: false,
        ended: false,
        mapRunArn: null,
        token: null,
        waiting: false,
        aborted: false,
        closed: false,
        start: ev.timestamp,
        end: null,
        eventIds: [ev.id],
      };
      visits.push(v);
      open.push(v);
      owner.set(ev.id, v);
      continue;
    }
    let v = owner.get(ev.previousEventId);
    if (ev.stateExitedEventDetails) {
      if (!v || v.closed || v.name !== d.name) v = lastOpen((x) => x.name === d.name);
      if (v) {
        v.output = d.output;
        v.variables = parseVariables(d.assignedVariables);
        v.end = ev.timestamp;
        v.waiting = false;
        close(v);
        v.eventIds.push(ev.id);
        owner.set(ev.id, v);
      }
      continue;
    }
    const own = /^(Parallel|Map)/.exec(type);
    if (own) v = around(v, own[1]);
    if (/StateAborted$/.test(type)) v = abortedVisit(type.replace(/StateAborted$/, ''), v, afterIteration);
    if (v && v.closed) v = null;
    if (!v && /^(Task|Activity|LambdaFunction)/.test(type)) v = lastOpen();
    if (!v) continue;
    owner.set(ev.id, v);
    v.eventIds.push(ev.id);
    if (isScheduled(type)) {
      v.attempts += 1;
      v.parameters = d.parameters !== undefined ? d.parameters : d.input;
      v.resource = d.resourceType ? `${d.resourceType}:${d.resource}` : d.resource;
      v.token = ev.stepwellTaskToken || tokenFromParameters(v.parameters);
      v.waiting = Boolean(v.token);
      v.lastFailed = false;
    } else if (type === 'ParallelStateStarted' || type === 'MapStateStarted') {
      v.attempts += 1;
      v.lastFailed = false;
      v.iterations = new Map();
    } else if (type === 'ParallelStateSucceeded' || type === 'MapStateSucceeded') {
      v.ended = true;
    } else if (type === 'MapRunStarted') {
      v.mapRunArn = d.mapRunArn;
    } else if (ITERATION[type]) {
      if (typeof d.index === 'number') v.iterations.set(d.index, ITERATION[type]);
      abortedIteration = type === 'MapIterationAborted' ? { map: v, index: d.index } : null;
      continue;
    } else if (isTaskSuccess(type)) {
      v.waiting = false;
      v.lastFailed = false;
      v.result = d.output;
      if (startsExecution(v)) v.childExecutionArn = executionArnIn(d.output) || v.childExecutionArn;
    } else if (type === 'TaskSubmitted' && startsExecution(v)) {
      // `.sync` and `.sync:2`: the child started; its ARN is known now.
      v.childExecutionArn = executionArnIn(d.output);
    } else if (/StateAborted$/.test(type)) {
      v.aborted = true;
      v.end = ev.timestamp;
      close(v);
    } else if (isFailure(type)) {
      v.waiting = false;
      v.lastFailed = true;
      v.ended = type === 'ParallelStateFailed' || type === 'MapStateFailed';
      if (d.error !== undefined || d.cause !== undefined) {
        v.failures.push({ error: d.error, cause: d.cause, type, eventId: ev.id, timestamp: ev.timestamp });
      }
    }
  }

  settle(visits.filter((v) => v.run === run), status, execution, fails, culprit(endEvent));

  const states = foldStates(visits);
  // A Distributed Map's states run in child executions, each with a history
  // of its own: here they are `children` (`running` while the Map runs),
  // with the Map Run's ARN.
  for (const [map, names] of distributedStates(definition)) {
    const m = states.get(map);
    const last = m && m.visits[m.visits.length - 1];
    if (!last || !last.mapRunArn) continue;
    const status = m.status === 'running' ? 'running' : 'children';
    for (const name of names) states.set(name, { status, visits: [], map, mapRunArn: last.mapRunArn });
  }
  return { states, visits, waiting: visits.filter((v) => v.waiting), execution, eventVisit: owner };
}

/**
 * Each state's visits and outcome: that of its visits in the last run it
 * ran in.
 */
function foldStates(visits) {
  const states = new Map();
  for (const v of visits) {
    const s = states.get(v.name) || { status: 'notreached', visits: [], run: v.run };
    s.visits.push(v);
    if (v.run > s.run) Object.assign(s, { status: v.status, run: v.run });
    else if ((RANK[v.status] || 0) > (RANK[s.status] || 0)) s.status = v.status;
    states.set(v.name, s);
  }
  return states;
}

/**
 * The outcome of each visit of one run of the execution, which ended with
 * `status` (or still runs) and `end` (its error, cause and time).
 */
function settle(visits, status, end, fails, culprit) {
  const running = status === 'RUNNING';
  const failedItself = (v) => v === culprit
    || (!fan(v) && ((v.lastFailed && (v.aborted || !v.closed)) || (v.type === 'Fail' && !v.closed)));
  const someFailedItself = visits.some(failedItself);
  for (const v of visits) {
    const fail = v.type === 'Fail' && fails.get(v.name);
    if (!fail) continue;
    // What the definition computes (a JSONata Cause, a CausePath) only the
    // execution's end records: when this Fail state ended the execution.
    const ended = status === 'FAILED' && !v.closed && end.error !== null
      && (fail.error === undefined || fail.error === end.error);
    v.failures.push({
      error: fail.error !== undefined ? fail.error : ended ? end.error : undefined,
      cause: fail.cause !== undefined ? fail.cause : ended ? end.cause : undefined,
      type: 'Fail',
      eventId: v.enteredId,
    });
  }
  // Parallel and Map states fail with what failed inside them: the last
  // state in them that failed itself.
  for (const v of visits) {
    if (!fan(v) || !v.lastFailed || v.failures.length) continue;
    const inner = visits.filter((x) => failedItself(x) && x.failures.length && within(x, v)).pop();
    if (inner) v.failures.push(inner.failures[inner.failures.length - 1]);
  }
  for (const v of visits) {
    if (v.aborted) v.status = v.lastFailed ? 'failed' : 'aborted';
    else if (v.closed) v.status = v.lastFailed ? 'caught' : 'succeeded';
    else if (v.type === 'Fail') v.status = 'failed';
    else if (running) v.status = 'running';
    else if (status === 'ABORTED') v.status = 'aborted';
    else if (someFailedItself && !fan(v) && !v.lastFailed && v !== culprit) v.status = 'aborted';
    else v.status = 'failed';
    if (!v.closed && !running) v.end = v.end || end.end;
    // A state that failed without an error of its own (a Fail state, a
    // runtime error in its paths) failed with the execution's error.
    if (v.status === 'failed' && v.failures.length === 0 && end.error !== null) {
      v.failures.push({ error: end.error, cause: end.cause, type: 'Execution' });
    }
    // The failure that ended a failed or caught visit; the others were
    // retried.
    const over = v.status === 'failed' || v.status === 'caught';
    v.failure = over ? v.failures[v.failures.length - 1] || null : null;
    v.retried = over ? v.failures.slice(0, -1) : v.failures;
    if (!running) {
      v.waiting = false;
      // Iterations the run's end cut, when no event said so; the one whose
      // state's own error ended it failed.
      let inV = culprit;
      while (inV && inV.parent !== v) inV = inV.parent;
      for (const [i, s] of v.iterations) {
        if (s === 'running') v.iterations.set(i, inV && inV.iteration === i ? 'failed' : 'aborted');
      }
    }
  }
}

/** A Task that starts another state machine's execution. */
function startsExecution(v) {
  return typeof v.resource === 'string' && v.resource.startsWith('states:startExecution');
}

/** Parallel and Map states run other states. */
function fan(v) {
  return v.type === 'Parallel' || v.type === 'Map';
}

function within(v, outer) {
  for (let x = v.parent; x; x = x.parent) if (x === outer) return true;
  return false;
}

/** The state an event is about, if any (for the history table). */
export function stateNameOf(ev, derived) {
  const d = detailsOf(ev);
  if (d && typeof d.name === 'string') return d.name;
  const v = derived && derived.eventVisit.get(ev.id);
  return v ? v.name : '';
}

// ---------------------------------------------------------------------------
// One iteration at a time
//
// The graph shows each state's outcome over all its visits until the user
// picks one visit of a state inside a Map or a Parallel (a Map iteration,
// or one of several visits of a Parallel): then the states inside show
// what they did there, as AWS's Map iteration viewer shows them. A *focus*
// holds those picks: for each Map or Parallel state (by name), the visit
// picked (its `enteredId`) and, for a Map, the iteration (the item's
// index, or null for all of them).

/**
 * Whether a visit ran where the focus looks: true or false, or null when
 * no pick is about it (nor about the Maps and Parallels it ran in).
 */
export function inFocus(v, focus) {
  let about = null;
  const own = focus.get(v.name);
  if (own && fan(v)) {
    if (own.id !== v.enteredId) return false;
    about = true;
  }
  for (let child = v, a = v.parent; a; child = a, a = a.parent) {
    const p = focus.get(a.name);
    if (!p) continue;
    if (p.id !== a.enteredId) return false;
    if (a.type === 'Map' && p.iteration !== null && child.iteration !== p.iteration) return false;
    about = true;
  }
  return about;
}

/**
 * The focus after picking `visit`: it, when it is a Map or Parallel (for a
 * Map, `iteration`; by default the one picked before for the same visit),
 * and the iteration or branch of each Map and Parallel it ran in. Picks the
 * new ones rule out (of a Map inside another iteration) are dropped.
 */
export function refocus(focus, visit, derived, iteration) {
  const next = new Map(focus);
  if (fan(visit)) {
    const before = focus.get(visit.name);
    const kept = before && before.id === visit.enteredId ? before.iteration : null;
    const it = visit.type !== 'Map' ? null : iteration === undefined ? kept : iteration;
    next.set(visit.name, { id: visit.enteredId, iteration: it });
  }
  for (let child = visit, a = visit.parent; a; child = a, a = a.parent) {
    const it = a.type === 'Map' && typeof child.iteration === 'number' ? child.iteration : null;
    next.set(a.name, { id: a.enteredId, iteration: it });
  }
  const byId = new Map(derived.visits.map((x) => [x.enteredId, x]));
  for (let changed = true; changed;) {
    changed = false;
    for (const [name, p] of next) {
      const x = byId.get(p.id);
      if (!x || inFocus(x, next) === false) {
        next.delete(name);
        changed = true;
      }
    }
  }
  return next;
}

/**
 * The picks of a focus that change what the graph shows: a Map's
 * iteration, or a Map or Parallel visited more than once.
 * `[{name, iteration, visit: n, of: count}]`.
 */
export function focusPicks(focus, derived) {
  const out = [];
  for (const [name, p] of focus) {
    const s = derived.states.get(name);
    const i = s ? s.visits.findIndex((v) => v.enteredId === p.id) : -1;
    if (i < 0) continue;
    if (p.iteration === null && s.visits.length < 2) continue;
    out.push({ name, iteration: p.iteration, visit: i + 1, of: s.visits.length });
  }
  return out;
}

/**
 * Each state's outcome over the visits in focus (as `deriveStates` gives
 * them: `{status, visits}`); a state with none there is not in the map
 * (not reached). A Distributed Map's states keep theirs.
 */
export function statesInFocus(derived, focus) {
  if (!focus || !focus.size) return derived.states;
  const kept = derived.visits.filter((v) => inFocus(v, focus) !== false);
  if (kept.length === derived.visits.length) return derived.states;
  const states = foldStates(kept);
  for (const [name, s] of derived.states) if (!s.visits.length) states.set(name, s);
  return states;
}

// ---------------------------------------------------------------------------
// The Table view's rows

/**
 * Every visit as a row, in the order its state was entered; a Map's rows
 * hold its iterations (`#0`, `#1`, … by item index), a Parallel's its
 * branches, and those hold the visits that ran in them:
 * `{key, kind: 'visit'|'iteration'|'branch', name, type, status, visit,
 *   owner, iteration, branch, start, end, children}`. A visit row's
 * `visit` is the visit; an iteration's or branch's `owner` is the visit of
 * its Map or Parallel. Keys stay the same as the history grows.
 */
export function visitTree(derived, definition = {}) {
  const top = [];
  const rowOf = new Map();
  const branchOf = branchFinder(definition);
  const holder = (parentRow, key, make) => {
    let row = parentRow.children.find((r) => r.key === key);
    if (!row) {
      row = { key, children: [], visit: null, owner: parentRow.visit, start: null, end: null, ...make() };
      parentRow.children.push(row);
    }
    return row;
  };
  const iterationRow = (mapRow, i) => holder(mapRow, `${mapRow.key}#${i}`, () => ({
    kind: 'iteration', name: `#${i}`, type: 'Map iteration', iteration: i, branch: null, status: null,
  }));
  for (const v of derived.visits) {
    const row = {
      key: `v${v.enteredId}`, kind: 'visit', name: v.name, type: v.type, status: v.status, visit: v, owner: null,
      iteration: v.iteration, branch: null, start: v.start, end: v.closed || v.status !== 'running' ? v.end : null, children: [],
    };
    rowOf.set(v, row);
    const parentRow = v.parent ? rowOf.get(v.parent) : null;
    if (!parentRow) {
      top.push(row);
      continue;
    }
    let into = parentRow;
    if (v.parent.type === 'Map' && typeof v.iteration === 'number') into = iterationRow(parentRow, v.iteration);
    else if (v.parent.type === 'Parallel') {
      const b = branchOf(v.parent.name, v.name);
      if (b !== null) {
        into = holder(parentRow, `${parentRow.key}/${b}`, () => ({
          kind: 'branch', name: `Branch ${b + 1}`, type: 'Parallel branch', iteration: v.iteration, branch: b, status: null,
        }));
      }
    }
    into.children.push(row);
  }
  for (const [v, row] of rowOf) {
    if (v.type === 'Map' && !v.mapRunArn) for (const i of v.iterations.keys()) iterationRow(row, i);
    const groups = row.children.filter((r) => r.kind !== 'visit');
    if (!groups.length) continue;
    row.children.sort((a, b) => (a.iteration ?? 0) - (b.iteration ?? 0) || (a.branch ?? 0) - (b.branch ?? 0));
    for (const g of groups) {
      const inner = g.children;
      // An iteration's outcome is the one its Map recorded; a branch's,
      // that of its last state (a caught state's branch went on).
      g.status = (g.kind === 'iteration' && v.iterations.get(g.iteration))
        || (inner.length ? inner[inner.length - 1].status : row.status);
      g.start = inner.length ? inner[0].start : row.start;
      const ends = inner.map((r) => r.end);
      g.end = !inner.length || g.status === 'running' || ends.some((e) => typeof e !== 'number') ? null : Math.max(...ends);
    }
  }
  return top;
}

/** `(parallel, state) => branch index`: which branch of a Parallel a state is in. */
function branchFinder(definition) {
  const cache = new Map();
  return (parallel, name) => {
    if (!cache.has(parallel)) {
      const s = findState(definition, parallel);
      const branches = s && Array.isArray(s.Branches) ? s.Branches : [];
      cache.set(parallel, branches.map((b) => new Set(statesOf(b).map(([n]) => n))));
    }
    const i = cache.get(parallel).findIndex((names) => names.has(name));
    return i < 0 ? null : i;
  };
}
