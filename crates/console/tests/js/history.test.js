// State outcomes derived from real histories (recorded with
// `stepwell run --history`, see fixtures/regenerate.sh) and from a few
// hand-written ones for what a finished run cannot show (running, tokens).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { deriveStates, stateNameOf, inFocus, refocus, focusPicks, statesInFocus, visitTree } from '../../assets/history.js';

const load = (name) => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));

const cases = [
  {
    fixture: 'retry-then-success',
    states: { ChargeCard: ['succeeded', 3], ConfirmOrder: ['succeeded', 0] },
  },
  {
    fixture: 'caught-then-fail',
    states: { ChargeCard: ['caught', 1], RejectOrder: ['failed', 0] },
    errors: { ChargeCard: 'ValidationError', RejectOrder: 'ValidationError' },
  },
  {
    fixture: 'parallel',
    states: { FetchAll: ['succeeded', 1], GetProfile: ['succeeded', 1], GetOrders: ['succeeded', 1] },
  },
  {
    fixture: 'map',
    states: { MakeThumbnails: ['succeeded', 1], Resize: ['succeeded', 0], Done: ['succeeded', 0] },
    visits: { Resize: 3 },
  },
  {
    // A branch's Fail state while the other branch waits; the Parallel's
    // Catch takes the error.
    fixture: 'caught-parallel',
    definition: 'caught-parallel',
    states: { Both: ['caught', 1], Slow: ['aborted', 0], Bad: ['succeeded', 0], Boom: ['failed', 0], Recover: ['succeeded', 0] },
    errors: { Both: 'Oops', Boom: 'Oops' },
    // The Wait's abort follows the Fail state's entry: it is still the Wait's.
    owners: { ParallelStateFailed: 'Both', WaitStateAborted: 'Slow' },
  },
  {
    fixture: 'caught-map',
    definition: 'caught-map',
    states: { EachItem: ['caught', 1], Hold: ['aborted', 0], Reject: ['failed', 0], Handled: ['succeeded', 0] },
    errors: { EachItem: 'ItemRejected', Reject: 'ItemRejected' },
    owners: { MapStateFailed: 'EachItem', MapIterationFailed: 'EachItem', MapIterationAborted: 'EachItem', WaitStateAborted: 'Hold' },
  },
  {
    // A Task fails in one branch while the other waits: the waiting
    // state is aborted, not failed with the other branch's error.
    fixture: 'parallel-branch-fails',
    states: { Both: ['failed', 1], BadBranch: ['failed', 1], SlowWait: ['aborted', 0] },
    errors: { Both: 'Boom.Error', BadBranch: 'Boom.Error' },
    owners: { ParallelStateFailed: 'Both', TaskStateAborted: 'BadBranch', WaitStateAborted: 'SlowWait' },
  },
  {
    // A branch fails with States.Runtime: the execution fails at once,
    // with no failure of the state recorded. The waiting branch is
    // aborted, not failed with the other branch's error.
    fixture: 'parallel-runtime',
    states: { Both: ['failed', 1], Boom: ['failed', 0], Slow: ['aborted', 0] },
    errors: { Both: 'States.Runtime', Boom: 'States.Runtime' },
  },
  {
    // The same in a Map iteration: the iteration still waiting is aborted.
    fixture: 'map-runtime',
    states: { Each: ['failed', 1], Hold: ['aborted', 0], Use: ['failed', 0] },
    errors: { Each: 'States.Runtime' },
    visits: { Hold: 3, Use: 2 },
  },
  {
    fixture: 'jsonata-failure',
    states: { RegisterUser: ['succeeded', 1], 'Registered?': ['succeeded', 0], RegistrationFailed: ['failed', 0] },
    errors: { RegistrationFailed: 'RegistrationFailed' },
  },
];

