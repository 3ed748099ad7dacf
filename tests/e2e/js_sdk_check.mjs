// The AWS SDK for JavaScript v3 (@aws-sdk/client-sfn, a Smithy client with
// its own JSON 1.0 serializers, error parsing and paginators; botocore shares
// none of it) against a running `stepwell serve`.
//
// Usage: node js_sdk_check.mjs <endpoint> <node_modules dir> <unique prefix>
// Prints one line per check and "js-sdk: N passed"; exits 1 on the first
// failure.

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import path from "node:path";

const [endpoint, modules, prefix] = process.argv.slice(2);
const require = createRequire(path.join(modules, "package.json"));
const sfn = require("@aws-sdk/client-sfn");

const config = {
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "AKIDSTEPWELLE2E", secretAccessKey: "stepwell-e2e-secret" },
  maxAttempts: 1,
};
const client = new sfn.SFNClient(config);
// StartSyncExecution goes to `sync-<host>` unless host prefixes are off.
const syncClient = new sfn.SFNClient({ ...config, disableHostPrefix: true });
const ROLE = "arn:aws:iam::123456789012:role/stepwell-e2e";
const send = (command) => client.send(command);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, check, seconds = 20) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function rejects(promise, errorClass, status = 400) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof errorClass, `${e.name}: ${e.message} is not a ${errorClass.name}`);
    assert.equal(e.name, errorClass.name);
    assert.equal(e.$metadata.httpStatusCode, status);
    assert.equal(e.$fault, status >= 500 ? "server" : "client");
    return e;
  }
  throw new Error(`expected ${errorClass.name}`);
}

const callback = {
  StartAt: "Ask",
  States: {
    Ask: {
      Type: "Task",
      Resource: "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
      Parameters: { QueueUrl: "https://sqs/q", MessageBody: { "token.$": "$$.Task.Token" } },
      ResultPath: "$.reply",
      Next: "Route",
    },
    Route: {
      Type: "Choice",
      Choices: [{ Variable: "$.reply.ok", BooleanEquals: true, Next: "Done" }],
      Default: "Refused",
    },
    Done: { Type: "Succeed" },
    Refused: { Type: "Fail", Error: "Refused", Cause: "the answer was no" },
  },
};

const checks = [];
const check = (name, fn) => checks.push([name, fn]);

let machine;
check("CreateStateMachine and DescribeStateMachine (dates as Date objects)", async () => {
  const out = await send(new sfn.CreateStateMachineCommand({
    name: `${prefix}-callback`, definition: JSON.stringify(callback), roleArn: ROLE,
    tags: [{ key: "team", value: "js" }],
  }));
  machine = out.stateMachineArn;
  assert.match(machine, /^arn:aws:states:us-east-1:123456789012:stateMachine:/);
  assert.ok(out.creationDate instanceof Date && !Number.isNaN(out.creationDate.getTime()));
  const d = await send(new sfn.DescribeStateMachineCommand({ stateMachineArn: machine }));
  assert.equal(d.type, "STANDARD");
  assert.deepEqual(JSON.parse(d.definition), callback);
  const tags = await send(new sfn.ListTagsForResourceCommand({ resourceArn: machine }));
  assert.deepEqual(tags.tags, [{ key: "team", value: "js" }]);
});

check("a callback execution: history, token, SendTaskSuccess, output", async () => {
  const { executionArn } = await send(new sfn.StartExecutionCommand({
    stateMachineArn: machine, name: `${prefix}-yes`, input: JSON.stringify({ n: 1 }),
  }));
  const token = await until("TaskScheduled", async () => {
    const h = await send(new sfn.GetExecutionHistoryCommand({ executionArn }));
    const e = h.events.find((x) => x.type === "TaskScheduled");
    return e && JSON.parse(e.taskScheduledEventDetails.parameters).MessageBody.token;
  });
  await send(new sfn.SendTaskHeartbeatCommand({ taskToken: token }));
  await send(new sfn.SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ ok: true }) }));
  const d = await until("SUCCEEDED", async () => {
    const x = await send(new sfn.DescribeExecutionCommand({ executionArn }));
    return x.status === "SUCCEEDED" && x;
  });
  assert.deepEqual(JSON.parse(d.output), { n: 1, reply: { ok: true } });
  assert.ok(d.startDate instanceof Date && d.stopDate >= d.startDate);
  const h = await send(new sfn.GetExecutionHistoryCommand({ executionArn, reverseOrder: true }));
  assert.equal(h.events[0].type, "ExecutionSucceeded");
  assert.ok(h.events.every((e) => e.timestamp instanceof Date && Number.isInteger(e.id)));
  await rejects(send(new sfn.SendTaskSuccessCommand({ taskToken: token, output: "{}" })), sfn.TaskTimedOut);
});

