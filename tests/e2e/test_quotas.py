"""AWS's quotas on what a state machine and a resource hold, through boto3:
100 aliases and 1,000 versions per state machine (ServiceQuotaExceededException,
HTTP 402), 50 tags per resource (TooManyTags, naming the resource). The
account-wide ones (100,000 state machines, 100,000 activities) and the 1,000
GetActivityTask polls waiting per activity are unit-tested on small limits
(crates/server/src/quotas.rs, dispatch.rs): reaching them here would take
too long."""

import json

from botocore.exceptions import ClientError

from stepwell_harness import ROLE, expect_error

QUOTA = "The request would cause a service quota to be exceeded: the state machine"


def definition(v):
    return json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": v, "End": True}}})


def test_a_state_machine_has_at_most_100_aliases(sfn, unique):
    c = sfn.create_state_machine(name=unique("alias-quota-"), definition=definition(0), roleArn=ROLE,
                                 publish=True)
    sm, v1 = c["stateMachineArn"], c["stateMachineVersionArn"]
    routing = [{"stateMachineVersionArn": v1, "weight": 100}]
    for i in range(100):
        sfn.create_state_machine_alias(name=f"a{i}", routingConfiguration=routing)
    msg = expect_error("ServiceQuotaExceededException", sfn.create_state_machine_alias, status=402,
                       name="one-more", routingConfiguration=routing)
    assert msg == (f"{QUOTA} '{sm}' has 100 aliases, the most it may have. "
                   "Delete unused aliases before creating another.")
    # Creating an alias that exists, as it is, creates nothing: it succeeds.
    again = sfn.create_state_machine_alias(name="a7", routingConfiguration=routing)
    assert again["stateMachineAliasArn"] == f"{sm}:a7"
    # A deleted alias frees its place.
    sfn.delete_state_machine_alias(stateMachineAliasArn=f"{sm}:a0")
    sfn.create_state_machine_alias(name="one-more", routingConfiguration=routing)
    aliases = sfn.list_state_machine_aliases(stateMachineArn=sm, maxResults=1000)["stateMachineAliases"]
    assert len(aliases) == 100
    sfn.delete_state_machine(stateMachineArn=sm)


def test_a_state_machine_has_at_most_1000_versions(sfn, unique):
    c = sfn.create_state_machine(name=unique("version-quota-"), definition=definition(1), roleArn=ROLE,
                                 publish=True)
    sm = c["stateMachineArn"]
    for v in range(2, 1001):
        u = sfn.update_state_machine(stateMachineArn=sm, definition=definition(v), publish=True)
        assert u["stateMachineVersionArn"] == f"{sm}:{v}"
    full = (f"{QUOTA} '{sm}' has 1000 versions, the most it may have. "
            "Delete unused versions before publishing another.")
    revision = sfn.describe_state_machine(stateMachineArn=sm)["revisionId"]
    # An update that would publish fails whole: the state machine keeps its
    # definition and revision.
    msg = expect_error("ServiceQuotaExceededException", sfn.update_state_machine, status=402,
                       stateMachineArn=sm, definition=definition(1001), publish=True)
    assert msg == full
    d = sfn.describe_state_machine(stateMachineArn=sm)
    assert (d["revisionId"], json.loads(d["definition"])["States"]["P"]["Result"]) == (revision, 1000)
    # Publishing the current revision again answers its version: nothing new.
    again = sfn.publish_state_machine_version(stateMachineArn=sm)
    assert again["stateMachineVersionArn"] == f"{sm}:1000"
    # A new revision cannot be published.
    sfn.update_state_machine(stateMachineArn=sm, definition=definition(1001))
    msg = expect_error("ServiceQuotaExceededException", sfn.publish_state_machine_version, status=402,
                       stateMachineArn=sm)
    assert msg == full
    # A deleted version frees its place; numbers go on from the last one.
    sfn.delete_state_machine_version(stateMachineVersionArn=f"{sm}:1")
    p = sfn.publish_state_machine_version(stateMachineArn=sm)
    assert p["stateMachineVersionArn"] == f"{sm}:1001"
    sfn.delete_state_machine(stateMachineArn=sm)


def too_many_tags(fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        assert e.response["Error"]["Code"] == "TooManyTags"
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        return e.response["Error"]["Message"], e.response.get("resourceName")
    raise AssertionError("expected TooManyTags, the call succeeded")


def test_a_resource_has_at_most_50_tags(sfn, machine, unique):
    tags = [{"key": f"k{i}", "value": "v"} for i in range(51)]
    sm = machine(definition(0), tags=tags[:50])
    assert len(sfn.list_tags_for_resource(resourceArn=sm)["tags"]) == 50
    # Retagging a key it has is no new tag; a 51st is too many.
    sfn.tag_resource(resourceArn=sm, tags=[{"key": "k0", "value": "w"}])
    msg, name = too_many_tags(sfn.tag_resource, resourceArn=sm, tags=tags[50:])
    assert (msg, name) == (f"Too many tags: '{sm}' may have at most 50", sm)
    assert len(sfn.list_tags_for_resource(resourceArn=sm)["tags"]) == 50

    activity_name = unique("tags-")
    msg, name = too_many_tags(sfn.create_activity, name=activity_name, tags=tags)
    activity = sm.replace(":stateMachine:", ":activity:").rsplit(":", 1)[0] + ":" + activity_name
    assert (msg, name) == (f"Too many tags: '{activity}' may have at most 50", activity)
    names = [a["name"] for a in sfn.list_activities(maxResults=1000)["activities"]]
    assert activity_name not in names
