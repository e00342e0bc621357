from django.db import models


class ReportResult(models.Model):
    """The last computed result per cache key: what the page shows when Redis is down or a
    newer result is still computing."""

    cache_key = models.CharField(max_length=200, unique=True)
    slug = models.CharField(max_length=64, db_index=True)
    params = models.JSONField(default=dict)
    data_version = models.IntegerField(default=0)
    columns = models.JSONField(default=list)
    rows = models.JSONField(default=list)
    meta = models.JSONField(default=dict)
    error = models.TextField(blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["-computed_at"]

    def __str__(self) -> str:
        return f"{self.slug} v{self.data_version} at {self.computed_at:%Y-%m-%d %H:%M}"
