"""Stale orders are stored once, flagged in the Parquet: a run writes no second copy of them, and its
manifest counts them and samples the first by line. Checked against the course oracle's stale rule."""

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from filter_and_process_orders.handler import lambda_handler

from tests.oracle.course import COURSE, course_orders, is_stale

from .test_handler import keys, manifest_for, put_raw, read_parquet, s3_event

REFERENCE = date(2025, 6, 1)  # the handler's reference date for s3_event's default event time
FORMULA = "=cmd|' /C calc'!A0"  # what a spreadsheet would run; old and pending, so stale
INERT = "'" + FORMULA  # OWASP "CSV Injection": a leading apostrophe makes the cell text


def stale_export() -> tuple[bytes, list[dict]]:
    """The course file with one more order on line 2 whose customer reads as a formula, and its
    stale orders as the oracle gives them (csv module and Decimal, DESIGN.md's stale rule), each
    with its physical line, in line order."""
    header, rest = COURSE.read_bytes().split(b"\n", 1)
    body = header + f"\nO9999,{FORMULA},12.30,pending,2025-01-05\n".encode() + rest
    first = {"order_id": "O9999", "customer": FORMULA, "amount": Decimal("12.30"), "status": "pending",
             "order_date": date(2025, 1, 5)}  # fmt: skip
    orders = [first, *course_orders()]
    return body, [o | {"line": 2 + i} for i, o in enumerate(orders) if is_stale(o, REFERENCE)]


@pytest.fixture(autouse=True)
def lambda_env(twin, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", settings.AWS_ENDPOINT_URL)


def test_a_run_counts_and_samples_its_stale_orders_and_writes_no_csv_of_them():
    body, stale = stale_export()
    key = "raw/2025/06/01/stale__orders.csv"
    lambda_handler(s3_event(key, put_raw(key, body)))
    manifest = manifest_for(key)

    assert "stale_key" not in manifest and manifest["rows_stale"] == len(stale) == 92
    assert keys(settings.QUARANTINE_PREFIX) == []  # nothing rejected, and no copy of the stale orders
    expected = [
        {"order_id": o["order_id"], "customer": INERT if o["customer"] == FORMULA else o["customer"],
         "amount": str(o["amount"]), "status": o["status"],
         "order_date": o["order_date"].isoformat(), "source_line": str(o["line"])}
        for o in stale[:20]
    ]  # fmt: skip
    assert manifest["stale_sample"] == expected
    stored = [r for k in manifest["outputs"] for r in read_parquet(k).to_pylist() if r["stale"]]
    assert sorted((r["order_id"], r["amount"], r["source_line"]) for r in stored) == sorted(
        (o["order_id"], o["amount"], o["line"]) for o in stale
    )
    assert next(r["customer"] for r in stored if r["order_id"] == "O9999") == FORMULA  # stored as it came


def test_the_stale_statuses_setting_is_read_as_the_datas_statuses_are(monkeypatch):
    # Review B7-8: the data's statuses are stored as canonical words (Canceled -> cancelled, on-hold ->
    # on_hold); the setting spelt as the exports spell them must name the same statuses. Reference
    # 2025-06-01, cut-off 2025-05-02: every order but 4 is old enough. Stale: 1 and 2 (cancelled) and
    # 6 (on_hold): counted 1+2+4+8+16+32 - 1 - 2 - 32 = 28.00.
    monkeypatch.setenv("STALE_STATUSES", " Canceled ,on-hold")
    body = b"order_id,amount,status,order_date\n1,1.00,Canceled,2025-01-01\n2,2.00,cancelled,2025-01-01\n"
    body += b"3,4.00,Refunded,2025-01-01\n4,8.00,pending,2025-06-01\n5,16.00,Pending Payment,2025-01-01\n"
    body += b"6,32.00,on-hold,2025-01-01\n"
    key = "raw/2025/06/01/stale__settings.csv"
    lambda_handler(s3_event(key, put_raw(key, body)))
    manifest = manifest_for(key)
    assert (manifest["rows_stale"], manifest["amount_counted"]) == (3, "28.00")
    assert manifest["stale_rule"] == {"statuses": ["cancelled", "on_hold"], "after_days": 30}
