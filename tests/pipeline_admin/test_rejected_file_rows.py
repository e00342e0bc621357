"""Review B12-3: a file rejected as a whole after its header was read (a missing column) counts its rows in
`rows_in` and in no row counter (no row was read; rejected_rows.csv holds none). Its page said "Rows in / out
3 / 0", "Rejected · stale · duplicates · superseded 0 · 0 · 0 · 0" and "No rejected rows": the 3 rows ended
nowhere. The page now says they are rejected with the file, and offers no "Delete processed output…" for a
file without processed objects. Expected values by hand from the review's file."""

from django.urls import reverse

from pipeline_admin.models import Upload
from tests.pipeline_admin.test_upload_status import processed_upload

# /tmp/bk12/cases/mc/mc1.csv (CRLF): the header has no amount column. After it, by hand: order 1 (a quoted
# CRLF in its customer, lines 2-3), `,,`, `N/A,-,#N/A`, an empty line, `,,,note` (a row: one real cell past
# the header), `,,,N/A`, order 2, `" ",NBSP,`, a quoted CRLF alone, `NA`: 3 rows (1, the note, 2), 7 blank.
MC1 = (
    b'order_id,customer,order_date\r\n1,"Ann\r\nB",2025-05-01\r\n,,\r\nN/A,-,#N/A\r\n\r\n,,,note\r\n,,,N/A\r\n'
    b'2,Bob,2025-05-02\r\n" ",\xc2\xa0,\r\n"\r\n",,\r\nNA\r\n'
)


def test_a_file_rejected_for_a_missing_column_says_its_rows_are_rejected_with_it(client, twin, pipeline_admin):
    upload = processed_upload(client, pipeline_admin, body=MC1, name="mc1.csv")
    manifest = upload.manifest
    assert (upload.status, manifest["reason_code"]) == (Upload.Status.REJECTED, "missing_column")
    counts = (manifest["rows_in"], manifest["rows_blank"], manifest["rows_rejected"], manifest["outputs"])
    assert counts == (3, 7, 0, [])
    assert upload.rejected_with_file == {"rows": 3, "why": "a required column is missing"}  # 3 - 0 counted
    page = client.get(reverse("pipeline_admin:upload_detail", args=[upload.pk])).content.decode()
    assert '<td id="rows-with-file">3 rows: a required column is missing</td>' in page
    assert (
        '<td id="no-rejected-rows">No row was read: the file was rejected as a whole (a required column is '
        "missing), its 3 rows with it.</td>"
    ) in page
    assert "Reprocess" in page and "Delete processed output" not in page  # Processed objects: None


def test_a_processed_file_offers_to_delete_its_output_and_says_no_rows_rejected_with_it(client, twin, pipeline_admin):
    upload = processed_upload(client, pipeline_admin)
    page = client.get(reverse("pipeline_admin:upload_detail", args=[upload.pk])).content.decode()
    assert upload.has_outputs and "Delete processed output…" in page
    assert upload.rejected_with_file is None and 'id="rows-with-file"' not in page
    # a file rejected for its rows (every row rejected on its own) has each counted: none left with the file
    rows_read = Upload(status="rejected", manifest={"reason_code": "no_usable_row", "rows_in": 2, "rows_rejected": 2})
    assert rows_read.rejected_with_file is None
