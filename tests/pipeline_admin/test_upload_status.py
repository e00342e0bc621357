"""Uploads through the form, their journey through queue, Lambda, manifests and DLQ, and admin actions."""

import html
import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from ordersite.aws import aws_client, sqs
from pipeline_admin import selectors
from pipeline_admin.models import Upload
from pipeline_admin.runtime import runtime_drain
from pipeline_admin.services import upload_create, uploads_sync

ORDERS = b"order_id,order_date,amount,customer,status\n1,2025-05-01,10.50,Ann,shipped\n2,2025-05-02,20.00,Bob,shipped\n"
UNKNOWN_HEADER = b"Ref;When;Total;Who\nA1;2025-05-01;10,50;Ann\nA2;2025-05-03;7,25;Bob\n"


def post_files(client, *files, **fields):
    return client.post(reverse("pipeline_admin:upload"), {"files": list(files), **fields}, follow=True)


def csv(name: str, body: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, "text/csv")


def s3_keys(prefix: str) -> list[str]:
    response = aws_client("s3").list_objects_v2(Bucket=settings.PIPELINE_BUCKET, Prefix=prefix)
    return [o["Key"] for o in response.get("Contents", [])]


def settle() -> None:
    runtime_drain()
    uploads_sync()


def test_every_wild_file_ends_processed_or_rejected_with_its_reason_on_its_page(client, twin, uploader, shared_data):
    client.force_login(uploader)
    wild = sorted((shared_data / "wild").iterdir())
    post_files(client, *(csv(p.name, p.read_bytes()) for p in wild))
    settle()
    finals = {*Upload.PROCESSED_ANY, Upload.Status.REJECTED}
    expected = json.loads((shared_data / "wild.expected.json").read_text())
    uploads = {u.original_name: u for u in Upload.objects.all()}
    assert set(uploads) == {p.name for p in wild}
    for name, upload in uploads.items():
        assert upload.status in finals, (name, upload.status, upload.status_reason)
        page = client.get(reverse("pipeline_admin:upload_detail", args=[upload.pk])).content.decode()
        assert upload.get_status_display() in page
        if upload.status == Upload.Status.REJECTED:
            assert upload.status_reason and html.escape(upload.status_reason) in page, name
        else:
            assert upload.rows_out > 0 and f"{upload.rows_in} / {upload.rows_out}" in page
            written = expected[name]["amount_total"]  # the oracle's total of every order written
            assert f'<td id="amount-total">{written}</td>' in page, name
            for warning in upload.manifest["warnings"]:  # said with their text, in the list too
                assert html.escape(warning["text"]) in page, name
    assert "Excel" in uploads["CorneliuVasile__temaLabPoo__Orders.csv"].status_reason


def test_the_file_page_shows_the_amount_that_counts_apart_from_what_was_written_and_stale(
    client, twin, uploader, shared_data
):
    client.force_login(uploader)
    body = (shared_data / "orders.csv").read_bytes()
    post_files(client, csv("orders.csv", body), as_of="2025-06-01")
    settle()
    page = client.get(reverse("pipeline_admin:upload_detail", args=[Upload.objects.get().pk])).content.decode()
    oracle = json.loads((shared_data / "orders.expected.json").read_text())
    rows = body.decode().splitlines()[1:]
    written = sum((Decimal(line.split(",")[2]) for line in rows), Decimal("0.00"))  # every order, by hand
    counted = Decimal(oracle["kpis"]["revenue"])  # 30205.10: the 109 orders that count
    assert f'<td id="amount-counted">{counted}</td>' in page
    assert f'<td id="amount-total">{written}</td>' in page and written == Decimal("52833.25")
    assert f'<td id="amount-stale">{written - counted}</td>' in page
    assert "Amount of the orders that count in this file alone" in page and "stale included" in page


