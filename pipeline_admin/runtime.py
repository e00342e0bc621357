"""The local Lambda runtime: what the SQS event source mapping does in AWS.

It polls the queue, hands the messages to the real `lambda_handler` as an SQS event, and
deletes the ones that succeeded. Failed ones stay for redelivery and, after three receives,
move to the DLQ through the queue's redrive policy.
"""

import logging
import os

from django.conf import settings

from ordersite.aws import sqs

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


def runtime_poll_once(*, wait_seconds: int = 1, batch_size: int = 10) -> int:
    """Receive one batch and run the handler on it; returns how many messages were handled."""
    from filter_and_process_orders.handler import lambda_handler

    queue = settings.ORDERS_QUEUE_NAME
    messages = sqs.messages_receive(queue=queue, max_messages=batch_size, wait_seconds=wait_seconds)
    if not messages:
        return 0
    os.environ.update({k: v for k, v in lambda_environment().items() if v})
    event = _sqs_event(messages, f"arn:aws:sqs:{settings.AWS_REGION}:000000000000:{queue}")
    try:
        response = lambda_handler(event, None)
        failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
    except Exception:
        logger.exception("the handler raised; the whole batch stays on the queue")
        failed = {m["MessageId"] for m in messages}
    for m in messages:
        if m["MessageId"] not in failed:
            sqs.message_delete(queue=queue, receipt_handle=m["ReceiptHandle"])
    return len(messages)


def runtime_drain(*, max_batches: int = 1000) -> int:
    """Handle messages until the queue is empty (tests, `upload --wait`)."""
    total = 0
    for _ in range(max_batches):
        handled = runtime_poll_once(wait_seconds=0)
        if not handled:
            break
        total += handled
    return total
