import json

from django.core.management.base import BaseCommand, CommandError

from dashboard.reports import REPORTS, ParamError, report_query
from dashboard.selectors import ReportView, row_labels, rows_named
from dashboard.services import report_compute


class Command(BaseCommand):
    help = "Compute one report now, through the same service the dashboard's jobs use."

    def add_arguments(self, parser):
        parser.add_argument("slug", choices=sorted(REPORTS))
        parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, slug: str, param: list[str], json: bool, **options):
        raw = {}
        for item in param:
            name, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"--param takes NAME=VALUE, got {item!r}")
            raw[name.strip()] = value
        try:
            query = report_query(slug, raw)
            result = report_compute(query=query)
        except ParamError as exc:
            raise CommandError(str(exc)) from None
        if result.error:
            raise CommandError(result.error)
        report = REPORTS[slug]
        view = ReportView(slug, report.title, report.chart, query, result, fresh=True)
        labels = row_labels(view)
        if json:  # the report API's body
            meta = {**result.meta, "params": result.params, "computed_at": result.computed_at.isoformat()}
            body = {"columns": result.columns, "rows": result.rows}
            self.stdout.write(_dumps({**body, **({"labels": labels} if labels is not None else {}), "meta": meta}))
            return
        # The rows named as the card names them ("(none)", "Other (3 regions)"), as `labels` does in --json.
        named = rows_named(view) if labels is not None else result.rows
        rows = [[_cell(v) for v in row] for row in named]
        widths = [max(len(c), *(len(r[i]) for r in rows)) if rows else len(c) for i, c in enumerate(result.columns)]
        self.stdout.write("  ".join(c.ljust(w) for c, w in zip(result.columns, widths)))
        for row in rows:
            self.stdout.write("  ".join(v.ljust(w) for v, w in zip(row, widths)))


def _cell(value) -> str:
    """A value as text; a missing one (the average order value of no orders, which does not exist)
    is "–", as the card shows it; --json keeps it null. The revenue of no orders is 0.00, from the
    report itself (kpis.sql)."""
    return "–" if value is None else str(value)


def _dumps(value) -> str:
    return json.dumps(value, indent=1)
