"""Signals between the apps. `pipeline_admin` sends, `dashboard` listens; neither imports the other.

`processed_data_changed` is sent whenever what the query engines read under processed/ (or the
catalog that points at it) changed: a file processed, reprocessed, its output deleted, a DLQ
replay that processed files again, a crawl that changed the catalog, uploads found lost. Keyword arguments:

- reason: str, one of REASONS (why the data changed)
- source_keys: list[str], the raw objects (raw/... keys) whose output changed; may be empty
- changed_at: datetime (aware, UTC), when the change happened

Receivers run synchronously inside the sender's transaction; a receiver that needs the change
committed uses `transaction.on_commit`.
"""

from django.dispatch import Signal

REASONS = ("processed", "reprocessed", "output_deleted", "dlq_replayed", "crawled", "lost")

processed_data_changed = Signal()
