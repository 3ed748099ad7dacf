"""Charges an order. The payment gateway is flaky: for each order it fails
FAILURES_BEFORE_SUCCESS times with PaymentProcessingError, then accepts.

The attempt count lives in a file (one per order), so it survives the warm
process being reused, replaced after a crash, or run several at once, just
as it would have to on AWS, where any invocation may land on a new sandbox."""

import os
import re
import tempfile


class PaymentProcessingError(Exception):
    pass


class ValidationError(Exception):
    pass


FAILURES_BEFORE_SUCCESS = int(os.environ.get("FAILURES_BEFORE_SUCCESS", "2"))
ATTEMPTS_DIR = os.environ.get("ATTEMPTS_DIR") or os.path.join(
    tempfile.gettempdir(), "stepwell-order-processing"
)


def next_attempt(order_id):
    os.makedirs(ATTEMPTS_DIR, exist_ok=True)
    path = os.path.join(ATTEMPTS_DIR, re.sub(r"[^A-Za-z0-9_-]", "_", order_id) + ".attempts")
    try:
        with open(path) as f:
            attempt = int(f.read().strip() or 0) + 1
    except FileNotFoundError:
        attempt = 1
    with open(path, "w") as f:
        f.write(str(attempt))
    return attempt


def handler(event, context):
    order_id = str(event.get("orderId") or "")
    amount = event.get("amount")
    if not order_id:
        raise ValidationError("orderId is required")
    if isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount <= 0:
        raise ValidationError(f"amount must be a positive number, got {amount!r}")
    attempt = next_attempt(order_id)
    if attempt <= FAILURES_BEFORE_SUCCESS:
        raise PaymentProcessingError(f"payment gateway timed out (attempt {attempt})")
    return {"receipt": f"r-{order_id}", "amount": amount, "attempt": attempt}