for (const c of cases) {
  test(`outcomes of ${c.fixture}`, () => {
    const { status, events } = load(c.fixture);
    const definition = c.definition ? load(`${c.definition}.asl`) : {};
    const d = deriveStates(events, status, definition);
    for (const [name, [want, attempts]] of Object.entries(c.states)) {
      const s = d.states.get(name);
      assert.ok(s, `${name} was reached`);
      assert.equal(s.status, want, `${name} status`);
      assert.equal(s.visits[s.visits.length - 1].attempts, attempts, `${name} attempts`);
    }
    for (const [name, error] of Object.entries(c.errors || {})) {
      const v = d.states.get(name).visits[0];
      assert.equal(v.failures[v.failures.length - 1].error, error, `${name} error`);
    }
    for (const [name, n] of Object.entries(c.visits || {})) {
      assert.equal(d.states.get(name).visits.length, n, `${name} visits`);
    }
    for (const [type, name] of Object.entries(c.owners || {})) {
      const found = events.filter((e) => e.type === type);
      assert.ok(found.length, `${type} recorded`);
      for (const e of found) assert.equal(stateNameOf(e, d), name, `${type} ${e.id} is about ${name}`);
    }
    for (const s of d.states.values()) {
      for (const v of s.visits) {
        if (v.status !== 'aborted') continue;
        assert.deepEqual(v.failures, [], `${v.name} was stopped: it has no error of its own`);
      }
    }
    // Every event after the start belongs to a state or the execution.
    for (const ev of events) {
      if (/^(Execution|MapIteration)/.test(ev.type)) continue;
      assert.notEqual(stateNameOf(ev, d), '', `event ${ev.id} ${ev.type} has a state`);
    }
    assert.deepEqual(d.waiting, []);
  });
}

test('a state that succeeded after retries: its failures were retried, none ended it', () => {
  const { status, events } = load('retry-then-success');
  const v = deriveStates(events, status).states.get('ChargeCard').visits[0];
  assert.equal(v.failure, null);
  assert.deepEqual(v.retried.map((f) => f.error), ['PaymentProcessingError', 'PaymentProcessingError']);
  for (const f of v.retried) assert.equal(typeof f.timestamp, 'number');
  // A caught one: its last failure ended it.
  const caught = deriveStates(load('caught-then-fail').events, 'FAILED').states.get('ChargeCard').visits[0];
  assert.equal(caught.failure.error, 'ValidationError');
  assert.deepEqual(caught.retried, []);
});

test('the parallel branches keep their own events apart', () => {
  const { status, events } = load('parallel');
  const d = deriveStates(events, status);
  const profile = d.states.get('GetProfile').visits[0];
  const orders = d.states.get('GetOrders').visits[0];
  assert.match(profile.resource, /dynamodb/);
  assert.match(orders.resource, /lambda/);
  assert.ok(JSON.parse(profile.output));
  assert.notEqual(profile.output, orders.output);
});

const t0 = 1700000000;
const ev = (id, prev, type, details, extra = {}) => {
  const e = { id, previousEventId: prev, type, timestamp: t0 + id / 10, ...extra };
  if (details) e[details[0]] = details[1];
  return e;
};

test('a task waiting for its token is running, with the token', () => {
  const events = [
    ev(1, 0, 'ExecutionStarted', ['executionStartedEventDetails', { input: '{}' }]),
    ev(2, 1, 'TaskStateEntered', ['stateEnteredEventDetails', { name: 'Approve', input: '{}' }]),
    ev(3, 2, 'TaskScheduled', ['taskScheduledEventDetails', {
      resource: 'sendMessage.waitForTaskToken', resourceType: 'sqs', parameters: '{"MessageBody":{"t":"x"}}',
    }], { stepwellTaskToken: 'TOKEN-1' }),
    ev(4, 3, 'TaskStarted', ['taskStartedEventDetails', { resource: 'sendMessage.waitForTaskToken', resourceType: 'sqs' }]),
    ev(5, 4, 'TaskSubmitted', ['taskSubmittedEventDetails', { output: '{}' }]),
  ];
  const d = deriveStates(events, 'RUNNING');
  assert.equal(d.states.get('Approve').status, 'running');
  assert.deepEqual(d.waiting.map((v) => [v.name, v.token]), [['Approve', 'TOKEN-1']]);

  // Once the task succeeds it waits no more.
  events.push(ev(6, 5, 'TaskSucceeded', ['taskSucceededEventDetails', { output: '{"ok":true}' }]));
  events.push(ev(7, 6, 'TaskStateExited', ['stateExitedEventDetails', { name: 'Approve', output: '{"ok":true}' }]));
  const after = deriveStates(events, 'RUNNING');
  assert.equal(after.states.get('Approve').status, 'succeeded');
  assert.deepEqual(after.waiting, []);

  // Without the server's field, a token in the parameters is still found.
  const plain = events.slice(0, 5).map((e) => ({ ...e, stepwellTaskToken: undefined }));
  plain[2] = { ...plain[2], taskScheduledEventDetails: { ...plain[2].taskScheduledEventDetails, parameters: '{"MessageBody":{"TaskToken":"T2"}}' } };
  assert.equal(deriveStates(plain, 'RUNNING').waiting[0].token, 'T2');
});

