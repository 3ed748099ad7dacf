"""Bad input: each answer is an AWS-shaped error (HTTP 400, `__type` and
`message`), and the server keeps serving afterwards."""

import json
import urllib.error

import pytest

from stepwell_harness import ROLE, CliError, arn, expect_error

PASS = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})


def assert_aws_error(server, status, body, kind, contains=None):
    assert status == 400, (status, body)
    assert isinstance(body, dict), body
    # `namespace#Name` (see test_error_types_carry_awss_namespaces).
    assert body.get("__type", "").rsplit("#", 1)[-1] == kind, body
    assert isinstance(body.get("message"), str) and body["message"], body
    if contains:
        assert contains in body["message"], body
    assert server.healthy(), "the server stopped answering /health"


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"name": "x"', b"\xff\xfe", b'"text"'])
def test_malformed_json_body(server, body):
    status, out = server.raw("AWSStepFunctions.ListStateMachines", body)
    assert_aws_error(server, status, out, "SerializationException")


def test_wrongly_typed_field(server):
    status, out = server.raw("AWSStepFunctions.DescribeExecution", {"executionArn": 12})
    assert_aws_error(server, status, out, "SerializationException")


def test_unknown_operation(server):
    status, out = server.raw("AWSStepFunctions.MakeCoffee", {})
    assert_aws_error(server, status, out, "UnknownOperationException", "MakeCoffee")
    status, out = server.raw("DynamoDB_20120810.ListTables", {})
    assert_aws_error(server, status, out, "UnknownOperationException")
    status, out = server.raw(None, {})
    assert_aws_error(server, status, out, "UnknownOperationException")


def test_error_types_carry_awss_namespaces(server, sfn, cli):
    # AWS's `__type`s (a suite run against AWS recorded them): the
    # service's exceptions in its namespace, broken member constraints in
    # the validator's; the SDKs keep what follows `#`.
    status, out = server.raw("AWSStepFunctions.DescribeExecution",
                             {"executionArn": arn("execution", "ghost", "run")})
    assert (status, out["__type"]) == (400, "com.amazonaws.swf.service.v2.model#ExecutionDoesNotExist"), out
    status, out = server.raw("AWSStepFunctions.SendTaskSuccess", {"taskToken": "t"})
    assert out == {"__type": "com.amazon.coral.validate#ValidationException",
                   "message": "1 validation error detected: Value at 'output' failed to satisfy "
                              "constraint: Member must not be null"}, out
    status, out = server.raw("AWSStepFunctions.ListStateMachines", b"{not json")
    assert out["__type"] == "SerializationException", out
    # boto3 and the AWS CLI still name the error.
    expect_error("ExecutionDoesNotExist", sfn.describe_execution, executionArn=arn("execution", "ghost", "run"))
    with pytest.raises(CliError) as e:
        cli("describe-execution", "--execution-arn", arn("execution", "ghost", "run"))
    assert "(ExecutionDoesNotExist)" in e.value.stderr, e.value.stderr


def test_missing_required_field(server):
    status, out = server.raw("AWSStepFunctions.DescribeExecution", {})
    assert_aws_error(server, status, out, "ValidationException", "executionArn")


def test_bad_arns(server, sfn):
    for bad in ["not-an-arn", "arn:aws:states:us-east-1:123456789012:activity:x",
                "arn:aws:states:us-east-1:123456789012:execution:"]:
        msg = expect_error("InvalidArn", sfn.describe_execution, executionArn=bad)
        assert "Invalid Arn" in msg
    # AWS's reason for a string that does not start with `arn:` (recorded).
    for call, field in ((sfn.describe_state_machine, "stateMachineArn"),
                        (sfn.list_executions, "stateMachineArn"),
                        (sfn.describe_execution, "executionArn"),
                        (sfn.get_execution_history, "executionArn"),
                        (sfn.describe_activity, "activityArn")):
        msg = expect_error("InvalidArn", call, **{field: "not_a_valid_arn"})
        assert msg == "Invalid Arn: 'Invalid ARN prefix: not_a_valid_arn'", msg
    expect_error("InvalidArn", sfn.describe_state_machine, stateMachineArn="arn:aws:lambda:x")
    expect_error("InvalidArn", sfn.start_execution, stateMachineArn="stateMachine:nope")
    status, out = server.raw("AWSStepFunctions.StopExecution", {"executionArn": "bogus"})
    assert_aws_error(server, status, out, "InvalidArn", "bogus")


def test_missing_resources(sfn):
    expect_error("StateMachineDoesNotExist", sfn.describe_state_machine,
                 stateMachineArn=arn("stateMachine", "ghost"))
    expect_error("StateMachineDoesNotExist", sfn.start_execution,
                 stateMachineArn=arn("stateMachine", "ghost"))
    expect_error("ExecutionDoesNotExist", sfn.describe_execution,
                 executionArn=arn("execution", "ghost", "run"))
    expect_error("ExecutionDoesNotExist", sfn.get_execution_history,
                 executionArn=arn("execution", "ghost", "run"))