def test_one_bad_file_is_refused_by_name_while_the_others_are_stored(client, twin, uploader, settings):
    settings.UPLOAD_MAX_BYTES = 200
    client.force_login(uploader)
    response = post_files(
        client,
        csv("good.csv", ORDERS),
        csv("big.csv", ORDERS * 3),
        csv("blank-header.txt", b"\n \r\n\t\n"),
        csv("nul.csv", b"a,b\x00\x01\x02"),
    )
    text = response.content.decode()
    assert re.search(r"big.csv: more than 200\xa0bytes arrived, over the limit of 200\xa0bytes", text)
    assert "blank-header.txt: no header row: every line of the file is blank" in text
    assert "nul.csv: this is a binary file" in text
    stored = Upload.objects.exclude(key=None)
    assert [u.original_name for u in stored] == ["good.csv"]
    assert s3_keys("raw/") == [stored.get().key]
    assert "To store a duplicate anyway" not in text  # no duplicate among them: no hint about one
    refused = Upload.objects.get(original_name="nul.csv")
    page = client.get(reverse("pipeline_admin:upload_detail", args=[refused.pk])).content.decode()
    # The header row, the format and the column mapping: none of them were read.
    assert page.count("not read: the file was refused") == 3 and "not known yet" not in page


def test_the_page_script_gets_one_json_outcome_per_file(client, twin, uploader):
    client.force_login(uploader)
    response = client.post(
        reverse("pipeline_admin:upload"), {"files": [csv("a.CSV", ORDERS)]}, headers={"accept": "application/json"}
    )
    (result,) = response.json()["files"]
    assert result["outcome"] == "stored" and result["url"].startswith("/pipeline/files/")


def test_the_same_content_again_asks_before_it_is_stored(client, twin, uploader):
    client.force_login(uploader)
    post_files(client, csv("orders.csv", ORDERS))
    again = post_files(client, csv("orders-copy.csv", ORDERS)).content.decode()
    assert "orders-copy.csv: the same content was already uploaded as orders.csv by uploader" in again
    assert "confirm to store it again" in again
    assert "To store a duplicate anyway, tick" in again
    assert Upload.objects.count() == 1 and len(s3_keys("raw/")) == 1
    post_files(client, csv("orders-copy.csv", ORDERS), allow_duplicate="on")
    assert Upload.objects.count() == 2 and len(s3_keys("raw/")) == 2


def test_an_s3_error_records_nothing_and_says_retry(client, twin, uploader, settings):
    settings.PIPELINE_BUCKET = "no-such-bucket"
    client.force_login(uploader)
    text = post_files(client, csv("orders.csv", ORDERS)).content.decode()
    assert "orders.csv: could not store" in text and "please retry" in text
    assert Upload.objects.count() == 0


def test_two_uploads_with_the_same_name_never_overwrite_each_other(twin, uploader, pipeline_admin):
    first = upload_create(user=uploader, fileobj=csv("orders.csv", ORDERS), name="orders.csv")
    second = upload_create(
        user=pipeline_admin, fileobj=csv("orders.csv", ORDERS + b"3,2025-05-03,1,C,x\n"), name="orders.csv"
    )
    assert first.key != second.key
    bodies = [
        aws_client("s3").get_object(Bucket=settings.PIPELINE_BUCKET, Key=u.key)["Body"].read() for u in (first, second)
    ]
    assert bodies == [ORDERS, ORDERS + b"3,2025-05-03,1,C,x\n"]


def test_an_upload_moves_from_uploaded_to_processing_to_processed_with_a_history(twin, uploader):
    upload = upload_create(user=uploader, fileobj=csv("orders.csv", ORDERS), name="orders.csv")
    uploads_sync()
    upload.refresh_from_db()
    assert upload.status == Upload.Status.UPLOADED
    # What the Lambda writes before it reads the first row.
    marker = {"source_id": "abc", "source_key": upload.key, "status": "processing", "started_at": "2026-01-01T00:00:00"}
    aws_client("s3").put_object(Bucket=settings.PIPELINE_BUCKET, Key="manifests/abc.json", Body=json.dumps(marker))
    uploads_sync()
    upload.refresh_from_db()
    assert upload.status == Upload.Status.PROCESSING
    aws_client("s3").delete_object(Bucket=settings.PIPELINE_BUCKET, Key="manifests/abc.json")
    settle()
    upload.refresh_from_db()
    assert upload.status == Upload.Status.PROCESSED
    assert [e.status for e in upload.events.all()] == ["uploaded", "processing", "processed"]


