"""The handler's SQS batch: each message fails on its own, and time running out defers the rest."""

import pytest
from django.conf import settings
from filter_and_process_orders.handler import MIN_RESERVE_MS, lambda_handler

from .test_handler import keys, manifest_for, put_raw, s3_event, sqs_event

GOOD_BODY = b"order_id,amount,order_date\nA1,10.00,2025-05-30\n"


@pytest.fixture(autouse=True)
def lambda_env(twin, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", settings.AWS_ENDPOINT_URL)


class LambdaContext:
    """The part of the Lambda runtime's context object the handler reads."""

    def __init__(self, remaining_ms: int):
        self.remaining_ms = remaining_ms
        self.asked = 0

    def get_remaining_time_in_millis(self) -> int:
        self.asked += 1
        return self.remaining_ms


def _good(name: str) -> dict:
    key = f"raw/2025/06/01/{name}.csv"
    return s3_event(key, put_raw(key, GOOD_BODY))


def test_a_message_with_a_malformed_event_time_fails_alone_and_the_others_are_processed():
    bad = _good("bad-time")
    bad["Records"][0]["eventTime"] = "yesterday"  # ValueError while parsing, not an AWS error
    response = lambda_handler(sqs_event(_good("first"), bad, _good("third")))
    assert response == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert manifest_for("raw/2025/06/01/first.csv")["rows_out"] == 1
    assert manifest_for("raw/2025/06/01/third.csv")["rows_out"] == 1


def test_a_message_whose_s3_record_lacks_the_object_fails_alone():
    broken = {"Records": [{"eventSource": "aws:s3", "s3": {"bucket": {"name": "ordersite-test"}}}]}
    response = lambda_handler(sqs_event(broken, _good("after-broken")))
    assert response == {"batchItemFailures": [{"itemIdentifier": "m0"}]}
    assert manifest_for("raw/2025/06/01/after-broken.csv")["status"] == "processed"


def test_a_plain_s3_event_that_cannot_be_handled_raises_so_the_invoker_retries():
    broken = s3_event("raw/2025/06/01/x.csv")
    broken["Records"][0]["eventTime"] = "yesterday"
    with pytest.raises(ValueError):
        lambda_handler(broken)


def test_when_time_runs_low_the_messages_not_started_are_returned_for_a_later_invocation():
    context = LambdaContext(remaining_ms=MIN_RESERVE_MS - 1)
    response = lambda_handler(sqs_event(_good("t0"), _good("t1"), _good("t2")), context)
    # The first message always starts; the two after it are handed back untouched.
    assert response == {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m2"}]}
    assert manifest_for("raw/2025/06/01/t0.csv")["rows_out"] == 1
    assert len(keys(settings.MANIFEST_PREFIX)) == 1, "the deferred files were not started"
    assert context.asked == 2


def test_with_time_to_spare_every_message_of_the_batch_is_processed():
    context = LambdaContext(remaining_ms=15 * 60 * 1000)
    response = lambda_handler(sqs_event(_good("s0"), _good("s1"), _good("s2")), context)
    assert response == {"batchItemFailures": []}
    assert all(manifest_for(f"raw/2025/06/01/s{i}.csv")["rows_out"] == 1 for i in range(3))


def test_a_file_reprocessed_under_the_other_date_order_loses_the_month_it_no_longer_writes(monkeypatch):
    key = "raw/2025/06/01/ambiguous.csv"
    etag = put_raw(key, b"order_id,amount,order_date\nA1,1.00,01/05/2025\n")
    monkeypatch.setenv("AMBIGUOUS_DATE_ORDER", "MDY")
    lambda_handler(s3_event(key, etag))
    assert [k.split("/")[2] for k in keys(settings.PROCESSED_PREFIX)] == ["order_month=2025-01"]
    monkeypatch.setenv("AMBIGUOUS_DATE_ORDER", "DMY")  # 01/05/2025 is now the 1st of May
    lambda_handler(s3_event(key, etag))
    assert [k.split("/")[2] for k in keys(settings.PROCESSED_PREFIX)] == ["order_month=2025-05"]
    assert manifest_for(key)["outputs"] == keys(settings.PROCESSED_PREFIX)
