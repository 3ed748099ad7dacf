"""State machines: create, describe, update, list, delete, validate, tags."""

import json

from stepwell_harness import ROLE, arn, expect_error

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
    first_revision = d["revisionId"]

    u = cli("update-state-machine", "--state-machine-arn", sm, "--definition", json.dumps(PASS2))
    assert "updateDate" in u and u["revisionId"] != first_revision
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