def test_a_failed_attempt_shows_its_error_while_the_queue_retries_it(twin, uploader):
    upload = upload_create(user=uploader, fileobj=csv("orders.csv", ORDERS), name="orders.csv")
    # What the Lambda writes when an attempt fails (tests/faults/test_handler_failure.py: the real one).
    error = "ClientError: An error occurred (SlowDown) when calling the PutObject operation: Reduce your request rate"
    failed = {"source_id": "abc", "source_key": upload.key, "status": "processing", "last_error": error}
    failed["failed_at"] = "2026-01-01T00:00:05"
    aws_client("s3").put_object(Bucket=settings.PIPELINE_BUCKET, Key="manifests/abc.json", Body=json.dumps(failed))
    uploads_sync()
    upload.refresh_from_db()
    assert upload.status == Upload.Status.PROCESSING
    assert upload.status_reason == f"an attempt failed at 2026-01-01T00:00:05 with {error}; it is retried"
    Upload.objects.filter(pk=upload.pk).update(queued_at=timezone.now() - timedelta(hours=1))
    uploads_sync()  # still failing long after: stalled, and the error is still said
    upload.refresh_from_db()
    assert (
        upload.status == Upload.Status.STALLED and f"failed at 2026-01-01T00:00:05 with {error}" in upload.status_reason
    )


def test_the_lambda_leaves_a_processing_marker_that_its_result_replaces(twin, uploader):
    upload = upload_create(user=uploader, fileobj=csv("orders.csv", ORDERS), name="orders.csv")
    settle()
    upload.refresh_from_db()
    assert upload.manifest["started_at"] and upload.manifest["status"] == "processed"
    assert len(s3_keys("manifests/")) == 1


def test_no_result_after_the_setting_s_minutes_is_stalled_with_a_hint_and_can_still_finish(twin, uploader, settings):
    settings.UPLOAD_STALLED_MINUTES = 5
    upload = upload_create(user=uploader, fileobj=csv("orders.csv", ORDERS), name="orders.csv")
    Upload.objects.filter(pk=upload.pk).update(queued_at=timezone.now() - timedelta(minutes=6))
    uploads_sync()
    upload.refresh_from_db()
    assert upload.status == Upload.Status.STALLED
    assert "no result after 5 minutes" in upload.status_reason and "lambda_runtime" in upload.status_reason
    settle()
    upload.refresh_from_db()
    assert upload.status == Upload.Status.PROCESSED


def move_queued_events_to_the_dlq() -> int:
    """What the queue's redrive policy does after the Lambda failed three times."""
    messages = sqs.messages_receive(queue=settings.ORDERS_QUEUE_NAME, max_messages=10, wait_seconds=0)
    for m in messages:
        sqs.message_send(queue=settings.ORDERS_DLQ_NAME, body=m["Body"])
        sqs.message_delete(queue=settings.ORDERS_QUEUE_NAME, receipt_handle=m["ReceiptHandle"])
    return len(messages)


def test_an_event_in_the_dlq_marks_its_upload_failed_and_replaying_it_processes_the_file(
    client, twin, uploader, pipeline_admin
):
    upload = upload_create(user=uploader, fileobj=csv("orders.csv", ORDERS), name="orders.csv")
    assert move_queued_events_to_the_dlq() >= 1
    uploads_sync()
    upload.refresh_from_db()
    assert upload.status == Upload.Status.FAILED and "dead-letter queue" in upload.status_reason
    assert selectors.dlq_depth() >= 1  # reading the DLQ did not consume it
    client.force_login(pipeline_admin)
    assert (
        f'<span id="dlq-depth">{selectors.dlq_depth()}</span>'
        in client.get(reverse("pipeline_admin:uploads")).content.decode()
    )
    client.post(reverse("pipeline_admin:dlq_replay"))
    assert selectors.dlq_depth() == 0
    upload.refresh_from_db()
    assert upload.status == Upload.Status.UPLOADED
    assert upload.events.last().actor == pipeline_admin
    settle()
    upload.refresh_from_db()
    assert upload.status == Upload.Status.PROCESSED


