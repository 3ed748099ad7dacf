// The console's browser end-to-end test (run it through scripts/console-e2e.sh,
// which installs what it needs). Every step is a check; the last line is
// "console e2e: N passed, N failed".
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { signRequest } from '../crates/console/assets/sigv4.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const bin = path.resolve(arg('bin', 'target/debug/stepwell'));
const deps = path.resolve(arg('deps', 'target/console-e2e'));
const out = path.resolve(arg('out', 'target/console-screenshots'));
const { chromium } = createRequire(path.join(deps, 'package.json'))('playwright-core');

const demo = {
  Comment: 'Console demo: a parallel check, a human approval by task token, and a decision',
  StartAt: 'Prepare',
  States: {
    Prepare: { Type: 'Pass', Parameters: { 'amount.$': '$.amount', id: 'order-1' }, Next: 'Pause' },
    Pause: { Type: 'Wait', Seconds: 1, Next: 'Checks' },
    Checks: {
      Type: 'Parallel', ResultPath: '$.checks', Next: 'Approve',
      Branches: [
        { StartAt: 'Validate', States: { Validate: { Type: 'Pass', Result: 'valid', End: true } } },
        { StartAt: 'Score', States: { Score: { Type: 'Pass', Result: 7, End: true } } },
      ],
    },
    Approve: {
      Type: 'Task',
      Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
      Parameters: {
        QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/approvals',
        MessageBody: { 'order.$': '$.id', 'token.$': '$$.Task.Token' },
      },
      ResultPath: '$.decision',
      Retry: [{ ErrorEquals: ['Busy'], IntervalSeconds: 1, MaxAttempts: 1 }],
      Catch: [{ ErrorEquals: ['Rejected'], ResultPath: '$.error', Next: 'Declined' }],
      Next: 'Route',
    },
    Route: { Type: 'Choice', Choices: [{ Variable: '$.decision.approved', BooleanEquals: true, Next: 'Done' }], Default: 'Declined' },
    Done: { Type: 'Succeed' },
    Declined: { Type: 'Fail', Error: 'ApprovalRejected', Cause: 'the approver said no' },
  },
};

let passed = 0;
let failed = 0;
function check(ok, what) {
  if (ok) {
    passed += 1;
    console.log(`ok: ${what}`);
  } else {
    failed += 1;
    console.log(`FAILED: ${what}`);
  }
  return ok;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(url, seconds) {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      // not up yet
    }
    await sleep(150);
  }
  throw new Error(`${url} did not answer within ${seconds}s`);
}

// One API call; signed with SigV4 when `credentials` are given (the
// console's own signer, run by Node: only the test's setup calls use it).
async function api(base, op, body, credentials) {
  const text = JSON.stringify(body);
  let headers = { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': `AWSStepFunctions.${op}` };
  if (credentials) {
    headers = await signRequest({ method: 'POST', path: '/', host: new URL(base).host, headers, body: text, credentials });
  }
  const res = await fetch(`${base}/`, { method: 'POST', headers, body: text });
  const answer = await res.text();
  if (!res.ok) throw new Error(`${op}: HTTP ${res.status} ${answer}`);
  return answer ? JSON.parse(answer) : {};
}

const children = [];
function start(cmd, args, logName) {
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  p.stdout.on('data', (d) => log.push(String(d)));
  p.stderr.on('data', (d) => log.push(String(d)));
  children.push({ p, log, logName });
  return p;
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'stepwell-console-e2e-'));
mkdirSync(out, { recursive: true });
let context;
let page;
const pageErrors = [];

async function shot(name) {
  await page.screenshot({ path: path.join(out, name), fullPage: true });
}

