"""Processes an order handed over by a `.waitForTaskToken` task and answers
Step Functions with the task token (boto3, unchanged on AWS: Stepwell points
the SDK at itself through AWS_ENDPOINT_URL)."""

import json

import boto3

sfn = boto3.client("stepfunctions")


def handler(event, context):
    token = event["taskToken"]
    order = event["order"]
    # A missing field raises KeyError before any answer: the invocation
    # fails, so the task fails with "KeyError" (caught as States.TaskFailed).
    items = order["items"]
    out_of_stock = [i["sku"] for i in items if i.get("quantity", 1) > i.get("stock", 0)]
    if out_of_stock:
        sfn.send_task_failure(
            taskToken=token,
            error="ProcessingFailed",
            cause=f"out of stock: {', '.join(out_of_stock)}",
        )
        return {"answered": "failure"}
    sfn.send_task_success(
        taskToken=token,
        output=json.dumps({"trackingNumber": f"TRK-{order['orderId']}", "items": len(items)}),
    )
    return {"answered": "success"}
