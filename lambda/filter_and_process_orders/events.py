"""Turns SQS-wrapped and plain S3 events into the objects to process."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import unquote_plus


@dataclass(frozen=True)
class ObjectEvent:
    message_id: str | None  # the SQS message to report on failure; None for plain S3 events
    bucket: str
    key: str
    etag: str
    version_id: str
    event_time: datetime


def _parse_time(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _s3_records(payload: dict) -> list[dict]:
    if payload.get("Event") == "s3:TestEvent":
        return []
    return [r for r in payload.get("Records", []) if r.get("eventSource") == "aws:s3" and "s3" in r]


def _object_event(record: dict, message_id: str | None) -> ObjectEvent:
    s3 = record["s3"]
    obj = s3["object"]
    return ObjectEvent(
        message_id=message_id,
        bucket=s3["bucket"]["name"],
        key=unquote_plus(obj["key"]),
        etag=obj.get("eTag", obj.get("etag", "")).strip('"'),
        version_id=obj.get("versionId", "") or "",
        event_time=_parse_time(record.get("eventTime")),
    )


def object_events(event: dict) -> list[tuple[str | None, list[ObjectEvent]]]:
    """Each delivery (an SQS message, or the plain S3 event) with the objects it names.

    A message whose body is not an S3 event yields no objects, so it is acknowledged.
    """
    records = event.get("Records", [])
    if records and records[0].get("eventSource") == "aws:sqs":
        deliveries = []
        for message in records:
            try:
                payload = json.loads(message.get("body") or "{}")
            except json.JSONDecodeError:
                payload = {}
            if not isinstance(payload, dict):
                payload = {}
            if "Message" in payload and "Records" not in payload:  # SNS fan-out in between
                try:
                    payload = json.loads(payload["Message"])
                except (TypeError, json.JSONDecodeError):
                    payload = {}
            message_id = message.get("messageId")
            deliveries.append((message_id, [_object_event(r, message_id) for r in _s3_records(payload)]))
        return deliveries
    return [(None, [_object_event(r, None) for r in _s3_records(event)])]


def is_processable(key: str, raw_prefix: str) -> bool:
    return key.startswith(raw_prefix) and key.lower().endswith(".csv")
