"""The FilterAndProcessOrders handler against the twin's S3 (moto server)."""

import csv
import io
import itertools
import json
import threading
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.conf import settings
from filter_and_process_orders.handler import lambda_handler
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from ordersite.aws import aws_client

BUCKET = "ordersite-test"
EXAMPLES = itertools.count()


def put_raw(key: str, body: bytes, metadata: dict | None = None) -> str:
    aws_client("s3").put_object(Bucket=BUCKET, Key=key, Body=body, Metadata=metadata or {})
    return aws_client("s3").head_object(Bucket=BUCKET, Key=key)["ETag"].strip('"')


def s3_event(key: str, etag: str = "", event_time: str = "2025-06-01T12:00:00.000Z", version_id: str = "") -> dict:
    obj = {"key": key, "eTag": etag, "size": 1, **({"versionId": version_id} if version_id else {})}
    return {
        "Records": [
            {
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "eventTime": event_time,
                "s3": {"bucket": {"name": BUCKET}, "object": obj},
            }
        ]
    }


ACCOUNTED = ("rows_rejected", "rows_duplicate", "rows_superseded", "rows_merged", "orders")


def sqs_event(*bodies: dict) -> dict:
    return {
        "Records": [
            {"messageId": f"m{i}", "receiptHandle": f"r{i}", "body": json.dumps(b), "eventSource": "aws:sqs"}
            for i, b in enumerate(bodies)
        ]
    }


def keys(prefix: str) -> list[str]:
    response = aws_client("s3").list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return sorted(o["Key"] for o in response.get("Contents", []))


def manifest_for(raw_key: str) -> dict:
    for key in keys(settings.MANIFEST_PREFIX):
        manifest = json.loads(aws_client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read())
        if manifest["source_key"] == raw_key:
            return manifest
    raise AssertionError(f"no manifest for {raw_key}")


def read_parquet(key: str) -> pa.Table:
    return parquet_table(aws_client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read())


def parquet_table(data: bytes) -> pa.Table:
    """A Parquet file's bytes read from a copy Arrow owns. Read from the bytes themselves (io.BytesIO,
    pa.py_buffer), the last reference to them is dropped by Arrow's decoding threads after read_table
    returns; when that happens while the interpreter exits, the thread is killed waiting for the GIL
    and the process aborts ("terminate called without an active exception", exit code 134: review
    B8-8, 2 of 100 runs of a script that reads one file and exits; the handler alone, 0 of 150)."""
    copy = pa.BufferOutputStream()
    copy.write(data)
    return pq.read_table(copy.getvalue())


