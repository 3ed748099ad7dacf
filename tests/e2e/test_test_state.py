"""TestState against the real server: boto3 and the AWS CLI, each state
type, inspection data, mocks, retry/catch details and AWS's refusals."""

import json

import pytest

from stepwell_harness import ROLE, expect_error, run_cli

TASK = {
    "Type": "Task",
    "Resource": "arn:aws:states:::lambda:invoke",
    "Parameters": {"FunctionName": "f", "Payload.$": "$"},
    "Retry": [{"ErrorEquals": ["Boom"], "IntervalSeconds": 1, "BackoffRate": 2, "MaxAttempts": 5}],
    "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "Handler"}],
    "Next": "After",
}


@pytest.fixture(scope="module")
def sfn(server):
    # AWS serves TestState on the `sync-` host, like StartSyncExecution;
    # the test server is 127.0.0.1, so the prefix is not injected.
    return server.client(inject_host_prefix=False)


def ts(sfn, definition, **kw):
    return sfn.test_state(definition=json.dumps(definition), roleArn=ROLE, **kw)


@pytest.mark.parametrize(
    "definition, inp, status, output, next_state",
    [
        ({"Type": "Pass", "Parameters": {"b.$": "$.a"}, "Next": "N"}, {"a": 1}, "SUCCEEDED", {"b": 1}, "N"),
        ({"Type": "Choice", "Choices": [{"Variable": "$.v", "NumericGreaterThan": 10, "Next": "Big"}],
          "Default": "Small"}, {"v": 22}, "SUCCEEDED", {"v": 22}, "Big"),
        ({"Type": "Wait", "Seconds": 3600, "Next": "N"}, {"w": 1}, "SUCCEEDED", {"w": 1}, "N"),
        ({"Type": "Succeed"}, {"s": 1}, "SUCCEEDED", {"s": 1}, None),
        ({"Type": "Fail", "Error": "E", "Cause": "C"}, {}, "FAILED", None, None),
    ],
)
def test_state_types(sfn, definition, inp, status, output, next_state):
    r = ts(sfn, definition, input=json.dumps(inp))
    assert r["status"] == status
    assert (json.loads(r["output"]) if "output" in r else None) == output
    assert r.get("nextState") == next_state
    assert "inspectionData" not in r


def test_debug_inspection_of_a_mocked_task(sfn):
    r = ts(sfn, TASK, input=json.dumps({"a": 1}), inspectionLevel="DEBUG",
           mock={"result": json.dumps({"StatusCode": 200, "Payload": {"ok": True}})},
           variables=json.dumps({"v": "{% not evaluated %}"}))
    assert r["status"] == "SUCCEEDED" and r["nextState"] == "After"
    data = {k: json.loads(v) if isinstance(v, str) else v for k, v in r["inspectionData"].items()}
    assert data["input"] == {"a": 1}
    assert data["afterInputPath"] == {"a": 1}
    assert data["afterParameters"] == {"FunctionName": "f", "Payload": {"a": 1}}
    assert data["result"] == {"StatusCode": 200, "Payload": {"ok": True}}
    assert data["afterResultPath"] == data["result"]
    assert data["variables"] == {"v": "{% not evaluated %}"}


def test_retry_then_catch(sfn):
    boom = {"errorOutput": {"error": "Boom", "cause": "it broke"}}
    r = ts(sfn, TASK, inspectionLevel="DEBUG", mock=boom, stateConfiguration={"retrierRetryCount": 3})
    assert r["status"] == "RETRIABLE" and r["error"] == "Boom"
    assert r["inspectionData"]["errorDetails"] == {"retryIndex": 0, "retryBackoffIntervalSeconds": 8}
    r = ts(sfn, TASK, input="{}", inspectionLevel="DEBUG", mock=boom,
           stateConfiguration={"retrierRetryCount": 5})
    assert r["status"] == "CAUGHT_ERROR" and r["nextState"] == "Handler"
    assert json.loads(r["output"]) == {"err": {"Error": "Boom", "Cause": "it broke"}}
    assert r["inspectionData"]["errorDetails"] == {"retryIndex": 0, "catchIndex": 0}


