"""State machines: create, describe, update, list, delete, validate, tags."""

import json
import time

from botocore.exceptions import ClientError

from stepwell_harness import ROLE, arn, expect_error, history, wait_done, wait_event

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"v": 1}, "End": True}}}
PASS2 = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"v": 2}, "End": True}}}


def test_lifecycle_with_the_cli(cli, unique):
    name = unique("cli-sm-")
    created = cli("create-state-machine", "--name", name, "--role-arn", ROLE,
                  "--definition", json.dumps(PASS))
    sm = created["stateMachineArn"]
    assert sm == arn("stateMachine", name)
    assert isinstance(created["creationDate"], (int, float))

    d = cli("describe-state-machine", "--state-machine-arn", sm)
    assert d["name"] == name and d["status"] == "ACTIVE" and d["type"] == "STANDARD"
    assert json.loads(d["definition"]) == PASS
    assert d["roleArn"] == ROLE
    # The first revision shows no revisionId (as AWS); an update's does.
    assert "revisionId" not in d

    u = cli("update-state-machine", "--state-machine-arn", sm, "--definition", json.dumps(PASS2))
    assert "updateDate" in u and u["revisionId"]
    d = cli("describe-state-machine", "--state-machine-arn", sm)
    assert json.loads(d["definition"]) == PASS2
    assert d["revisionId"] == u["revisionId"]

    listed = cli("list-state-machines")["stateMachines"]
    assert [m for m in listed if m["stateMachineArn"] == sm][0]["type"] == "STANDARD"

    assert cli("delete-state-machine", "--state-machine-arn", sm) in (None, {})
    try:
        cli("describe-state-machine", "--state-machine-arn", sm)
        raise AssertionError("a deleted state machine was described")
    except Exception as e:  # CliError
        assert "StateMachineDoesNotExist" in str(e)


def test_create_is_idempotent_and_conflicts_are_refused(sfn, unique):
    name = unique("sm-")
    a = sfn.create_state_machine(name=name, definition=json.dumps(PASS), roleArn=ROLE)
    b = sfn.create_state_machine(name=name, definition=json.dumps(PASS), roleArn=ROLE)
    assert a["stateMachineArn"] == b["stateMachineArn"]
    msg = expect_error("StateMachineAlreadyExists", sfn.create_state_machine,
                       name=name, definition=json.dumps(PASS2), roleArn=ROLE)
    assert name in msg


def test_list_state_machines_pages(sfn, machine):
    made = {machine(PASS) for _ in range(3)}
    seen, token, pages = [], None, 0
    while True:
        kw = {"maxResults": 2}
        if token:
            kw["nextToken"] = token
        r = sfn.list_state_machines(**kw)
        assert len(r["stateMachines"]) <= 2
        seen += [m["stateMachineArn"] for m in r["stateMachines"]]
        pages += 1
        token = r.get("nextToken")
        if not token:
            break
    assert made <= set(seen)
    assert len(seen) == len(set(seen)), "a state machine was listed twice"
    assert pages >= 2
    # boto3's paginator follows the same tokens
    paged = [m["stateMachineArn"]
             for p in sfn.get_paginator("list_state_machines").paginate(PaginationConfig={"PageSize": 2})
             for m in p["stateMachines"]]
    assert paged == seen


def test_validate_state_machine_definition(sfn, cli):
    ok = sfn.validate_state_machine_definition(definition=json.dumps(PASS))
    assert ok["result"] == "OK" and ok["diagnostics"] == []
    bad = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}
    r = cli("validate-state-machine-definition", "--definition", json.dumps(bad))
    assert r["result"] == "FAIL"
    codes = [d["code"] for d in r["diagnostics"]]
    assert "MISSING_TRANSITION_TARGET" in codes, r
    assert all(d["severity"] == "ERROR" and d["message"] for d in r["diagnostics"])

    # Warnings only when asked for; they do not fail the definition.
    warned = {"StartAt": "A", "States": {"A": {
        "Type": "Pass", "Parameters": {"id": "$.id"}, "End": True}}}
    r = sfn.validate_state_machine_definition(definition=json.dumps(warned))
    assert r["result"] == "OK" and r["diagnostics"] == [], r
    r = sfn.validate_state_machine_definition(definition=json.dumps(warned), severity="WARNING")
    assert r["result"] == "OK", r
    assert [(d["severity"], d["code"], d["location"]) for d in r["diagnostics"]] == [
        ("WARNING", "NO_DOLLAR", "/States/A/Parameters/id")], r

    # Recorded against AWS (INVALID_BASE_NO_STARTAT, EMPTY_STRING).
    r = sfn.validate_state_machine_definition(
        definition=json.dumps({"States": {"StartState": {"Type": "Pass", "End": True}}}))
    assert r["diagnostics"] == [{"severity": "ERROR", "code": "SCHEMA_VALIDATION_FAILED",
                                 "message": "These fields are required: [StartAt]", "location": "/"}]
    r = sfn.validate_state_machine_definition(definition=" ")
    assert r["diagnostics"] == [{"severity": "ERROR", "code": "SCHEMA_VALIDATION_FAILED",
                                 "message": "Definition must be a valid JSON object"}]