@pytest.fixture(autouse=True)
def lambda_env(twin, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", settings.AWS_ENDPOINT_URL)


@pytest.mark.parametrize(("event_time", "kept"), [("2025-06-01T00:00:00Z", 109), ("2025-04-22T00:00:00Z", 139)])
def test_course_file_keeps_the_rows_the_stale_rule_allows(shared_data, event_time, kept):
    key = "raw/2025/06/01/a__orders.csv"
    etag = put_raw(key, (shared_data / "orders.csv").read_bytes())
    lambda_handler(s3_event(key, etag, event_time))
    manifest = manifest_for(key)
    assert manifest["rows_in"] == 200
    assert manifest["rows_out"] == kept
    assert (manifest["orders"], manifest["rows_stale"], manifest["status"]) == (200, 200 - kept, "processed")
    assert manifest["rows_in"] == sum(manifest[p] for p in ACCOUNTED)
    written = [read_parquet(k) for k in manifest["outputs"]]
    assert Decimal(manifest["amount_total"]) == sum(itertools.chain(*(t.column("amount").to_pylist() for t in written)))
    counted = [a for t in written for a, stale in zip(t.column("amount").to_pylist(), t.column("stale").to_pylist())]
    assert len(counted) == 200 and sum(t.column("stale").to_pylist().count(True) for t in written) == 200 - kept


def test_as_of_metadata_wins_over_the_event_time(shared_data):
    key = "raw/2025/06/01/b__orders.csv"
    etag = put_raw(key, (shared_data / "orders.csv").read_bytes(), {"as-of": "2025-04-22"})
    lambda_handler(s3_event(key, etag, "2025-06-01T00:00:00Z"))
    assert manifest_for(key)["rows_out"] == 139


def test_sqs_wrapped_event_with_url_encoded_key_is_processed():
    key = "raw/2025/06/01/c__my orders+2025.csv"
    etag = put_raw(key, b"order_id,amount,order_date\nA1,10.00,2025-05-30\n")
    encoded = "raw/2025/06/01/c__my+orders%2B2025.csv"
    response = lambda_handler(sqs_event(s3_event(encoded, etag)))
    assert response == {"batchItemFailures": []}
    assert manifest_for(key)["rows_out"] == 1


def test_a_repeated_event_overwrites_instead_of_adding_rows():
    key = "raw/2025/06/01/d__orders.csv"
    etag = put_raw(key, b"order_id,amount,order_date\nA1,10.00,2025-05-30\nA2,5.00,2025-04-01\n")
    lambda_handler(s3_event(key, etag))
    first = keys(settings.PROCESSED_PREFIX)
    lambda_handler(sqs_event(s3_event(key, etag), s3_event(key, etag)))
    assert keys(settings.PROCESSED_PREFIX) == first
    assert len(first) == 2


def test_keys_outside_raw_and_test_events_are_ignored():
    put_raw("processed/x.csv", b"order_id,amount,order_date\n1,1,2025-01-01\n")
    lambda_handler(s3_event("processed/x.csv"))
    lambda_handler(sqs_event({"Service": "Amazon S3", "Event": "s3:TestEvent"}))
    assert keys(settings.MANIFEST_PREFIX) == []


def test_rejected_rows_are_kept_with_their_line_numbers():
    key = "raw/2025/06/01/e__orders.csv"
    body = b"order_id,amount,order_date\nA1,10.00,2025-05-30\n,5.00,2025-05-30\nA3,abc,2025-05-30\nA4,1.00,someday\n"
    lambda_handler(s3_event(key, put_raw(key, body)))
    manifest = manifest_for(key)
    assert manifest["status"] == "processed_with_warnings"  # 3 of 4 rows rejected is over 20 %
    assert [w["code"] for w in manifest["warnings"]] == ["many_rejected"]
    rejected = aws_client("s3").get_object(Bucket=BUCKET, Key=manifest["rejected_key"])["Body"].read().decode()
    rows = list(csv.reader(io.StringIO(rejected)))
    assert [(r[0], r[1]) for r in rows[1:]] == [("3", "missing_order_id"), ("4", "bad_amount"), ("5", "bad_order_date")]
    assert [(r["code"], r["count"]) for r in manifest["reasons"]] == [
        ("missing_order_id", 1),
        ("bad_amount", 1),
        ("bad_order_date", 1),
    ]


def test_an_amount_past_the_largest_is_counted_and_quarantined_as_too_large_with_its_line():
    key = "raw/2025/06/01/e2__orders.csv"
    body = "order_id;amount;order_date\nE1;1.234,56;2025-05-30\nE2;10.000.000.000,00;2025-05-30\n"
    body += "E3;9.999.999.999,99;2025-05-30\nE4;12,5x;2025-05-30\n"
    lambda_handler(s3_event(key, put_raw(key, body.encode())))
    manifest = manifest_for(key)
    assert [(r["code"], r["count"]) for r in manifest["reasons"]] == [("amount_too_large", 1), ("bad_amount", 1)]
    assert (manifest["orders"], manifest["amount_total"]) == (2, "10000001234.55")  # 1,234.56 + 9,999,999,999.99
    rejected = aws_client("s3").get_object(Bucket=BUCKET, Key=manifest["rejected_key"])["Body"].read().decode()
    too_large = "amount past 9,999,999,999.99, the most an amount holds (one line, or an order's lines summed)"
    assert [r[:3] for r in csv.reader(io.StringIO(rejected))][1:] == [
        ["3", "amount_too_large", f"{too_large}: 10.000.000.000,00"],
        ["5", "bad_amount", "unparseable amount: 12,5x"],
    ]
    assert [(r["line"], r["code"]) for r in manifest["rejected_sample"]] == [(3, "amount_too_large"), (5, "bad_amount")]


def test_a_workbook_saved_as_csv_is_rejected_with_a_reason_and_the_raw_file_stays(shared_data):
    workbook = next((shared_data / "wild").glob("CorneliuVasile*"))
    key = "raw/2025/06/01/f__book.csv"
    lambda_handler(s3_event(key, put_raw(key, workbook.read_bytes())))
    manifest = manifest_for(key)
    assert (manifest["status"], manifest["reason_code"]) == ("rejected", "not_csv")
    assert "Excel" in manifest["reason"]
    assert key in keys("raw/")


def test_a_file_without_an_amount_column_names_its_headers():
    key = "raw/2025/06/01/g__orders.csv"
    lambda_handler(s3_event(key, put_raw(key, b"order_id,date,time\n1,2025-01-01,10:00\n")))
    manifest = manifest_for(key)
    assert manifest["reason"].startswith("no amount column; headers were: order_id, date, time")
    assert manifest["reason_code"] == "missing_column"


def test_every_wild_export_ends_processed_or_rejected_with_a_reason(shared_data):
    for i, path in enumerate(sorted((shared_data / "wild").iterdir())):
        key = f"raw/2025/06/01/w{i}__{Path(path).stem[:40]}.csv"
        lambda_handler(s3_event(key, put_raw(key, path.read_bytes())))
        manifest = manifest_for(key)
        assert manifest["status"] in {"processed", "processed_with_rejects", "processed_with_warnings", "rejected"}
        if manifest["status"] == "rejected":
            assert len(manifest["reason"]) > 20, path.name
        else:
            assert {"order_id", "amount", "order_date"} <= set(manifest["mapping"]), path.name


def test_an_explicit_mapping_in_object_metadata_wins_over_header_synonyms():
    key = "raw/2025/06/01/h__orders.csv"
    body = b"ref,amount,gross,when\nA1,999,10.00,2025-05-30\n"
    mapping = json.dumps({"order_id": "ref", "amount": "gross", "order_date": "when"})
    lambda_handler(s3_event(key, put_raw(key, body, {"mapping": mapping})))
    manifest = manifest_for(key)
    assert manifest["mapping"] == {"order_id": "ref", "amount": "gross", "order_date": "when"}
    table = read_parquet(manifest["outputs"][0])
    assert [str(a) for a in table.column("amount").to_pylist()] == ["10.00"]


def test_only_the_message_that_failed_transiently_is_reported_for_retry():
    key = "raw/2025/06/01/i__orders.csv"
    etag = put_raw(key, b"order_id,amount,order_date\nA1,10.00,2025-05-30\n")
    missing_bucket = s3_event("raw/2025/06/01/x.csv")
    missing_bucket["Records"][0]["s3"]["bucket"]["name"] = "no-such-bucket"
    response = lambda_handler(sqs_event(s3_event(key, etag), missing_bucket))
    assert response == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert manifest_for(key)["rows_out"] == 1


def test_upper_case_csv_keys_are_processed_and_other_extensions_ignored():
    put_raw("raw/2025/06/01/j__ORDERS.CSV", b"order_id,amount,order_date\nA1,1,2025-05-30\n")
    put_raw("raw/2025/06/01/j__orders.xlsx", b"order_id,amount,order_date\nA1,1,2025-05-30\n")
    lambda_handler(s3_event("raw/2025/06/01/j__ORDERS.CSV"))
    lambda_handler(s3_event("raw/2025/06/01/j__orders.xlsx"))
    assert manifest_for("raw/2025/06/01/j__ORDERS.CSV")["rows_out"] == 1
    assert len(keys(settings.MANIFEST_PREFIX)) == 1


def test_outputs_land_in_month_partitions_and_nothing_is_written_under_raw():
    key = "raw/2025/06/01/k__orders.csv"
    body = b"order_id,customer,amount,status,order_date\nA1, Ann ,10.00,SHIPPED,2025-05-30\nA2,,x,new,2025-04-01\n"
    lambda_handler(s3_event(key, put_raw(key, body)))
    manifest = manifest_for(key)
    source = manifest["source_id"]
    assert manifest["outputs"] == [f"{settings.PROCESSED_PREFIX}order_month=2025-05/{source}.parquet"]
    assert manifest["rejected_key"] == f"{settings.QUARANTINE_PREFIX}{source}/rejected_rows.csv"
    assert keys("raw/") == [key]
    row = read_parquet(manifest["outputs"][0]).to_pylist()[0]
    assert (row["customer"], row["status"], row["source_key"]) == ("Ann", "shipped", key)
    expected_fields = {
        "status", "reason", "rows_in", "rows_out", "rows_rejected", "rows_stale", "rows_duplicate", "grain",
        "reasons", "warnings", "mapping", "encoding", "delimiter", "date_order", "date_order_assumed", "months",
        "outputs", "rejected_key", "rejected_sample", "header", "source_key", "upload_id", "bytes", "duration_ms",
        "decimal_separator", "decimal_separator_assumed", "unmapped", "skipped_lines", "grain_summary",
        "stale_sample",
    }  # fmt: skip
    assert expected_fields <= set(manifest) and "stale_key" not in manifest  # stale orders: in the Parquet only
    assert manifest["rejected_sample"] == [
        {
            "line": 3,
            "code": "bad_amount",
            "reason": "unparseable amount: x",
            "values": ["A2", "", "x", "new", "2025-04-01"],
        }
    ]


def test_an_ambiguous_file_uses_the_date_order_setting_and_says_so(monkeypatch):
    monkeypatch.setenv("AMBIGUOUS_DATE_ORDER", "DMY")
    key = "raw/2025/06/01/l__orders.csv"
    lambda_handler(s3_event(key, put_raw(key, b"order_id,amount,order_date\nA1,1,01/05/2025\n")))
    manifest = manifest_for(key)
    assert (manifest["date_order"], manifest["date_order_assumed"]) == ("DMY", True)
    assert manifest["months"] == ["2025-05"]
    assert manifest["status"] == "processed_with_warnings"
    assert [w["code"] for w in manifest["warnings"]] == ["date_order_assumed"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [(b"", "empty"), (b"order_id,amount,order_date\n", "no order rows"), (b"amount\n1\n", "no order id, order date")],
)
def test_whole_file_rejections_write_a_rejected_manifest_and_keep_the_raw_file(body, reason):
    key = "raw/2025/06/01/m__orders.csv"
    lambda_handler(s3_event(key, put_raw(key, body)))
    manifest = manifest_for(key)
    assert manifest["status"] == "rejected" and reason in manifest["reason"]
    assert keys("raw/") == [key]
    assert keys(settings.PROCESSED_PREFIX) == []


HEADER = ["order_id", "amount", "order_date"]
# A title, a blank line, the header on line 3; the quote opened on line 5 never closes.
UNCLOSED = b'Orders export\n\norder_id,amount,order_date\nA1,1.00,2025-05-30\nA2,"2.00,2025-05-30\nA3,3.00,2025-05-30\n'


@pytest.mark.parametrize(
    ("body", "code", "header_line", "skipped", "header"),
    [
        (b"order_id,amount,order_date\n", "no_rows", 1, [], HEADER),
        (b"sep=;\norder_id;amount;order_date\n\n", "no_rows", 2, [1], HEADER),  # Excel's hint, a blank line
        (b"Orders export\n\norder_id,amount,order_date\r\n", "no_rows", 3, [1, 2], HEADER),  # a title, a blank line
        (b"amount,date\n1,2025-05-30\n", "missing_column", 1, [], ["amount", "date"]),
        (b"", "empty", None, [], []),
        (b",,,\n;;\n", "no_header", None, [], []),  # only delimiters: no line is a header
    ],
)
def test_a_file_rejected_as_a_whole_reports_the_line_of_its_header_or_none(body, code, header_line, skipped, header):
    key = "raw/2025/06/01/h__orders.csv"
    lambda_handler(s3_event(key, put_raw(key, body)))
    manifest = manifest_for(key)
    assert (manifest["status"], manifest["reason_code"]) == ("rejected", code)
    assert (manifest["header_line"], [s["line"] for s in manifest["skipped_lines"]]) == (header_line, skipped)
    assert manifest["header"] == header


def test_a_quote_that_never_closes_rejects_its_line_and_the_file_is_read():
    # Review B14-4: lines 4 and 6 are orders A1 (1.00) and A3 (3.00); line 5's row is rejected for its quote.
    key = "raw/2025/06/01/q__orders.csv"
    lambda_handler(s3_event(key, put_raw(key, UNCLOSED)))
    manifest = manifest_for(key)
    assert (manifest["status"], manifest["rows_in"], manifest["orders"]) == ("processed_with_warnings", 3, 2)
    assert [(r["line"], r["code"]) for r in manifest["rejected_sample"]] == [(5, "unclosed_quote")]
    assert [(r["code"], r["count"]) for r in manifest["reasons"]] == [("unclosed_quote", 1)]


def test_a_file_whose_every_row_is_rejected_is_rejected_with_the_first_problem():
    key = "raw/2025/06/01/n__orders.csv"
    lambda_handler(s3_event(key, put_raw(key, b"order_id,amount,order_date\nA1,abc,2025-05-30\n")))
    manifest = manifest_for(key)
    assert (manifest["status"], manifest["reason_code"]) == ("rejected", "no_usable_row")
    assert manifest["reason"].startswith("no row could be used: unparseable amount: abc (line 2)")


def test_a_file_rejected_for_a_missing_column_still_says_how_many_data_rows_it_had():
    # 3 data rows by hand: a blank line (3), a whitespace-only row (4) and a row of placeholders (5,
    # `N/A;-`) are blank, as in a file that is read (README "Counts"); a quoted line break keeps one
    # record on two physical lines (6-7). Records: the header + 3 blank + 3 rows = 7 (8 lines).
    body = b'Order.N;gold\nO_1;10\n\n  ;  \nN/A;-\nO_2;"20\n5"\nO_3;30\n'
    key, pdf = "raw/2025/06/01/m__orders.csv", "raw/2025/06/01/pdf__orders.csv"
    lambda_handler(s3_event(key, put_raw(key, body)))
    lambda_handler(s3_event(pdf, put_raw(pdf, b"%PDF-1.4 not a table")))
    assert [manifest_for(k).get(f) for k in (key, pdf) for f in ("reason_code", "rows_in", "rows_blank")] == [
        "missing_column",
        3,
        3,
        "not_csv",
        None,  # not read, so not counted (the site shows "–", not 0)
        0,
    ]
    m = manifest_for(key)  # the identity README "Counts" states: the file's 7 records
    assert m["header_last_line"] - m["header_line"] + 1 + len(m["skipped_lines"]) + m["rows_blank"] + m["rows_in"] == 7


@hypothesis_settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=300) | st.text(max_size=200).map(lambda t: ("order_id,amount,order_date\n" + t).encode()))
def test_the_handler_never_raises_on_data_and_accounts_for_every_row(body):
    key = f"raw/2025/06/01/p{next(EXAMPLES)}__orders.csv"
    lambda_handler(s3_event(key, put_raw(key, body)))
    manifest = manifest_for(key)
    assert manifest["status"] in {"processed", "processed_with_rejects", "processed_with_warnings", "rejected"}
    if manifest["rows_in"] and manifest["reason_code"] != "missing_column":  # that file's rows are only counted
        assert manifest["rows_in"] == sum(manifest[p] for p in ACCOUNTED)
        assert manifest["orders"] == sum(read_parquet(k).num_rows for k in manifest["outputs"])