check("SendTaskFailure ends the execution FAILED with its error and cause", async () => {
  const { executionArn } = await send(new sfn.StartExecutionCommand({ stateMachineArn: machine }));
  const token = await until("TaskScheduled", async () => {
    const h = await send(new sfn.GetExecutionHistoryCommand({ executionArn }));
    const e = h.events.find((x) => x.type === "TaskScheduled");
    return e && JSON.parse(e.taskScheduledEventDetails.parameters).MessageBody.token;
  });
  await send(new sfn.SendTaskFailureCommand({ taskToken: token, error: "No.Way", cause: "declined" }));
  const d = await until("FAILED", async () => {
    const x = await send(new sfn.DescribeExecutionCommand({ executionArn }));
    return x.status === "FAILED" && x;
  });
  assert.equal(d.error, "No.Way");
  assert.equal(d.cause, "declined");
});

check("modelled errors arrive as the SDK's exception classes", async () => {
  const missing = machine.replace(":stateMachine:", ":execution:") + ":nope";
  await rejects(send(new sfn.DescribeExecutionCommand({ executionArn: missing })), sfn.ExecutionDoesNotExist);
  await rejects(send(new sfn.DescribeStateMachineCommand({ stateMachineArn: `${machine}-gone` })),
    sfn.StateMachineDoesNotExist);
  await rejects(send(new sfn.DescribeExecutionCommand({ executionArn: "not-an-arn" })), sfn.InvalidArn);
  // `com.amazon.coral.validate#ValidationException`, as AWS sends it.
  await rejects(send(new sfn.SendTaskSuccessCommand({ taskToken: "t" })), sfn.ValidationException);
  await rejects(send(new sfn.CreateStateMachineCommand({
    name: `${prefix}-bad`, definition: JSON.stringify({ StartAt: "X", States: {} }), roleArn: ROLE,
  })), sfn.InvalidDefinition);
  await rejects(send(new sfn.StartExecutionCommand({
    stateMachineArn: machine, name: `${prefix}-yes`, input: "{\"other\": true}",
  })), sfn.ExecutionAlreadyExists);
  const v = await send(new sfn.ValidateStateMachineDefinitionCommand({
    definition: JSON.stringify({ StartAt: "X", States: {} }),
  }));
  assert.equal(v.result, "FAIL");
  assert.ok(v.diagnostics.length > 0 && v.diagnostics.every((d) => d.severity === "ERROR" && d.code));
});

check("paginateListExecutions follows nextToken", async () => {
  const pass = { StartAt: "P", States: { P: { Type: "Pass", End: true } } };
  const { stateMachineArn } = await send(new sfn.CreateStateMachineCommand({
    name: `${prefix}-pass`, definition: JSON.stringify(pass), roleArn: ROLE,
  }));
  for (let i = 0; i < 5; i++) {
    await send(new sfn.StartExecutionCommand({ stateMachineArn, name: `${prefix}-p${i}` }));
  }
  const seen = [];
  let pages = 0;
  for await (const page of sfn.paginateListExecutions({ client, pageSize: 2 }, { stateMachineArn })) {
    pages++;
    seen.push(...page.executions.map((e) => e.name));
  }
  assert.equal(pages, 3);
  assert.deepEqual(seen.sort(), [0, 1, 2, 3, 4].map((i) => `${prefix}-p${i}`));
});

check("StartSyncExecution of an EXPRESS machine (host prefix off)", async () => {
  const def = {
    QueryLanguage: "JSONata", StartAt: "Sum",
    States: { Sum: { Type: "Pass", Output: "{% $sum($states.input.xs) %}", End: true } },
  };
  const { stateMachineArn } = await send(new sfn.CreateStateMachineCommand({
    name: `${prefix}-express`, definition: JSON.stringify(def), roleArn: ROLE, type: "EXPRESS",
  }));
  const out = await syncClient.send(new sfn.StartSyncExecutionCommand({
    stateMachineArn, input: JSON.stringify({ xs: [1, 2, 3.5] }),
  }));
  assert.equal(out.status, "SUCCEEDED");
  assert.equal(JSON.parse(out.output), 6.5);
  assert.ok(out.billingDetails && typeof out.billingDetails.billedDurationInMilliseconds === "number");
});

let passed = 0;
for (const [name, fn] of checks) {
  try {
    await fn();
  } catch (e) {
    console.log(`FAIL ${name}\n${e.stack || e}`);
    process.exit(1);
  }
  passed++;
  console.log(`ok   ${name}`);
}
console.log(`js-sdk: ${passed} passed`);
