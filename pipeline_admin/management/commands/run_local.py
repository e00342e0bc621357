"""`make run`: the whole pipeline on this machine, with demo data, until Ctrl-C."""

import os
import shutil
import signal
import subprocess
import sys
import time
from urllib.parse import urlparse

import redis
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from pipeline_admin.twin import port_free, twin_reachable

WEB_PORT = int(os.environ.get("WEB_PORT", "8000"))
DEMO_FILE = settings.BASE_DIR / "demo" / "orders.csv"
DEMO_AS_OF = "2025-06-01"  # the reference date of the course data set's expected values


class Command(BaseCommand):
    help = "Start Redis (if none answers), the twin, Celery, the Lambda runtime and the web server."

    def handle(self, *args, **options):
        if settings.PIPELINE_MODE != "local":
            raise CommandError("run_local runs the local twin; set PIPELINE_MODE=local")
        self.var = settings.BASE_DIR / "var"
        (self.var / "log").mkdir(parents=True, exist_ok=True)
        self.pidfile = self.var / "run_local.pid"
        self._lock()
        self.children: list[tuple[str, subprocess.Popen]] = []
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        started = time.monotonic()
        try:
            self._start_all()
            self._load_demo()
            self.stdout.write(
                self.style.SUCCESS(
                    f"\nordersite is ready at http://127.0.0.1:{WEB_PORT}/ ({time.monotonic() - started:.0f} s)"
                )
            )
            self.stdout.write("Demo logins (local twin only):")
            call_command("demo_users", stdout=self.stdout)
            self.stdout.write(f"Logs: {self.var / 'log'}/  ·  Ctrl-C stops everything started here.")
            self._watch()
        except KeyboardInterrupt:
            self.stdout.write("\nstopping…")
        finally:
            self._stop_all()
            self.pidfile.unlink(missing_ok=True)

    def _lock(self) -> None:
        if self.pidfile.exists():
            try:
                pid = int(self.pidfile.read_text())
                os.kill(pid, 0)
                raise CommandError(f"ordersite is already running (pid {pid}); stop it with Ctrl-C in its terminal")
            except (ValueError, ProcessLookupError):
                pass
        if not port_free(WEB_PORT):
            raise CommandError(f"port {WEB_PORT} is in use: stop what runs there or set WEB_PORT")
        self.pidfile.write_text(str(os.getpid()))

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = open(self.var / "log" / f"{name}.log", "ab")
        process = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, cwd=settings.BASE_DIR, start_new_session=True
        )
        self.children.append((name, process))
        self.stdout.write(f"  started {name} (pid {process.pid})")
        return process

    def _wait_for(self, what: str, check, seconds: float = 30.0) -> None:
        deadline = time.monotonic() + seconds
        while not check():
            if time.monotonic() > deadline:
                raise CommandError(f"{what} did not come up in {seconds:.0f} s; see {self.var / 'log'}")
            time.sleep(0.2)

    def _redis_ok(self) -> bool:
        try:
            return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def _start_all(self) -> None:
        py = sys.executable
        if not self._redis_ok():
            url = urlparse(settings.REDIS_URL)
            binary = shutil.which("redis-server")
            if url.hostname not in {"127.0.0.1", "localhost"} or not binary:
                raise CommandError(
                    f"Redis is not answering at {settings.REDIS_URL}: start it, or install "
                    "redis-server (apt-get install redis-server) and run make run again"
                )
            self._spawn(
                "redis",
                [binary, "--port", str(url.port or 6379), "--bind", "127.0.0.1", "--save", "", "--dir", str(self.var)],
            )
            self._wait_for("Redis", self._redis_ok)
        if not twin_reachable():
            if not port_free(settings.TWIN_PORT):
                raise CommandError(
                    f"port {settings.TWIN_PORT} is in use by something that is not the twin; set TWIN_PORT"
                )
            self._spawn("twin", [py, "manage.py", "twin", "serve"])
            self._wait_for("the local AWS twin", twin_reachable)
        call_command("migrate", verbosity=0, interactive=False)
        call_command("twin", "bootstrap", stdout=self.stdout)
        self._spawn(
            "celery-worker",
            [py, "-m", "celery", "-A", "ordersite", "worker", "--concurrency", "2", "--loglevel", "INFO"],
        )
        self._spawn(
            "celery-beat",
            [
                py,
                "-m",
                "celery",
                "-A",
                "ordersite",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(self.var / "celerybeat-schedule"),
            ],
        )
        self._spawn("lambda-runtime", [py, "manage.py", "lambda_runtime"])
        self._spawn("web", [py, "manage.py", "runserver", f"127.0.0.1:{WEB_PORT}", "--noreload"])
        self._wait_for("the web server", lambda: not port_free(WEB_PORT))

    def _load_demo(self) -> None:
        from pipeline_admin.models import Upload

        if (
            Upload.objects.filter(original_name=DEMO_FILE.name, status=Upload.Status.PROCESSED).exists()
            and self._demo_in_twin()
        ):
            self.stdout.write("demo data already loaded")
        else:
            call_command(
                "upload",
                str(DEMO_FILE),
                "--as-of",
                DEMO_AS_OF,
                "--wait",
                "--timeout",
                "120",
                "--allow-duplicate",  # the twin was reset: the same demo file is stored again
                stdout=self.stdout,
            )
        call_command("crawl", "--wait", stdout=self.stdout)
        call_command("dashboard_warm", stdout=self.stdout)

    def _demo_in_twin(self) -> bool:
        from ordersite.aws import s3

        return bool(s3.object_list(prefix=settings.PROCESSED_PREFIX, limit=1))

    def _watch(self) -> None:
        while True:
            for name, process in self.children:
                if process.poll() is not None:
                    raise CommandError(f"{name} stopped (exit {process.returncode}); see {self.var / 'log' / name}.log")
            time.sleep(1)

    def _stop_all(self) -> None:
        for _, process in reversed(self.children):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _, process in reversed(self.children):
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