def versioned() -> None:
    aws_client("s3").put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})


def test_the_version_the_event_names_is_read_while_it_is_the_current_one():
    versioned()
    key = "raw/2025/06/01/q__orders.csv"
    s3 = aws_client("s3")
    first = s3.put_object(Bucket=BUCKET, Key=key, Body=b"order_id,amount,order_date\nA1,1.00,2025-05-30\n")
    lambda_handler(s3_event(key, first["ETag"].strip('"'), version_id=first["VersionId"]))
    manifest = manifest_for(key)
    assert (manifest["version_id"], manifest["orders"], manifest["amount_total"]) == (first["VersionId"], 1, "1.00")


def test_an_event_of_a_version_since_overwritten_writes_nothing_and_the_current_ones_event_counts():
    # A late or replayed event of the first version after the key was overwritten (the site's remap
    # copies a raw object onto itself): its outputs would be named after that version and sit beside
    # the current one's, both counted. By hand: only the second version's 2 orders / 8.00 remain.
    versioned()
    key = "raw/2025/06/01/q__orders.csv"
    s3 = aws_client("s3")
    first = s3.put_object(Bucket=BUCKET, Key=key, Body=b"order_id,amount,order_date\nA1,1.00,2025-05-30\n")
    second = s3.put_object(
        Bucket=BUCKET, Key=key, Body=b"order_id,amount,order_date\nB1,7.00,2025-05-30\nB2,1,2025-05-30\n"
    )
    late = s3_event(key, first["ETag"].strip('"'), version_id=first["VersionId"])
    assert lambda_handler(sqs_event(late)) == {"batchItemFailures": []}  # acknowledged, not retried
    assert keys("processed/") == [] and keys(settings.MANIFEST_PREFIX) == []
    lambda_handler(s3_event(key, second["ETag"].strip('"'), version_id=second["VersionId"]))
    lambda_handler(sqs_event(late))  # and again once the current version is processed
    manifest = manifest_for(key)
    assert (manifest["version_id"], manifest["orders"], manifest["amount_total"]) == (second["VersionId"], 2, "8.00")
    assert len(keys(settings.MANIFEST_PREFIX)) == 1
    orders = pa.concat_tables([read_parquet(k) for k in keys("processed/")])
    assert sorted(orders.column("order_id").to_pylist()) == ["B1", "B2"]


