"""A header row that Excel wrapped onto two lines inside quotes ("Order⏎ID"), through the handler on
the twin's S3: the header is one CSV record whose cells are read with the line break made a space,
and the rows after it keep their physical line numbers. Expected values are worked out by hand."""

import csv
import io
from decimal import Decimal

import pytest
from django.conf import settings
from filter_and_process_orders.handler import lambda_handler
from filter_and_process_orders.header import find_header
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from ordersite.aws import aws_client
from tests.lambda_.test_handler import BUCKET, manifest_for, put_raw, read_parquet, s3_event

HEADER = ["Order ID", "Customer", "Amount", "Status", "Date"]


@pytest.fixture(autouse=True)
def lambda_env(twin, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", settings.AWS_ENDPOINT_URL)


def export(newline: str, inside: str, delimiter: str, preamble: list[str]) -> bytes:
    """The header on two lines, then four records: A-2's customer holds a line break too, A-3's amount
    is not a number. With P preamble lines: header P+1..P+2, A-1 P+3, A-2 P+4..P+5, A-3 P+6, A-4 P+7.
    Lines end with `newline`; the line breaks inside cells are `inside`."""
    records = [
        [f'"Order{inside}ID"', "Customer", "Amount", "Status", "Date"],
        ["A-1", "Kim", "10.00", "shipped", "2025-02-01"],
        ["A-2", f'"Lee{inside}Jr"', "5.50", "shipped", "2025-02-02"],
        ["A-3", "Ann", "abc", "shipped", "2025-02-03"],
        ["A-4", "Bo", "7.25", "shipped", "2025-02-04"],
    ]
    lines = [*preamble, *(delimiter.join(cells) for cells in records)]
    return (newline.join(lines) + newline).encode()


@pytest.mark.parametrize(
    ("newline", "inside", "delimiter", "preamble"),
    [
        ("\n", "\n", ",", []),
        ("\r\n", "\n", ",", []),  # as Excel on Windows writes it: LF inside cells, CRLF at the end of each row
        ("\r\n", "\r\n", ";", ["sep=;"]),  # Excel's hint fixes the delimiter, the header starts on line 2
        ("\r", "\r", "\t", ['Orders "Q1 export — generated 2025-03-05 10:00', ""]),  # a title's stray quote
    ],
)
def test_a_header_wrapped_inside_quotes_is_one_row_and_the_rows_keep_their_lines(newline, inside, delimiter, preamble):
    key = "raw/2025/06/01/w__orders.csv"
    lambda_handler(s3_event(key, put_raw(key, export(newline, inside, delimiter, preamble))))
    manifest, p = manifest_for(key), len(preamble)
    assert (manifest["header"], manifest["delimiter"]) == (HEADER, delimiter)
    assert (manifest["header_line"], manifest["header_last_line"]) == (p + 1, p + 2)
    assert [s["line"] for s in manifest["skipped_lines"]] == list(range(1, p + 1))
    assert manifest["mapping"] == {
        "order_id": "Order ID",
        "customer": "Customer",
        "amount": "Amount",
        "status": "Status",
        "order_date": "Date",
    }
    assert (manifest["rows_in"], manifest["orders"], manifest["rows_rejected"]) == (4, 3, 1)
    assert Decimal(manifest["amount_total"]) == Decimal("10.00") + Decimal("5.50") + Decimal("7.25")  # 22.75
    assert [(r["line"], r["code"]) for r in manifest["rejected_sample"]] == [(p + 6, "bad_amount")]
    rejected = aws_client("s3").get_object(Bucket=BUCKET, Key=manifest["rejected_key"])["Body"].read().decode()
    assert [r[:2] for r in csv.reader(io.StringIO(rejected))][1:] == [[str(p + 6), "bad_amount"]]
    orders = sorted(
        (r for key in manifest["outputs"] for r in read_parquet(key).to_pylist()), key=lambda r: r["source_line"]
    )
    assert [(r["order_id"], r["source_line"], r["amount"]) for r in orders] == [
        ("A-1", p + 3, Decimal("10.00")),
        ("A-2", p + 4, Decimal("5.50")),
        ("A-4", p + 7, Decimal("7.25")),
    ]
    assert [r["customer"].splitlines() for r in orders] == [["Kim"], ["Lee", "Jr"], ["Bo"]]


def test_a_wrapped_header_missing_a_column_names_its_cells_as_read_and_counts_its_rows():
    key = "raw/2025/06/01/w2__orders.csv"
    body = b'"Order\r\nID",Customer,"Order\r\nTotal",Status\r\nA-1,Kim,10.00,shipped\r\nA-2,Lee,5.50,shipped\r\n'
    lambda_handler(s3_event(key, put_raw(key, body)))
    manifest = manifest_for(key)
    assert (manifest["status"], manifest["reason_code"], manifest["rows_in"]) == ("rejected", "missing_column", 2)
    assert manifest["reason"].startswith("no order date column; headers were: Order ID, Customer, Order Total, Status")
    assert (manifest["header_line"], manifest["header_last_line"]) == (1, 3)  # two cells wrapped: three lines


@hypothesis_settings(max_examples=200, deadline=None)
@given(
    cells=st.lists(st.from_regex(r"\A[A-Za-z][A-Za-z ,\"\n]{0,12}\Z"), min_size=2, max_size=6),  # "," delimits
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_the_header_is_the_record_the_csv_module_wrote_and_ends_on_its_last_line(cells, newline):
    cells = [c.replace("\n", newline) for c in cells]
    written = io.StringIO(newline="")
    writer = csv.writer(written, lineterminator=newline)
    writer.writerows([cells, ["1"] * len(cells)])
    header = find_header(written.getvalue())
    breaks = sum(c.count(newline) for c in cells)  # each line break inside a cell adds a physical line
    assert (header.line, header.last_line) == (1, 1 + breaks)
    assert header.names == [" ".join(w.strip() for w in c.split(newline)).strip() for c in cells]
