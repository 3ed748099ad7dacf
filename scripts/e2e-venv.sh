#!/usr/bin/env bash
# Sourced by the server's end-to-end scripts: a Python venv with the AWS CLI,
# boto3 and pytest from PyPI (pinned; awscli and boto3 share one botocore),
# and moto's server with only the services test_aws_integrations.py and
# test_aws_jobs.py call (DynamoDB, SQS, SNS, EventBridge, S3, Glue, Athena,
# ECS, CodeBuild; not Batch, whose jobs moto runs in Docker; about 30 s more
# to install than without),
# kept in target/e2e-venv and reused while its pins match.
# Sets E2E_PY (the venv's python) and puts the venv's bin first on PATH.
E2E_VENV="${E2E_VENV:-target/e2e-venv}"
E2E_PINS="awscli==1.45.11 boto3==1.43.11 botocore==1.43.11 pytest==8.3.4 moto[dynamodb,sqs,sns,events,s3,glue,athena,ecs,codebuild]==5.2.5 flask==3.1.3 flask-cors==6.0.5 werkzeug==3.1.9"
if [ ! -x "$E2E_VENV/bin/python" ] || [ "$(cat "$E2E_VENV/.pins" 2>/dev/null)" != "$E2E_PINS" ]; then
  echo "e2e: installing $E2E_PINS into $E2E_VENV"
  rm -rf "$E2E_VENV"
  python3 -m venv "$E2E_VENV"
  # Word-split, but no globbing (moto[...] is not a pattern).
  # shellcheck disable=SC2086
  (set -f; "$E2E_VENV/bin/pip" install --quiet --disable-pip-version-check $E2E_PINS)
  echo "$E2E_PINS" > "$E2E_VENV/.pins"
fi
E2E_PY="$E2E_VENV/bin/python"
export PYTHONDONTWRITEBYTECODE=1
case "$E2E_VENV" in
  /*) PATH="$E2E_VENV/bin:$PATH" ;;
  *) PATH="$PWD/$E2E_VENV/bin:$PATH" ;;
esac
export PATH
