from django.core.management.base import BaseCommand, CommandError

from pipeline_admin import services
from pipeline_admin.models import CrawlerRun
from pipeline_admin.tasks import crawler_run


class Command(BaseCommand):
    help = "Run the crawler (Glue in AWS, the local crawler on the twin)."

    def add_arguments(self, parser):
        parser.add_argument("--wait", action="store_true", help="run here and wait for the crawl to finish")

    def handle(self, *args, wait: bool, **options):
        run, created = services.crawl_request(user=None, trigger=CrawlerRun.Trigger.CLI)
        if not created:
            self.stdout.write(f"a crawl is already running (run {run.pk}); no second crawl was started")
            return
        if not wait:
            crawler_run.delay(run.pk)
            self.stdout.write(f"crawl {run.pk} queued")
            return
        run = services.crawl_execute(run_id=run.pk)
        if run.state != CrawlerRun.State.SUCCEEDED:
            raise CommandError(f"crawl failed: {run.error}")
        self.stdout.write(
            f"crawl {run.pk} {run.state}: {run.tables_created} table(s) created, {run.tables_updated} updated, "
            f"{run.partitions_added} partition(s) added in {run.duration_seconds:.1f} s"
        )
        for change in run.drift:
            self.stdout.write(
                f"  schema drift in {change['table']}: {change['column']} {change['change']}"
                f" ({change['before'] or '-'} -> {change['after'] or '-'})"
            )