test('a stopped execution aborts what was running; events arrive in any order', () => {
  const events = [
    ev(4, 3, 'ExecutionAborted', ['executionAbortedEventDetails', { error: 'Stop', cause: 'by hand' }]),
    ev(1, 0, 'ExecutionStarted', ['executionStartedEventDetails', { input: '{}' }]),
    ev(2, 1, 'WaitStateEntered', ['stateEnteredEventDetails', { name: 'Pause', input: '{}' }]),
    ev(3, 2, 'WaitStateAborted', null),
  ];
  const d = deriveStates(events, 'ABORTED');
  assert.equal(d.states.get('Pause').status, 'aborted');
  assert.equal(d.execution.error, 'Stop');
});

test('a failed Parallel branch: the task that failed is failed, its running sibling aborted', () => {
  // As `stepwell serve` records it, and AWS: the failing task's state is
  // aborted after its TaskFailed, the other branch's task just stops.
  const entered = (id, prev, name) => ev(id, prev, 'TaskStateEntered', ['stateEnteredEventDetails', { name, input: '{}' }]);
  const failed = ['taskFailedEventDetails', { resourceType: 'dynamodb', resource: 'getItem', error: 'States.Runtime', cause: 'no runner' }];
  const events = [
    ev(1, 0, 'ExecutionStarted', ['executionStartedEventDetails', { input: '{}' }]),
    ev(2, 1, 'ParallelStateEntered', ['stateEnteredEventDetails', { name: 'FetchAll', input: '{}' }]),
    ev(3, 2, 'ParallelStateStarted', null),
    entered(4, 3, 'GetProfile'),
    ev(5, 4, 'TaskScheduled', ['taskScheduledEventDetails', { resourceType: 'dynamodb', resource: 'getItem', parameters: '{}' }]),
    ev(6, 5, 'TaskStarted', ['taskStartedEventDetails', { resourceType: 'dynamodb', resource: 'getItem' }]),
    entered(7, 3, 'GetOrders'),
    ev(8, 7, 'TaskScheduled', ['taskScheduledEventDetails', { resourceType: 'lambda', resource: 'invoke', parameters: '{}' }]),
    ev(9, 8, 'TaskStarted', ['taskStartedEventDetails', { resourceType: 'lambda', resource: 'invoke' }]),
    ev(10, 6, 'TaskFailed', failed),
    ev(11, 10, 'TaskStateAborted', null),
    ev(12, 3, 'ParallelStateFailed', null),
    ev(13, 12, 'ExecutionFailed', ['executionFailedEventDetails', { error: 'States.Runtime', cause: 'no runner' }]),
  ];
  const d = deriveStates(events, 'FAILED');
  assert.equal(d.states.get('GetProfile').status, 'failed');
  assert.equal(d.states.get('GetProfile').visits[0].failures[0].error, 'States.Runtime');
  assert.equal(d.states.get('GetOrders').status, 'aborted');
  assert.equal(d.states.get('FetchAll').status, 'failed');
});

test('a state that fails without an error of its own is still the one that failed', () => {
  const events = [
    ev(1, 0, 'ExecutionStarted', ['executionStartedEventDetails', { input: '{}' }]),
    ev(2, 1, 'PassStateEntered', ['stateEnteredEventDetails', { name: 'Shape', input: '{}' }]),
    ev(3, 2, 'ExecutionFailed', ['executionFailedEventDetails', { error: 'States.Runtime', cause: 'bad path' }]),
  ];
  const d = deriveStates(events, 'FAILED');
  assert.equal(d.states.get('Shape').status, 'failed');
  assert.equal(d.states.get('Shape').visits[0].failures[0].error, 'States.Runtime');
});

