import logging
import os
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ordersite.aws import AwsError
from pipeline_admin.runtime import runtime_drain, runtime_poll_once

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "The local Lambda runtime: poll the raw-events queue and run FilterAndProcessOrders."

    def add_arguments(self, parser):
        parser.add_argument("--drain", action="store_true", help="handle what is queued, then exit")
        parser.add_argument(
            "--in-process",
            action="store_true",
            help="with --drain: call the handler in this process instead of a child held to LAMBDA_MEMORY_MB",
        )

    def handle(self, *args, drain: bool, in_process: bool, **options):
        if settings.PIPELINE_MODE != "local":
            raise CommandError("in AWS the SQS event source mapping runs the Lambda; this runtime is for the twin")
        if drain:
            self.stdout.write(f"handled {runtime_drain(isolate=not in_process)} message(s)")
            return
        stopping = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopping.set())
        self.stdout.write(f"polling {settings.ORDERS_QUEUE_NAME} on {settings.AWS_ENDPOINT_URL}")
        self.stdout.flush()
        # Short receive waits and a stop check while an invocation runs: SIGTERM ends it within ~1 s.
        while not stopping.is_set():
            try:
                runtime_poll_once(wait_seconds=1, isolate=True, stop=stopping.is_set)
            except AwsError as exc:
                logger.warning("runtime: %s; retrying in 2 s", exc)
                stopping.wait(2)
        self.stdout.write("stopped")
        self.stdout.flush()
        os._exit(0)  # the forkserver's and botocore's teardown would add seconds to every stop