def test_another_regions_arn_names_nothing_here(sfn, machine):
    """The server is one region of one account: a state machine ARN of
    another region or account does not exist here, even with a local name."""
    local = machine({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    assert sfn.describe_state_machine(stateMachineArn=local)["stateMachineArn"] == local
    for foreign in (local.replace(":us-east-1:", ":eu-west-1:"),
                    local.replace(":123456789012:", ":210987654321:")):
        assert foreign != local
        expect_error("StateMachineDoesNotExist", sfn.describe_state_machine, stateMachineArn=foreign)
        expect_error("StateMachineDoesNotExist", sfn.start_execution, stateMachineArn=foreign)


def test_invalid_definition(server, sfn, cli, unique):
    bad = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}})
    msg = expect_error("InvalidDefinition", sfn.create_state_machine, name=unique(), definition=bad, roleArn=ROLE)
    assert msg.startswith("Invalid State Machine Definition: '"), msg
    assert "MISSING_TRANSITION_TARGET" in msg and "Nowhere" in msg, msg
    with pytest.raises(CliError) as e:
        cli("create-state-machine", "--name", unique(), "--role-arn", ROLE, "--definition", "{oops")
    assert "InvalidDefinition" in e.value.stderr and "Invalid State Machine Definition" in e.value.stderr
    status, out = server.raw("AWSStepFunctions.CreateStateMachine",
                             {"name": unique(), "roleArn": ROLE, "definition": json.dumps({"States": {}})})
    assert_aws_error(server, status, out, "InvalidDefinition", "Invalid State Machine Definition")
    expect_error("InvalidArn", sfn.create_state_machine, name=unique(), definition=PASS, roleArn="not-a-role")


def test_oversize_input(server, sfn, machine):
    sm = machine(PASS)
    big = json.dumps({"blob": "x" * (256 * 1024)})
    msg = expect_error("ValidationException", sfn.start_execution, stateMachineArn=sm, input=big)
    assert "262144" in msg, msg
    # just under the limit is fine
    ok = json.dumps({"blob": "x" * (256 * 1024 - 20)})
    assert len(ok) <= 262144
    sfn.start_execution(stateMachineArn=sm, input=ok)
    # a body over the server's request limit is refused too, and the server lives on
    try:
        status, _ = server.raw("AWSStepFunctions.StartExecution",
                               {"stateMachineArn": sm, "input": json.dumps({"b": "x" * (5 * 1024 * 1024)})})
        assert status in (400, 413)
    except (ConnectionError, urllib.error.URLError) as e:
        # The server answers 413 from the Content-Length alone and closes
        # the connection; a client still sending the body may see the
        # close first (a broken pipe or a reset), depending on timing.
        reason = getattr(e, "reason", e)
        assert isinstance(reason, ConnectionError), e
    assert server.healthy()


def test_invalid_input_json(sfn, machine):
    sm = machine(PASS)
    expect_error("InvalidExecutionInput", sfn.start_execution, stateMachineArn=sm, input="{nope")
    # AWS's (Jackson's) words, as recorded.
    for text, why in (
        ("", "Invalid execution input."),
        ("not some json", "Unrecognized token 'not': was expecting (JSON String, Number, Array, "
                          "Object or token 'null', 'true' or 'false')"),
        ("{'not': 'json'", "Unexpected character (''' (code 39)): was expecting double-quote to "
                           "start field name"),
    ):
        msg = expect_error("InvalidExecutionInput", sfn.start_execution, stateMachineArn=sm, input=text)
        assert msg == f"Invalid State Machine Execution Input: '{why}'", msg


@pytest.mark.parametrize("name", ["has space", "a:b", "slash/ed", "q?", "x" * 81, ""])
def test_invalid_execution_name(server, machine, name):
    sm = machine(PASS)
    status, out = server.raw("AWSStepFunctions.StartExecution", {"stateMachineArn": sm, "name": name})
    # A length outside 1..80 is the model's constraint, checked first.
    kind = "ValidationException" if not 1 <= len(name) <= 80 else "InvalidName"
    assert_aws_error(server, status, out, kind)


def test_invalid_paging_arguments(server, sfn, machine):
    sm = machine(PASS)
    status, out = server.raw("AWSStepFunctions.ListExecutions",
                             {"stateMachineArn": sm, "statusFilter": "SLEEPING"})
    assert_aws_error(server, status, out, "ValidationException", "statusFilter")
    status, out = server.raw("AWSStepFunctions.ListExecutions", {"stateMachineArn": sm, "maxResults": 5000})
    assert_aws_error(server, status, out, "ValidationException", "maxResults")
    expect_error("InvalidToken", sfn.list_executions, stateMachineArn=sm, nextToken="garbage")


def test_server_still_serves(server, sfn):
    assert server.healthy()
    assert "stateMachines" in sfn.list_state_machines()


def test_oversize_task_output(server, sfn):
    status, out = server.raw("AWSStepFunctions.SendTaskSuccess",
                             {"taskToken": "t", "output": json.dumps({"b": "x" * (256 * 1024)})})
    assert_aws_error(server, status, out, "ValidationException", "output")


def test_history_max_results_limit(server, sfn, machine):
    ex = sfn.start_execution(stateMachineArn=machine(PASS))["executionArn"]
    status, out = server.raw("AWSStepFunctions.GetExecutionHistory", {"executionArn": ex, "maxResults": 1001})
    assert_aws_error(server, status, out, "ValidationException", "maxResults")