test('a retried, then caught Map: its own events never land on the state inside', () => {
  // The chain `stepwell serve` and AWS record (crates/engine/tests/history_chain.rs):
  // the retry's MapStateStarted and MapStateFailed follow the failing
  // iteration's last state event.
  const events = [
    ev(1, 0, 'ExecutionStarted', ['executionStartedEventDetails', { input: '[1]' }]),
    ev(2, 0, 'MapStateEntered', ['stateEnteredEventDetails', { name: 'M', input: '[1]' }]),
    ev(3, 2, 'MapStateStarted', ['mapStateStartedEventDetails', { length: 1 }]),
    ev(4, 3, 'MapIterationStarted', ['mapIterationStartedEventDetails', { name: 'M', index: 0 }]),
    ev(5, 4, 'FailStateEntered', ['stateEnteredEventDetails', { name: 'F', input: '1' }]),
    ev(6, 5, 'MapIterationFailed', ['mapIterationFailedEventDetails', { name: 'M', index: 0 }]),
    ev(7, 5, 'MapStateStarted', ['mapStateStartedEventDetails', { length: 1 }]),
    ev(8, 7, 'MapIterationStarted', ['mapIterationStartedEventDetails', { name: 'M', index: 0 }]),
    ev(9, 8, 'FailStateEntered', ['stateEnteredEventDetails', { name: 'F', input: '1' }]),
    ev(10, 9, 'MapIterationFailed', ['mapIterationFailedEventDetails', { name: 'M', index: 0 }]),
    ev(11, 9, 'MapStateFailed', null),
    ev(12, 11, 'MapStateExited', ['stateExitedEventDetails', { name: 'M', output: '{"Error":"E"}' }]),
    ev(13, 12, 'PassStateEntered', ['stateEnteredEventDetails', { name: 'Caught', input: '{"Error":"E"}' }]),
    ev(14, 13, 'PassStateExited', ['stateExitedEventDetails', { name: 'Caught', output: '{"Error":"E"}' }]),
    ev(15, 14, 'ExecutionSucceeded', ['executionSucceededEventDetails', { output: '{"Error":"E"}' }]),
  ];
  const definition = { StartAt: 'M', States: { M: { Type: 'Map', ItemProcessor: { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'E', Cause: 'c' } } } } } };
  const d = deriveStates(events, 'SUCCEEDED', definition);
  const m = d.states.get('M');
  assert.equal(m.status, 'caught');
  assert.equal(m.visits[0].attempts, 2);
  assert.deepEqual(m.visits[0].failures.map((f) => f.error), ['E']);
  assert.deepEqual(d.states.get('F').visits.map((v) => v.status), ['failed', 'failed']);
  for (const id of [3, 6, 7, 10, 11]) assert.equal(stateNameOf(events.find((e) => e.id === id), d), 'M', `event ${id}`);
});

test('nested Parallels: the outer one fails after the inner one', () => {
  const events = [
    ev(1, 0, 'ExecutionStarted', ['executionStartedEventDetails', { input: '{}' }]),
    ev(2, 1, 'ParallelStateEntered', ['stateEnteredEventDetails', { name: 'Outer', input: '{}' }]),
    ev(3, 2, 'ParallelStateStarted', null),
    ev(4, 3, 'ParallelStateEntered', ['stateEnteredEventDetails', { name: 'Inner', input: '{}' }]),
    ev(5, 4, 'ParallelStateStarted', null),
    ev(6, 5, 'FailStateEntered', ['stateEnteredEventDetails', { name: 'Boom', input: '{}' }]),
    ev(7, 6, 'ParallelStateFailed', null),
    ev(8, 7, 'ParallelStateFailed', null),
    ev(9, 8, 'ExecutionFailed', ['executionFailedEventDetails', { error: 'E', cause: 'c' }]),
  ];
  const d = deriveStates(events, 'FAILED');
  assert.equal(stateNameOf(events[6], d), 'Inner');
  assert.equal(stateNameOf(events[7], d), 'Outer');
  for (const name of ['Outer', 'Inner', 'Boom']) {
    assert.equal(d.states.get(name).status, 'failed', name);
    assert.equal(d.states.get(name).visits[0].failures[0].error, 'E', `${name} error`);
  }
});

