from django.db import models


class ReportResult(models.Model):
    """The last computed result per cache key: what the page shows when Redis is down or a
    newer result is still computing."""

    cache_key = models.CharField(max_length=200, unique=True)
    slug = models.CharField(max_length=64, db_index=True)
    params = models.JSONField(default=dict)
    data_version = models.IntegerField(default=0)
    # keys.RESULT_FORMAT when it was computed; a result of another format is never read (0: before formats)
    result_format = models.IntegerField(default=0)
    columns = models.JSONField(default=list)
    rows = models.JSONField(default=list)
    meta = models.JSONField(default=dict)
    error = models.TextField(blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["-computed_at"]

    def __str__(self) -> str:
        return f"{self.slug} v{self.data_version} at {self.computed_at:%Y-%m-%d %H:%M}"


class ReportRun(models.Model):
    """One query an engine really ran: what a user's daily scan budget counts, and what shows
    that many viewers of a cold report shared one job."""

    slug = models.CharField(max_length=64)
    cache_key = models.CharField(max_length=200)
    requested_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL)
    engine = models.CharField(max_length=16, blank=True)
    query_id = models.CharField(max_length=128, blank=True)
    bytes_scanned = models.BigIntegerField(default=0)
    engine_ms = models.IntegerField(default=0)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["requested_by", "started_at"])]

    def __str__(self) -> str:
        return f"{self.slug} run at {self.started_at:%Y-%m-%d %H:%M:%S}"


class DataChange(models.Model):
    """One change to the processed data; its id is the data version that results are keyed by.

    Kept in the database (not only in Redis) so a version is never lost or reused: a cached
    result of an older version can never be taken for a current one."""

    changed_at = models.DateTimeField()
    reason = models.CharField(max_length=32)  # ordersite.signals.REASONS
    source_keys = models.JSONField(default=list)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"data version {self.pk}: {self.reason} at {self.changed_at:%Y-%m-%d %H:%M:%S}"
