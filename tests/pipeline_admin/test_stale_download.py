"""The file page's "Download the stale orders (CSV)": built by the site from the stored Parquet (the
orders flagged stale), checked against the course oracle's stale rule."""

import csv
import html
import io
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.urls import reverse
from filter_and_process_orders.contract import SCHEMA, STALE_COLUMNS

from ordersite.aws import aws_client
from pipeline_admin import stale_orders
from tests.lambda_.test_stale_orders import FORMULA, INERT, stale_export
from tests.pipeline_admin.test_upload_status import processed_upload


def download_link(client, upload) -> str:
    page = client.get(reverse("pipeline_admin:upload_detail", args=[upload.pk])).content.decode()
    return html.unescape(page.split('id="stale-download" href="')[1].split('"')[0])


def oracle_rows(stale: list[dict]) -> list[list[str]]:
    """The oracle's stale orders as the download's CSV rows: by month, then physical line."""
    expected = sorted(stale, key=lambda o: (o["order_date"].strftime("%Y-%m"), o["line"]))
    return [
        [o["order_id"], INERT if o["customer"] == FORMULA else o["customer"], f"{o['amount']:.2f}", o["status"],
         o["order_date"].isoformat(), str(o["line"])]
        for o in expected
    ]  # fmt: skip


def test_the_download_is_the_oracles_stale_orders_by_month_then_line_with_formulas_inert(client, twin, pipeline_admin):
    body, stale = stale_export()
    upload = processed_upload(client, pipeline_admin, body=body, name="stale.csv")
    link = download_link(client, upload)
    assert link == reverse("pipeline_admin:upload_stale_orders", args=[upload.pk])

    response = client.get(link)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == f'attachment; filename="stale-{upload.pk}.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8"))))
    assert rows[0] == list(STALE_COLUMNS)
    assert rows[1:] == oracle_rows(stale)
    assert len(rows) - 1 == upload.manifest["rows_stale"] == 92
    assert sum(Decimal(r[2]) for r in rows[1:]) == sum(o["amount"] for o in stale)


def test_only_who_may_open_the_files_page_may_download_its_stale_orders(
    client, twin, pipeline_admin, uploader, analyst
):
    body, _ = stale_export()
    upload = processed_upload(client, pipeline_admin, body=body, name="stale.csv")
    page = reverse("pipeline_admin:upload_detail", args=[upload.pk])
    link = reverse("pipeline_admin:upload_stale_orders", args=[upload.pk])
    for user, status in ((uploader, 404), (analyst, 403)):  # another uploader's file; no uploader role
        client.force_login(user)
        assert (client.get(page).status_code, client.get(link).status_code) == (status, status)
    client.logout()
    answers = [client.get(url) for url in (page, link)]
    assert [(a.status_code, "/login" in a["Location"]) for a in answers] == [(302, True), (302, True)]


def test_an_output_gone_since_the_page_was_shown_gives_a_message_not_an_error(client, twin, pipeline_admin):
    body, _ = stale_export()
    upload = processed_upload(client, pipeline_admin, body=body, name="stale.csv")
    gone = upload.manifest["outputs"][-1]
    aws_client("s3").delete_object(Bucket=settings.PIPELINE_BUCKET, Key=gone)
    response = client.get(reverse("pipeline_admin:upload_stale_orders", args=[upload.pk]), follow=True)
    assert response.redirect_chain == [(reverse("pipeline_admin:upload_detail", args=[upload.pk]), 302)]
    assert f"its output {gone} is gone" in response.content.decode()


def test_a_file_processed_when_runs_wrote_a_stale_csv_keeps_its_link_to_that_csv(client, twin, pipeline_admin):
    body, _ = stale_export()
    upload = processed_upload(client, pipeline_admin, body=body, name="stale.csv")
    old = f"{settings.QUARANTINE_PREFIX}{upload.manifest['source_id']}/stale_orders.csv"
    aws_client("s3").put_object(Bucket=settings.PIPELINE_BUCKET, Key=old, Body=b"order_id\nO0100\n")
    upload.manifest = upload.manifest | {"stale_key": old}
    upload.save()
    link = download_link(client, upload)
    assert link.startswith(settings.AWS_ENDPOINT_URL) and old in link and f"stale-{upload.pk}.csv" in link


