from datetime import UTC, date, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import models
from django.utils import timezone
from filter_and_process_orders.reasons import FILE_REASONS


class Upload(models.Model):
    class Status(models.TextChoices):
        # The browser is sending the bytes straight to S3 (incoming/); nothing is in raw/ yet.
        RECEIVING = "receiving", "receiving"
        UPLOADED = "uploaded", "uploaded"
        PROCESSING = "processing", "processing"
        PROCESSED = "processed", "processed"
        PROCESSED_WITH_REJECTS = "processed_with_rejects", "processed with rejects"
        PROCESSED_WITH_WARNINGS = "processed_with_warnings", "processed with warnings"
        REJECTED = "rejected", "rejected"
        FAILED = "failed", "failed"
        STALLED = "stalled", "stalled"
        WITHDRAWN = "withdrawn", "output deleted"
        # Its raw object or outputs are gone from the bucket (found by reconciliation).
        LOST = "lost", "lost"

    PROCESSED_ANY = {Status.PROCESSED, Status.PROCESSED_WITH_REJECTS, Status.PROCESSED_WITH_WARNINGS}
    FINAL = {*PROCESSED_ANY, Status.REJECTED, Status.FAILED, Status.WITHDRAWN, Status.LOST}
    IN_FLIGHT = {Status.UPLOADED, Status.PROCESSING, Status.STALLED}

    # Empty for a file refused before it reached S3: it is kept so admins see every attempt.
    key = models.CharField(max_length=512, unique=True, null=True, blank=True)
    original_name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    # The sha256 of the first copy of these bytes, unique: two requests storing the same bytes at
    # once cannot both hold it, so one of them is told it is a duplicate. Empty (NULL) for refused
    # files and for copies stored again on purpose.
    content_claim = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # The S3 multipart upload a browser is sending this file through (direct uploads only).
    multipart_id = models.CharField(max_length=1024, blank=True)
    as_of = models.DateField(null=True, blank=True)
    column_mapping = models.JSONField(default=dict, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # When its S3 event was last sent (upload, reprocess, replay): the clock for "stalled".
    queued_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.UPLOADED, db_index=True)
    status_reason = models.TextField(blank=True)
    rows_in = models.IntegerField(null=True, blank=True)
    rows_out = models.IntegerField(null=True, blank=True)
    manifest = models.JSONField(default=dict, blank=True)
    # The files already in raw/ when this one landed whose as-of was later (`older_exports`):
    # [{"upload_id", "name", "as_of", "uploaded_at"}]. Recorded once, at landing: the warning stays.
    as_of_conflicts = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.status})"

    @property
    def stored(self) -> bool:
        return bool(self.key) and self.status != self.Status.RECEIVING

    @property
    def raw_key(self) -> str:
        """The raw object's key; ValueError for a file refused before it reached S3 (it has none)."""
        if not self.key:
            raise ValueError(f"{self.original_name} was never stored")
        return self.key

    @property
    def in_flight(self) -> bool:
        return self.stored and self.status in self.IN_FLIGHT

    @property
    def needs_mapping(self) -> bool:
        """Rejected because a required column was not found (the manifest's reason code says so):
        staff can map it and reprocess."""
        code = (self.manifest or {}).get("reason_code")
        return self.stored and self.status == self.Status.REJECTED and code == "missing_column"

    @property
    def can_remap(self) -> bool:
        """Staff may choose the columns and the grain again for a file that has an outcome."""
        return self.needs_mapping or (self.stored and self.status in self.PROCESSED_ANY)

    # The counters a row of a file whose rows were read ends in, one each (README "Counts").
    ROW_OUTCOMES = ("rows_rejected", "rows_duplicate", "rows_superseded", "rows_merged", "orders")

    @property
    def rejected_with_file(self) -> dict | None:
        """The rows of a file rejected as a whole that no row counter takes, None when there are none:
        {"rows": how many, "why": the file's reason (`FILE_REASONS`)}. A file rejected after its header
        was read but before its rows were (a missing column) counts them in `rows_in`, none in
        `rows_rejected` (no row was read; `rejected_rows.csv` holds none): they are rejected with the file,
        `rows_in` minus the row counters (review B12-3). A file rejected for its rows (`no_usable_row`)
        has every row counted, none left."""
        manifest = self.manifest or {}
        if self.status != self.Status.REJECTED or not manifest.get("rows_in"):
            return None
        rows = manifest["rows_in"] - sum(manifest.get(counter) or 0 for counter in self.ROW_OUTCOMES)
        code = manifest.get("reason_code", "")
        return {"rows": rows, "why": FILE_REASONS.get(code, code)} if rows > 0 else None

    @property
    def has_outputs(self) -> bool:
        """Whether the Lambda's last run over the file wrote processed objects (the manifest's `outputs`):
        only then is there processed output to delete."""
        return bool((self.manifest or {}).get("outputs"))

    @property
    def amounts(self) -> dict[str, Decimal] | None:
        """The manifest's money totals in cents, None before the Lambda wrote them: {"counted": the
        orders that count in this file alone (what reports add up from it until a later upload's
        version of an order supersedes it: decided when the file was processed), "written": every
        order written, stale included (a check total against the source system), "stale": written -
        counted}."""
        manifest = self.manifest or {}
        if "amount_counted" not in manifest or "amount_total" not in manifest:
            return None
        try:
            counted, written = Decimal(manifest["amount_counted"]), Decimal(manifest["amount_total"])
        except (InvalidOperation, TypeError):
            return None
        cent = Decimal("0.01")
        return {
            "counted": counted.quantize(cent),
            "written": written.quantize(cent),
            "stale": (written - counted).quantize(cent),
        }

    @property
    def not_read_note(self) -> str:
        """What the file's page says where the Lambda's findings (format, mapping) are missing."""
        if not self.stored:
            return "not read: the file was refused" if self.status == self.Status.REJECTED else "not read yet"
        return "not recorded" if self.status in self.FINAL else "not known yet"

    @property
    def header_note(self) -> str:
        """Where the file's header row is, for its page: "line 2" (a physical line), "lines 1–2" (a quoted
        header cell holding a line break); "none found" when the Lambda found no line with text (an
        empty file); else what `not_read_note` says."""
        manifest = self.manifest or {}
        first, last = manifest.get("header_line"), manifest.get("header_last_line")
        if first:
            return f"lines {first}–{last}" if last and last > first else f"line {first}"
        return "none found" if manifest.get("reason_code") in ("empty", "no_header") else self.not_read_note

    @property
    def reference_day(self) -> date:
        """The day this file's orders are as of (DESIGN "The stale rule"): what the Lambda used when
        it has run, else the `as-of` staff gave, else the day (UTC) it was uploaded."""
        recorded = (self.manifest or {}).get("reference_date")
        if recorded:
            try:
                return date.fromisoformat(recorded)
            except ValueError:
                pass
        return self.as_of or (self.uploaded_at or timezone.now()).astimezone(UTC).date()

    @property
    def warnings(self) -> list[dict]:
        """The Lambda's warnings about this file: [{"code", "text"}]."""
        return list((self.manifest or {}).get("warnings") or [])


