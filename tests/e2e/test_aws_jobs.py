"""Run a Job (`.sync`) Tasks of AWS services (`stepwell serve
--aws-integrations`) against moto in server mode: Glue job runs, Athena
queries, ECS tasks and CodeBuild builds are submitted, polled until they
end, stopped when their Task is cancelled, and followed across a kill -9 of
the server without a second job. Batch is covered by unit tests only: moto
runs Batch jobs in Docker."""

import json
import os
import subprocess
import time
import urllib.request

import pytest

from stepwell_harness import BIN, Server, aws_env, history, wait_done, wait_event
from test_aws_integrations import aws_server, boto, moto, run, sfn, task  # noqa: F401 (fixtures)


def transition(moto, model, **progression):
    """moto's state manager: how `model` (e.g. glue::job_run) moves from one
    status to the next; no arguments puts back moto's default."""
    if progression:
        path, body = "set-transition", {"model_name": model, "transition": progression}
    else:
        path, body = "unset-transition", {"model_name": model}
    req = urllib.request.Request(f"{moto}/moto-api/state-manager/{path}",
                                 data=json.dumps(body).encode(), method="POST")
    urllib.request.urlopen(req, timeout=5).close()


@pytest.fixture
def slow(moto):
    """Set moto transitions for one test, and put the defaults back after."""
    models = []

    def set_(model, **progression):
        models.append(model)
        transition(moto, model, **progression)
    yield set_
    for m in models:
        transition(moto, m)


def unique(prefix):
    return f"{prefix}-{int(time.time() * 1000) % 10**9}"


def events_of(sfn, ex, *types):
    return [e for e in history(sfn, ex) if e["type"] in types]


def detail(event):
    key = next(k for k in event if k.endswith("EventDetails"))
    return event[key]


def glue_job(boto, **more):
    name = unique("etl")
    boto("glue").create_job(Name=name, Role="arn:aws:iam::123456789012:role/glue",
                            Command={"Name": "glueetl", "ScriptLocation": "s3://b/s.py"}, **more)
    return name


def test_glue_job_run_sync_succeeds_with_the_job_run(sfn, boto):
    name = glue_job(boto)
    definition = {"StartAt": "Etl", "States": {
        "Etl": task("glue:startJobRun.sync", {"JobName": name, "Arguments": {"--day": "1"}}, End=True)}}
    sm, ex, d = run(sfn, definition)
    assert d["status"] == "SUCCEEDED", d
    out = json.loads(d["output"])
    types = [e["type"] for e in history(sfn, ex)]
    assert types.count("TaskSubmitted") == 1 and types.index("TaskSubmitted") < types.index("TaskSucceeded"), types
    submitted = json.loads(detail(events_of(sfn, ex, "TaskSubmitted")[0])["output"])
    # StartJobRun's answer with the JobName the request named, and the
    # optimized integration's HTTP metadata.
    assert submitted["JobName"] == name and submitted["JobRunId"].startswith("jr_"), submitted
    assert submitted["SdkHttpMetadata"]["HttpStatusCode"] == 200, submitted
    # The result is GetJobRun's JobRun; dates as epoch milliseconds.
    assert out["Id"] == submitted["JobRunId"] and out["JobRunState"] == "SUCCEEDED", out
    assert out["JobName"] == name and out["Arguments"]["--day"] == "1", out
    assert isinstance(out["StartedOn"], int) and out["StartedOn"] > 10**12, out
    assert "SdkHttpMetadata" not in out
    runs = boto("glue").get_job_runs(JobName=name)["JobRuns"]
    assert len(runs) == 1