def test_map_and_parallel_mocks(sfn):
    m = {"Type": "Map", "ItemsPath": "$.items", "ToleratedFailureCount": 0,
         "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, "End": True}
    r = ts(sfn, m, input=json.dumps({"items": [1, 2]}), inspectionLevel="DEBUG",
           mock={"result": "[10, 20]"})
    assert r["status"] == "SUCCEEDED" and json.loads(r["output"]) == [10, 20]
    assert r["inspectionData"]["maxConcurrency"] == 0
    assert r["inspectionData"]["toleratedFailureCount"] == 0
    r = ts(sfn, m, input=json.dumps({"items": [1, 2]}), mock={"result": "[10, 20]"},
           stateConfiguration={"mapIterationFailureCount": 1})
    assert r["status"] == "FAILED" and r["error"] == "States.ExceedToleratedFailureThreshold"
    p = {"Type": "Parallel", "End": True,
         "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}]}
    assert ts(sfn, p, mock={"result": "[1]"})["status"] == "SUCCEEDED"


def test_state_name_of_a_whole_machine(sfn):
    machine = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": 1, "Next": "B"},
                                          "B": {"Type": "Succeed"}}}
    r = ts(sfn, machine, stateName="A")
    assert r["status"] == "SUCCEEDED" and r["nextState"] == "B" and r["output"] == "1"


def test_state_name_inside_a_map(sfn):
    # AWS: stateName may name a state of a Map's ItemProcessor.
    machine = {"StartAt": "M", "States": {"M": {
        "Type": "Map", "ItemsPath": "$.Values", "End": True,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "HandleItem",
                          "States": {"HandleItem": {"Type": "Pass", "End": True}}}}}}
    r = ts(sfn, machine, stateName="HandleItem", input=json.dumps({"Value": "HelloWorld"}),
           inspectionLevel="DEBUG")
    assert r["status"] == "SUCCEEDED" and json.loads(r["output"]) == {"Value": "HelloWorld"}
    assert "nextState" not in r and json.loads(r["inspectionData"]["afterResultPath"]) == {"Value": "HelloWorld"}


def test_the_context_replaces_the_context_object(sfn):
    task = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True,
            "Parameters": {"FunctionName": "f"}, "ResultSelector": {"ctx.$": "$$"}}
    for given in [{}, {"Execution": {}, "State": {}, "StateMachine": {}}]:
        r = ts(sfn, task, mock={"result": "{}"}, context=json.dumps(given))
        assert json.loads(r["output"]) == {"ctx": given}, r