class UploadEvent(models.Model):
    """One status change of an upload: the small history shown on its page."""

    upload = models.ForeignKey(Upload, related_name="events", on_delete=models.CASCADE)
    status = models.CharField(max_length=32, choices=Upload.Status.choices)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.upload_id} → {self.status}"


class CrawlerRun(models.Model):
    """One crawl: who or what asked for it, what it changed in the catalog, and how it ended."""

    class State(models.TextChoices):
        RUNNING = "running", "running"
        SUCCEEDED = "succeeded", "succeeded"
        FAILED = "failed", "failed"

    class Trigger(models.TextChoices):
        MANUAL = "manual", "admin button"
        CLI = "cli", "command line"
        AUTO = "auto", "new processed data"
        SCHEDULE = "schedule", "schedule"

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.MANUAL)
    mode = models.CharField(max_length=16)
    state = models.CharField(max_length=16, choices=State.choices, default=State.RUNNING, db_index=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    tables_created = models.IntegerField(default=0)
    tables_updated = models.IntegerField(default=0)
    partitions_added = models.IntegerField(default=0)
    schema_before = models.JSONField(default=list, blank=True)
    schema_after = models.JSONField(default=list, blank=True)
    # [{"table", "column", "change": added|removed|changed, "before", "after"}] against the catalog before the run
    drift = models.JSONField(default=list, blank=True)
    tables = models.JSONField(default=dict, blank=True)  # {"created": [names], "updated": [names]}
    partitions_total = models.IntegerField(null=True, blank=True)
    # The worker touches this while it waits, so a run whose worker died can be told from a slow one.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            # The database, not a check-then-insert, guarantees a second request never starts a second crawl.
            models.UniqueConstraint(
                fields=["state"], condition=models.Q(state="running"), name="pipeline_admin_one_running_crawl"
            )
        ]

    def __str__(self) -> str:
        return f"crawl {self.pk} ({self.state})"

    @property
    def is_running(self) -> bool:
        return self.state == self.State.RUNNING

    @property
    def is_stale(self) -> bool:
        """Running, but the worker has been silent too long: the next request expires it."""
        last_word = self.heartbeat_at or self.started_at
        limit = timedelta(minutes=settings.CRAWLER_STALE_MINUTES)
        return self.is_running and last_word is not None and timezone.now() - last_word > limit

    @property
    def drift_summary(self) -> dict[str, int]:
        counts = {"added": 0, "removed": 0, "changed": 0}
        for change in self.drift:
            counts[change["change"]] += 1
        return counts

    @property
    def duration_seconds(self) -> float | None:
        if not self.finished_at:
            return None
        return (self.finished_at - self.started_at).total_seconds()
