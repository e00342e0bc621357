import json

from django.core.management.base import BaseCommand

from pipeline_admin import selectors, services


class Command(BaseCommand):
    help = "Show every upload's processing status and the last crawl."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--no-sync", action="store_true", help="do not read new manifests first")
        parser.add_argument(
            "--reconcile", action="store_true", help="mark uploads whose raw file or outputs are gone as lost"
        )
        parser.add_argument("--quiet", action="store_true", help="with --reconcile: print only what was lost")

    def handle(self, *args, json: bool = False, no_sync: bool = False, reconcile: bool = False, **options):
        if reconcile:
            for upload in services.uploads_reconcile():
                self.stdout.write(f"  lost: {upload.original_name} ({upload.key}): {upload.status_reason}")
            if options["quiet"]:
                return
        if not no_sync:
            services.uploads_sync()
        status = selectors.pipeline_status()
        if json:
            self.stdout.write(_dumps(status))
            return
        self.stdout.write("uploads: " + (", ".join(f"{k} {v}" for k, v in status["uploads"].items() if v) or "none"))
        for u in status["recent"]:
            # A file refused before storage or not read yet has no row counts.
            rows = f"rows {u['rows_in']}→{u['rows_out']}" if u["rows_in"] is not None else "rows –"
            self.stdout.write(f"  {u['status']:<24} {u['name']}  {rows}  {u['reason']}".rstrip())
        crawl = status["last_crawl"]
        self.stdout.write(f"last crawl: {crawl['state']} at {crawl['started_at']}" if crawl else "last crawl: never")


def _dumps(value) -> str:
    return json.dumps(value, indent=1)