@pytest.mark.parametrize("what", ["key", "version"])
def test_a_file_deleted_before_it_was_read_is_rejected_once_without_a_retry(what):
    versioned()
    key = "raw/2025/06/01/r__orders.csv"
    s3 = aws_client("s3")
    put = s3.put_object(Bucket=BUCKET, Key=key, Body=b"order_id,amount,order_date\nA1,1.00,2025-05-30\n")
    if what == "key":
        s3.delete_object(Bucket=BUCKET, Key=key)  # a delete marker: the latest is gone
        event = s3_event(key, put["ETag"].strip('"'))
    else:
        s3.delete_object(Bucket=BUCKET, Key=key, VersionId=put["VersionId"])
        event = s3_event(key, put["ETag"].strip('"'), version_id=put["VersionId"])
    response = lambda_handler(sqs_event(event))
    assert response == {"batchItemFailures": []}  # acknowledged: no retry, no DLQ
    manifest = manifest_for(key)
    assert (manifest["status"], manifest["reason_code"]) == ("rejected", "deleted")
    assert manifest["reason"] == "the file was deleted before it could be read"
    assert keys(settings.PROCESSED_PREFIX) == []


def test_windows_1252_bytes_in_a_utf8_file_end_it_processed_with_a_warning_naming_their_line():
    key = "raw/2025/06/01/s__orders.csv"
    rows = [f"A{i},Zoë Müller,{i % 9}.50,2025-05-30".encode() for i in range(3000)]
    rows[2500] = b"A2500,Caf\xe9 \x80 Ltd,1.50,2025-05-30"  # pasted from a Windows-1252 program
    body = b"order_id,customer,amount,order_date\n" + b"\n".join(rows) + b"\n"
    assert body.index(b"\xe9") > 64 << 10  # past the head the encoding is detected from
    lambda_handler(s3_event(key, put_raw(key, body)))
    manifest = manifest_for(key)
    assert (manifest["status"], manifest["encoding"], manifest["orders"]) == ("processed_with_warnings", "utf-8", 3000)
    (warning,) = manifest["warnings"]
    line = 2 + 2500  # the header is line 1, row i is line i + 2
    assert (warning["code"], warning["count"], warning["lines"]) == ("stray_bytes_read_as_cp1252", 2, [line])
    assert warning["text"].endswith(f"2 bytes on 1 line, first on line {line}")
    customers = {r["order_id"]: r["customer"] for k in manifest["outputs"] for r in read_parquet(k).to_pylist()}
    assert customers["A2500"] == "Café € Ltd" and customers["A2499"] == "Zoë Müller"