test("a Distributed Map's states run in its Map Run's child executions", () => {
  const definition = {
    StartAt: 'Fan',
    States: {
      Fan: {
        Type: 'Map', End: true,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Ship', States: { Ship: { Type: 'Wait', Seconds: 1, Next: 'Done' }, Done: { Type: 'Succeed' } },
        },
      },
    },
  };
  const run = 'arn:aws:states:us-east-1:123456789012:mapRun:FanOut/Fan:1';
  const events = [
    ev(1, 0, 'ExecutionStarted', ['executionStartedEventDetails', { input: '[1,2]' }]),
    ev(2, 0, 'MapStateEntered', ['stateEnteredEventDetails', { name: 'Fan', input: '[1,2]' }]),
    ev(3, 2, 'MapStateStarted', ['mapStateStartedEventDetails', { length: 2 }]),
    ev(4, 3, 'MapRunStarted', ['mapRunStartedEventDetails', { mapRunArn: run }]),
  ];
  const running = deriveStates(events, 'RUNNING', definition);
  assert.equal(running.states.get('Fan').status, 'running');
  for (const name of ['Ship', 'Done']) {
    assert.equal(running.states.get(name).status, 'running', name);
    assert.equal(running.states.get(name).mapRunArn, run, name);
  }
  events.push(
    ev(5, 4, 'MapRunSucceeded', null),
    ev(6, 5, 'MapStateSucceeded', null),
    ev(7, 4, 'MapStateExited', ['stateExitedEventDetails', { name: 'Fan', output: '[1,2]' }]),
    ev(8, 7, 'ExecutionSucceeded', ['executionSucceededEventDetails', { output: '[1,2]' }]),
  );
  const done = deriveStates(events, 'SUCCEEDED', definition);
  assert.equal(done.states.get('Fan').status, 'succeeded');
  assert.equal(done.states.get('Ship').status, 'children');
  for (const e of events.slice(2, 6)) assert.equal(stateNameOf(e, done), 'Fan', e.type);
  // Not reached: nothing is said about its states.
  assert.equal(deriveStates(events.slice(0, 1), 'RUNNING', definition).states.has('Ship'), false);
});

test('a redriven execution: the state that failed ran again and succeeded', () => {
  // As `stepwell serve` records a redrive (RedriveExecution after the
  // task's failure ended the execution).
  const entered = (id, prev, type, name) => ev(id, prev, `${type}StateEntered`, ['stateEnteredEventDetails', { name, input: '{}' }]);
  const exited = (id, prev, type, name) => ev(id, prev, `${type}StateExited`, ['stateExitedEventDetails', { name, output: '{}' }]);
  const sqs = { resourceType: 'sqs', resource: 'sendMessage.waitForTaskToken' };
  const events = [
    ev(1, 0, 'ExecutionStarted', ['executionStartedEventDetails', { input: '{}' }]),
    entered(2, 0, 'Pass', 'Prep'),
    exited(3, 2, 'Pass', 'Prep'),
    entered(4, 3, 'Task', 'Approve'),
    ev(5, 4, 'TaskScheduled', ['taskScheduledEventDetails', { ...sqs, parameters: '{}' }], { stepwellTaskToken: 'T1' }),
    ev(6, 5, 'TaskStarted', ['taskStartedEventDetails', sqs]),
    ev(7, 6, 'TaskFailed', ['taskFailedEventDetails', { ...sqs, error: 'Crash', cause: 'x' }]),
    ev(8, 7, 'ExecutionFailed', ['executionFailedEventDetails', { error: 'Crash', cause: 'x' }]),
    ev(9, 8, 'ExecutionRedriven', ['executionRedrivenEventDetails', { redriveCount: 1 }]),
    entered(10, 9, 'Task', 'Approve'),
    ev(11, 10, 'TaskScheduled', ['taskScheduledEventDetails', { ...sqs, parameters: '{}' }], { stepwellTaskToken: 'T2' }),
    ev(12, 11, 'TaskStarted', ['taskStartedEventDetails', sqs]),
  ];
  const again = deriveStates(events, 'RUNNING');
  assert.equal(again.states.get('Approve').status, 'running');
  assert.deepEqual(again.states.get('Approve').visits.map((v) => v.status), ['failed', 'running']);
  assert.deepEqual(again.waiting.map((v) => v.token), ['T2']);
  assert.equal(again.execution.error, null);

  events.push(
    ev(13, 12, 'TaskSucceeded', ['taskSucceededEventDetails', { ...sqs, output: '{}' }]),
    exited(14, 13, 'Task', 'Approve'),
    entered(15, 14, 'Succeed', 'Done'),
    exited(16, 15, 'Succeed', 'Done'),
    ev(17, 16, 'ExecutionSucceeded', ['executionSucceededEventDetails', { output: '{}' }]),
  );
  const d = deriveStates(events, 'SUCCEEDED');
  assert.equal(d.states.get('Approve').status, 'succeeded');
  assert.equal(d.states.get('Approve').visits[0].failure.error, 'Crash');
  assert.equal(d.states.get('Prep').status, 'succeeded');
  assert.equal(d.states.get('Done').status, 'succeeded');
});