def processed_upload(client, user, body=ORDERS, name="orders.csv") -> Upload:
    client.force_login(user)
    post_files(client, csv(name, body), as_of="2025-06-01")
    settle()
    return Upload.objects.get(original_name=name)


def test_reprocessing_sends_the_event_again_without_doubling_the_output(client, twin, pipeline_admin):
    upload = processed_upload(client, pipeline_admin)
    outputs = s3_keys("processed/")
    client.post(reverse("pipeline_admin:upload_reprocess", args=[upload.pk]))
    upload.refresh_from_db()
    assert upload.status == Upload.Status.UPLOADED and s3_keys("processed/") == []
    event = upload.events.last()
    assert event.actor == pipeline_admin and "reprocess requested" in event.note
    settle()
    upload.refresh_from_db()
    assert upload.status == Upload.Status.PROCESSED and s3_keys("processed/") == outputs


def test_deleting_processed_output_asks_first_then_keeps_only_the_raw_file(client, twin, pipeline_admin):
    upload = processed_upload(client, pipeline_admin, body=ORDERS + b"3,not a date,1,C,shipped\n")
    assert upload.status == Upload.Status.PROCESSED_WITH_WARNINGS  # 1 row of 3 rejected: over 20 %
    confirm = client.get(reverse("pipeline_admin:upload_output_delete", args=[upload.pk])).content.decode()
    assert upload.manifest["outputs"][0] in confirm and upload.manifest["rejected_key"] in confirm
    assert s3_keys("processed/")  # a GET deletes nothing
    client.post(reverse("pipeline_admin:upload_output_delete", args=[upload.pk]))
    assert s3_keys("processed/") == [] and s3_keys("quarantine/") == [] and s3_keys("manifests/") == []
    assert s3_keys("raw/") == [upload.key]
    upload.refresh_from_db()
    assert upload.status == Upload.Status.WITHDRAWN and upload.events.last().actor == pipeline_admin
    page = client.get(reverse("pipeline_admin:upload_detail", args=[upload.pk])).content.decode()
    assert "Delete processed output" not in page and "Reprocess" in page  # nothing left to delete


def test_uploaders_cannot_run_admin_actions_nor_see_other_peoples_files(client, twin, uploader, pipeline_admin):
    theirs = processed_upload(client, pipeline_admin)
    client.force_login(uploader)
    assert client.post(reverse("pipeline_admin:upload_reprocess", args=[theirs.pk])).status_code == 403
    assert client.post(reverse("pipeline_admin:dlq_replay")).status_code == 403
    assert client.get(reverse("pipeline_admin:bucket")).status_code == 403
    assert client.get(reverse("pipeline_admin:upload_detail", args=[theirs.pk])).status_code == 404
    assert "orders.csv" not in client.get(reverse("pipeline_admin:uploads")).content.decode()


def test_the_detail_page_shows_rows_rejections_download_outputs_format_and_history(client, twin, uploader):
    body = ORDERS + b"3,not a date,1,C,shipped\n4,2025-05-04,abc,D,shipped\n"
    upload = processed_upload(client, uploader, body=body)
    page = client.get(reverse("pipeline_admin:upload_detail", args=[upload.pk])).content.decode()
    assert "4 / 2" in page
    for reason in upload.manifest["reasons"]:
        assert html.escape(reason["text"]) in page and f'<td class="num">{reason["count"]}</td>' in page
    assert "not a date" in page  # the first rejected rows
    assert 'id="rejected-download"' in page and html.escape(upload.manifest["rejected_key"]) in page
    assert upload.manifest["outputs"][0] in page
    assert "utf-8 · delimiter “,”" in page
    assert "stored as raw/" in page


