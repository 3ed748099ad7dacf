// The browser graph: the model read from definitions, and the dagre layout
// (run here in Node on the vendored dagre) for every example and the large
// fixture: nested scopes inside their frames, no overlapping boxes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import vm from 'node:vm';
import { buildModel, layoutModel, summarizeRule, wrap } from '../../assets/graph.js';

const dagre = (() => {
  const ctx = { structuredClone, console };
  vm.runInNewContext(readFileSync(new URL('../../assets/vendor/dagre.min.js', import.meta.url), 'utf8'), ctx);
  return ctx.dagre;
})();

test('choice rules read like expressions', () => {
  const cases = [
    [{ Variable: '$.x', NumericGreaterThan: 10 }, '$.x > 10'],
    [{ Variable: '$.x', NumericLessThanEqualsPath: '$.limit' }, '$.x <= $.limit'],
    [{ Variable: '$.kind', StringEquals: 'book' }, '$.kind == "book"'],
    [{ Variable: '$.a', IsNull: false }, '$.a is not null'],
    [{ Variable: '$.a', IsPresent: false }, '$.a is absent'],
    [{ And: [{ Variable: '$.d', StringEquals: 'x' }, { Variable: '$.w', NumericLessThanEquals: 2 }] }, '$.d == "x" and $.w <= 2'],
    [{ Not: { Or: [{ Variable: '$.a', IsNumeric: true }, { Variable: '$.b', IsString: true }] } }, 'not ($.a is numeric or $.b is a string)'],
    [{ Condition: '{% $states.input.n > 3 %}' }, '$states.input.n > 3'],
    [{ Variable: '$.x' }, '$.x ?'],
    [5, '? ?'],
  ];
  for (const [rule, want] of cases) assert.equal(summarizeRule(rule), want, JSON.stringify(rule));
});

test('the model: markers, nesting, labelled edges, missing targets', () => {
  const m = buildModel({
    StartAt: 'Route',
    States: {
      Route: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericEquals: 1, Next: 'Both' }], Default: 'Gone' },
      Both: {
        Type: 'Parallel', Next: 'Done',
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Oops' }],
        Branches: [{ StartAt: 'Each', States: { Each: { Type: 'Map', End: true, ItemProcessor: { StartAt: 'W', States: { W: { Type: 'Pass', End: true } } } } } }],
      },
      Done: { Type: 'Succeed' },
      Oops: { Type: 'Fail', Error: 'E' },
    },
  });
  const byName = (n) => m.nodes.find((x) => x.name === n);
  assert.deepEqual(m.nodes.slice(0, 2).map((n) => n.kind), ['start', 'end']);
  assert.equal(byName('W').depth, 2);
  assert.equal(byName('Gone').kind, 'missing');
  const edges = m.edges.map((e) => [m.nodes[e.from].name, m.nodes[e.to].name, e.kind, e.label]);
  assert.deepEqual(edges, [
    ['Start', 'Route', 'start', null],
    ['Route', 'Both', 'choice', '$.n == 1'],
    ['Route', 'Gone', 'default', 'Default'],
    ['Both', 'Done', 'next', null],
    ['Both', 'Oops', 'catch', 'catch States.ALL'],
    ['Done', 'End', 'end', null],
  ]);
  assert.deepEqual(m.scopes.map((s) => s.label), ['', 'Branch 1', 'ItemProcessor']);
});

test('nothing that is not a definition breaks the model', () => {
  for (const v of [null, [], 'x', { States: [] }, { StartAt: 3, States: { A: 7 } }, { StartAt: 'A', States: { A: { Type: 'Parallel', Branches: [1, { States: 2 }] } } }]) {
    const m = buildModel(v);
    assert.equal(m.nodes.length >= 2, true);
    layoutModel(m, dagre);
  }
});

test('long names wrap to two lines and end in an ellipsis', () => {
  const lines = wrap('ValidateIncomingOrderPayloadAgainstTheCustomerContractSchemaAndMore', '600 13px x', 220, 2);
  assert.equal(lines.length, 2);
  assert.ok(lines[1].endsWith('…'));
});

const root = new URL('../../../../', import.meta.url);
const definitions = [
  ...readdirSync(new URL('examples/', root)).filter((f) => f.endsWith('.asl.json')).map((f) => new URL(`examples/${f}`, root)),
  new URL('crates/graph/tests/fixtures/large.asl.json', root),
];

for (const file of definitions) {
  test(`layout of ${file.pathname.split('/').pop()}`, () => {
    const m = buildModel(JSON.parse(readFileSync(file, 'utf8')));
    const lay = layoutModel(m, dagre);
    assert.ok(lay.width > 0 && lay.height > 0);
    const inside = (a, b) => a.x >= b.x - 0.5 && a.y >= b.y - 0.5 && a.x + a.w <= b.x + b.w + 0.5 && a.y + a.h <= b.y + b.h + 0.5;
    for (const n of m.nodes) {
      const b = lay.nodes.get(n.id);
      assert.ok(b, `${n.name} placed`);
      assert.ok(inside(b, { x: 0, y: 0, w: lay.width, h: lay.height }), `${n.name} inside the picture`);
      if (n.scope !== 0) assert.ok(inside(b, lay.scopes.get(n.scope)), `${n.name} inside its branch`);
      for (const c of n.children) assert.ok(inside(lay.scopes.get(c), b), `branch ${c} inside ${n.name}`);
    }
    for (const s of m.scopes) {
      for (let i = 0; i < s.nodes.length; i++) {
        for (let j = i + 1; j < s.nodes.length; j++) {
          const a = lay.nodes.get(s.nodes[i]);
          const b = lay.nodes.get(s.nodes[j]);
          const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
          assert.ok(apart, `${m.nodes[s.nodes[i]].name} and ${m.nodes[s.nodes[j]].name} overlap`);
        }
      }
    }
    assert.equal(lay.routes.size, m.edges.length);
  });
}

test('a Parallel or Map name is cut only when it does not fit beside its type', () => {
  const inner = { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } };
  for (const [type, extra] of [['Map', { ItemProcessor: inner }], ['Parallel', { Branches: [inner] }]]) {
    const name = 'ProcessEveryIncomingOrder';
    const m = buildModel({ StartAt: name, States: { [name]: { Type: type, End: true, ...extra } } });
    const lay = layoutModel(m, dagre);
    const node = m.nodes.find((n) => n.name === name);
    assert.deepEqual(lay.text.get(node.id).name, [name], type);
  }
});

test('edge labels sit on their own edge', () => {
  for (const file of definitions) {
    const m = buildModel(JSON.parse(readFileSync(file, 'utf8')));
    const lay = layoutModel(m, dagre);
    m.edges.forEach((e, i) => {
      const r = lay.routes.get(i);
      if (!e.label) return;
      const on = r.points.some((p) => Math.abs(p.x - r.label.x) < 0.5 && Math.abs(p.y - r.label.y) < 0.5);
      assert.ok(on, `${file.pathname.split('/').pop()}: the label "${e.label}" is on its edge`);
    });
  }
});
