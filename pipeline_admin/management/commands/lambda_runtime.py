import logging
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ordersite.aws import AwsError
from pipeline_admin.runtime import runtime_drain, runtime_poll_once

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "The local Lambda runtime: poll the raw-events queue and run FilterAndProcessOrders."

    def add_arguments(self, parser):
        parser.add_argument("--drain", action="store_true", help="handle what is queued, then exit")

    def handle(self, *args, drain: bool, **options):
        if settings.PIPELINE_MODE != "local":
            raise CommandError("in AWS the SQS event source mapping runs the Lambda; this runtime is for the twin")
        if drain:
            self.stdout.write(f"handled {runtime_drain()} message(s)")
            return
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
        self.stdout.write(f"polling {settings.ORDERS_QUEUE_NAME} on {settings.AWS_ENDPOINT_URL}")
        while not stopping:
            try:
                runtime_poll_once(wait_seconds=1)
            except AwsError as exc:
                logger.warning("runtime: %s; retrying in 2 s", exc)
                time.sleep(2)