def test_an_unrecognised_header_can_be_mapped_on_the_detail_page_and_is_processed_again(client, twin, uploader):
    upload = processed_upload(client, uploader, body=UNKNOWN_HEADER, name="export.csv")
    assert upload.status == Upload.Status.REJECTED and upload.needs_mapping
    page = client.get(reverse("pipeline_admin:upload_detail", args=[upload.pk])).content.decode()
    assert "Map the columns of this file" in page and "<code>When</code>" in page
    mapping = {"order_id": "Ref", "order_date": "When", "amount": "Total", "customer": "Who", "status": ""}
    client.post(reverse("pipeline_admin:upload_remap", args=[upload.pk]), mapping)
    head = aws_client("s3").head_object(Bucket=settings.PIPELINE_BUCKET, Key=upload.key)
    assert json.loads(head["Metadata"]["mapping"]) == {k: v for k, v in mapping.items() if v}
    settle()
    upload.refresh_from_db()
    assert (upload.status, upload.rows_out) == (Upload.Status.PROCESSED, 2)
    assert upload.manifest["mapping"]["order_date"] == "When"


def test_a_mapping_chosen_on_the_upload_page_travels_as_metadata(client, twin, uploader):
    client.force_login(uploader)
    inspected = client.post(reverse("pipeline_admin:upload_inspect"), {"sample": csv("export.csv", UNKNOWN_HEADER)})
    assert inspected.json()["header"] == ["Ref", "When", "Total", "Who"]
    assert inspected.json()["recognised"] is False and "order_date" in inspected.json()["missing"]
    mapping = {"order_id": "Ref", "order_date": "When", "amount": "Total"}
    post_files(client, csv("export.csv", UNKNOWN_HEADER), mapping=json.dumps(mapping))
    settle()
    upload = Upload.objects.get()
    assert upload.column_mapping == mapping and upload.status == Upload.Status.PROCESSED_WITH_WARNINGS
    assert [w["code"] for w in upload.manifest["warnings"]] == ["unmapped_columns"]  # Who


def test_a_mapping_that_names_unknown_columns_is_refused(client, twin, uploader):
    client.force_login(uploader)
    response = post_files(client, csv("export.csv", UNKNOWN_HEADER), mapping=json.dumps({"colour": "When"}))
    assert response.status_code == 200 and Upload.objects.count() == 0


def test_the_list_filters_by_status_uploader_and_date_and_pages(client, twin, uploader, pipeline_admin):
    for i in range(27):
        upload_create(user=uploader, fileobj=csv(f"f{i}.csv", ORDERS + str(i).encode()), name=f"f{i}.csv")
    upload_create(user=pipeline_admin, fileobj=csv("admin.csv", ORDERS), name="admin.csv")
    Upload.objects.filter(original_name="f0.csv").update(status=Upload.Status.FAILED)
    Upload.objects.filter(original_name="f1.csv").update(uploaded_at=timezone.now() - timedelta(days=10))
    client.force_login(pipeline_admin)
    url = reverse("pipeline_admin:uploads")
    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()
    assert "page 1 of 2 · 28 files" in first
    assert ">f1.csv</a>" in second and ">f1.csv</a>" not in first  # the oldest is on the last page
    failed = client.get(url, {"status": "failed"}).content.decode()
    assert ">f0.csv</a>" in failed and ">f2.csv</a>" not in failed
    mine = client.get(url, {"uploader": "padmin"}).content.decode()
    assert ">admin.csv</a>" in mine and ">f2.csv</a>" not in mine
    old = (timezone.now() - timedelta(days=10)).date().isoformat()
    dated = client.get(url, {"date_from": old, "date_to": old}).content.decode()
    assert ">f1.csv</a>" in dated and "page 1 of 1 · 1 files" in dated
    paged = client.get(url, {"status": "processed", "uploader": "uploader"}).content.decode()
    assert "page 1 of 1 · 0 files" in paged
    assert "?status=uploaded&page=2" in client.get(url, {"status": "uploaded"}).content.decode()  # pages keep filters


def test_the_list_polls_itself_only_while_files_are_in_flight(client, twin, uploader):
    upload = upload_create(user=uploader, fileobj=csv("orders.csv", ORDERS), name="orders.csv")
    client.force_login(uploader)
    url = reverse("pipeline_admin:uploads")
    partial = client.get(url, headers={"hx-request": "true"}).content.decode()
    assert partial.startswith('<div id="upload-table" hx-get=') and "<html" not in partial
    Upload.objects.filter(pk=upload.pk).update(status=Upload.Status.PROCESSED)
    assert 'hx-trigger="every 3s"' not in client.get(url, headers={"hx-request": "true"}).content.decode()