// axe-core (installed beside playwright-core by console-e2e.sh) on the
// page as it is now: a violation of impact serious or critical fails the
// check; lesser ones are listed.
const axeSource = readFileSync(path.join(deps, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
async function accessible(p, what) {
  if (!(await p.evaluate(() => typeof window.axe === 'object'))) await p.evaluate(axeSource);
  const violations = await p.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  const said = (list) => list.map((v) => `${v.id} (${v.impact}: ${v.nodes.join(', ')})`).join('; ');
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const minor = violations.filter((v) => !bad.includes(v));
  if (minor.length) console.log(`   axe, lesser on ${what}: ${said(minor)}`);
  return check(bad.length === 0, `axe finds nothing serious or critical on ${what}${bad.length ? `: ${said(bad)}` : ''}`);
}

// Each state's outcome in the execution graph, as `Name:status …`.
const graphStatuses = (names) => page.$$eval('#execution-graph g.state', (l, wanted) => wanted
  .map((n) => `${n}:${l.find((g) => g.getAttribute('data-state') === n)?.getAttribute('data-status')}`).join(' '), names);

async function main() {
  const port = await freePort();
  const apiBase = `http://127.0.0.1:${port}`;
  start(bin, ['serve', '--bind', '127.0.0.1', '--port', String(port), '--db', path.join(tmp, 'stepwell.db')], 'stepwell serve');
  await waitFor(`${apiBase}/health`, 30);

  // The console is served by `stepwell serve` itself at GET /.
  const base = apiBase;
  const index = await fetch(`${base}/`);
  check(index.ok && (index.headers.get('content-type') || '').includes('text/html'), `stepwell serve serves the console at ${base}/`);

  const role = 'arn:aws:iam::123456789012:role/console-e2e';
  const sm = await api(apiBase, 'CreateStateMachine', { name: 'ConsoleDemo', definition: JSON.stringify(demo), roleArn: role });
  const large = readFileSync('crates/graph/tests/fixtures/large.asl.json', 'utf8');
  const big = await api(apiBase, 'CreateStateMachine', { name: 'LargeOrderWorkflow', definition: large, roleArn: role });

  context = await chromium.launchPersistentContext(path.join(tmp, 'chromium-profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  page = context.pages()[0] || (await context.newPage());
  page.setDefaultTimeout(20000);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });

  // 1. The list.
  await page.goto(`${base}/`);
  await page.waitForSelector('a[data-state-machine="ConsoleDemo"]');
  check(await page.isVisible('a[data-state-machine="LargeOrderWorkflow"]'), 'the list shows both state machines');
  await shot('01-state-machines.png');
  await accessible(page, 'the state machines list');

  // 2. The state machine page: graph with every state, nested branches.
  await page.click('a[data-state-machine="ConsoleDemo"]');
  await page.waitForSelector('#machine-graph g.state');
  const names = await page.$$eval('#machine-graph g.state', (l) => l.map((g) => g.getAttribute('data-state')).sort());
  check(JSON.stringify(names) === JSON.stringify(['Approve', 'Checks', 'Declined', 'Done', 'Pause', 'Prepare', 'Route', 'Score', 'Validate']), `the graph has every state (${names})`);
  check(await page.isVisible('#machine-graph g.state[data-state="Checks"] g.state[data-state="Validate"]'), 'Parallel branches are drawn inside their state');
  check((await page.textContent('#machine-graph')).includes('$.decision.approved == true'), 'the Choice rule is labelled');
  await shot('02-state-machine.png');
  await accessible(page, "a state machine's page");

  // 3. Start an execution from the form; states turn green live.
  await page.fill('#start-input', '{"amount": 42}');
  await page.click('#start-execution');
  await page.waitForSelector('#execution-graph g.state[data-state="Prepare"][data-status="succeeded"]');
  check(true, 'Prepare turned green');
  await page.waitForSelector('#execution-graph g.state[data-state="Approve"][data-status="running"]');
  for (const s of ['Pause', 'Checks', 'Validate', 'Score']) {
    check(await page.getAttribute(`#execution-graph g.state[data-state="${s}"]`, 'data-status') === 'succeeded', `${s} turned green`);
  }
  check(await page.getAttribute('#execution-graph g.state[data-state="Done"]', 'data-status') === 'notreached', 'Done is not reached yet');
  await page.waitForSelector('#token-panel [data-state="Approve"] .task-token');
  const token = (await page.textContent('#token-panel [data-state="Approve"] .task-token')).trim();
  check(token.length > 0, 'the waiting task shows its token');
  await page.click('#execution-graph g.state[data-state="Approve"]');
  await page.waitForSelector('#detail-parameters');
  check((await page.textContent('#detail-parameters')).includes(token), 'the task parameters (with the token) are shown');
  await shot('03-execution-waiting-for-token.png');

  // 4. Answer the token from the page: a failure the task retries, then
  // success.
  await page.fill('#token-panel [data-state="Approve"] .failure-error', 'Busy');
  await page.fill('#token-panel [data-state="Approve"] .failure-cause', 'the approver is away');
  await page.click('#token-panel [data-state="Approve"] .send-failure');
  // Failing a task asks first, as Stop does: nothing is sent before that.
  await page.waitForSelector('#token-panel [data-state="Approve"] .send-failure-confirm');
  check(await page.textContent('#token-panel [data-state="Approve"] .token-result') === ''
    && !(await page.isVisible('#token-panel [data-state="Approve"] .send-failure')),
    '"Send failure" asks for a confirmation and sends nothing yet');
  await page.click('#token-panel [data-state="Approve"] .send-failure-cancel');
  check(await page.isVisible('#token-panel [data-state="Approve"] .send-failure'), 'the confirmation can be cancelled');
  await page.click('#token-panel [data-state="Approve"] .send-failure');
  await page.click('#token-panel [data-state="Approve"] .send-failure-confirm');
  await page.waitForFunction((old) => {
    const t = document.querySelector('#token-panel [data-state="Approve"] .task-token');
    return t && t.textContent.trim() !== old;
  }, token);
  check(true, 'SendTaskFailure from the page: the task is retried with a new token');
  await page.fill('#token-panel [data-state="Approve"] .token-output', '{"approved": true}');
  await page.click('#token-panel [data-state="Approve"] .send-success');
  await page.waitForSelector('#execution-status[data-status="SUCCEEDED"]');
  check(true, 'SendTaskSuccess from the page completed the execution');
  for (const s of ['Approve', 'Route', 'Done']) {
    await page.waitForSelector(`#execution-graph g.state[data-state="${s}"][data-status="succeeded"]`);
    check(true, `${s} turned green`);
  }
  check(await page.getAttribute('#execution-graph g.state[data-state="Declined"]', 'data-status') === 'notreached', 'Declined was not reached');
  check((await page.textContent('#execution-output')).includes('"approved": true'), 'the execution output is shown');
  check(await page.$$eval('#history tr[data-event-id]', (l) => l.length) > 15, 'the event history is listed');
  await page.click('#execution-graph g.state[data-state="Approve"]');
  await page.waitForSelector('#detail-retries');
  check((await page.textContent('#detail-retries')).includes('Busy') && !(await page.$('#detail-failure')),
    'a task that succeeded after a retry lists the retried failure, with no error box');
  // The data flow: the task's own result (what SendTaskSuccess sent),
  // beside its output, with the ResultPath that put one into the other.
  check((await page.textContent('#detail-result')).includes('"approved": true')
    && !(await page.textContent('#detail-result')).includes('order-1')
    && (await page.textContent('#detail-output')).includes('order-1')
    && (await page.textContent('#detail-flow-out')).includes('$.decision'),
    "a task shows its own result, then ResultPath, then its output");
  check((await page.textContent('#history tr[data-type="TaskScheduled"] summary')).startsWith('sqs:sendMessage.waitForTaskToken'),
    'the event table names a scheduled task\'s resource as resourceType:resource');
  await page.click('#execution-graph g.state[data-state="Prepare"]');
  await page.waitForSelector('#detail-output');
  check((await page.textContent('#detail-output')).includes('order-1'), 'a state shows its output');
  await shot('04-execution-succeeded.png');
  await accessible(page, 'an execution, graph view');

  // 4b. The Table view (AWS's): a row per state entered, with its type,
  // status, resource and start after the execution's; a Parallel opens
  // onto its branches; a row chosen is the step chosen, in the graph too,
  // and the other way round.
  await page.click('#view-table');
  await page.waitForSelector('#state-table tr[data-kind="visit"]');
  const heads = () => page.$$eval('#state-table thead th', (l) => l.map((t) => t.textContent));
  check(JSON.stringify(await heads()) === JSON.stringify(['Name', 'Type', 'Status', 'Resource', 'Started after']),
    `the Table view shows AWS's default columns (${await heads()})`);
  const tableRows = () => page.$$eval('#state-table tbody tr', (l) => l.map((r) => `${r.querySelector('.row-select').textContent}:${r.querySelector('.col-type')?.textContent}:${r.getAttribute('data-status')}`).join(' '));
  let rowsNow = await tableRows();
  check(rowsNow === 'Prepare:Pass:succeeded Pause:Wait:succeeded Checks:Parallel:succeeded Approve:Task:succeeded Route:Choice:succeeded Done:Succeed:succeeded',
    `one row per state entered, in order, with its type and status (${rowsNow})`);
  check(await page.getAttribute('#state-table tr.selected', 'data-state') === 'Prepare', 'the state chosen in the graph is the row chosen in the table');
  check((await page.textContent('#state-table tr[data-state="Approve"] .col-resource')) === 'sqs:sendMessage.waitForTaskToken',
    "a Task's row names its resource");
  const after = await page.textContent('#state-table tr[data-state="Checks"] .col-after');
  check(/ s$/.test(after) && parseFloat(after) >= 1, `"Started after": the Parallel started after the 1 s Wait (${after})`);
  await page.click('#state-table tr[data-state="Checks"] .row-toggle');
  await page.click('#state-table tr[data-kind="branch"] .row-toggle');
  rowsNow = await tableRows();
  check(rowsNow.includes('Checks:Parallel:succeeded Branch 1:Parallel branch:succeeded Validate:Pass:succeeded Branch 2:Parallel branch:succeeded Approve'),
    `a Parallel opens onto its branches, a branch onto its states (${rowsNow})`);
  await page.click('#state-table tr[data-state="Validate"] .row-select');
  await page.waitForFunction(() => document.querySelector('#state-detail h3')?.textContent.startsWith('Validate'));
  check(await page.$eval('#execution-graph g.state[data-state="Validate"]', (g) => g.classList.contains('selected'))
    && await page.getAttribute('#state-table tr.selected', 'data-state') === 'Validate',
  'a row chosen in the table is the step shown, and is selected in the graph');
  await page.click('#state-table-columns summary');
  await page.check('#state-table-columns input[value="duration"]');
  await page.check('#state-table-columns input[value="timestamp"]');
  check(JSON.stringify(await heads()) === JSON.stringify(['Name', 'Type', 'Status', 'Resource', 'Started after', 'Duration', 'Timestamp']),
    `the Columns preferences add Duration and Timestamp (${await heads()})`);
  await page.check('#state-table-columns input[value="timeline"]');
  const bars = await page.$$eval('#state-table tr[data-kind="visit"] .timeline .bar', (l) => Object.fromEntries(l.map((b) => [b.closest('tr').getAttribute('data-state'), b.getBoundingClientRect().width / b.parentElement.getBoundingClientRect().width])));
  check(bars.Approve > 0.5 && bars.Prepare < 0.1 && bars.Pause > 0.2,
    `the Timeline column draws each step's time against the execution's (${Object.entries(bars).map(([k, w]) => `${k} ${Math.round(w * 100)}%`).join(', ')})`);
  await page.uncheck('#state-table-columns input[value="timeline"]');
  await page.click('#state-table-columns summary');
  await shot('04b-table-view.png');
  await accessible(page, 'an execution, table view');
  await page.focus('#view-table');
  await page.keyboard.press('ArrowRight');
  check(await page.getAttribute('#view-events', 'aria-selected') === 'true' && await page.isVisible('#history')
    && await page.evaluate(() => document.activeElement.id) === 'view-events',
  'the view tabs follow the arrow keys; the Event view shows the events');
  await accessible(page, 'an execution, event view');
  await page.click('#view-graph');
  await page.click('#execution-graph g.state[data-state="Approve"]');
  await page.click('#view-table');
  check(await page.getAttribute('#state-table tr.selected', 'data-state') === 'Approve', 'a state chosen in the graph is the row chosen in the table');
  await page.click('#view-graph');

  // 5. A second execution: the approver refuses; open the failed state.
  await page.goto(`${base}/#/state-machine/${encodeURIComponent(sm.stateMachineArn)}`);
  await page.fill('#start-input', '{"amount": 9000}');
  await page.click('#start-execution');
  await page.waitForSelector('#token-panel [data-state="Approve"] .send-failure');
  await page.fill('#token-panel [data-state="Approve"] .failure-error', 'Rejected');
  await page.fill('#token-panel [data-state="Approve"] .failure-cause', 'too expensive');
  await page.click('#token-panel [data-state="Approve"] .send-failure');
  await page.click('#token-panel [data-state="Approve"] .send-failure-confirm');
  await page.waitForSelector('#execution-status[data-status="FAILED"]');
  await page.waitForSelector('#execution-graph g.state[data-state="Declined"][data-status="failed"]');
  await page.click('#execution-graph g.state[data-state="Declined"]');
  await page.waitForSelector('#detail-error');
  check((await page.textContent('#detail-error')) === 'ApprovalRejected', 'the failed state shows its error');
  check((await page.textContent('#detail-cause')).includes('the approver said no'), 'the failed state shows its cause');
  await page.click('#execution-graph g.state[data-state="Approve"]');
  check(await page.getAttribute('#execution-graph g.state[data-state="Approve"]', 'data-status') === 'caught', 'the refused task is shown as caught');
  check((await page.textContent('#detail-error')) === 'Rejected', 'the caught task shows the error sent from the page');
  // Accessibility: the graph is a group of named buttons whose names say
  // their outcome, an icon marks each outcome, the keyboard focus shows,
  // and status badges are legible.
  check(await page.getAttribute('#execution-graph svg', 'role') === 'group' && Boolean(await page.getAttribute('#execution-graph svg', 'aria-label')),
    'the graph is a labelled group');
  const declined = await page.getAttribute('#execution-graph g.state[data-state="Declined"]', 'aria-label');
  check(/Declined/.test(declined) && /Fail/.test(declined) && /failed$/.test(declined), `a state's accessible name gives its name, type and outcome (${declined})`);
  check(await page.getAttribute('#execution-graph g.state[data-state="Checks"] > .head', 'role') === 'button',
    'a Parallel is a group whose header is the button (no nested buttons)');
  check(await page.textContent('#execution-graph g.state[data-state="Declined"] > .status-icon') === '✕'
    && await page.textContent('#execution-graph g.state[data-state="Approve"] > .status-icon') === '!',
    'an icon tells failed from caught, besides the colour');
  await page.click('#execution-header h1');
  for (let i = 0; i < 40 && !(await page.evaluate(() => document.activeElement.closest('g.state'))); i++) await page.keyboard.press('Tab');
  const ring = await page.evaluate(() => {
    const g = document.activeElement.closest('g.state');
    return g && getComputedStyle(g.querySelector(':scope > rect.box')).strokeWidth;
  });
  check(ring === '3.5px', `the keyboard focus shows on the state (stroke ${ring})`);
  const contrasts = await page.evaluate(() => {
    const rgb = (c) => c.match(/[\d.]+/g).slice(0, 3).map(Number);
    const lum = (c) => {
      const [r, g, b] = rgb(c).map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    return ['succeeded', 'failed', 'caught', 'running', 'aborted', 'children'].map((status) => {
      const b = document.body.appendChild(Object.assign(document.createElement('span'), { className: `badge status-${status}` }));
      const style = getComputedStyle(b);
      const [hi, lo] = [lum(style.color), lum(style.backgroundColor)].sort((x, y) => y - x);
      b.remove();
      return [status, Math.round(((hi + 0.05) / (lo + 0.05)) * 100) / 100];
    });
  });
  check(contrasts.every(([, r]) => r >= 4.5), `status badges have a contrast of 4.5:1 or more (${contrasts.map((c) => c.join(' ')).join(', ')})`);
  await page.click('#view-table');
  await page.selectOption('#state-table-filter', 'caught');
  check(await tableRows() === 'Approve:Task:caught', `the Table view filtered by status: the caught task (${await tableRows()})`);
  await page.selectOption('#state-table-filter', 'failed');
  check(await tableRows() === 'Declined:Fail:failed', `the Table view filtered by status: the failed state (${await tableRows()})`);
  await page.selectOption('#state-table-filter', '');
  await page.click('#view-events');
  await page.selectOption('#history-filter', 'failures');
  await page.waitForFunction(() => document.querySelectorAll('#history tr[data-event-id]').length === 2);
  const failureTypes = await page.$$eval('#history tr[data-event-id]', (l) => l.map((r) => r.getAttribute('data-type')));
  check(JSON.stringify(failureTypes) === JSON.stringify(['TaskFailed', 'ExecutionFailed']), `"Failures only" keeps the failures (${failureTypes})`);
  await page.selectOption('#history-filter', '');
  await page.click('#view-graph');
  await page.click('#execution-graph g.state[data-state="Declined"]');
  await shot('05-execution-failed.png');
  // The README's picture (docs/console-execution-view.png): the viewport only.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(out, 'execution-view.png') });

  // 6. A third execution, stopped from the page.
  await page.goto(`${base}/#/state-machine/${encodeURIComponent(sm.stateMachineArn)}`);
  await page.fill('#start-input', '{"amount": 1}');
  await page.click('#start-execution');
  await page.waitForSelector('#execution-graph g.state[data-state="Approve"][data-status="running"]');
  await page.click('#stop-execution');
  await page.fill('#stop-error', 'Operator');
  await page.click('#stop-confirm');
  await page.waitForSelector('#execution-status[data-status="ABORTED"]');
  check(true, 'StopExecution from the page aborted the execution');
  await page.waitForSelector('#execution-graph g.state[data-state="Approve"][data-status="aborted"]');
  check(true, 'the waiting task is shown as aborted');

  // 6b. Redriven from the page, once confirmed: the stopped task runs
  // again, and succeeds.
  await page.click('#redrive-execution');
  await page.waitForSelector('#redrive-confirm');
  check(await page.getAttribute('#execution-status', 'data-status') === 'ABORTED', 'Redrive asks for a confirmation first');
  await page.click('#redrive-cancel');
  check(await page.isVisible('#redrive-execution') && !(await page.isVisible('#redrive-confirm')), 'the redrive can be cancelled');
  await page.click('#redrive-execution');
  await page.click('#redrive-confirm');
  await page.waitForSelector('#execution-status[data-status="RUNNING"]');
  await page.waitForSelector('#token-panel [data-state="Approve"] .send-success');
  check(true, 'RedriveExecution from the page runs the stopped task again');
  await page.fill('#token-panel [data-state="Approve"] .token-output', '{"approved": true}');
  await page.click('#token-panel [data-state="Approve"] .send-success');
  await page.waitForSelector('#execution-status[data-status="SUCCEEDED"]');
  await page.waitForSelector('#execution-graph g.state[data-state="Done"][data-status="succeeded"]');
  check(await page.getAttribute('#execution-graph g.state[data-state="Approve"]', 'data-status') === 'succeeded',
    'the redriven execution succeeds; the task stopped before is now green');
  check(!(await page.$('#redrive-execution')), 'a succeeded execution offers no redrive');

  // 6c. "New execution with this input": the start form, filled in.
  await page.click('#new-execution');
  await page.waitForSelector('#start-input');
  check(JSON.parse(await page.inputValue('#start-input')).amount === 1, '"New execution with this input" fills the start form with it');

  // 7. The executions list: newest first, filtered by status.
  await page.waitForSelector('#executions tr[data-status]');
  const statuses = await page.$$eval('#executions tr[data-status]', (l) => l.map((r) => r.getAttribute('data-status')));
  check(JSON.stringify(statuses) === JSON.stringify(['SUCCEEDED', 'FAILED', 'SUCCEEDED']), `executions newest first (${statuses})`);
  check(Boolean(await page.getAttribute('#status-filter', 'aria-label')), 'the status filter has a label');
  await page.selectOption('#status-filter', 'FAILED');
  await page.waitForFunction(() => [...document.querySelectorAll('#executions tr[data-status]')].every((r) => r.getAttribute('data-status') === 'FAILED'));
  check(await page.$$eval('#executions tr[data-status]', (l) => l.length) === 1, 'the status filter keeps the one FAILED execution');

  // 8. A 60-state definition with a Map inside a Parallel.
  await page.goto(`${base}/#/state-machine/${encodeURIComponent(big.stateMachineArn)}`);
  await page.waitForSelector('#machine-graph g.state[data-state="RouteByScore"]');
  check(await page.$$eval('#machine-graph g.state', (l) => l.length) === 60, 'the large graph draws all 60 states');
  check(await page.isVisible('#machine-graph g.state[data-state="FulfilAll"] g.state[data-state="PackEachParcel"] g.state[data-state="WeighParcel"]'), 'a Map inside a Parallel is nested');
  await page.click('#machine-graph g.state[data-state="RouteByScore"]');
  await page.waitForSelector('#state-definition pre');
  await shot('06-large-graph.png');

  // 8b. A Distributed Map: its state inside runs in child executions; the
  // Map Run's counts move while it runs; its child executions are paged and
  // filtered, each with its own execution view linked back to the parent.
  const fan = {
    StartAt: 'Fan',
    States: {
      Fan: {
        Type: 'Map', Label: 'Shipping', MaxConcurrency: 3, End: true,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Ship', States: { Ship: { Type: 'Wait', Seconds: 1, End: true } },
        },
      },
    },
  };
  const parcels = Array.from({ length: 30 }, (_, i) => `parcel-${i}`);
  const fanSm = await api(apiBase, 'CreateStateMachine', { name: 'FanOut', definition: JSON.stringify(fan), roleArn: role });
  const fanRun = await api(apiBase, 'StartExecution', { stateMachineArn: fanSm.stateMachineArn, input: JSON.stringify(parcels) });
  await page.goto(`${base}/#/execution/${encodeURIComponent(fanRun.executionArn)}`);
  await page.waitForSelector('#execution-graph g.state[data-state="Ship"][data-status="running"]');
  check(true, "a running Distributed Map's inner state is shown running");
  await page.click('#execution-graph g.state[data-state="Ship"]');
  await page.waitForSelector('#detail-children');
  await page.waitForFunction(() => /[1-9]\d* succeeded/.test(document.querySelector('#map-runs .map-run[data-status="RUNNING"] .map-run-counts')?.textContent));
  check(true, 'the Map Run counts move while it runs');
  check((await page.textContent('#detail-map-run')).includes('30 items'), 'the inner state shows its Map Run counts');
  await page.waitForSelector('#map-runs .map-run[data-status="SUCCEEDED"]');
  await page.waitForSelector('#execution-status[data-status="SUCCEEDED"]');
  check(await page.getAttribute('#execution-graph g.state[data-state="Ship"]', 'data-status') === 'children',
    'once the Map is done, its inner state reads "in child executions"');
  const childRows = () => page.$$eval('#map-runs .map-run-children tr[data-status]', (l) => l.length);
  check(await childRows() === 25, 'the Map Run lists its first 25 child executions');
  await page.click('#map-runs .map-run-next');
  await page.waitForFunction(() => document.querySelectorAll('#map-runs .map-run-children tr[data-status]').length === 5);
  check(true, 'the next page lists the other 5');
  await page.selectOption('#map-runs .map-run-filter', 'FAILED');
  await page.waitForSelector('#map-runs .map-run-children td[colspan]');
  check(await childRows() === 0, 'filtered by FAILED, no child execution is listed');
  await page.selectOption('#map-runs .map-run-filter', 'SUCCEEDED');
  await page.waitForFunction(() => document.querySelectorAll('#map-runs .map-run-children tr[data-status="SUCCEEDED"]').length === 25);
  check(true, 'filtered by SUCCEEDED, the first page is full again');
  await page.locator('#map-runs').scrollIntoViewIfNeeded();
  await shot('08-map-run.png');
  await accessible(page, 'a Map Run (its child executions, paged and filtered)');
  await page.click('#map-runs .map-run-children tr[data-execution-arn] a');
  await page.waitForSelector('#map-run-of');
  await page.waitForSelector('#execution-graph g.state[data-state="Ship"][data-status="succeeded"]');
  check(true, 'a child execution has its own view, its state coloured from its own history');
  await page.click('#parent-execution-link');
  await page.waitForSelector('#map-runs .map-run');
  check(true, 'a child execution links back to its parent');

  // 8c. An EXPRESS state machine: its page says its executions are not
  // listed, and the start form runs one synchronously, showing the result.
  const quick = {
    StartAt: 'Check',
    States: {
      Check: { Type: 'Choice', Choices: [{ Variable: '$.ok', BooleanEquals: true, Next: 'Hello' }], Default: 'Refuse' },
      Hello: { Type: 'Pass', Result: { hello: 'express' }, End: true },
      Refuse: { Type: 'Fail', Error: 'NotOk', Cause: 'ok was not true' },
    },
  };
  const quickSm = await api(apiBase, 'CreateStateMachine', { name: 'QuickCheck', type: 'EXPRESS', definition: JSON.stringify(quick), roleArn: role });
  await page.goto(`${base}/#/state-machine/${encodeURIComponent(quickSm.stateMachineArn)}`);
  await page.waitForSelector('#machine-graph g.state[data-state="Hello"]');
  check(await page.isVisible('#express-note') && !(await page.$('#error')),
    'an EXPRESS state machine shows its graph and says its executions are not listed');
  await page.fill('#start-input', '{"ok": true}');
  await page.click('#start-execution');
  await page.waitForSelector('#start-result-status[data-status="SUCCEEDED"]');
  check((await page.textContent('#start-result-output')).includes('"hello": "express"'),
    'an EXPRESS execution started from the page runs synchronously; its output is shown');
  await page.fill('#start-input', '{"ok": false}');
  await page.click('#start-execution');
  await page.waitForSelector('#start-result-status[data-status="FAILED"]');
  check((await page.textContent('#start-result-error')).includes('NotOk'), 'a failed EXPRESS execution shows its error');
  await shot('09-express.png');

  // 8d. A long history: the event table shows 1,000 events a page, the
  // last ones a click away, and one event type when asked.
  const many = {
    StartAt: 'Each',
    States: { Each: { Type: 'Map', End: true, ItemProcessor: { StartAt: 'Touch', States: { Touch: { Type: 'Pass', End: true } } } } },
  };
  const manySm = await api(apiBase, 'CreateStateMachine', { name: 'LongHistory', definition: JSON.stringify(many), roleArn: role });
  const manyRun = await api(apiBase, 'StartExecution', { stateMachineArn: manySm.stateMachineArn, input: JSON.stringify(Array.from({ length: 300 }, (_, i) => i)) });
  await page.goto(`${base}/#/execution/${encodeURIComponent(manyRun.executionArn)}`);
  await page.waitForSelector('#execution-status[data-status="SUCCEEDED"]');
  await page.waitForFunction(() => document.querySelectorAll('#history tr[data-event-id]').length === 1000);
  const historyRows = () => page.$$eval('#history tr[data-event-id]', (l) => l.map((r) => [Number(r.getAttribute('data-event-id')), r.getAttribute('data-type')]));
  let rows = await historyRows();
  check(rows.length === 1000 && rows[0][0] === 1, `the first page shows events 1 to 1,000 (${rows.length} rows)`);
  check((await page.textContent('#history-page')).includes('of 1206'), 'the pager counts all 1,206 events');
  await page.click('#view-events');
  await page.click('#history-last');
  await page.waitForFunction(() => document.querySelectorAll('#history tr[data-event-id]').length === 206);
  rows = await historyRows();
  check(rows[0][0] === 1001 && rows[rows.length - 1][1] === 'ExecutionSucceeded', 'the last page ends with ExecutionSucceeded');
  await page.click('#history-first');
  await page.waitForFunction(() => document.querySelector('#history tr[data-event-id]').getAttribute('data-event-id') === '1');
  await page.selectOption('#history-filter', 'MapIterationSucceeded');
  await page.waitForFunction(() => document.querySelectorAll('#history tr[data-event-id]').length === 300);
  check((await historyRows()).every(([, t]) => t === 'MapIterationSucceeded'), 'filtered by type, only that type is listed');

  // 8e. JSONata: the variables a state's Assign set show in its detail
  // (parsed), and a Fail state's computed Cause shows on it.
  const jsonata = {
    QueryLanguage: 'JSONata',
    StartAt: 'Init',
    States: {
      Init: {
        Type: 'Pass', Next: 'Check',
        Assign: { total: '{% $states.input.a + $states.input.b %}', who: '{% $states.input.name %}' },
        Output: { greeting: "{% 'hi ' & $states.input.name %}" },
      },
      Check: { Type: 'Choice', Choices: [{ Condition: '{% $total > 5 %}', Next: 'Big' }], Default: 'Small' },
      Big: { Type: 'Pass', End: true },
      Small: { Type: 'Fail', Error: 'TooSmall', Cause: "{% 'total was ' & $string($total) %}" },
    },
  };
  const jsonataSm = await api(apiBase, 'CreateStateMachine', { name: 'JsonataVariables', definition: JSON.stringify(jsonata), roleArn: role });
  const jsonataRun = await api(apiBase, 'StartExecution', { stateMachineArn: jsonataSm.stateMachineArn, name: 'small-total', input: JSON.stringify({ a: 1, b: 1, name: 'Bob' }) });
  await page.goto(`${base}/#/execution/${encodeURIComponent(jsonataRun.executionArn)}`);
  await page.waitForSelector('#execution-graph g.state[data-state="Small"][data-status="failed"]');
  await page.click('#execution-graph g.state[data-state="Init"]');
  await page.waitForSelector('#detail-variables');
  check(JSON.stringify(JSON.parse(await page.textContent('#detail-variables'))) === '{"total":2,"who":"Bob"}',
    "a state's detail shows the variables its Assign set, as JSON values");
  check((await page.textContent('#history tr[data-type="PassStateExited"] summary')).includes('assigned total, who'),
    'the event table says which variables a state assigned');
  const exited = await page.$('#history tr[data-type="PassStateExited"] details');
  await exited.evaluate((d) => { d.open = true; });
  check((await exited.textContent()).includes('"who": "Bob"'), "an event's assignedVariables are shown as JSON values");
  await page.click('#execution-graph g.state[data-state="Small"]');
  await page.waitForSelector('#detail-cause');
  check(await page.textContent('#detail-error') === 'TooSmall' && (await page.textContent('#detail-cause')) === 'total was 2',
    "a Fail state shows the Cause its JSONata computed (the execution's)");

  // 8f. Cut short: a Parallel branch failing with States.Runtime ends the
  // execution at once; the other branch's Wait was aborted, not failed.
  const cut = {
    StartAt: 'Both',
    States: {
      Both: {
        Type: 'Parallel', End: true,
        Branches: [
          { StartAt: 'Slow', States: { Slow: { Type: 'Wait', Seconds: 30, End: true } } },
          { StartAt: 'Boom', States: { Boom: { Type: 'Pass', InputPath: '$.missing.x', End: true } } },
        ],
      },
    },
  };
  const cutSm = await api(apiBase, 'CreateStateMachine', { name: 'CutShort', definition: JSON.stringify(cut), roleArn: role });
  const cutRun = await api(apiBase, 'StartExecution', { stateMachineArn: cutSm.stateMachineArn, name: 'runtime-in-branch', input: '{}' });
  await page.goto(`${base}/#/execution/${encodeURIComponent(cutRun.executionArn)}`);
  await page.waitForSelector('#execution-status[data-status="FAILED"]');
  await page.waitForSelector('#execution-graph g.state[data-state="Boom"][data-status="failed"]');
  check(await page.getAttribute('#execution-graph g.state[data-state="Slow"]', 'data-status') === 'aborted',
    'a branch beside one that failed with States.Runtime is aborted, not failed');
  await page.click('#execution-graph g.state[data-state="Slow"]');
  await page.waitForSelector('#detail-status[data-status="aborted"]');
  check(!(await page.$('#detail-failure')), "the aborted branch's state shows no error of another state");

  // 8g. Map iterations: picked by item index, grouped by outcome; the Map
  // counts its iterations. Item 2 fails after a second, item 3 is still
  // waiting then (aborted: WaitStateAborted), the others are done.
  const iterations = {
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map', End: true,
        ItemProcessor: {
          StartAt: 'Work',
          States: {
            Work: { Type: 'Wait', SecondsPath: '$.wait', Next: 'Check' },
            Check: { Type: 'Choice', Choices: [{ Variable: '$.fail', IsPresent: true, Next: 'Reject' }], Default: 'Keep' },
            Keep: { Type: 'Pass', End: true },
            Reject: { Type: 'Fail', Error: 'Rejected', Cause: 'item 2' },
          },
        },
      },
    },
  };
  const itemsIn = [{ wait: 0 }, { wait: 0 }, { wait: 1, fail: true }, { wait: 60 }, { wait: 0 }];
  const iterSm = await api(apiBase, 'CreateStateMachine', { name: 'Iterations', definition: JSON.stringify(iterations), roleArn: role });
  const iterRun = await api(apiBase, 'StartExecution', { stateMachineArn: iterSm.stateMachineArn, name: 'one-fails', input: JSON.stringify(itemsIn) });
  await page.goto(`${base}/#/execution/${encodeURIComponent(iterRun.executionArn)}`);
  // (The page before was FAILED too: wait for this one's states.)
  await page.waitForSelector('#execution-graph g.state[data-state="Each"][data-status="failed"]');
  await page.waitForSelector('#execution-status[data-status="FAILED"]');
  await page.click('#execution-graph g.state[data-state="Each"] > .head');
  await page.waitForSelector('#detail-iterations');
  const counts = await page.$eval('#detail-iterations', (d) => ['failed', 'aborted', 'succeeded', 'running'].map((k) => d.getAttribute(`data-${k}`)).join());
  check(counts === '1,1,3,0', `the Map's detail counts its iterations: failed, aborted, succeeded, in progress (${counts})`);
  await page.click('#execution-graph g.state[data-state="Work"]');
  await page.waitForSelector('#visit-select');
  const groups = await page.$$eval('#visit-select optgroup', (l) => l.map((g) => `${g.label}: ${[...g.children].map((o) => o.textContent).join(' ')}`));
  check(JSON.stringify(groups) === JSON.stringify(['Aborted (1): Index 3', 'Succeeded (4): Index 0 Index 1 Index 2 Index 4']),
    `the iteration chooser groups item indices by outcome (${groups.join(' | ')})`);
  check(await page.textContent('#detail-iteration') === 'index 3' && await page.getAttribute('#detail-status', 'data-status') === 'aborted',
    'a state inside a Map opens on an iteration with its own outcome (the aborted one)');
  check((await page.textContent('#history tr[data-type="WaitStateAborted"] td:nth-child(3)')) === 'Work',
    "the Wait's abort, chained to the failing iteration, is listed as the Wait's");
  const everyIteration = 'Work:aborted Check:succeeded Keep:succeeded Reject:failed';
  check(await graphStatuses(['Work', 'Check', 'Keep', 'Reject']) === everyIteration && await page.isHidden('#graph-focus'),
    `before an iteration is picked, the graph shows every iteration's states (${await graphStatuses(['Work', 'Check', 'Keep', 'Reject'])})`);
  await page.selectOption('#visit-select', { label: 'Index 2' });
  await page.waitForFunction(() => document.querySelector('#detail-iteration')?.textContent === 'index 2');
  check((await page.textContent('#detail-input')).includes('"fail": true'), 'picking an index shows that iteration');
  let shown = await graphStatuses(['Each', 'Work', 'Check', 'Keep', 'Reject']);
  check(shown === 'Each:failed Work:succeeded Check:succeeded Keep:notreached Reject:failed'
    && (await page.textContent('#graph-focus')).includes('Each iteration #2'),
  `picking an iteration colours the Map's states as they ran in it (${shown})`);
  await page.click('#execution-graph g.state[data-state="Check"]');
  await page.waitForSelector('#detail-status');
  check(await page.textContent('#detail-iteration') === 'index 2', 'another state of the Map opens on the same iteration');
  await page.click('#execution-graph g.state[data-state="Keep"]');
  await page.waitForSelector('#detail-not-here');
  check(await page.getAttribute('#detail-status', 'data-status') === 'notreached' && (await page.textContent('#detail-not-here')).includes('iteration #2'),
    'a state the picked iteration did not reach says so');
  await shot('10-map-iterations.png');
  await page.click('#graph-focus-clear');
  await page.waitForSelector('#graph-focus', { state: 'hidden' });
  check(await graphStatuses(['Work', 'Check', 'Keep', 'Reject']) === everyIteration && await page.getAttribute('#detail-status', 'data-status') === 'succeeded',
    '"Show all iterations" colours every iteration\'s states again');
  await page.click('#execution-graph g.state[data-state="Each"] > .head');
  await page.selectOption('#map-iteration-select', '3');
  shown = await graphStatuses(['Each', 'Work', 'Check', 'Keep', 'Reject']);
  check(shown === 'Each:failed Work:aborted Check:notreached Keep:notreached Reject:notreached',
    `the Map's iteration viewer picks the iteration the graph shows (${shown})`);
  // The Table view: the Map opens onto its iterations by index, with
  // their outcomes; choosing one shows it in the graph.
  await page.click('#view-table');
  await page.waitForSelector('#state-table tr[data-kind="iteration"]');
  const iterationRows = await page.$$eval('#state-table tr[data-kind="iteration"]', (l) => l.map((r) => `${r.querySelector('.row-select').textContent}:${r.getAttribute('data-status')}`).join(' '));
  check(iterationRows === '#0:succeeded #1:succeeded #2:failed #3:aborted #4:succeeded',
    `the Table view lists the Map's iterations by index, with their outcomes (${iterationRows})`);
  check(await page.getAttribute('#state-table tr.selected', 'data-iteration') === '3', 'the iteration shown in the graph is the row chosen');
  check((await heads()).includes('Duration'), 'the Table view keeps the columns picked for another execution');
  await page.click('#state-table tr[data-iteration="2"] .row-select');
  await page.click('#state-table tr[data-iteration="2"] .row-toggle');
  const inTwo = await page.$$eval('#state-table tr[data-iteration="2"] ~ tr[data-kind="visit"]', (l) => l.slice(0, 3).map((r) => `${r.getAttribute('data-state')}:${r.getAttribute('data-status')}`).join(' '));
  shown = await graphStatuses(['Work', 'Check', 'Keep', 'Reject']);
  check(inTwo === 'Work:succeeded Check:succeeded Reject:failed' && shown === 'Work:succeeded Check:succeeded Keep:notreached Reject:failed'
    && await page.inputValue('#map-iteration-select') === '2',
  `choosing iteration #2 in the table opens onto its states and shows it in the graph (${inTwo} | ${shown})`);
  await accessible(page, 'an execution, table view with iterations open');
  await page.click('#view-graph');
  check((await page.textContent('#history tr[data-type="MapStateStarted"] summary')) === '5 items'
    && (await page.textContent('#history tr[data-type="MapIterationStarted"] summary')) === 'Each index 0',
    'the event table summarises a Map\'s start (its length) and an iteration\'s (the Map and index)');

  // 8g2. A Parallel run twice (a loop): picking one of its visits colours
  // its branches' states as they ran then; so does choosing a branch row.
  const rounds = {
    StartAt: 'Init',
    States: {
      Init: { Type: 'Pass', Result: { n: 0 }, Next: 'Round' },
      Round: {
        Type: 'Parallel', Next: 'Again',
        Branches: [
          {
            StartAt: 'Pick',
            States: {
              Pick: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericEquals: 0, Next: 'First' }], Default: 'Second' },
              First: { Type: 'Pass', End: true },
              Second: { Type: 'Pass', End: true },
            },
          },
          { StartAt: 'Other', States: { Other: { Type: 'Pass', End: true } } },
        ],
        ResultSelector: { 'n.$': 'States.MathAdd($[1].n, 1)' },
      },
      Again: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericLessThan: 2, Next: 'Round' }], Default: 'Done' },
      Done: { Type: 'Succeed' },
    },
  };
  const roundsSm = await api(apiBase, 'CreateStateMachine', { name: 'Rounds', definition: JSON.stringify(rounds), roleArn: role });
  const roundsRun = await api(apiBase, 'StartExecution', { stateMachineArn: roundsSm.stateMachineArn, name: 'two-rounds', input: '{}' });
  await page.goto(`${base}/#/execution/${encodeURIComponent(roundsRun.executionArn)}`);
  await page.waitForSelector('#execution-status[data-status="SUCCEEDED"]');
  await page.waitForSelector('#execution-graph g.state[data-state="Done"][data-status="succeeded"]');
  check(await graphStatuses(['First', 'Second']) === 'First:succeeded Second:succeeded', 'a Parallel run twice: both runs\' states are coloured');
  await page.click('#execution-graph g.state[data-state="Pick"]');
  await page.selectOption('#visit-select', { label: '1 of 2 (succeeded)' });
  await page.waitForSelector('#graph-focus:not([hidden])');
  shown = await graphStatuses(['Round', 'Pick', 'First', 'Second', 'Other']);
  check(shown === 'Round:succeeded Pick:succeeded First:succeeded Second:notreached Other:succeeded'
    && (await page.textContent('#graph-focus')).includes('Round visit 1 of 2'),
  `picking the first run of a state in the Parallel shows that run's branches (${shown})`);
  await page.click('#view-table');
  await page.click('#state-table tr[data-kind="visit"][data-state="Round"] >> nth=1 >> .row-toggle');
  await page.click('#state-table tr[data-kind="branch"][data-state="Round"] >> nth=2 >> .row-select');
  await page.waitForFunction(() => document.querySelector('#graph-focus')?.textContent.includes('Round visit 2 of 2'));
  shown = await graphStatuses(['First', 'Second']);
  check(shown === 'First:notreached Second:succeeded' && (await page.textContent('#state-detail h3')).startsWith('Round'),
    `choosing a branch of the second run in the table shows that run in the graph (${shown})`);

  // 8h. Nested executions: a Task that starts one links to it, and the
  // child (given AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID) links back.
  const childSm = await api(apiBase, 'CreateStateMachine', {
    name: 'NestedChild', roleArn: role,
    definition: JSON.stringify({ StartAt: 'Hi', States: { Hi: { Type: 'Pass', End: true } } }),
  });
  const nested = {
    StartAt: 'RunChild',
    States: {
      RunChild: {
        Type: 'Task', Resource: 'arn:aws:states:::states:startExecution.sync:2', End: true,
        Parameters: { StateMachineArn: childSm.stateMachineArn, Input: { 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id', n: 1 } },
      },
    },
  };
  const parentSm = await api(apiBase, 'CreateStateMachine', { name: 'NestedParent', definition: JSON.stringify(nested), roleArn: role });
  const parentRun = await api(apiBase, 'StartExecution', { stateMachineArn: parentSm.stateMachineArn, name: 'parent-1', input: '{}' });
  await page.goto(`${base}/#/execution/${encodeURIComponent(parentRun.executionArn)}`);
  await page.waitForSelector('#execution-status[data-status="SUCCEEDED"]');
  await page.click('#execution-graph g.state[data-state="RunChild"]');
  await page.waitForSelector('#detail-child-execution');
  await page.click('#view-table');
  check((await page.getAttribute('#state-table tr[data-state="RunChild"] a.resource-link', 'href') || '').includes('NestedChild'),
    "the Table view links a Task's resource to the state machine it starts");
  await page.click('#detail-child-execution');
  await page.waitForSelector('#started-by-link');
  check((await page.getAttribute('#execution-header .crumbs a#state-machine-link', 'href')).includes('NestedChild'),
    "the Task's detail links the execution it started");
  await page.click('#started-by-link');
  await page.waitForFunction(() => document.querySelector('#execution-header h1')?.textContent.startsWith('parent-1'));
  check(true, 'the child execution links back to the execution that started it');

  // 8i. A Distributed Map with EXPRESS children: they keep no history, so
  // they are listed without links; an address of one shows what
  // DescribeExecution knows, without an error.
  const xmap = {
    StartAt: 'Fast',
    States: {
      Fast: {
        Type: 'Map', End: true,
        ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' }, StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
      },
    },
  };
  const xSm = await api(apiBase, 'CreateStateMachine', { name: 'ExpressChildren', definition: JSON.stringify(xmap), roleArn: role });
  const xRun = await api(apiBase, 'StartExecution', { stateMachineArn: xSm.stateMachineArn, input: '[1, 2, 3]' });
  await page.goto(`${base}/#/execution/${encodeURIComponent(xRun.executionArn)}`);
  await page.waitForSelector('#execution-status[data-status="SUCCEEDED"]');
  await page.waitForFunction(() => document.querySelectorAll('#map-runs .map-run-children tr[data-execution-arn]').length === 3);
  check(await page.$$eval('#map-runs .map-run-children tr[data-execution-arn] a', (l) => l.length) === 0
    && await page.isVisible('#map-runs .map-run-express'),
    'EXPRESS child executions are listed without links, and the list says why');
  const xChild = await page.getAttribute('#map-runs .map-run-children tr[data-execution-arn]', 'data-execution-arn');
  await page.goto(`${base}/#/execution/${encodeURIComponent(xChild)}`);
  await page.waitForSelector('#express-child-note');
  check(!(await page.$('#error')) && await page.getAttribute('#execution-status', 'data-status') === 'SUCCEEDED',
    "an EXPRESS child's address shows its status and data, not an error");

  // 8j. Navigating twice within milliseconds: only the last view fills the
  // page, and the superseded one never opens its stream.
  const streamed = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/console/stream')) streamed.push(r.postData() || '');
  });
  let raced = 0;
  for (let i = 0; i < 6; i++) {
    await page.goto(`${base}/#/`);
    await page.waitForSelector('a[data-state-machine]');
    streamed.length = 0;
    await page.evaluate(([a, b]) => {
      location.hash = `#/execution/${encodeURIComponent(a)}`;
      setTimeout(() => { location.hash = `#/execution/${encodeURIComponent(b)}`; }, 5);
    }, [cutRun.executionArn, jsonataRun.executionArn]);
    await page.waitForFunction(() => document.querySelector('#execution-header h1')?.textContent.startsWith('small-total'));
    await sleep(700);
    const h1 = await page.textContent('#execution-header h1');
    if (h1.startsWith('small-total') && !streamed.some((b) => b.includes(cutRun.executionArn))) raced += 1;
  }
  check(raced === 6, `a superseded view neither shows nor streams (${raced} of 6 quick navigations)`);

  // 8k. Versions and aliases: listed on the state machine's page; an
  // execution names the version and alias it ran through, and shows the
  // definition it ran.
  const versioned = await api(apiBase, 'CreateStateMachine', {
    name: 'Versioned', roleArn: role, publish: true,
    definition: JSON.stringify({ Comment: 'version one', StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }),
  });
  await api(apiBase, 'CreateStateMachineAlias', {
    name: 'prod', description: 'what runs', routingConfiguration: [{ stateMachineVersionArn: versioned.stateMachineVersionArn, weight: 100 }],
  });
  const viaAlias = await api(apiBase, 'StartExecution', { stateMachineArn: `${versioned.stateMachineArn}:prod`, name: 'via-alias' });
  await page.goto(`${base}/#/state-machine/${encodeURIComponent(versioned.stateMachineArn)}`);
  await page.waitForSelector('#versions tr[data-version-arn]');
  check((await page.textContent('#aliases')).includes('version 1 (100%)'), "the state machine's page lists its versions and aliases");
  await page.goto(`${base}/#/execution/${encodeURIComponent(viaAlias.executionArn)}`);
  await page.waitForSelector('#execution-version');
  check(await page.textContent('#execution-version') === 'Version 1, through the alias prod', 'an execution names its version and alias');
  await page.click('#execution-definition-section summary');
  check((await page.textContent('#execution-definition')).includes('version one'), 'an execution shows the definition it ran');

  // 9. SigV4: a second `stepwell serve`, verifying signatures (--access-key).
  // Unsigned, the console asks for credentials; a wrong secret is refused
  // with the server's message; signed in, it lists, starts an execution and
  // follows its stream, all signed in the browser (WebCrypto).
  const key = { accessKeyId: 'AKIDCONSOLEE2E', secretAccessKey: 'console/e2e+secret', region: 'us-east-1' };
  const sigPort = await freePort();
  start(bin, ['serve', '--bind', '127.0.0.1', '--port', String(sigPort), '--db', path.join(tmp, 'signed.db'),
    '--region', key.region, '--access-key', `${key.accessKeyId}:${key.secretAccessKey}`], 'stepwell serve (SigV4)');
  const sigBase = `http://127.0.0.1:${sigPort}`;
  await waitFor(`${sigBase}/health`, 30);
  const unsigned = await fetch(`${sigBase}/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'AWSStepFunctions.ListStateMachines' },
    body: '{}',
  });
  check(unsigned.status === 400 && (await unsigned.json()).__type === 'MissingAuthenticationTokenException',
    'the verifying server refuses an unsigned API call');
  const signedDemo = {
    StartAt: 'Prepare',
    States: {
      Prepare: { Type: 'Pass', Result: { ok: true }, Next: 'Pause' },
      Pause: { Type: 'Wait', Seconds: 1, Next: 'Done' },
      Done: { Type: 'Succeed' },
    },
  };
  await api(sigBase, 'CreateStateMachine', { name: 'SignedDemo', definition: JSON.stringify(signedDemo), roleArn: role }, key);
  const signed = await context.newPage();
  signed.setDefaultTimeout(20000);
  signed.on('pageerror', (e) => pageErrors.push(e.message));
  await signed.goto(`${sigBase}/`);
  await signed.waitForSelector('#signin');
  check(true, 'an unsigned console is asked to sign in');
  await accessible(signed, 'the sign-in form');
  const signIn = async (secret) => {
    await signed.fill('#signin-access-key', key.accessKeyId);
    await signed.fill('#signin-secret', secret);
    await signed.fill('#signin-region', key.region);
    await signed.click('#signin-submit');
  };
  await signIn('wrong');
  await signed.waitForSelector('#signin .error-box');
  check((await signed.textContent('#signin .error-box')).includes('signature we calculated does not match'),
    'a wrong secret is refused with the server\'s InvalidSignatureException message');
  await signIn(key.secretAccessKey);
  await signed.waitForSelector('a[data-state-machine="SignedDemo"]');
  check(true, 'signed requests list the state machines');
  await signed.click('a[data-state-machine="SignedDemo"]');
  await signed.waitForSelector('#start-input');
  await signed.fill('#start-input', '{"signed": true}');
  await signed.click('#start-execution');
  await signed.waitForSelector('#execution-graph g.state[data-state="Pause"][data-status="running"]');
  check(true, 'a signed StartExecution from the page; the signed stream shows Pause running');
  await signed.waitForSelector('#execution-graph g.state[data-state="Done"][data-status="succeeded"]');
  check(await signed.getAttribute('#execution-status', 'data-status') === 'SUCCEEDED', 'the signed stream follows the execution to SUCCEEDED');
  await signed.screenshot({ path: path.join(out, '07-signed-in.png'), fullPage: false });
  await signed.click('#sign-out');
  await signed.waitForSelector('#signin');
  check(true, 'signing out forgets the credentials');
  await signed.close();

  check(pageErrors.length === 0, `no errors in the page${pageErrors.length ? `: ${pageErrors.join(' | ')}` : ''}`);
}

let code = 0;
try {
  await main();
} catch (e) {
  failed += 1;
  console.log(`FAILED: ${e.message}`);
  if (page) await page.screenshot({ path: path.join(out, 'failure.png'), fullPage: true }).catch(() => {});
  for (const c of children) console.log(`--- ${c.logName} log (last lines) ---\n${c.log.join('').split('\n').slice(-30).join('\n')}`);
  if (pageErrors.length) console.log(`page errors: ${pageErrors.join(' | ')}`);
} finally {
  if (context) await context.close().catch(() => {});
  for (const c of children) c.p.kill('SIGTERM');
  await sleep(200);
  rmSync(tmp, { recursive: true, force: true });
}
if (failed) code = 1;
console.log(`screenshots: ${out}`);
console.log(`console e2e: ${passed} passed, ${failed} failed`);
process.exit(code);