def test_month_files_of_many_row_groups_in_any_line_order_download_in_line_order_a_batch_at_a_time(
    client, twin, pipeline_admin, monkeypatch
):
    body, stale = stale_export()
    upload = processed_upload(client, pipeline_admin, body=body, name="stale.csv")
    s3 = aws_client("s3")
    for key in upload.manifest["outputs"]:  # each month rewritten: rows scattered, row groups of 3
        table = pq.read_table(io.BytesIO(s3.get_object(Bucket=settings.PIPELINE_BUCKET, Key=key)["Body"].read()))
        lines = table["source_line"].to_pylist()
        scattered = table.take(sorted(range(len(lines)), key=lambda i: (lines[i] * 7919) % 13))
        out = io.BytesIO()
        pq.write_table(scattered, out, row_group_size=3)
        s3.put_object(Bucket=settings.PIPELINE_BUCKET, Key=key, Body=out.getvalue())
    assert pq.ParquetFile(out).metadata.num_row_groups > 3
    monkeypatch.setattr(stale_orders, "_BATCH_ROWS", 2)  # batches and bins smaller than a month's stale rows
    monkeypatch.setattr(stale_orders, "_BIN_ROWS", 5)
    response = client.get(reverse("pipeline_admin:upload_stale_orders", args=[upload.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8"))))
    assert rows[0] == list(STALE_COLUMNS) and rows[1:] == oracle_rows(stale)


def test_a_stale_order_exported_twice_is_downloaded_once_at_its_first_line_as_the_page_samples_it(
    client, twin, pipeline_admin
):
    body = b"order_id,customer,amount,status,order_date\n"
    body += b"S-1,Kim,10.00,pending,2025-02-01\nS-2,Lee,5.00,shipped,2025-02-02\nS-1,Kim,10.00,pending,2025-02-01\n"
    upload = processed_upload(client, pipeline_admin, body=body, name="twice.csv")
    response = client.get(download_link(client, upload))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8"))))
    # By hand: S-1 is pending and 120 days old as of 2025-06-01, first on line 2 (its copy is on line 4).
    assert rows[1:] == [["S-1", "Kim", "10.00", "pending", "2025-02-01", "2"]]
    assert [(o["order_id"], o["source_line"]) for o in upload.manifest["stale_sample"]] == [("S-1", "2")]
    assert (upload.manifest["rows_stale"], upload.manifest["rows_duplicate"]) == (1, 1)


def test_month_files_written_before_and_after_the_required_columns_download_together(client, twin, pipeline_admin):
    body, stale = stale_export()
    upload = processed_upload(client, pipeline_admin, body=body, name="stale.csv")
    s3 = aws_client("s3")
    layouts = []
    for n, key in enumerate(upload.manifest["outputs"]):
        data = s3.get_object(Bucket=settings.PIPELINE_BUCKET, Key=key)["Body"].read()
        if n % 2:  # every other month as files were written before 2026-12-02: every column OPTIONAL
            table = pq.read_table(io.BytesIO(data))
            out = io.BytesIO()
            optional = pa.schema([f.with_nullable(True) for f in table.schema])
            pq.write_table(table.cast(optional), out, store_schema=False)
            data = out.getvalue()
            s3.put_object(Bucket=settings.PIPELINE_BUCKET, Key=key, Body=data)
        schema = pq.ParquetFile(io.BytesIO(data)).schema
        layouts.append([schema.column(i).max_definition_level for i in range(len(schema))])
    required = [SCHEMA.get_field_index(c) for c in ("order_id", "amount", "order_date", "source_line")]
    assert {tuple(layout[i] for i in required) for layout in layouts} == {(0, 0, 0, 0), (1, 1, 1, 1)}  # both kinds
    response = client.get(reverse("pipeline_admin:upload_stale_orders", args=[upload.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8"))))
    assert rows[0] == list(STALE_COLUMNS) and rows[1:] == oracle_rows(stale)
    assert len(rows) - 1 == 92 and sum(Decimal(r[2]) for r in rows[1:]) == sum(o["amount"] for o in stale)