def test_describe_state_machine_for_execution(sfn, machine):
    sm = machine(PASS)
    ex = sfn.start_execution(stateMachineArn=sm)["executionArn"]
    sfn.update_state_machine(stateMachineArn=sm, definition=json.dumps(PASS2))
    d = sfn.describe_state_machine_for_execution(executionArn=ex)
    assert d["stateMachineArn"] == sm
    assert json.loads(d["definition"]) == PASS, "the execution's own definition, not the update"


def test_tags(sfn, cli, machine, unique):
    sm = machine(PASS, tags=[{"key": "team", "value": "core"}])
    assert sfn.list_tags_for_resource(resourceArn=sm)["tags"] == [{"key": "team", "value": "core"}]
    cli("tag-resource", "--resource-arn", sm, "--tags", "key=env,value=test", "key=team,value=edge")
    tags = {t["key"]: t["value"] for t in cli("list-tags-for-resource", "--resource-arn", sm)["tags"]}
    assert tags == {"team": "edge", "env": "test"}
    sfn.untag_resource(resourceArn=sm, tagKeys=["team"])
    assert sfn.list_tags_for_resource(resourceArn=sm)["tags"] == [{"key": "env", "value": "test"}]

    act = sfn.create_activity(name=unique("act-"), tags=[{"key": "k", "value": "v"}])["activityArn"]
    assert sfn.list_tags_for_resource(resourceArn=act)["tags"] == [{"key": "k", "value": "v"}]
    sfn.delete_activity(activityArn=act)


def test_encryption_configuration_is_kept_and_described(sfn, unique):
    name = unique("enc-")
    sm = sfn.create_state_machine(name=name, definition=json.dumps(PASS), roleArn=ROLE)["stateMachineArn"]
    assert sfn.describe_state_machine(stateMachineArn=sm)["encryptionConfiguration"] == {"type": "AWS_OWNED_KEY"}
    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    sfn.update_state_machine(stateMachineArn=sm, encryptionConfiguration={
        "type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": key})
    assert sfn.describe_state_machine(stateMachineArn=sm)["encryptionConfiguration"] == {
        "type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": key, "kmsDataKeyReusePeriodSeconds": 300}
    expect_error("InvalidEncryptionConfiguration", sfn.create_state_machine, name=unique("enc-"),
                 definition=json.dumps(PASS), roleArn=ROLE,
                 encryptionConfiguration={"type": "CUSTOMER_MANAGED_KMS_KEY"})

    activity = sfn.create_activity(name=unique("enc-act-"), encryptionConfiguration={
        "type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": key, "kmsDataKeyReusePeriodSeconds": 60})
    assert sfn.describe_activity(activityArn=activity["activityArn"])["encryptionConfiguration"] == {
        "type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": key, "kmsDataKeyReusePeriodSeconds": 60}