# Columns no synonym maps: the file is read through the mapping in its metadata, or not at all.
UNNAMED = b"col_a,col_b,col_c\nA1,10.00,2025-05-30\nA2,5.00,2025-04-01\nA3,abc,2025-05-30\n"
UNNAMED_MAPPING = {"mapping": json.dumps({"order_id": "col_a", "amount": "col_b", "order_date": "col_c"})}


def outputs_of_a_good_run(key: str) -> tuple[str, list[str]]:
    """Runs the handler on a good file at `key`: (its ETag, its outputs: two months and the rejected rows)."""
    etag = put_raw(key, UNNAMED, UNNAMED_MAPPING)
    lambda_handler(s3_event(key, etag))
    written = keys(settings.PROCESSED_PREFIX) + keys(settings.QUARANTINE_PREFIX)
    assert len(written) == 3 and manifest_for(key)["status"] == "processed_with_warnings"  # 1 of 3 rejected
    return etag, written


def remapped(key: str, metadata: dict) -> str:
    """The object's metadata replaced by a copy onto itself: the same bytes, so the same ETag and
    source; its event sent again as the admin's reprocess sends it (key and ETag). Its ETag."""
    s3 = aws_client("s3")
    etag = s3.head_object(Bucket=BUCKET, Key=key)["ETag"]
    source = {"Bucket": BUCKET, "Key": key}
    s3.copy_object(Bucket=BUCKET, Key=key, CopySource=source, Metadata=metadata, MetadataDirective="REPLACE")
    assert s3.head_object(Bucket=BUCKET, Key=key)["ETag"] == etag
    assert lambda_handler(sqs_event(s3_event(key, etag.strip('"')))) == {"batchItemFailures": []}
    return etag


