"""The local stack's programs and the settings file `make run` leaves for the other commands.

`local_programs` is the one list of children that `make run`, the benchmarks and the test plugin
hand to `supervision.Supervisor`; `run_env_write` records the settings one `make run` used in
`var/run.env`, which `manage.py` reads (as defaults under the real environment) so that
`manage.py report kpis --json` beside a running stack talks to that stack's twin and Redis.
"""

import os
import shutil
import sys
from pathlib import Path
from urllib.parse import urlparse

from .supervision import Program

# What a second copy must change to run beside the first (README "Running two copies").
RUN_ENV_NAMES = (
    "PIPELINE_MODE",
    "DEBUG",
    "WEB_PORT",
    "TWIN_PORT",
    "AWS_ENDPOINT_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "DATABASE_URL",
    "PIPELINE_BUCKET",
    "VAR_DIR",
    "TWIN_STATE_DIR",
    "LAMBDA_MEMORY_MB",
)


def local_programs(
    *, python: str = sys.executable, redis_url: str | None, web_port: int | None = None, app: bool = True
) -> list[Program]:
    """Redis (when `redis_url` is given: a private one on its loopback port), the twin, and with
    `app` the Celery workers (`celery_workers`) and beat, the Lambda runtime and the web server on
    `web_port`."""
    from django.conf import settings

    programs = []
    if redis_url:
        port = urlparse(redis_url).port or 6379
        redis_server = shutil.which("redis-server") or "redis-server"
        programs.append(
            Program(
                "redis",
                (redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
                group="services",
            )
        )
    programs.append(Program("twin", (python, "manage.py", "twin", "serve"), group="services"))
    if not app:
        return programs
    programs += [
        *celery_workers(python),
        Program(
            "celery-beat",
            (
                python,
                *("-m", "celery", "-A", "ordersite", "beat", "-l", "INFO"),
                *("--schedule", str(Path(settings.VAR_DIR) / "celerybeat-schedule")),
            ),
        ),
        Program("lambda-runtime", (python, "manage.py", "lambda_runtime")),
        Program("web", (python, "manage.py", "runserver", f"127.0.0.1:{web_port or settings.WEB_PORT}", "--noreload")),
    ]
    return programs


def celery_workers(python: str = sys.executable, log_level: str = "INFO") -> list[Program]:
    """The two Celery workers: `celery-worker` for report jobs (the default queue) and
    `celery-pipeline` for the pipeline's tasks (settings.PIPELINE_QUEUE), so the status sync
    never waits behind report jobs. Each takes two jobs at a time; a crawl holds at most one of
    the pipeline worker's two (one crawl runs at a time)."""
    from django.conf import settings

    def worker(name: str, queue: str, node: str) -> Program:
        argv = ("-m", "celery", "-A", "ordersite", "worker", "-Q", queue, "-n", f"{node}@%h", "-c", "2")
        return Program(name, (python, *argv, "-l", log_level))

    return [
        worker("celery-worker", settings.CELERY_TASK_DEFAULT_QUEUE, "reports"),
        worker("celery-pipeline", settings.PIPELINE_QUEUE, "pipeline"),
    ]


def run_env_write(path: Path) -> None:
    """Write the settings this run resolved (ports, endpoint, Redis, state) as NAME=value lines."""
    from django.conf import settings

    values = {name: os.environ[name] for name in RUN_ENV_NAMES if os.environ.get(name)}
    values |= {
        "PIPELINE_MODE": settings.PIPELINE_MODE,
        "WEB_PORT": str(settings.WEB_PORT),
        "TWIN_PORT": str(settings.TWIN_PORT),
        "AWS_ENDPOINT_URL": settings.AWS_ENDPOINT_URL,
        "REDIS_URL": settings.REDIS_URL,
        "PIPELINE_BUCKET": settings.PIPELINE_BUCKET,
        "VAR_DIR": str(settings.VAR_DIR),
        "TWIN_STATE_DIR": settings.TWIN_STATE_DIR,
    }
    lines = ["# written by `make run`; manage.py commands of this checkout use these (the environment wins)"]
    path.write_text("\n".join(lines + [f"{name}={value}" for name, value in values.items()]) + "\n")