def test_create_idempotency_ignores_role_and_tags_but_not_configuration(sfn, unique):
    name = unique("idem-")
    first = sfn.create_state_machine(name=name, definition=json.dumps(PASS), roleArn=ROLE,
                                     publish=True, versionDescription="v1")
    other_role = ROLE.replace("role/", "role/other-")
    again = sfn.create_state_machine(name=name, definition=json.dumps(PASS), roleArn=other_role,
                                     tags=[{"key": "ignored", "value": "yes"}],
                                     publish=True, versionDescription="v1")
    assert again["stateMachineArn"] == first["stateMachineArn"]
    assert again["stateMachineVersionArn"] == first["stateMachineVersionArn"]
    assert sfn.describe_state_machine(stateMachineArn=first["stateMachineArn"])["roleArn"] == ROLE
    assert sfn.list_tags_for_resource(resourceArn=first["stateMachineArn"])["tags"] == []
    for different in ({"tracingConfiguration": {"enabled": True}},
                      {"publish": False},
                      {"versionDescription": "v2", "publish": True}):
        expect_error("StateMachineAlreadyExists", sfn.create_state_machine, name=name,
                     definition=json.dumps(PASS), roleArn=ROLE, **{"publish": True, **different})


def test_metadata_only_and_variable_references(sfn, unique):
    definition = {
        "StartAt": "Keep",
        "States": {
            "Keep": {"Type": "Pass", "Assign": {"limit": 3}, "Next": "Use"},
            "Use": {"Type": "Pass", "QueryLanguage": "JSONata",
                    "Output": "{% $limit * $states.input.n %}", "Next": "Check"},
            "Check": {"Type": "Choice", "Choices": [
                {"Variable": "$limit", "NumericGreaterThanPath": "$floor", "Next": "Done"}],
                "Default": "Done"},
            "Done": {"Type": "Succeed"},
        },
    }
    sm = sfn.create_state_machine(name=unique("vars-"), definition=json.dumps(definition),
                                  roleArn=ROLE)["stateMachineArn"]
    d = sfn.describe_state_machine(stateMachineArn=sm)
    assert d["variableReferences"] == {"Use": ["limit"], "Check": ["floor", "limit"]}
    d = sfn.describe_state_machine(stateMachineArn=sm, includedData="METADATA_ONLY")
    assert d["definition"] == "{}" and "variableReferences" not in d
    arn = sfn.start_execution(stateMachineArn=sm, input='{"n": 2}')["executionArn"]
    d = sfn.describe_state_machine_for_execution(executionArn=arn, includedData="METADATA_ONLY")
    assert d["definition"] == "{}" and d["encryptionConfiguration"] == {"type": "AWS_OWNED_KEY"}


def test_logging_configuration_is_checked_as_aws_does(sfn, unique):
    group = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/states/x"
    dest = lambda arn: {"cloudWatchLogsLogGroup": {"logGroupArn": arn}}  # noqa: E731
    for config, why in (
        ({"level": "ALL"}, "Must specify exactly one Log Destination."),
        ({"level": "OFF", "destinations": [dest(group + ":*"), dest(group + "2:*")]},
         "Must specify exactly one Log Destination."),
        ({"level": "ERROR", "destinations": [dest(group)]},
         "Log Group ARN must be provided with '*' qualifier."),
    ):
        msg = expect_error("InvalidLoggingConfiguration", sfn.create_state_machine, name=unique("log-"),
                           definition=json.dumps(PASS), roleArn=ROLE, loggingConfiguration=config)
        assert msg == "Invalid Logging Configuration: " + why
    good = {"level": "ALL", "includeExecutionData": True, "destinations": [dest(group + ":*")]}
    sm = sfn.create_state_machine(name=unique("log-"), definition=json.dumps(PASS), roleArn=ROLE,
                                  loggingConfiguration=good)["stateMachineArn"]
    assert sfn.describe_state_machine(stateMachineArn=sm)["loggingConfiguration"] == good
    expect_error("InvalidLoggingConfiguration", sfn.update_state_machine, stateMachineArn=sm,
                 loggingConfiguration={"level": "FATAL"})
    # What is left out is described with AWS's defaults (recorded).
    for config, want in (({}, {"includeExecutionData": False, "level": "OFF"}),
                         ({"destinations": []},
                          {"destinations": [], "includeExecutionData": False, "level": "OFF"})):
        sm = sfn.create_state_machine(name=unique("log-"), definition=json.dumps(PASS), roleArn=ROLE,
                                      loggingConfiguration=config)["stateMachineArn"]
        assert sfn.describe_state_machine(stateMachineArn=sm)["loggingConfiguration"] == want


