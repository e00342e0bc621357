import json
import time
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pipeline_admin import services
from pipeline_admin.forms import file_problem
from pipeline_admin.models import Upload
from pipeline_admin.s3 import S3Error


class _LocalFile:
    """A file on disk with the shape of Django's UploadedFile, for the same checks."""

    def __init__(self, path: Path):
        self.name, self.size, self._fh = path.name, path.stat().st_size, path.open("rb")

    def __getattr__(self, name):
        return getattr(self._fh, name)


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

    def handle(self, *args, paths, as_of, wait, timeout, allow_duplicate, mapping, **options):
        uploads = []
        for path in paths:
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
            fileobj = _LocalFile(path)
            problem = file_problem(fileobj)
            if problem:
                services.upload_refuse(user=None, name=path.name, size=fileobj.size, reason=problem)
                self.stderr.write(f"refused {problem}")
                continue
            try:
                uploads.append(
                    services.upload_create(
                        user=None,
                        fileobj=fileobj,
                        name=path.name,
                        as_of=as_of,
                        column_mapping=mapping,
                        allow_duplicate=allow_duplicate,
                    )
                )
            except services.DuplicateUpload as exc:
                self.stderr.write(f"skipped {exc} (pass --allow-duplicate)")
                continue
            except S3Error as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"stored {path} as {uploads[-1].key}")
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
                self.stdout.write(
                    f"{u.original_name}: {u.status} ({u.rows_in} rows in, {u.rows_out} out) {u.status_reason}"
                )
            if pending:
                time.sleep(1)
        if pending:
            raise CommandError(
                f"{len(pending)} file(s) not processed after {timeout} s: is the Lambda runtime running?"
            )
