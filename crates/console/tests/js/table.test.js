// The Table view's rows to draw (opened, filtered) and a Task's resource.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { visibleRows, rowsAround, resourceOf } from '../../assets/table.js';

const row = (key, status, children = []) => ({ key, name: key, status, children });
const tree = [
  row('Prepare', 'succeeded'),
  row('Each', 'failed', [
    row('Each#0', 'succeeded', [row('Work0', 'succeeded')]),
    row('Each#1', 'failed', [row('Work1', 'succeeded'), row('Reject1', 'failed')]),
  ]),
  row('Done', 'notreached'),
];
const drawn = (rows) => rows.map(({ row: r, depth, open }) => `${'  '.repeat(depth)}${r.key}${open ? ' (open)' : ''}`);

test('rows open where the user opened them; a status filter shows its rows and the rows around them', () => {
  assert.deepEqual(drawn(visibleRows(tree, new Set())), ['Prepare', 'Each', 'Done']);
  assert.deepEqual(drawn(visibleRows(tree, new Set(['Each']))), ['Prepare', 'Each (open)', '  Each#0', '  Each#1', 'Done']);
  // A row inside a closed one stays hidden, opened or not.
  assert.deepEqual(drawn(visibleRows(tree, new Set(['Each#1']))), ['Prepare', 'Each', 'Done']);
  assert.deepEqual(drawn(visibleRows(tree, new Set(), 'failed')), ['Each (open)', '  Each#1 (open)', '    Reject1']);
  assert.deepEqual(drawn(visibleRows(tree, new Set(), 'running')), []);
});

test('the rows around a row, to open so that it shows', () => {
  assert.deepEqual(rowsAround(tree, 'Reject1'), ['Each', 'Each#1']);
  assert.deepEqual(rowsAround(tree, 'Prepare'), []);
  assert.equal(rowsAround(tree, 'Missing'), null);
});

test("a Task's resource; a states:startExecution Task's state machine", () => {
  const machine = 'arn:aws:states:us-east-1:123456789012:stateMachine:Child';
  assert.deepEqual(resourceOf({ resource: 'states:startExecution.sync:2', parameters: JSON.stringify({ StateMachineArn: machine }) }),
    { text: 'states:startExecution.sync:2', machine });
  assert.deepEqual(resourceOf({ resource: 'lambda:invoke', parameters: JSON.stringify({ StateMachineArn: machine }) }),
    { text: 'lambda:invoke', machine: null });
  assert.deepEqual(resourceOf({ resource: 'states:startExecution', parameters: '{"StateMachineArn": "not an arn"}' }),
    { text: 'states:startExecution', machine: null });
  assert.equal(resourceOf({ resource: undefined }), null);
});