def test_the_refresh_button_syncs_now(client, twin, uploader):
    upload = upload_create(user=uploader, fileobj=csv("orders.csv", ORDERS), name="orders.csv")
    runtime_drain()
    client.force_login(uploader)
    text = client.post(reverse("pipeline_admin:uploads_refresh"), follow=True).content.decode()
    assert "1 file(s) changed" in text
    upload.refresh_from_db()
    assert upload.status == Upload.Status.PROCESSED


def test_the_bucket_browser_counts_every_area_and_pages_through_objects(client, twin, pipeline_admin):
    for i in range(53):
        aws_client("s3").put_object(
            Bucket=settings.PIPELINE_BUCKET, Key=f"enriched/athena-results/{i:03}.csv", Body=b"xy"
        )
    client.force_login(pipeline_admin)
    url = reverse("pipeline_admin:bucket")
    page = client.get(url, {"area": "enriched"})
    summary = {s["area"]: s for s in page.context["summary"]}
    assert (summary["enriched"]["count"], summary["enriched"]["size"]) == (53, 106)
    assert summary["raw"]["count"] == 0 and set(summary) == {"raw", "processed", "quarantine", "manifests", "enriched"}
    assert len(page.context["objects"]) == 50 and page.context["next_token"]
    rest = client.get(url, {"area": "enriched", "token": page.context["next_token"]})
    assert [o.key for o in rest.context["objects"]][-1] == "enriched/athena-results/052.csv"
    assert len(rest.context["objects"]) == 3 and not rest.context["next_token"]
    assert client.get(url, {"area": "secrets"}).status_code == 404


def test_the_models_are_in_the_django_admin(client, twin, uploader):
    upload_create(user=uploader, fileobj=csv("orders.csv", ORDERS), name="orders.csv")
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_superuser("root", password="x"))
    assert "orders.csv" in client.get("/admin/pipeline_admin/upload/").content.decode()


def test_the_cli_uses_the_same_checks_and_asks_before_storing_a_duplicate(twin, tmp_path, capsys):
    path = tmp_path / "orders.csv"
    path.write_bytes(ORDERS)
    call_command("upload", str(path))
    with pytest.raises(Exception, match="not stored"):
        call_command("upload", str(path))
    assert "the same content was already uploaded" in capsys.readouterr().err
    call_command("upload", str(path), "--allow-duplicate")
    assert Upload.objects.count() == 2


def test_a_mapping_that_uses_one_header_twice_is_not_saved_and_says_why(client, twin, uploader):
    upload = processed_upload(client, uploader, body=UNKNOWN_HEADER, name="export.csv")
    mapping = {"order_id": "Ref", "order_date": "When", "amount": "When"}
    text = client.post(reverse("pipeline_admin:upload_remap", args=[upload.pk]), mapping, follow=True).content
    assert "each header can hold only one column" in text.decode()
    assert "mapping" not in aws_client("s3").head_object(Bucket=settings.PIPELINE_BUCKET, Key=upload.key)["Metadata"]


def test_the_detail_page_refreshes_itself_only_while_the_file_is_in_flight(client, twin, uploader):
    upload = upload_create(user=uploader, fileobj=csv("orders.csv", ORDERS), name="orders.csv")
    client.force_login(uploader)
    url = reverse("pipeline_admin:upload_detail", args=[upload.pk])
    assert 'hx-trigger="every 3s"' in client.get(url).content.decode()
    settle()
    assert 'hx-trigger="every 3s"' not in client.get(url).content.decode()


def test_a_sync_that_finds_another_one_running_changes_nothing(twin, uploader):
    from django.core.cache import cache

    from pipeline_admin.services import SYNC_LOCK

    upload_create(user=uploader, fileobj=csv("orders.csv", ORDERS), name="orders.csv")
    runtime_drain()
    cache.add(SYNC_LOCK, "1", timeout=60)
    assert uploads_sync() == 0
    cache.delete(SYNC_LOCK)
    assert uploads_sync() == 1
