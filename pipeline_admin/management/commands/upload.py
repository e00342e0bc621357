import argparse
import json
import time
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import pluralize

from pipeline_admin import services
from pipeline_admin.headers import with_header_line
from pipeline_admin.models import Upload


class _LocalFile:
    """A file on disk with the shape of Django's UploadedFile, for the same checks."""

    def __init__(self, path: Path):
        self.name, self.size, self._fh = path.name, path.stat().st_size, path.open("rb")

    def __getattr__(self, name):
        return getattr(self._fh, name)


def _line(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"a line number from 1, not {value!r}")
    return int(value)


class Command(BaseCommand):
    help = "Upload order CSVs to raw/, exactly as the web form does."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--as-of", type=date.fromisoformat, help="reference date for the stale rule (YYYY-MM-DD)")
        parser.add_argument("--wait", action="store_true", help="wait until every file is processed or rejected")
        parser.add_argument("--timeout", type=int, default=300)
        parser.add_argument(
            "--allow-duplicate", action="store_true", help="store a file even if the same content was uploaded before"
        )
        parser.add_argument("--mapping", type=json.loads, help='column mapping as JSON, e.g. {"order_date": "When"}')
        parser.add_argument(
            "--header-line",
            type=_line,
            help="the header row: the physical line of each file (1 the first) read as its header, e.g. 4 "
            "below a totals block that repeats it; the file is refused if that line lacks a header --mapping names",
        )

    def handle(self, *args, paths, as_of, wait, timeout, allow_duplicate, mapping, header_line, **options):
        for path in paths:
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
        outcomes = services.uploads_receive(
            user=None,
            files=[_LocalFile(path) for path in paths],
            as_of=as_of,
            column_mapping=with_header_line(mapping or {}, header_line),
            allow_duplicate=allow_duplicate,
        )
        for outcome in outcomes:
            if outcome.outcome == "stored":
                self.stdout.write(outcome.message)
                if outcome.warning:
                    self.stderr.write(f"warning: {outcome.warning}")
            else:
                hint = " (pass --allow-duplicate)" if outcome.outcome == "duplicate" else ""
                self.stderr.write(f"{outcome.outcome}: {outcome.message}{hint}")
        uploads = list(Upload.objects.filter(pk__in=[o.upload_id for o in outcomes if o.outcome == "stored"]))
        if wait and uploads:
            self._wait(uploads, timeout)
        if len(uploads) < len(paths):
            raise CommandError(f"{len(paths) - len(uploads)} file(s) not stored")

    def _wait(self, uploads: list[Upload], timeout: int) -> None:
        deadline = time.monotonic() + timeout
        pending = {u.pk for u in uploads}
        while pending and time.monotonic() < deadline:
            services.uploads_sync()
            for u in Upload.objects.filter(pk__in=pending, status__in=Upload.FINAL):
                pending.discard(u.pk)
                counted = f"{u.rows_in} row{pluralize(u.rows_in)} in, {u.rows_out or 0} out"
                rows = "rows not counted" if u.rows_in is None else counted
                self.stdout.write(f"{u.original_name}: {u.status} ({rows}) {u.status_reason}")
            if pending:
                time.sleep(1)
        if pending:
            raise CommandError(
                f"{len(pending)} file(s) not processed after {timeout} s: is the Lambda runtime running?"
            )
