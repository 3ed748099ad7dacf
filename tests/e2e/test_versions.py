"""Versions and aliases: publish, list, alias routing, start via version and alias ARNs."""

import json

from stepwell_harness import expect_error, wait_done


def value_machine(v):
    return json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"v": v}, "End": True}}})


def output_of(sfn, ex):
    return json.loads(wait_done(sfn, ex)["output"])["v"]


def test_versions_and_aliases(sfn, cli, unique):
    from stepwell_harness import ROLE
    name = unique("ver-")
    c = sfn.create_state_machine(name=name, definition=value_machine(1), roleArn=ROLE, publish=True,
                                 versionDescription="first")
    sm, v1 = c["stateMachineArn"], c["stateMachineVersionArn"]
    assert v1 == sm + ":1"
    u = sfn.update_state_machine(stateMachineArn=sm, definition=value_machine(2), publish=True)
    v2 = u["stateMachineVersionArn"]
    assert v2 == sm + ":2"
    sfn.update_state_machine(stateMachineArn=sm, definition=value_machine(3))  # unpublished
    # A version cannot be updated (AWS, recorded: test_sfn_api_versioning
    # test_update_state_machine, with and without publish).
    for publish in (False, True):
        msg = expect_error("StateMachineDoesNotExist", sfn.update_state_machine, stateMachineArn=v2,
                           definition=value_machine(4), publish=publish)
        assert msg == f"State Machine Does Not Exist: '{v2}'", msg

    versions = [v["stateMachineVersionArn"] for v in sfn.list_state_machine_versions(stateMachineArn=sm)
                ["stateMachineVersions"]]
    assert sorted(versions) == [v1, v2]
    d = sfn.describe_state_machine(stateMachineArn=v1)
    assert json.loads(d["definition"])["States"]["P"]["Result"] == {"v": 1}
    assert d.get("description") == "first"

    # the machine runs its latest definition, a version its own
    assert output_of(sfn, sfn.start_execution(stateMachineArn=sm)["executionArn"]) == 3
    ex = sfn.start_execution(stateMachineArn=v1)["executionArn"]
    assert output_of(sfn, ex) == 1
    assert sfn.describe_execution(executionArn=ex)["stateMachineVersionArn"] == v1

    alias = cli("create-state-machine-alias", "--name", "prod", "--routing-configuration",
                json.dumps([{"stateMachineVersionArn": v1, "weight": 100}]))["stateMachineAliasArn"]
    assert alias == sm + ":prod"
    ex = sfn.start_execution(stateMachineArn=alias)["executionArn"]
    assert output_of(sfn, ex) == 1
    d = sfn.describe_execution(executionArn=ex)
    assert d["stateMachineAliasArn"] == alias and d["stateMachineVersionArn"] == v1

    sfn.update_state_machine_alias(stateMachineAliasArn=alias,
                                   routingConfiguration=[{"stateMachineVersionArn": v2, "weight": 100}])
    assert output_of(sfn, sfn.start_execution(stateMachineArn=alias)["executionArn"]) == 2

    # weights that do not add up to 100, in AWS's recorded words (before the
    # versions are looked up: the second ARN names no version)
    msg = expect_error("ValidationException", sfn.update_state_machine_alias, stateMachineAliasArn=alias,
                       routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 70},
                                             {"stateMachineVersionArn": v2 + "0", "weight": 29}])
    assert msg == "Sum of routing configuration weights must equal 100. Received: [70, 29]"

    # weighted routing: both versions get some of 40 starts
    sfn.update_state_machine_alias(stateMachineAliasArn=alias, routingConfiguration=[
        {"stateMachineVersionArn": v1, "weight": 50}, {"stateMachineVersionArn": v2, "weight": 50}])
    seen = [output_of(sfn, sfn.start_execution(stateMachineArn=alias)["executionArn"]) for _ in range(40)]
    assert set(seen) == {1, 2}, seen

    a = sfn.describe_state_machine_alias(stateMachineAliasArn=alias)
    assert a["name"] == "prod" and len(a["routingConfiguration"]) == 2
    assert [x["stateMachineAliasArn"] for x in sfn.list_state_machine_aliases(stateMachineArn=sm)
            ["stateMachineAliases"]] == [alias]
    # executions started through the alias are listed under it
    via_alias = sfn.list_executions(stateMachineArn=alias, maxResults=1000)["executions"]
    assert len(via_alias) == 42

    sfn.delete_state_machine_alias(stateMachineAliasArn=alias)
    expect_error("ResourceNotFound", sfn.describe_state_machine_alias, stateMachineAliasArn=alias)
    sfn.delete_state_machine_version(stateMachineVersionArn=v1)
    versions = [v["stateMachineVersionArn"] for v in sfn.list_state_machine_versions(stateMachineArn=sm)
                ["stateMachineVersions"]]
    assert versions == [v2]