def test_an_activity_keeps_its_encryption(sfn, unique):
    name = unique("act-enc-")
    first = sfn.create_activity(name=name)
    assert sfn.create_activity(name=name)["activityArn"] == first["activityArn"]
    expect_error("ActivityAlreadyExists", sfn.create_activity, name=name, encryptionConfiguration={
        "type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": "alias/mine"})


def test_a_state_machine_with_running_executions_is_deleting_until_they_end(sfn, unique):
    # AWS: DeleteStateMachine sets DELETING; each running execution fails at
    # its next state transition ("State machine NAME has been deleted.",
    # AWS's knowledge center); the state machine goes with the last one.
    name = unique("del-")
    ask = {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
           "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q",
                          "MessageBody": {"token.$": "$$.Task.Token"}},
           "HeartbeatSeconds": 600, "Next": "After"}
    definition = json.dumps({"StartAt": "Ask", "States": {"Ask": ask, "After": {"Type": "Pass", "End": True}}})
    created = sfn.create_state_machine(name=name, definition=definition, roleArn=ROLE, publish=True)
    sm, v1 = created["stateMachineArn"], created["stateMachineVersionArn"]
    sfn.create_state_machine_alias(name="live", routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 100}])
    answered = sfn.start_execution(stateMachineArn=sm, name="answered")["executionArn"]
    stopped = sfn.start_execution(stateMachineArn=v1, name="stopped")["executionArn"]
    scheduled = wait_event(sfn, answered, "TaskScheduled")["taskScheduledEventDetails"]
    token = json.loads(scheduled["parameters"])["MessageBody"]["token"]
    wait_event(sfn, stopped, "TaskScheduled")

    sfn.delete_state_machine(stateMachineArn=sm)
    assert sfn.describe_state_machine(stateMachineArn=sm)["status"] == "DELETING"
    sfn.delete_state_machine(stateMachineArn=sm)  # again: still fine
    # Its versions and aliases are gone at once.
    expect_error("StateMachineDoesNotExist", sfn.describe_state_machine, stateMachineArn=v1)
    expect_error("ResourceNotFound", sfn.describe_state_machine_alias, stateMachineAliasArn=f"{sm}:live")
    for call, kw in [
        (sfn.start_execution, {"stateMachineArn": sm}),
        (sfn.create_state_machine, {"name": name, "definition": definition, "roleArn": ROLE}),
        (sfn.update_state_machine, {"stateMachineArn": sm, "definition": definition}),
        (sfn.publish_state_machine_version, {"stateMachineArn": sm}),
        (sfn.list_state_machine_aliases, {"stateMachineArn": sm}),
    ]:
        assert sm in expect_error("StateMachineDeleting", call, **kw)

    # A heartbeat is no transition; the answer is: the execution fails.
    sfn.send_task_heartbeat(taskToken=token)
    assert sfn.describe_execution(executionArn=answered)["status"] == "RUNNING"
    sfn.send_task_success(taskToken=token, output="{}")
    d = wait_done(sfn, answered)
    assert (d["status"], d["error"], d["cause"]) == (
        "FAILED", "States.Runtime", f"State machine {name} has been deleted.")
    events = history(sfn, answered)
    assert [e["type"] for e in events][-1] == "ExecutionFailed"
    assert "TaskSucceeded" not in [e["type"] for e in events]
    assert sfn.describe_state_machine(stateMachineArn=sm)["status"] == "DELETING"
    # Not redrivable, for AWS's documented reason.
    assert (d["redriveStatus"], d["redriveStatusReason"]) == (
        "NOT_REDRIVABLE", "State machine is in DELETING status")
    assert expect_error("ExecutionNotRedrivable", sfn.redrive_execution, executionArn=answered) == (
        "State machine is in DELETING status")

    # The last one ends: the state machine is gone.
    sfn.stop_execution(executionArn=stopped)
    assert wait_done(sfn, stopped)["status"] == "ABORTED"
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            sfn.describe_state_machine(stateMachineArn=sm)
        except ClientError:
            break
        time.sleep(0.05)
    expect_error("StateMachineDoesNotExist", sfn.describe_state_machine, stateMachineArn=sm)
    # Its executions are still described.
    assert sfn.describe_execution(executionArn=stopped)["status"] == "ABORTED"