def test_a_rerun_that_rejects_the_file_as_a_whole_removes_what_the_earlier_run_wrote():
    key = "raw/2025/06/01/t__orders.csv"
    _, written = outputs_of_a_good_run(key)
    remapped(key, {})  # the mapping dropped: no column maps the required ones
    manifest = manifest_for(key)
    assert (manifest["status"], manifest["reason_code"]) == ("rejected", "missing_column")
    assert sorted(manifest["outputs_removed"]) == sorted(written) and manifest["outputs"] == []
    assert keys(settings.PROCESSED_PREFIX) == [] and keys(settings.QUARANTINE_PREFIX) == []
    assert key in keys("raw/")


def test_a_rerun_that_rejects_every_row_keeps_only_the_rejected_rows():
    key = "raw/2025/06/01/w__orders.csv"
    _, written = outputs_of_a_good_run(key)
    # Amount and date swapped: no row has a usable amount or date.
    remapped(key, {"mapping": json.dumps({"order_id": "col_a", "amount": "col_c", "order_date": "col_b"})})
    manifest = manifest_for(key)
    assert (manifest["status"], manifest["reason_code"], manifest["rows_rejected"]) == ("rejected", "no_usable_row", 3)
    months = [k for k in written if k.startswith(settings.PROCESSED_PREFIX)]
    assert len(months) == 2 and sorted(manifest["outputs_removed"]) == months
    assert keys(settings.PROCESSED_PREFIX) == [] and keys(settings.QUARANTINE_PREFIX) == [manifest["rejected_key"]]


