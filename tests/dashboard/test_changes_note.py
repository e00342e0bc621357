"""The open dashboard's "updated with ..." note counts files, each once (review B11-6): a reprocess,
remap or DLQ replay ends with the file processed again, which is that run's end, not a new file.

By hand, the span of the review (15 data versions, `DataChange` rows as the site writes them):
1-9 processed: the course file, web1, web2, nojs_a + nojs_b (one post, one change), custs,
blank, beyond, zA, zB = 10 files; 10 web2 remapped (reprocessed), 11 web2 processed, 12 web2
reprocessed, 13 web2 processed, 14 zA remapped, 15 zA processed. New files: the 10 of 1-9; files
reprocessed: web2 and zA = 2 (web2 twice, one file). It said "13 new files, 3 files reprocessed"."""

from django.utils import timezone

from dashboard.models import DataChange
from dashboard.selectors import data_changes_summary

FILES = ["course", "web1", "web2", ["nojs_a", "nojs_b"], "custs", "blank", "beyond", "zA", "zB"]
LATER = [("reprocessed", "web2"), ("processed", "web2"), ("reprocessed", "web2"), ("processed", "web2")]
LATER += [("reprocessed", "zA"), ("processed", "zA")]


def _changes(changes: list[tuple[str, str | list[str]]]) -> list[int]:
    """The data versions of these changes, written in order."""
    rows = [
        DataChange.objects.create(
            changed_at=timezone.now(),
            reason=reason,
            source_keys=[f"raw/{k}.csv" for k in (keys if isinstance(keys, list) else [keys])],
        )
        for reason, keys in changes
    ]
    return [row.pk for row in rows]


def test_a_reprocess_or_remap_is_one_file_reprocessed_not_also_a_new_file(db):
    versions = _changes([("processed", keys) for keys in FILES] + LATER)
    first, last = versions[0] - 1, versions[-1]
    assert data_changes_summary(after=first, up_to=last)["text"] == "10 new files, 2 files reprocessed"
    # only the reprocesses (versions 10-15): web2 and zA
    assert data_changes_summary(after=versions[8], up_to=last)["text"] == "2 files reprocessed"
    # web2's remap was in an earlier note: its processed output (11) is its end, still no new file
    assert data_changes_summary(after=versions[9], up_to=versions[10])["text"] == "1 file reprocessed"


def test_a_dlq_replay_is_files_replayed_and_crawls_count_each(db):
    versions = _changes([("processed", "a"), ("dlq_replayed", ["a", "b"]), ("processed", ["a", "b"]), ("crawled", [])])
    versions += _changes([("crawled", [])])
    # a: new, then replayed; b: replayed (its first processing failed into the DLQ); 2 crawls
    text = data_changes_summary(after=versions[0] - 1, up_to=versions[-1])["text"]
    assert text == "1 new file, 2 files replayed, 2 catalog changes"
