from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pipeline_admin.twin import port_free, twin_bootstrap, twin_reachable
from pipeline_admin.twin_server import twin_serve


class Command(BaseCommand):
    help = "The local AWS twin: `serve` runs the moto server, `bootstrap` creates the resources."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["serve", "bootstrap"])

    def handle(self, *args, action: str, **options):
        if action == "bootstrap":
            if not twin_reachable():
                raise CommandError(
                    f"the twin is not answering at {settings.AWS_ENDPOINT_URL}: start it with `manage.py twin serve`"
                )
            twin_bootstrap()
            self.stdout.write(f"twin ready: bucket {settings.PIPELINE_BUCKET}, queue {settings.ORDERS_QUEUE_NAME}")
            return
        if not port_free(settings.TWIN_PORT):
            raise CommandError(f"port {settings.TWIN_PORT} is in use: stop what runs there or set TWIN_PORT")
        state_dir = Path(settings.TWIN_STATE_DIR) if settings.TWIN_STATE_DIR else None
        twin_serve(port=settings.TWIN_PORT, state_dir=state_dir)
