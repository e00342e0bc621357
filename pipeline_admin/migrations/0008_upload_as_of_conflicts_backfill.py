"""Record `as_of_conflicts` for the files uploaded before they were recorded at landing (0007), so
an older export that already overrides a newer one is flagged too (reviewer F4).

Self-contained, as a data migration must be (historical models have no properties): a file's
reference day is its manifest's `reference_date`, else its `as-of`, else the day it was uploaded
(`Upload.reference_day`); it landed when its manifest says (`ingested_at`, what the reports order
by), else when it was uploaded. Only current files (processed or in flight) are compared, and a
file that has conflicts recorded keeps them."""

from datetime import UTC, date, datetime

from django.db import migrations

CURRENT = {"uploaded", "processing", "stalled", "processed", "processed_with_rejects", "processed_with_warnings"}
LIMIT = 20  # as `older_exports.as_of_conflicts_find`


def _day(upload) -> date:
    recorded = (upload.manifest or {}).get("reference_date")
    try:
        return date.fromisoformat(recorded) if recorded else upload.as_of or upload.uploaded_at.astimezone(UTC).date()
    except ValueError:
        return upload.as_of or upload.uploaded_at.astimezone(UTC).date()


def _landed(upload) -> datetime:
    recorded = (upload.manifest or {}).get("ingested_at")
    try:
        return datetime.fromisoformat(recorded) if recorded else upload.uploaded_at
    except ValueError:
        return upload.uploaded_at


def backfill(apps, schema_editor) -> None:
    Upload = apps.get_model("pipeline_admin", "Upload")
    current = sorted(
        Upload.objects.filter(status__in=CURRENT, key__isnull=False), key=lambda u: (_landed(u), u.key, u.pk)
    )
    for i, upload in enumerate(current):
        if upload.as_of_conflicts:
            continue
        day = _day(upload)
        newer = [e for e in current[:i] if _day(e) > day]
        newer.sort(key=lambda e: (_day(e), e.uploaded_at, e.pk), reverse=True)
        if newer:
            upload.as_of_conflicts = [
                {
                    "upload_id": e.pk,
                    "name": e.original_name,
                    "as_of": _day(e).isoformat(),
                    "uploaded_at": e.uploaded_at.isoformat(),
                }
                for e in newer[:LIMIT]
            ]
            upload.save(update_fields=["as_of_conflicts"])


class Migration(migrations.Migration):
    dependencies = [("pipeline_admin", "0007_upload_as_of_conflicts")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
