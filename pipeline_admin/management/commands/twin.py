import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pipeline_admin.twin import port_free, twin_bootstrap, twin_reachable


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
        moto = os.path.join(os.path.dirname(sys.executable), "moto_server")
        # moto answers every cross-origin request unless told not to; the bucket's CORS rule decides instead.
        os.environ["MOTO_DISABLE_GLOBAL_CORS"] = "true"
        os.execv(moto, [moto, "-H", "127.0.0.1", "-p", str(settings.TWIN_PORT)])
