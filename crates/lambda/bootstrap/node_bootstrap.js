// Stepwell's Node.js runtime for Lambda functions.
//
// Speaks the Lambda Runtime API at $AWS_LAMBDA_RUNTIME_API: loads the handler
// named by $_HANDLER from $LAMBDA_TASK_ROOT (CommonJS or ES module), then
// loops: take the next event, call handler(event, context[, callback]) (async
// or callback style), post the result or the error. Errors use the payload
// shape of AWS's Node.js runtime ({errorType, errorMessage, trace}) and its
// error names for code that cannot be loaded. Used when AWS's aws-lambda-ric
// is not installed.
"use strict";

const http = require("http");
const path = require("path");
const fs = require("fs");
const url = require("url");

const [HOST, PORT] = (() => {
  const api = process.env.AWS_LAMBDA_RUNTIME_API || "127.0.0.1:9001";
  const i = api.lastIndexOf(":");
  return [api.slice(0, i), Number(api.slice(i + 1))];
})();
const PREFIX = "/2018-06-01/runtime";
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function call(method, route, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: HOST, port: PORT, method, path: PREFIX + route, agent, headers: headers || {} },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    req.on("socket", (s) => s.setNoDelay(true));
    req.on("error", reject);
    req.end(body);
  });
}

// As AWS's Node runtime reports what a handler threw: an Error (or any
// object with string name, message and stack) by its name, message and
// stack; anything else by its type and its toString() (`[object Object]`
// for a plain object); one whose toString fails as "handled".
function errorPayload(err) {
  try {
    const errorLike =
      err instanceof Error ||
      (err && typeof err.name === "string" && typeof err.message === "string" && typeof err.stack === "string");
    if (errorLike) {
      return {
        errorType: err.name || "Error",
        errorMessage: err.message,
        trace: String(err.stack || "").split("\n"),
      };
    }
    return { errorType: typeof err, errorMessage: err.toString(), trace: [] };
  } catch (_) {
    return {
      errorType: "handled",
      errorMessage:
        "callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack",
    };
  }
}

function named(name, message, cause) {
  const e = new Error(message);
  e.name = name;
  if (cause && cause.stack) e.stack = `${name}: ${message}\n${String(cause.stack).split("\n").slice(1).join("\n")}`;
  return e;
}

function logError(err) {
  const p = errorPayload(err);
  process.stderr.write(`ERROR\t${JSON.stringify(p)}\n`);
}

function postError(route, err) {
  const p = errorPayload(err);
  return call("POST", route, JSON.stringify(p), {
    "Content-Type": "application/json",
    "Lambda-Runtime-Function-Error-Type": p.errorType,
  });
}

async function loadHandler(root, spec) {
  const base = path.basename(spec);
  const dot = base.indexOf(".");
  if (dot <= 0 || dot === base.length - 1) {
    throw named("Runtime.MalformedHandlerName", `Bad handler ${spec}`);
  }
  const modulePath = path.join(path.dirname(spec), base.slice(0, dot));
  const chain = base.slice(dot + 1).split(".");
  const full = path.resolve(root, modulePath);
  let mod;
  const candidates = [".js", ".mjs", ".cjs"].map((ext) => full + ext).filter((f) => fs.existsSync(f));
  try {
    if (candidates.length === 0) {
      // Let require explain (it may also be a directory or a package).
      mod = require(full);
    } else if (candidates[0].endsWith(".mjs")) {
      mod = await import(url.pathToFileURL(candidates[0]).href);
    } else {
      try {
        mod = require(candidates[0]);
      } catch (e) {
        // An ES module require() cannot load: older Node refuses them all,
        // newer Node those with a top-level await. import() loads both.
        if (e && (e.code === "ERR_REQUIRE_ESM" || e.code === "ERR_REQUIRE_ASYNC_MODULE")) {
          mod = await import(url.pathToFileURL(candidates[0]).href);
        } else {
          throw e;
        }
      }
    }
  } catch (e) {
    if (e instanceof SyntaxError) {
      throw named("Runtime.UserCodeSyntaxError", `${e.name}: ${e.message}`, e);
    }
    if (e && (e.code === "MODULE_NOT_FOUND" || e.code === "ERR_MODULE_NOT_FOUND")) {
      throw named("Runtime.ImportModuleError", `Error: ${e.message}`, e);
    }
    throw e;
  }
  let handler = mod;
  for (const key of chain) {
    handler = handler == null ? undefined : handler[key];
  }
  if (handler === undefined && mod && mod.default && typeof mod.default === "object") {
    handler = mod.default;
    for (const key of chain) handler = handler == null ? undefined : handler[key];
  }
  if (typeof handler !== "function") {
    throw named("Runtime.HandlerNotFound", `${base} is undefined or not exported`);
  }
  return handler;
}