test("a state's Assign, its Task's own result, and a Fail state's computed Cause", () => {
  const { status, events } = load('jsonata-failure');
  const definition = JSON.parse(readFileSync(new URL('../../../../examples/registration-jsonata.asl.json', import.meta.url), 'utf8'));
  const d = deriveStates(events, status, definition);
  const task = d.states.get('RegisterUser').visits[0];
  // assignedVariables holds JSON text; the visit has the values.
  assert.deepEqual(task.variables, { statusCode: 409, userId: null });
  assert.equal(d.states.get('Registered?').visits[0].variables, null);
  // The Lambda's answer before Output picked its body.
  assert.equal(JSON.parse(task.result).StatusCode, 200);
  assert.deepEqual(JSON.parse(task.output), { userId: null, name: 'Ana' });
  // The Fail state's Error is fixed, its Cause a JSONata expression: the
  // execution's end records what it computed.
  const fail = d.states.get('RegistrationFailed').visits[0];
  assert.deepEqual([fail.failure.error, fail.failure.cause], ['RegistrationFailed', 'register-user answered 409']);
});

test('Map iterations: each visit knows its item index, the Map counts its iterations', () => {
  const map = deriveStates(load('map').events, 'SUCCEEDED');
  assert.deepEqual(map.states.get('Resize').visits.map((v) => v.iteration).sort(), [0, 1, 2]);
  assert.deepEqual([...map.states.get('MakeThumbnails').visits[0].iterations.values()], ['succeeded', 'succeeded', 'succeeded']);

  const { status, events } = load('caught-map');
  const d = deriveStates(events, status, load('caught-map.asl'));
  assert.deepEqual(d.states.get('Check').visits.map((v) => [v.iteration, v.status]), [[0, 'succeeded'], [1, 'succeeded']]);
  // The next state of an iteration keeps its index.
  assert.deepEqual(d.states.get('Hold').visits.map((v) => [v.iteration, v.status]), [[0, 'aborted']]);
  assert.deepEqual(d.states.get('Reject').visits.map((v) => [v.iteration, v.status]), [[1, 'failed']]);
  assert.deepEqual([...d.states.get('EachItem').visits[0].iterations].sort(), [[0, 'aborted'], [1, 'failed']]);

  // An iteration whose state failed with States.Runtime records no end:
  // it failed, and the one the execution's end cut was aborted.
  const rt = deriveStates(load('map-runtime').events, 'FAILED');
  assert.deepEqual([...rt.states.get('Each').visits[0].iterations].sort(), [[0, 'succeeded'], [1, 'failed'], [2, 'aborted']]);
  assert.deepEqual(rt.states.get('Hold').visits.map((v) => [v.iteration, v.status]), [[0, 'succeeded'], [1, 'succeeded'], [2, 'aborted']]);
  assert.deepEqual(rt.states.get('Use').visits.map((v) => [v.iteration, v.status]), [[0, 'succeeded'], [1, 'failed']]);
  assert.equal(rt.states.get('Use').visits[1].failure.error, 'States.Runtime');
});

