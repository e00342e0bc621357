"""SQS carries S3's object-created events to the Lambda (and failed ones to the DLQ)."""

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from ordersite.aws import AwsError, aws_client


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