let current = null; // { id, settle }

process.on("uncaughtException", (err) => {
  logError(err);
  const id = current && current.id;
  current = null;
  const done = id ? postError(`/invocation/${id}/error`, err) : Promise.resolve();
  done.finally(() => process.exit(129));
});

process.on("unhandledRejection", (reason) => {
  const err = named("Runtime.UnhandledPromiseRejection", `${reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason)}`, reason);
  logError(err);
  const id = current && current.id;
  current = null;
  const done = id ? postError(`/invocation/${id}/error`, err) : Promise.resolve();
  done.finally(() => process.exit(128));
});

// A handler that neither returns a promise nor calls back finishes with null
// once the event loop is empty, as on Lambda.
process.on("beforeExit", () => {
  if (current) current.settle(null, null);
});

function invoke(handler, event, context) {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (err, result) => {
      if (settled) return;
      settled = true;
      resolve([err, result]);
    };
    current.settle = settle;
    const callback = (err, result) => settle(err == null ? null : err, result);
    context.done = callback;
    context.succeed = (result) => settle(null, result);
    context.fail = (err) => settle(err == null ? new Error("handled") : err, undefined);
    let returned;
    try {
      returned = handler(event, context, callback);
    } catch (e) {
      settle(e, undefined);
      return;
    }
    if (returned && typeof returned.then === "function") {
      returned.then(
        (value) => settle(null, value),
        (e) => settle(e == null ? new Error("handled") : e, undefined),
      );
    }
    // Otherwise the callback (or an empty event loop) answers. Like Lambda, a
    // plain value returned by a non-async handler is not the result.
  });
}

async function main() {
  const root = process.env.LAMBDA_TASK_ROOT || process.cwd();
  let handler;
  try {
    handler = await loadHandler(root, process.env._HANDLER || "");
  } catch (e) {
    logError(e);
    await postError("/init/error", e).catch(() => {});
    process.exit(1);
  }
  for (;;) {
    const next = await call("GET", "/invocation/next");
    if (next.status !== 200) process.exit(0);
    const h = next.headers;
    const id = h["lambda-runtime-aws-request-id"];
    const deadline = Number(h["lambda-runtime-deadline-ms"] || 0);
    if (h["lambda-runtime-trace-id"]) process.env._X_AMZN_TRACE_ID = h["lambda-runtime-trace-id"];
    let event;
    try {
      event = next.body.length ? JSON.parse(next.body.toString("utf8")) : {};
    } catch (e) {
      await postError(`/invocation/${id}/error`, named("Runtime.UnmarshalError", `Unable to parse input as json: ${e.message}`, e));
      continue;
    }
    let clientContext;
    if (h["lambda-runtime-client-context"]) {
      try {
        clientContext = JSON.parse(h["lambda-runtime-client-context"]);
      } catch (_) {
        clientContext = undefined;
      }
    }
    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME || "",
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION || "$LATEST",
      invokedFunctionArn: h["lambda-runtime-invoked-function-arn"] || "",
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE || "128",
      awsRequestId: id,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME || "",
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME || "",
      identity: undefined,
      clientContext,
      getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
    };
    current = { id, settle: null };
    const [err, result] = await invoke(handler, event, context);
    if (current === null) continue; // already answered by an uncaught error
    current = null;
    if (err) {
      logError(err);
      await postError(`/invocation/${id}/error`, err);
      continue;
    }
    let body;
    try {
      body = JSON.stringify(result === undefined ? null : result);
    } catch (_) {
      const e = new Error("Unable to stringify response body");
      logError(e);
      await postError(`/invocation/${id}/error`, e);
      continue;
    }
    await call("POST", `/invocation/${id}/response`, body, { "Content-Type": "application/json" });
  }
}

main().catch((e) => {
  logError(e);
  process.exit(1);
});
