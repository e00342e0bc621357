"""`make run`: the whole pipeline on this machine under supervisord, with demo data, until Ctrl-C."""

import os
import shutil
import signal
import sys
import time
from urllib.parse import urlparse

import redis
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from pipeline_admin.stack import local_programs, run_env_write
from pipeline_admin.supervision import SupervisionError, Supervisor
from pipeline_admin.twin import port_free, twin_identity

DEMO_FILE = settings.BASE_DIR / "demo" / "orders.csv"
DEMO_AS_OF = "2025-06-01"  # the reference date of the course data set's expected values
OWNER_KEY = "ordersite:run-local:owner"  # which checkout's `make run` uses this Redis


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Start Redis (if none answers), the twin, Celery, the Lambda runtime and the web server."

    def handle(self, *args, **options):
        if settings.PIPELINE_MODE != "local":
            raise CommandError("run_local runs the local twin; set PIPELINE_MODE=local")
        self.var = settings.VAR_DIR
        (self.var / "log").mkdir(parents=True, exist_ok=True)
        self.pidfile = self.var / "run_local.pid"
        self._lock()
        self.supervisor: Supervisor | None = None
        signal.signal(signal.SIGTERM, _interrupt)
        started = time.monotonic()
        try:
            self._start_all()
            self._load_demo()
            self.stdout.write(
                self.style.SUCCESS(
                    f"\nordersite is ready at http://127.0.0.1:{settings.WEB_PORT}/ "
                    f"({time.monotonic() - started:.0f} s)"
                )
            )
            self.stdout.write("Demo logins (local twin only):")
            call_command("demo_users", stdout=self.stdout)
            self.stdout.write(
                f"Logs: {self.var / 'log'}/  ·  settings for manage.py: {self.var / 'run.env'}  ·  "
                "Ctrl-C stops everything started here."
            )
            self.stdout.flush()
            while self.supervisor.running():
                time.sleep(1)
            raise CommandError(f"supervisord stopped; see {self.var / 'log' / 'supervisord.log'}")
        except KeyboardInterrupt:
            self.stdout.write("\nstopping…")
        finally:
            # A second Ctrl-C or SIGTERM (a terminal's, or one sent to the whole process group)
            # must not cut the shutdown short: the children are being stopped already.
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            if self.supervisor:
                self.supervisor.stop()
            self._release_redis()
            self.pidfile.unlink(missing_ok=True)

    def _lock(self) -> None:
        if self.pidfile.exists():
            try:
                pid = int(self.pidfile.read_text())
                os.kill(pid, 0)
                raise CommandError(f"ordersite is already running (pid {pid}); stop it with Ctrl-C in its terminal")
            except (ValueError, ProcessLookupError):
                pass
        if not port_free(settings.WEB_PORT):
            raise CommandError(f"port {settings.WEB_PORT} is in use: stop what runs there or set WEB_PORT")
        self.pidfile.write_text(str(os.getpid()))

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

    def _redis_claim(self) -> None:
        """Refuse a Redis that another checkout's running `make run` uses (its Celery would take our jobs)."""
        client = redis.Redis.from_url(settings.REDIS_URL, decode_responses=True)
        owner = str(client.get(OWNER_KEY) or "")
        directory, _, pid = owner.rpartition(":")
        if directory and directory != str(self.var) and pid.isdigit():
            try:
                os.kill(int(pid), 0)
                raise CommandError(
                    f"Redis at {settings.REDIS_URL} is used by the ordersite running from {directory} "
                    f"(pid {pid}): give this copy its own, e.g. REDIS_URL=redis://127.0.0.1:6380/0"
                )
            except ProcessLookupError:
                pass
        client.set(OWNER_KEY, f"{self.var}:{os.getpid()}")

    def _release_redis(self) -> None:
        try:
            client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5, decode_responses=True)
            if client.get(OWNER_KEY) == f"{self.var}:{os.getpid()}":
                client.delete(OWNER_KEY)
        except redis.RedisError:
            pass

    def _check_twin_port(self) -> None:
        identity = twin_identity(f"http://127.0.0.1:{settings.TWIN_PORT}")
        if identity and identity.get("state_dir") == settings.TWIN_STATE_DIR and identity.get("pid"):
            # An earlier twin of this checkout outlived its run: stop it (it saves its state) and supervise anew.
            self.stdout.write(f"  stopping an earlier twin of this checkout (pid {identity['pid']})")
            os.kill(int(identity["pid"]), signal.SIGTERM)
            self._wait_for("the earlier twin's stop", lambda: port_free(settings.TWIN_PORT), 15)
        elif identity:
            raise CommandError(
                f"port {settings.TWIN_PORT} serves the twin of another copy (state in "
                f"{identity.get('state_dir') or 'memory'}): set TWIN_PORT for this one"
            )
        elif not port_free(settings.TWIN_PORT):
            raise CommandError(f"port {settings.TWIN_PORT} is in use by something that is not the twin; set TWIN_PORT")

    def _start_all(self) -> None:
        start_redis = not self._redis_ok()
        if start_redis:
            url = urlparse(settings.REDIS_URL)
            if url.hostname not in {"127.0.0.1", "localhost"} or not shutil.which("redis-server"):
                raise CommandError(
                    f"Redis is not answering at {settings.REDIS_URL}: start it, or install "
                    "redis-server (apt-get install redis-server) and run make run again"
                )
        else:
            self._redis_claim()
        self._check_twin_port()
        run_env_write(self.var / "run.env")
        programs = local_programs(python=sys.executable, redis_url=settings.REDIS_URL if start_redis else None)
        self.supervisor = Supervisor(directory=self.var, programs=programs, env=dict(os.environ))
        try:
            self.supervisor.start()
        except SupervisionError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"  supervisord started; children log to {self.var / 'log'}/")
        if start_redis:
            self._wait_for("Redis", self._redis_ok)
            self._redis_claim()
        self._wait_for("the local AWS twin", lambda: twin_identity() is not None)
        call_command("migrate", verbosity=0, interactive=False)
        call_command("twin", "bootstrap", stdout=self.stdout)
        call_command("pipeline_status", "--reconcile", "--quiet", stdout=self.stdout)
        self.supervisor.start_group("app")
        self._wait_for("the web server", lambda: not port_free(settings.WEB_PORT), 90)

    def _load_demo(self) -> None:
        """Upload demo/orders.csv like any file, so it holds its content claim (a later copy through
        the form or the CLI is a duplicate); "already loaded" means an upload holds these bytes'
        claim, whatever its name or uploader. A lost demo upload gave its claim up (reconciliation)
        and is stored again."""
        from pipeline_admin import selectors

        holder = selectors.content_holder(sha256=selectors.file_sha256(DEMO_FILE))
        if holder is not None:
            self.stdout.write(
                f"demo data already loaded: {DEMO_FILE.name}'s content is upload {holder.pk}"
                f" ({holder.original_name}, {holder.get_status_display()})"
            )
            return
        call_command("upload", str(DEMO_FILE), "--as-of", DEMO_AS_OF, "--wait", "--timeout", "120", stdout=self.stdout)
        call_command("crawl", "--wait", stdout=self.stdout)
        call_command("dashboard_warm", stdout=self.stdout)