@pytest.mark.parametrize(
    "definition, kw, kind, message",
    [
        ({"Type": "Pass", "End": True}, {"mock": {"result": "{}"}}, "ValidationException",
         "State type 'Pass' is not supported when a mock is specified"),
        ({"Type": "Map", "End": True, "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}},
         {}, "InvalidDefinition", "TestState API does not support Map or Parallel states"),
        (TASK, {"mock": {"result": "{}", "errorOutput": {"error": "E", "cause": "C"}}}, "ValidationException",
         "A test mock should have only one of the following fields: [result, errorOutput]."),
        (TASK, {"mock": {"result": json.dumps({"StatusCode": "200"})}}, "ValidationException",
         "Mock result schema validation error: Field 'StatusCode' must be a number"),
        ({"Type": "Task", "Resource": "arn:aws:states:::states:startExecution", "End": True,
          "Parameters": {"StateMachineArn": "x"}}, {"mock": {"result": "{}"}}, "ValidationException",
         "Mock result schema validation error: Required field 'ExecutionArn' is missing"),
        ({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}, {"stateName": "Nope"},
         "ValidationException", "State not found in definition"),
        (TASK, {"mock": {"result": "{}"}, "context": json.dumps({"Execution": {"Id": 1}})},
         "ValidationException", "Invalid Context object provided: Execution.Id must be a string"),
        (TASK, {"mock": {"result": "{}"}, "context": json.dumps({"Map": {}})}, "ValidationException",
         "Invalid Context object provided: 'Map' field is not supported when mocking a Context object"),
        # AWS, recorded (test_field_validation_mode[_present]).
        ({"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "End": True,
          "Parameters": {"TableName": "t", "Item": {}}},
         {"mock": {"result": json.dumps({"ConsumedCapacity": {"CapacityUnits": "123.45"}})}},
         "ValidationException", "Mock result schema validation error: Field 'CapacityUnits' must be a number"),
        ({"Type": "Task", "Resource": "arn:aws:states:::states:startExecution", "End": True,
          "Parameters": {"StateMachineArn": "x"}},
         {"mock": {"result": json.dumps({"ExecutionArn": "e", "StartDate": 1764103483})}},
         "ValidationException", "Mock result schema validation error: Field 'StartDate' must be a string"),
        # The model: `error` "is required if mock.errorOutput is specified".
        (TASK, {"mock": {"errorOutput": {"cause": "C"}}}, "ValidationException",
         "1 validation error detected: Value at 'mock.errorOutput.error' failed to satisfy constraint: "
         "Member must not be null"),
    ],
)
def test_refusals(sfn, definition, kw, kind, message):
    got = expect_error(kind, ts, sfn, definition, **kw)
    assert message in got, got


def test_the_context_of_a_named_state_without_a_role(sfn):
    # AWS, recorded (test_state_with_variables[base_expressions]): no role
    # is a null RoleArn, `State.Name` is `StateName` whatever the state's
    # name, and the execution's ARN is `express:MACHINE:NAME`.
    machine = {"QueryLanguage": "JSONata", "StartAt": "State0", "States": {
        "State0": {"Type": "Pass", "Output": "{% $states.context %}", "End": True}}}
    r = sfn.test_state(definition=json.dumps(machine), stateName="State0")
    ctx = json.loads(r["output"])
    assert ctx["Execution"]["RoleArn"] is None, ctx
    assert ctx["State"]["Name"] == "StateName", ctx
    ex = ctx["Execution"]
    assert ex["Id"].split(":")[5:] == ["express", ctx["StateMachine"]["Name"], ex["Name"]], ctx
    r = ts(sfn, {"Type": "Pass", "Parameters": {"role.$": "$$.Execution.RoleArn"}, "End": True})
    assert json.loads(r["output"]) == {"role": ROLE}


def test_the_role_must_be_an_arn(sfn):
    # As CreateStateMachine's (AWS: "Invalid Arn: 'not-an-arn'").
    msg = expect_error("InvalidArn", sfn.test_state, definition=json.dumps({"Type": "Pass", "End": True}),
                       roleArn="not-an-arn")
    assert msg == "Invalid Arn: 'not-an-arn'"


def test_field_validation_none_accepts_anything(sfn):
    r = ts(sfn, TASK, mock={"result": json.dumps({"StatusCode": "x"}), "fieldValidationMode": "NONE"})
    assert r["status"] == "SUCCEEDED"


def test_cli_with_mock_and_state_configuration(server):
    # botocore's documented switch: no `sync-` host prefix (see test_express).
    r = run_cli(server.endpoint, "test-state", "--definition", json.dumps(TASK), "--role-arn", ROLE,
            "--inspection-level", "DEBUG",
            "--mock", json.dumps({"errorOutput": {"error": "Boom", "cause": "c"}}),
            "--state-configuration", json.dumps({"retrierRetryCount": 0}),
            env_extra={"AWS_DISABLE_HOST_PREFIX_INJECTION": "true"})
    assert r["status"] == "RETRIABLE"
    assert r["inspectionData"]["errorDetails"]["retryBackoffIntervalSeconds"] == 1


def test_map_item_reader_reads_the_given_data_as_its_object(sfn):
    # The CSV in mapItemReaderData is read as the reader reads an S3 object.
    m = {"Type": "Map", "End": True,
         "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                        "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                        "Parameters": {"Bucket": "b", "Key": "data.csv"}},
         "ItemSelector": {"who.$": "$$.Map.Item.Value.name"},
         "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                           "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}
    r = ts(sfn, m, inspectionLevel="DEBUG", mock={"result": "[1, 2]"},
           stateConfiguration={"mapItemReaderData": "name,n\nann,1\nbob,2\n"})
    assert r["status"] == "SUCCEEDED", r
    assert json.loads(r["inspectionData"]["afterItemSelector"]) == [{"who": "ann"}, {"who": "bob"}]


def test_a_state_going_to_itself_runs_once(sfn):
    r = ts(sfn, {"Type": "Pass", "Result": 1, "Next": "StateName"})
    assert r["status"] == "SUCCEEDED" and r["nextState"] == "StateName"


HANDLER = """
import os

def handler(event, context):
    with open(os.environ["CALLS"], "a") as f:
        f.write("call\\n")
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {"got": event}
"""