test('a Task that starts an execution knows the child execution', () => {
  const child = 'arn:aws:states:us-east-1:123456789012:execution:Child:run-1';
  const res = { resourceType: 'states', resource: 'startExecution.sync:2' };
  const events = [
    ev(1, 0, 'ExecutionStarted', ['executionStartedEventDetails', { input: '{}' }]),
    ev(2, 1, 'TaskStateEntered', ['stateEnteredEventDetails', { name: 'RunChild', input: '{}' }]),
    ev(3, 2, 'TaskScheduled', ['taskScheduledEventDetails', { ...res, parameters: '{"StateMachineArn":"x"}' }]),
    ev(4, 3, 'TaskStarted', ['taskStartedEventDetails', res]),
    ev(5, 4, 'TaskSubmitted', ['taskSubmittedEventDetails', { ...res, output: JSON.stringify({ ExecutionArn: child, StartDate: 1 }) }]),
  ];
  assert.equal(deriveStates(events, 'RUNNING').states.get('RunChild').visits[0].childExecutionArn, child);
  // Without .sync the task's result names it.
  const plain = [...events.slice(0, 4), ev(5, 4, 'TaskSucceeded', ['taskSucceededEventDetails', {
    resourceType: 'states', resource: 'startExecution', output: JSON.stringify({ ExecutionArn: child, StartDate: 1 }),
  }])];
  plain[2] = ev(3, 2, 'TaskScheduled', ['taskScheduledEventDetails', { resourceType: 'states', resource: 'startExecution', parameters: '{}' }]);
  assert.equal(deriveStates(plain, 'RUNNING').states.get('RunChild').visits[0].childExecutionArn, child);
  // Another service's ExecutionArn is not a child execution.
  const other = plain.map((e) => (e.taskScheduledEventDetails ? { ...e, taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke' } } : e));
  assert.equal(deriveStates(other, 'RUNNING').states.get('RunChild').visits[0].childExecutionArn, null);
});

// The Table view's rows: each visit in the order entered; a Map's
// iterations and a Parallel's branches in between.
const outline = (rows, depth = 0) => rows.flatMap((r) => [`${'  '.repeat(depth)}${r.name} ${r.kind} ${r.status}`, ...outline(r.children, depth + 1)]);

test("the Table view's rows: Map iterations by index, Parallel branches, their outcomes", () => {
  const caught = load('caught-map');
  const d = deriveStates(caught.events, caught.status, load('caught-map.asl'));
  assert.deepEqual(outline(visitTree(d, load('caught-map.asl'))), [
    'EachItem visit caught',
    '  #0 iteration aborted',
    '    Check visit succeeded',
    '    Hold visit aborted',
    '  #1 iteration failed',
    '    Check visit succeeded',
    '    Reject visit failed',
    'Handled visit succeeded',
  ]);
  const parallel = load('parallel');
  const definition = JSON.parse(readFileSync(new URL('../../../../examples/profile-parallel.asl.json', import.meta.url), 'utf8'));
  const tree = visitTree(deriveStates(parallel.events, parallel.status, definition), definition);
  assert.deepEqual(outline(tree).slice(0, 5), [
    'FetchAll visit succeeded',
    '  Branch 1 branch succeeded',
    '    GetProfile visit succeeded',
    '  Branch 2 branch succeeded',
    '    GetOrders visit succeeded',
  ]);
  // A branch or iteration row knows its Parallel's or Map's visit, and
  // its keys stay as the history grows.
  const branch = tree[0].children[1];
  assert.equal(branch.owner, tree[0].visit);
  assert.equal(branch.key, `${tree[0].key}/1`);
  // Without the definition, the states sit right under their Parallel.
  assert.deepEqual(outline(visitTree(deriveStates(parallel.events, parallel.status))).slice(0, 3),
    ['FetchAll visit succeeded', '  GetProfile visit succeeded', '  GetOrders visit succeeded']);
});

test('picking an iteration: the states inside show what they did in it', () => {
  const { status, events } = load('map-runtime');
  const d = deriveStates(events, status);
  const outcomes = (states) => ['Each', 'Hold', 'Use'].map((n) => `${n}:${states.get(n)?.status ?? 'notreached'}`).join(' ');
  assert.equal(outcomes(statesInFocus(d, new Map())), 'Each:failed Hold:aborted Use:failed');
  // The visit of Use in iteration 1 picked: its Map shows iteration 1.
  const use = d.states.get('Use').visits[1];
  let focus = refocus(new Map(), use, d);
  assert.deepEqual([...focus], [['Each', { id: d.states.get('Each').visits[0].enteredId, iteration: 1 }]]);
  assert.equal(inFocus(use, focus), true);
  assert.equal(inFocus(d.states.get('Use').visits[0], focus), false);
  assert.equal(outcomes(statesInFocus(d, focus)), 'Each:failed Hold:succeeded Use:failed');
  // The Map's iteration viewer: iteration 2, where Use was never reached.
  focus = refocus(focus, d.states.get('Each').visits[0], d, 2);
  assert.equal(outcomes(statesInFocus(d, focus)), 'Each:failed Hold:aborted Use:notreached');
  assert.deepEqual(focusPicks(focus, d), [{ name: 'Each', iteration: 2, visit: 1, of: 1 }]);
  // The Map picked again without an iteration keeps the one picked.
  assert.equal(refocus(focus, d.states.get('Each').visits[0], d).get('Each').iteration, 2);
  // All iterations: every visit counts again; a Parallel or Map visited
  // once changes nothing, and says nothing.
  focus = refocus(focus, d.states.get('Each').visits[0], d, null);
  assert.equal(statesInFocus(d, focus), d.states);
  assert.deepEqual(focusPicks(focus, d), []);
});

test('a Map inside an iteration of another: picking another outer iteration drops the inner pick', () => {
  const entered = (id, prev, type, name) => ev(id, prev, `${type}StateEntered`, ['stateEnteredEventDetails', { name, input: '{}' }]);
  const exited = (id, prev, type, name) => ev(id, prev, `${type}StateExited`, ['stateExitedEventDetails', { name, output: '{}' }]);
  const iteration = (id, prev, what, name, index) => ev(id, prev, `MapIteration${what}`, ['mapIterationStartedEventDetails', { name, index }]);
  const inner = (base, prev, index, state) => [
    entered(base, prev, 'Map', 'Inner'),
    ev(base + 1, base, 'MapStateStarted', ['mapStateStartedEventDetails', { length: 1 }]),
    iteration(base + 2, base + 1, 'Started', 'Inner', 0),
    entered(base + 3, base + 2, 'Pass', state),
    exited(base + 4, base + 3, 'Pass', state),
    iteration(base + 5, base + 4, 'Succeeded', 'Inner', 0),
    ev(base + 6, base + 5, 'MapStateSucceeded', null),
    exited(base + 7, base + 6, 'Map', 'Inner'),
    iteration(base + 8, base + 7, 'Succeeded', 'Outer', index),
  ];
  const events = [
    ev(1, 0, 'ExecutionStarted', ['executionStartedEventDetails', { input: '[1,2]' }]),
    entered(2, 1, 'Map', 'Outer'),
    ev(3, 2, 'MapStateStarted', ['mapStateStartedEventDetails', { length: 2 }]),
    iteration(4, 3, 'Started', 'Outer', 0),
    ...inner(5, 4, 0, 'P'),
    iteration(14, 3, 'Started', 'Outer', 1),
    ...inner(15, 14, 1, 'Q'),
    ev(24, 23, 'MapStateSucceeded', null),
    exited(25, 24, 'Map', 'Outer'),
    ev(26, 25, 'ExecutionSucceeded', ['executionSucceededEventDetails', { output: '[]' }]),
  ];
  const d = deriveStates(events, 'SUCCEEDED');
  const outcomes = (states) => ['Inner', 'P', 'Q'].map((n) => `${n}:${states.get(n)?.status ?? 'notreached'}`).join(' ');
  let focus = refocus(new Map(), d.states.get('P').visits[0], d);
  assert.deepEqual(Object.fromEntries(focus), { Inner: { id: 5, iteration: 0 }, Outer: { id: 2, iteration: 0 } });
  assert.equal(outcomes(statesInFocus(d, focus)), 'Inner:succeeded P:succeeded Q:notreached');
  // Outer iteration 1 ran another visit of Inner: the pick of the first
  // one goes, or Inner would read "not reached".
  focus = refocus(focus, d.states.get('Outer').visits[0], d, 1);
  assert.deepEqual(Object.fromEntries(focus), { Outer: { id: 2, iteration: 1 } });
  assert.equal(outcomes(statesInFocus(d, focus)), 'Inner:succeeded P:notreached Q:succeeded');
  assert.deepEqual(outline(visitTree(d)), [
    'Outer visit succeeded',
    '  #0 iteration succeeded',
    '    Inner visit succeeded',
    '      #0 iteration succeeded',
    '        P visit succeeded',
    '  #1 iteration succeeded',
    '    Inner visit succeeded',
    '      #0 iteration succeeded',
    '        Q visit succeeded',
  ]);
});
