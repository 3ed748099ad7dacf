"""Stepwell's Python runtime for Lambda functions.

Speaks the Lambda Runtime API at $AWS_LAMBDA_RUNTIME_API: loads the handler
named by $_HANDLER from $LAMBDA_TASK_ROOT, then loops: take the next event,
call handler(event, context), post the result or the error. Errors use the
payload shape of AWS's Python runtime (errorMessage, errorType, requestId,
stackTrace, serialised with json.dumps' default separators) and its error
names for code that cannot be loaded. Used when AWS's awslambdaric is not
installed.
"""

import decimal
import http.client
import importlib
import json
import os
import socket
import sys
import time
import traceback

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
PREFIX = "/2018-06-01/runtime"


class Fault(Exception):
    """A failure of the runtime itself (not raised by the user's code)."""

    def __init__(self, error_type, message, trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace or []


class RuntimeApi:
    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self.host = host
        self.port = int(port)
        self.conn = None

    def _connect(self):
        conn = http.client.HTTPConnection(self.host, self.port)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.conn = conn

    def request(self, method, path, body=None, headers=None):
        for attempt in (0, 1):
            if self.conn is None:
                self._connect()
            try:
                self.conn.request(method, PREFIX + path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                return response, response.read()
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise

    def next(self):
        response, body = self.request("GET", "/invocation/next")
        if response.status != 200:
            sys.exit(0)
        return response.headers, body

    def respond(self, request_id, body):
        self.request(
            "POST",
            "/invocation/%s/response" % request_id,
            body=body,
            headers={"Content-Type": "application/json"},
        )

    def error(self, request_id, error_type, body):
        self.request(
            "POST",
            "/invocation/%s/error" % request_id,
            body=body,
            headers={
                "Content-Type": "application/json",
                "Lambda-Runtime-Function-Error-Type": error_type,
            },
        )

    def init_error(self, error_type, body):
        self.request(
            "POST",
            "/init/error",
            body=body,
            headers={
                "Content-Type": "application/json",
                "Lambda-Runtime-Function-Error-Type": error_type,
            },
        )


class Context:
    def __init__(self, request_id, deadline_ms, function_arn, client_context):
        self.aws_request_id = request_id
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = function_arn
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = client_context
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(time.time() * 1000), 0)


def error_body(message, error_type, request_id, trace):
    return json.dumps(
        {
            "errorMessage": message,
            "errorType": error_type,
            "requestId": request_id,
            "stackTrace": trace,
        }
    )


# AWS's runtime marshals a result as JSON that allows NaN and Infinity,
# writes a Decimal (what boto3's DynamoDB gives for numbers) as a number
# (a NaN one as NaN), leaves non-ASCII characters unescaped from python3.12
# on, and sends bytes as they are. json has no hook for writing raw number
# text, so a Decimal is first written as a marked string, then swapped.
MARK = "\x00stepwell-decimal-%x-" % os.getpid()
ENV = os.environ.get("AWS_EXECUTION_ENV", "")
try:
    ASCII = tuple(int(p) for p in ENV.rpartition("python")[2].split(".")) < (3, 12)
except ValueError:
    ASCII = True


class Marshal(json.JSONEncoder):
    def __init__(self):
        super().__init__(ensure_ascii=ASCII, allow_nan=True)
        self.numbers = []

    def default(self, o):
        if isinstance(o, decimal.Decimal):
            self.numbers.append("NaN" if o.is_nan() else str(o))
            return "%s%d" % (MARK, len(self.numbers) - 1)
        return super().default(o)


def marshal(result):
    if isinstance(result, bytes):
        return result
    encoder = Marshal()
    text = encoder.encode(result)
    for i, number in enumerate(encoder.numbers):
        text = text.replace(json.dumps("%s%d" % (MARK, i)), number, 1)
    return text.encode("utf-8")


def user_frames(tb):
    """The traceback from the first frame outside this file."""
    frames = traceback.extract_tb(tb)
    here = os.path.abspath(__file__)
    kept = [f for f in frames if os.path.abspath(f.filename) != here]
    return traceback.format_list(kept)


def load_handler(spec):
    try:
        module_name, function_name = spec.rsplit(".", 1)
    except ValueError as e:
        raise Fault("Runtime.MalformedHandlerName", "Bad handler '%s': %s" % (spec, e))
    import_name = module_name.replace("/", ".")
    if import_name.startswith("."):
        raise Fault(
            "Runtime.MalformedHandlerName",
            "Bad handler '%s': relative module names are not supported" % spec,
        )
    try:
        module = importlib.import_module(import_name)
    except ImportError as e:
        raise Fault(
            "Runtime.ImportModuleError",
            "Unable to import module '%s': %s" % (module_name, e),
        )
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n        %s\n' % (e.filename, e.lineno, (e.text or "").strip())]
        raise Fault(
            "Runtime.UserCodeSyntaxError",
            "Syntax error in module '%s': %s" % (module_name, e),
            trace,
        )
    handler = getattr(module, function_name, None)
    if handler is None or not callable(handler):
        raise Fault(
            "Runtime.HandlerNotFound",
            "Handler '%s' missing on module '%s'" % (function_name, module_name),
        )
    return handler


def log_error(error_type, message, trace):
    lines = ["[ERROR] %s: %s" % (error_type, message)]
    if trace:
        lines.append("Traceback (most recent call last):")
        lines.extend(t.rstrip("\n") for t in trace)
    print("\n".join(lines), file=sys.stderr, flush=True)


def main():
    task_root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    sys.path.insert(0, task_root)
    api = RuntimeApi(API)

    handler = None
    fault = None
    try:
        handler = load_handler(os.environ.get("_HANDLER", ""))
    except Fault as f:
        # Reported with each invocation, as AWS's runtime does.
        fault = f
    except Exception as e:
        trace = user_frames(e.__traceback__)
        name = type(e).__name__
        log_error(name, str(e), trace)
        api.init_error(name, error_body(str(e), name, "", trace))
        sys.exit(1)

    while True:
        headers, body = api.next()
        request_id = headers.get("Lambda-Runtime-Aws-Request-Id", "")
        os.environ["_X_AMZN_TRACE_ID"] = headers.get("Lambda-Runtime-Trace-Id", "")
        if fault is not None:
            log_error(fault.error_type, fault.message, fault.trace)
            api.error(request_id, fault.error_type, error_body(fault.message, fault.error_type, request_id, fault.trace))
            continue
        try:
            event = json.loads(body) if body else {}
        except ValueError as e:
            message = "Unable to unmarshal input: %s" % e
            api.error(request_id, "Runtime.UnmarshalError", error_body(message, "Runtime.UnmarshalError", request_id, []))
            continue
        client_context = headers.get("Lambda-Runtime-Client-Context")
        if client_context:
            try:
                client_context = json.loads(client_context)
            except ValueError:
                pass
        context = Context(
            request_id,
            int(headers.get("Lambda-Runtime-Deadline-Ms", "0")),
            headers.get("Lambda-Runtime-Invoked-Function-Arn", ""),
            client_context,
        )
        try:
            result = handler(event, context)
        except Exception as e:
            name = type(e).__name__
            trace = user_frames(e.__traceback__)
            log_error(name, str(e), trace)
            api.error(request_id, name, error_body(str(e), name, request_id, trace))
            continue
        try:
            payload = marshal(result)
        except Exception as e:
            message = "Unable to marshal response: %s" % e
            log_error("Runtime.MarshalError", message, [])
            api.error(request_id, "Runtime.MarshalError", error_body(message, "Runtime.MarshalError", request_id, []))
            continue
        api.respond(request_id, payload)


if __name__ == "__main__":
    main()