@pytest.fixture(scope="module")
def lambda_server(tmp_path_factory):
    from stepwell_harness import Server
    work = tmp_path_factory.mktemp("test-state-lambda")
    (work / "fn").mkdir()
    (work / "fn" / "app.py").write_text(HANDLER)
    calls = work / "calls.txt"
    (work / "stepwell.toml").write_text(
        '[functions.counted]\nruntime = "python3"\nhandler = "app.handler"\ncode = "fn"\n'
        f'environment = {{ CALLS = "{calls}" }}\n')
    s = Server(workdir=str(work), extra_args=["--functions", str(work / "stepwell.toml")])
    s.start()
    s.calls = calls
    yield s
    s.stop()


def test_a_task_without_a_mock_runs_its_function_once(lambda_server):
    sfn = lambda_server.client(inject_host_prefix=False)
    task = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "counted", "Payload.$": "$"},
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "Handler"}],
            "Next": "After"}
    r = ts(sfn, task, input=json.dumps({"n": 1}), inspectionLevel="DEBUG")
    assert r["status"] == "SUCCEEDED" and r["nextState"] == "After", r
    assert json.loads(r["output"])["Payload"] == {"got": {"n": 1}}
    # A failure the Catch takes: the function still ran once, not twice.
    r = ts(sfn, task, input=json.dumps({"fail": True}))
    assert r["status"] == "CAUGHT_ERROR" and r["nextState"] == "Handler", r
    assert lambda_server.calls.read_text().count("call") == 2


@pytest.fixture(scope="module")
def http_endpoint():
    import http.server
    import threading

    class Answer(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            # The path, every header as received (repeats too) and the body.
            length = int(self.headers.get("Content-Length") or 0)
            sent = self.rfile.read(length).decode() if length else ""
            body = json.dumps({"path": self.path, "headers": self.headers.items(), "body": sent}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_trace_shows_the_http_tasks_request_and_response(sfn, http_endpoint):
    task = {"Type": "Task", "Resource": "arn:aws:states:::http:invoke", "End": True,
            "Parameters": {"ApiEndpoint": f"{http_endpoint}/hello", "Method": "GET"}}
    r = ts(sfn, task, inspectionLevel="TRACE")
    assert r["status"] == "SUCCEEDED", r
    data = r["inspectionData"]
    assert data["request"]["method"] == "GET" and data["request"]["url"].endswith("/hello"), data
    assert data["response"]["statusCode"] == "200", data
    assert json.loads(data["response"]["body"])["path"] == "/hello"
    # DEBUG leaves them out.
    assert "request" not in ts(sfn, task, inspectionLevel="DEBUG")["inspectionData"]


def test_trace_lists_the_http_tasks_headers_as_aws_sends_them(sfn, http_endpoint):
    # AWS sets User-Agent and Range itself ("Call HTTPS APIs in Step Functions
    # workflows"), once each; the client frames the body: TRACE lists the
    # task's headers, then AWS's two, and no Content-Type/Content-Length.
    task = {"Type": "Task", "Resource": "arn:aws:states:::http:invoke", "End": True,
            "Parameters": {"ApiEndpoint": f"{http_endpoint}/post", "Method": "POST",
                           "Headers": {"X-A": "1", "User-Agent": "mine", "Content-Length": "99"},
                           "RequestBody": {"a": 1}}}
    r = ts(sfn, task, inspectionLevel="TRACE")
    assert r["status"] == "SUCCEEDED", r
    request = r["inspectionData"]["request"]
    assert request["headers"] == (
        "[X-A: 1, User-Agent: Amazon|StepFunctions|HttpInvoke|us-east-1, Range: bytes=0-262144]"), request
    assert request["body"] == '{"a":1}'
    got = json.loads(r["inspectionData"]["response"]["body"])
    headers = [(name.lower(), value) for name, value in got["headers"]]
    for name, want in [("user-agent", "Amazon|StepFunctions|HttpInvoke|us-east-1"),
                       ("range", "bytes=0-262144"),
                       ("content-type", "application/json; charset=UTF-8"),
                       ("content-length", "7"), ("x-a", "1")]:
        assert [v for n, v in headers if n == name] == [want], (name, headers)
    assert got["body"] == '{"a":1}'
