"""The local Lambda runtime: what the SQS event source mapping does in AWS.

It polls the queue, hands the messages to the real `lambda_handler` as an SQS event, and
deletes the ones that succeeded. Failed ones stay for redelivery and, after three receives,
move to the DLQ through the queue's redrive policy.
"""

import logging
import os
from collections.abc import Callable

from django.conf import settings

from ordersite.aws import sqs

from .invocation import Invocation, invoke

logger = logging.getLogger(__name__)


def lambda_environment() -> dict[str, str]:
    """The environment the CloudFormation template gives the function, from Django settings."""
    return {
        "RAW_PREFIX": settings.RAW_PREFIX,
        "PROCESSED_PREFIX": settings.PROCESSED_PREFIX,
        "QUARANTINE_PREFIX": settings.QUARANTINE_PREFIX,
        "MANIFEST_PREFIX": settings.MANIFEST_PREFIX,
        "STALE_STATUSES": settings.STALE_STATUSES,
        "STALE_AFTER_DAYS": str(settings.STALE_AFTER_DAYS),
        "AWS_ENDPOINT_URL": settings.AWS_ENDPOINT_URL,
        "AWS_DEFAULT_REGION": settings.AWS_REGION,
    }


def _sqs_event(messages: list[dict], queue_arn: str) -> dict:
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": m.get("MessageAttributes", {}),
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": settings.AWS_REGION,
            }
            for m in messages
        ]
    }


def _invoke_here(event: dict) -> Invocation:
    from filter_and_process_orders.handler import lambda_handler

    os.environ.update({k: v for k, v in lambda_environment().items() if v})
    try:
        return Invocation(lambda_handler(event, None), "", 0)
    except Exception as exc:
        logger.exception("the handler raised")
        return Invocation(None, f"the handler raised {type(exc).__name__}: {exc}", 0)


def runtime_poll_once(
    *, wait_seconds: int = 1, batch_size: int = 10, isolate: bool = False, stop: Callable[[], bool] = lambda: False
) -> int:
    """Receive one batch and run the handler on it; returns how many messages were handled.

    `isolate` runs the invocation in a child process held to `LAMBDA_MEMORY_MB` (see `invocation`),
    as the long-running runtime does; tests and `--drain` call the handler in this process.
    A failed, killed or stopped invocation leaves its whole batch on the queue for redelivery.
    """
    queue = settings.ORDERS_QUEUE_NAME
    messages = sqs.messages_receive(queue=queue, max_messages=batch_size, wait_seconds=wait_seconds)
    if not messages:
        return 0
    event = _sqs_event(messages, f"arn:aws:sqs:{settings.AWS_REGION}:000000000000:{queue}")
    if isolate:
        environment = {k: v for k, v in lambda_environment().items() if v}
        outcome = invoke(event, environment=environment, memory_mb=settings.LAMBDA_MEMORY_MB, stop=stop)
        logger.info(
            "REPORT messages: %d  Max Memory Used: %d MB  Memory Size: %d MB%s",
            len(messages),
            outcome.peak_rss_mb,
            settings.LAMBDA_MEMORY_MB,
            f"  Error: {outcome.error}" if outcome.error else "",
        )
    else:
        outcome = _invoke_here(event)
    if outcome.response is None:
        if outcome.error:
            logger.warning("invocation failed (%s); the batch stays on the queue", outcome.error)
        failed = {m["MessageId"] for m in messages}
    else:
        failed = {f["itemIdentifier"] for f in outcome.response.get("batchItemFailures", [])}
    for m in messages:
        if m["MessageId"] not in failed:
            sqs.message_delete(queue=queue, receipt_handle=m["ReceiptHandle"])
    return len(messages)


def runtime_drain(*, max_batches: int = 1000, isolate: bool = False) -> int:
    """Handle messages until the queue is empty (tests, `upload --wait`, `lambda_runtime --drain`)."""
    total = 0
    for _ in range(max_batches):
        handled = runtime_poll_once(wait_seconds=0, isolate=isolate)
        if not handled:
            break
        total += handled
    return total
