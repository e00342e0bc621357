"""SQS carries S3's object-created events to the Lambda (and failed ones to the DLQ)."""

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from . import AwsError, aws_client


class SqsError(AwsError):
    pass


def queue_url(name: str) -> str:
    try:
        return aws_client("sqs").get_queue_url(QueueName=name)["QueueUrl"]
    except (BotoCoreError, ClientError) as exc:
        raise SqsError(f"queue {name} is not reachable: {exc}") from exc


def messages_receive(*, queue: str, max_messages: int = 10, wait_seconds: int = 1) -> list[dict]:
    try:
        response = aws_client("sqs").receive_message(
            QueueUrl=queue_url(queue),
            MaxNumberOfMessages=max_messages,
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
    except (BotoCoreError, ClientError) as exc:
        raise SqsError(f"could not receive from {queue}: {exc}") from exc
    return response.get("Messages", [])


def message_delete(*, queue: str, receipt_handle: str) -> None:
    try:
        aws_client("sqs").delete_message(QueueUrl=queue_url(queue), ReceiptHandle=receipt_handle)
    except (BotoCoreError, ClientError) as exc:
        raise SqsError(f"could not delete a message from {queue}: {exc}") from exc


def message_send(*, queue: str, body: str) -> None:
    try:
        aws_client("sqs").send_message(QueueUrl=queue_url(queue), MessageBody=body)
    except (BotoCoreError, ClientError) as exc:
        raise SqsError(f"could not send to {queue}: {exc}") from exc


def orders_queue() -> str:
    return settings.ORDERS_QUEUE_NAME


def messages_peek(*, queue: str, limit: int = 500, hide_seconds: int = 2) -> list[dict]:
    """Read messages without consuming them: they are never deleted and are made visible again.

    SQS has no "peek"; a receive hides each message for its visibility timeout, so a short one
    lets the real consumer (or the next peek) see them again almost at once.
    """
    seen: dict[str, dict] = {}
    client = aws_client("sqs")
    url = queue_url(queue)
    try:
        while len(seen) < limit:
            response = client.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=10,
                VisibilityTimeout=hide_seconds,
                WaitTimeSeconds=0,
                AttributeNames=["All"],
            )
            fresh = [m for m in response.get("Messages", []) if m["MessageId"] not in seen]
            if not fresh:
                break
            seen.update((m["MessageId"], m) for m in fresh)
        # Show them again at once, so a replay right after a peek finds every message.
        handles = [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
            for i, m in enumerate(seen.values())
        ]
        for start in range(0, len(handles), 10):
            client.change_message_visibility_batch(QueueUrl=url, Entries=handles[start : start + 10])
    except (BotoCoreError, ClientError) as exc:
        raise SqsError(f"could not read {queue}: {exc}") from exc
    return list(seen.values())


def queue_depth(*, queue: str) -> dict[str, int]:
    """Messages waiting and messages being handled right now."""
    try:
        attributes = aws_client("sqs").get_queue_attributes(
            QueueUrl=queue_url(queue),
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
    except (BotoCoreError, ClientError) as exc:
        raise SqsError(f"could not read the attributes of {queue}: {exc}") from exc
    return {
        "waiting": int(attributes.get("ApproximateNumberOfMessages", 0)),
        "in_flight": int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
    }


def dlq_name() -> str:
    return settings.ORDERS_DLQ_NAME