def test_glue_submit_errors_fail_the_task_as_glue_names_them(sfn, boto, slow):
    # A job that does not exist, and one already at its MaxConcurrentRuns.
    slow("glue::job_run", progression="manual", times=10**6)
    busy = glue_job(boto, ExecutionProperty={"MaxConcurrentRuns": 1})
    boto("glue").start_job_run(JobName=busy)
    for job, error in [(unique("missing"), "Glue.EntityNotFoundException"),
                       (busy, "Glue.ConcurrentRunsExceededException")]:
        definition = {"StartAt": "Etl", "States": {
            "Etl": task("glue:startJobRun.sync", {"JobName": job},
                        Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Caught"}], End=True),
            "Caught": {"Type": "Pass", "End": True}}}
        sm, ex, d = run(sfn, definition)
        assert d["status"] == "SUCCEEDED", d
        failed = events_of(sfn, ex, "TaskFailed")
        assert [detail(e)["error"] for e in failed] == [error], failed
        assert "(Service: AWSGlue; Status Code: 400; Error Code: " in detail(failed[0])["cause"], failed
        assert events_of(sfn, ex, "TaskSubmitted") == []


def test_athena_query_sync_gives_the_query_execution(sfn, boto):
    definition = {"StartAt": "Query", "States": {"Query": task(
        "athena:startQueryExecution.sync",
        {"QueryString": "SELECT 1", "WorkGroup": "primary",
         "ResultConfiguration": {"OutputLocation": "s3://results/q"}}, End=True)}}
    sm, ex, d = run(sfn, definition)
    assert d["status"] == "SUCCEEDED", d
    out = json.loads(d["output"])
    submitted = json.loads(detail(events_of(sfn, ex, "TaskSubmitted")[0])["output"])
    q = out["QueryExecution"]
    assert q["QueryExecutionId"] == submitted["QueryExecutionId"], (out, submitted)
    assert q["Status"]["State"] == "SUCCEEDED" and q["Query"] == "SELECT 1", q
    assert isinstance(q["Status"]["SubmissionDateTime"], int), q


def test_a_stopped_execution_stops_its_athena_query(sfn, boto, slow):
    slow("athena::execution", progression="manual", times=10**6)
    definition = {"StartAt": "Query", "States": {"Query": task(
        "athena:startQueryExecution.sync",
        {"QueryString": "SELECT 2", "ResultConfiguration": {"OutputLocation": "s3://results/q"}}, End=True)}}
    sm, ex = run(sfn, definition, wait=False)
    submitted = json.loads(detail(wait_event(sfn, ex, "TaskSubmitted"))["output"])
    qid = submitted["QueryExecutionId"]
    assert boto("athena").get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]["State"] != "CANCELLED"
    sfn.stop_execution(executionArn=ex, error="Enough", cause="stop it")
    deadline = time.time() + 10
    while boto("athena").get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]["State"] != "CANCELLED":
        assert time.time() < deadline, "the query was not stopped"
        time.sleep(0.1)
    assert sfn.describe_execution(executionArn=ex)["status"] == "ABORTED"


def ecs_setup(boto):
    ecs = boto("ecs")
    cluster = ecs.create_cluster(clusterName=unique("jobs"))["cluster"]["clusterArn"]
    td = ecs.register_task_definition(
        family=unique("app"),
        containerDefinitions=[{"name": "app", "image": "busybox", "memory": 128}],
    )["taskDefinition"]["taskDefinitionArn"]
    return ecs, cluster, td


def test_ecs_run_task_sync_gives_the_stopped_task(sfn, boto):
    ecs, cluster, td = ecs_setup(boto)
    definition = {"StartAt": "Run", "States": {"Run": task(
        "ecs:runTask.sync", {"Cluster": cluster, "TaskDefinition": td, "LaunchType": "FARGATE"}, End=True)}}
    sm, ex, d = run(sfn, definition)
    assert d["status"] == "SUCCEEDED", d
    out = json.loads(d["output"])
    submitted = json.loads(detail(events_of(sfn, ex, "TaskSubmitted")[0])["output"])
    # RunTask's answer (PascalCase, with the HTTP metadata), then the task
    # as DescribeTasks describes it once it stopped.
    assert submitted["Failures"] == [] and submitted["SdkHttpMetadata"]["HttpStatusCode"] == 200, submitted
    assert out["TaskArn"] == submitted["Tasks"][0]["TaskArn"] and out["LastStatus"] == "STOPPED", out
    assert out["StartedBy"] == "AWS Step Functions", out
    assert [c["ExitCode"] for c in out["Containers"]] == [0], out


def test_ecs_task_stopped_by_its_timeout_or_by_someone_else(sfn, boto, slow):
    slow("ecs::task", progression="manual", times=10**6)
    ecs, cluster, td = ecs_setup(boto)
    params = {"Cluster": cluster, "TaskDefinition": td, "LaunchType": "FARGATE"}
    # The Task's TimeoutSeconds: States.Timeout, and the ECS task is stopped.
    definition = {"StartAt": "Run", "States": {"Run": task("ecs:runTask.sync", params,
                                                           TimeoutSeconds=2, End=True)}}
    sm, ex, d = run(sfn, definition)
    assert d["status"] == "FAILED" and d["error"] == "States.Timeout", d
    arn = json.loads(detail(events_of(sfn, ex, "TaskSubmitted")[0])["output"])["Tasks"][0]["TaskArn"]
    deadline = time.time() + 10
    while True:
        t = ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0]
        if t["desiredStatus"] == "STOPPED":
            break
        assert time.time() < deadline, f"the ECS task was not stopped: {t}"
        time.sleep(0.1)
    assert t["stoppedReason"] == "Stopped by AWS Step Functions", t
    # Stopped by someone else: the Task ends with the task as ECS describes
    # it (moto's stopped containers exit with 0: a success here).
    definition = {"StartAt": "Run", "States": {"Run": task("ecs:runTask.sync", params, End=True)}}
    sm, ex = run(sfn, definition, wait=False)
    arn = json.loads(detail(wait_event(sfn, ex, "TaskSubmitted"))["output"])["Tasks"][0]["TaskArn"]
    ecs.stop_task(cluster=cluster, task=arn, reason="operator")
    d = wait_done(sfn, ex)
    assert d["status"] == "SUCCEEDED", d
    out = json.loads(d["output"])
    assert out["LastStatus"] == "STOPPED" and out["StoppedReason"] == "operator", out