def test_a_rerun_of_a_file_deleted_since_removes_what_the_earlier_run_wrote():
    versioned()
    key = "raw/2025/06/01/u__orders.csv"
    etag, written = outputs_of_a_good_run(key)
    aws_client("s3").delete_object(Bucket=BUCKET, Key=key)  # the event comes again (SQS delivers at least once)
    assert lambda_handler(sqs_event(s3_event(key, etag))) == {"batchItemFailures": []}
    manifest = manifest_for(key)
    assert (manifest["status"], manifest["reason_code"]) == ("rejected", "deleted")
    assert sorted(manifest["outputs_removed"]) == sorted(written)
    assert keys(settings.PROCESSED_PREFIX) == [] and keys(settings.QUARANTINE_PREFIX) == []


def test_a_rerun_that_cannot_read_the_file_leaves_what_the_earlier_run_wrote():
    key = "raw/2025/06/01/v__orders.csv"
    etag, written = outputs_of_a_good_run(key)
    # A real refusal by the object store (a bucket policy), as a permission mistake would give: the
    # message is retried (then parked in the DLQ), and until a run succeeds the earlier outputs stand.
    statement = {
        "Sid": "fault-under-test",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/{key}",
    }
    aws_client("s3").put_bucket_policy(
        Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )
    try:
        assert lambda_handler(sqs_event(s3_event(key, etag))) == {"batchItemFailures": [{"itemIdentifier": "m0"}]}
    finally:
        aws_client("s3").delete_bucket_policy(Bucket=BUCKET)
    manifest = manifest_for(key)
    assert manifest["status"] == "processing" and "GetObject" in manifest["last_error"]
    assert manifest["outputs_removed"] == []
    assert keys(settings.PROCESSED_PREFIX) + keys(settings.QUARANTINE_PREFIX) == written


