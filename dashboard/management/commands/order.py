import json

from django.core.management.base import BaseCommand, CommandError

from dashboard.drill_selectors import history_with_links
from dashboard.history import order_history
from ordersite.aws import AwsError


class Command(BaseCommand):
    help = (
        "Print one order's history: every version across all uploads in ingest order, which one "
        "counts and why the others do not, and the rejected rows that name it (file and line)."
    )

    def add_arguments(self, parser):
        parser.add_argument("order_id")
        parser.add_argument("--json", action="store_true", help="the history as JSON (as the page's ?format=json)")

    def handle(self, *args, order_id: str, json: bool, **options):
        try:
            history = history_with_links(order_history(order_id), user=None)  # file names, no staff links
        except (ValueError, AwsError) as exc:
            raise CommandError(str(exc)) from None
        found = bool(history["versions"] or history["rejected"])
        if json:
            self.stdout.write(_dumps(history))
            if not found:
                raise CommandError(f"no version of order {order_id!r} was found in any upload", returncode=1)
            return
        if not found:
            raise CommandError(f"order {order_id}: {history['verdict']}")
        self.stdout.write(f"order {history['order_id']}: {history['verdict']}")
        for v in history["versions"]:
            lines = v.get("source_lines") or v.get("source_line")
            mark = "*" if v["counts"] else " "
            status = v["status"] or ""  # no status: blank, as the page's cell
            self.stdout.write(
                f"{mark} {v['ingested_at']}  {v['file']} ({v['source_key']}) line {lines}  {v['amount']} {status} "
                f"{v['order_date']}  -> {v['why']}"
            )
        for r in history["rejected"]:
            self.stdout.write(
                f"x {r['ingested_at']}  {r['file']} ({r['source_key']}) line {r['line']}  "
                f"rejected: {r['reason']} ({r['code']})"
            )
        meta = history["meta"]
        self.stdout.write(
            f"data version {meta['data_version']}, {meta['bytes_scanned']} bytes scanned on {meta['engine']}"
        )


def _dumps(value) -> str:
    return json.dumps(value, indent=1)