def test_codebuild_start_build_sync(sfn, boto):
    cb = boto("codebuild")
    project = unique("build")
    cb.create_project(name=project, source={"type": "S3", "location": "bucket/key"},
                      artifacts={"type": "NO_ARTIFACTS"},
                      environment={"type": "LINUX_CONTAINER", "image": "img", "computeType": "BUILD_GENERAL1_SMALL"},
                      serviceRole="arn:aws:iam::123456789012:role/service-role/build")
    definition = {"StartAt": "Build", "States": {"Build": task(
        "codebuild:startBuild.sync", {"ProjectName": project}, End=True)}}
    sm, ex, d = run(sfn, definition)
    assert d["status"] == "SUCCEEDED", d
    out = json.loads(d["output"])
    submitted = json.loads(detail(events_of(sfn, ex, "TaskSubmitted")[0])["output"])
    assert out["Build"]["Id"] == submitted["Build"]["Id"] and out["Build"]["BuildStatus"] == "SUCCEEDED", out


def test_a_job_survives_a_kill_9_without_a_second_run(moto, boto, slow, tmp_path):
    # Each Glue run status lasts 3 s: the server is killed while the run is
    # submitted but not finished; after the restart it polls the same run.
    slow("glue::job_run", progression="time", seconds=3)
    name = glue_job(boto)
    env = aws_env()
    env.update(AWS_ENDPOINT_URL=moto, STEPWELL_LOG="info")
    with pytest.MonkeyPatch.context() as mp:
        for k in [k for k in os.environ if k.startswith("AWS_ENDPOINT_URL")]:
            mp.delenv(k)
        for k, v in env.items():
            mp.setenv(k, v)
        s = Server(wait_scale=0.1, workdir=str(tmp_path), extra_args=["--aws-integrations"]).start()
        try:
            sfn = s.client()
            definition = {"StartAt": "Etl", "States": {
                "Etl": task("glue:startJobRun.sync", {"JobName": name}, End=True)}}
            sm, ex = run(sfn, definition, wait=False)
            wait_event(sfn, ex, "TaskSubmitted")
            s.kill9()
            assert boto("glue").get_job_runs(JobName=name)["JobRuns"][0]["JobRunState"] != "SUCCEEDED"
            s.start()
            sfn = s.client()
            d = wait_done(sfn, ex, timeout=30)
            assert d["status"] == "SUCCEEDED", d
            runs = boto("glue").get_job_runs(JobName=name)["JobRuns"]
            assert len(runs) == 1, runs
            assert json.loads(d["output"])["Id"] == runs[0]["Id"]
            assert len(events_of(sfn, ex, "TaskSubmitted")) == 1
        finally:
            s.stop()


def test_stepwell_run_waits_for_a_glue_job(moto, boto, tmp_path):
    """`stepwell run --aws-integrations` submits the job, records what the
    submission answered, and waits for the job's end."""
    name = glue_job(boto)
    path = tmp_path / "etl.asl.json"
    path.write_text(json.dumps({"StartAt": "Etl", "States": {
        "Etl": task("glue:startJobRun.sync", {"JobName": name}, End=True)}}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    env.update(aws_env(), AWS_ENDPOINT_URL=moto)
    p = subprocess.run([BIN, "run", str(path), "--aws-integrations", "--history", "--json"],
                       capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    decoder, text, docs = json.JSONDecoder(), p.stdout.strip(), []
    while text:
        doc, end = decoder.raw_decode(text)
        docs.append(doc)
        text = text[end:].strip()
    events, result = docs[0]["events"], docs[-1]
    assert result["status"] == "SUCCEEDED", result
    submitted = json.loads(detail([e for e in events if e["type"] == "TaskSubmitted"][0])["output"])
    assert submitted["JobName"] == name and result["output"]["Id"] == submitted["JobRunId"], (submitted, result)
    assert len(boto("glue").get_job_runs(JobName=name)["JobRuns"]) == 1