@pytest.mark.parametrize(
    ("body", "code", "text"),
    [
        (
            b"order_id,amount,order_date\nA1,1.50,13/02/2025\nA2,2.50,02/14/2025\nA3,3.50,03/04/2025\n",
            "date_order_assumed",
            "as many rows have a date read only day first as only month first (1 each); read as MDY",
        ),
        (
            b"order_id;amount;order_date\nA1;12.50;2025-05-10\nA2;12,5;2025-05-10\n",
            "decimal_separator_assumed",
            "as many amounts show a decimal point as a decimal comma (1 each); read with \u201c.\u201d",
        ),
        (
            b"order_id,amount,order_date\nA1,1,01/05/2025\n",
            "date_order_assumed",
            "no date reads only one way; read as MDY",
        ),
    ],
    ids=["dates 13/02 and 02/14", "amounts 12.50 and 12,5", "only 01/05"],
)
def test_a_tie_is_told_apart_from_no_evidence_in_the_warning(body, code, text):
    # 13/02 reads only day first, 02/14 only month first: one each, a tie the setting (MDY) breaks.
    key = "raw/2025/06/01/t__orders.csv"
    lambda_handler(s3_event(key, put_raw(key, body)))
    (warning,) = [w for w in manifest_for(key)["warnings"] if w["code"] == code]
    assert warning["text"].endswith(": " + text)


def test_the_handler_leaves_no_thread_of_its_own_running_when_it_returns():
    """A process may exit as soon as the handler returns (a script, pytest, the benchmark's run): the
    threads a run starts (read-ahead, first manifest, cleaning, Parquet writers, uploads, the outputs'
    listing) are all joined by then, so none is inside Arrow or botocore at the interpreter's exit
    (review B8-8). Only `startup.settle`'s lazy-imports thread may outlive a process's first call."""
    for thread in threading.enumerate():
        if thread.name == "lazy-imports":
            thread.join()
    before = set(threading.enumerate())
    key = "raw/2025/06/01/threads__orders.csv"
    body = b"order_id,customer,amount,status,order_date\n1,Ann,10.00,paid,2025-05-01\n2,Bo,x,paid,2025-05-02\n"
    etag = put_raw(key, body, {"as-of": "2025-06-01"})
    assert lambda_handler(s3_event(key, etag)) == {"batchItemFailures": []}
    left = [t.name for t in threading.enumerate() if t not in before and t.name != "lazy-imports"]
    assert manifest_for(key)["rows_out"] == 1
    assert left == []
