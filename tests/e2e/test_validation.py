"""AWS's request validation through the real SDK: the model's constraints
(lengths, ranges, enums, patterns, required members) are checked before any
lookup, in AWS's "N validation error(s) detected" wording; the checks AWS
makes after them (InvalidName, InvalidArn) still answer when they pass."""

import json

import pytest

from stepwell_harness import arn, expect_error

PREFIX = "1 validation error detected: "


@pytest.fixture(scope="module")
def raw_sfn(server):
    """A client without boto3's own checks (it refuses a value under a
    model minimum before sending), so every request reaches the server."""
    return server.client(parameter_validation=False)


def test_checked_before_any_lookup(raw_sfn):
    ghost_machine = arn("stateMachine", "ghost")
    ghost_execution = arn("execution", "ghost", "run")
    msg = expect_error("ValidationException", raw_sfn.list_executions,
                       stateMachineArn=ghost_machine, statusFilter="BOGUS")
    assert msg == (PREFIX + "Value 'BOGUS' at 'statusFilter' failed to satisfy constraint: Member must "
                   "satisfy enum value set: [SUCCEEDED, TIMED_OUT, PENDING_REDRIVE, ABORTED, FAILED, RUNNING]")
    msg = expect_error("ValidationException", raw_sfn.get_execution_history,
                       executionArn=ghost_execution, maxResults=2000)
    assert msg == (PREFIX + "Value '2000' at 'maxResults' failed to satisfy constraint: "
                   "Member must have value less than or equal to 1000")
    key = "k" * 200
    msg = expect_error("ValidationException", raw_sfn.tag_resource,
                       resourceArn=ghost_machine, tags=[{"key": key, "value": "v"}])
    assert msg == (PREFIX + f"Value '{key}' at 'tags.1.member.key' failed to satisfy constraint: "
                   "Member must have length less than or equal to 128")


def test_lengths_and_patterns(raw_sfn, machine):
    sm = machine({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    trace = "t" * 300
    msg = expect_error("ValidationException", raw_sfn.start_execution, stateMachineArn=sm, traceHeader=trace)
    assert msg == (PREFIX + f"Value '{trace}' at 'traceHeader' failed to satisfy constraint: "
                   "Member must have length less than or equal to 256")
    msg = expect_error("ValidationException", raw_sfn.start_execution, stateMachineArn=sm, traceHeader="café")
    assert msg == (PREFIX + "Value 'café' at 'traceHeader' failed to satisfy constraint: "
                   "Member must satisfy regular expression pattern: \\p{ASCII}*")
    name = "x" * 81
    msg = expect_error("ValidationException", raw_sfn.start_execution, stateMachineArn=sm, name=name)
    assert msg == (PREFIX + f"Value '{name}' at 'name' failed to satisfy constraint: "
                   "Member must have length less than or equal to 80")
    msg = expect_error("ValidationException", raw_sfn.create_activity, name="a" * 100)
    assert msg.endswith("at 'name' failed to satisfy constraint: Member must have length less than or equal to 80")
    msg = expect_error("ValidationException", raw_sfn.create_activity, name="")
    assert msg == (PREFIX + "Value '' at 'name' failed to satisfy constraint: "
                   "Member must have length greater than or equal to 1")


def test_several_failures_and_sensitive_members(raw_sfn, machine):
    sm = machine({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    name, trace = "n" * 81, "t" * 257
    msg = expect_error("ValidationException", raw_sfn.start_execution,
                       stateMachineArn=sm, name=name, traceHeader=trace)
    assert msg == ("2 validation errors detected: "
                   f"Value '{name}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80; "
                   f"Value '{trace}' at 'traceHeader' failed to satisfy constraint: Member must have length less than or equal to 256")
    msg = expect_error("ValidationException", raw_sfn.send_task_failure, taskToken="t", error="e" * 300)
    assert msg == (PREFIX + "Value at 'error' failed to satisfy constraint: "
                   "Member must have length less than or equal to 256")
    msg = expect_error("ValidationException", raw_sfn.send_task_success, taskToken="")
    assert msg == ("2 validation errors detected: "
                   "Value at 'taskToken' failed to satisfy constraint: Member must have length greater than or equal to 1; "
                   "Value at 'output' failed to satisfy constraint: Member must not be null")
    # A missing sensitive member shows no `null` either (AWS, recorded by a
    # suite run against AWS).
    msg = expect_error("ValidationException", raw_sfn.send_task_success, taskToken="t")
    assert msg == PREFIX + "Value at 'output' failed to satisfy constraint: Member must not be null"


def test_payloads_are_measured_in_utf8_bytes(server, raw_sfn, machine):
    # 100,000 characters of 3 bytes: under the quota in characters, over it
    # in bytes; AWS's words (as users measured them).
    sm = machine({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    wide = '"' + "\u20ac" * 100_000 + '"'
    over = ("failed to satisfy constraint: Member must have size less than or equal to "
            "262144 bytes in UTF-8 encoding")
    msg = expect_error("ValidationException", raw_sfn.start_execution, stateMachineArn=sm, input=wide)
    assert msg == PREFIX + "Value at 'input' " + over
    msg = expect_error("ValidationException", raw_sfn.send_task_success, taskToken="t", output=wide)
    assert msg == PREFIX + "Value at 'output' " + over
    no_prefix = server.client(parameter_validation=False, inject_host_prefix=False)
    msg = expect_error("ValidationException", no_prefix.test_state,
                       definition=json.dumps({"Type": "Pass", "End": True}), input=wide)
    assert msg == PREFIX + "Value at 'input' " + over


def test_alias_name_pattern_and_routing(raw_sfn, sfn, machine):
    sm = machine({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    v1 = sfn.publish_state_machine_version(stateMachineArn=sm)["stateMachineVersionArn"]
    # AWS's recorded answer for an all-digit alias name.
    msg = expect_error("ValidationException", raw_sfn.create_state_machine_alias, name="123",
                       routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 100}])
    assert msg == (PREFIX + "Value '123' at 'name' failed to satisfy constraint: Member must satisfy "
                   "regular expression pattern: ^(?=.*[a-zA-Z_\\-\\.])[a-zA-Z0-9_\\-\\.]+$")
    msg = expect_error("ValidationException", raw_sfn.create_state_machine_alias, name="live",
                       routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 101}])
    assert msg == (PREFIX + "Value '101' at 'routingConfiguration.1.member.weight' failed to satisfy "
                   "constraint: Member must have value less than or equal to 100")


def test_later_checks_still_answer(raw_sfn, machine):
    """Names and ARNs that pass the model's constraints are judged as before."""
    sm = machine({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    expect_error("InvalidName", raw_sfn.start_execution, stateMachineArn=sm, name="has space")
    expect_error("InvalidName", raw_sfn.create_activity, name="a/b")
    expect_error("InvalidArn", raw_sfn.describe_execution, executionArn="not-an-arn")
    msg = expect_error("ValidationException", raw_sfn.describe_execution)
    assert msg == (PREFIX + "Value null at 'executionArn' failed to satisfy constraint: Member must not be null")
