"""The pipeline's tasks never wait behind report jobs: they go to their own queue on the real
Redis broker, and every place that runs workers (`make run`, the template's systemd units) runs
one worker per queue."""

import json
import re

import pytest
import redis
from django.conf import settings

from ordersite.celery import app
from pipeline_admin.stack import local_programs
from tests.infra.test_template import user_data_script

# send_task publishes even under the tests' CELERY_TASK_ALWAYS_EAGER, which is the point here.
pytestmark = pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
REPORT_TASKS = ("dashboard.tasks.report_compute", "dashboard.tasks.dashboard_warm_missing")


@pytest.fixture
def broker():
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    queues = (settings.CELERY_TASK_DEFAULT_QUEUE, settings.PIPELINE_QUEUE)
    client.delete(*queues)
    yield client
    client.delete(*queues)


def _queued(broker, queue: str) -> list[dict]:
    return [json.loads(raw)["headers"] for raw in broker.lrange(queue, 0, -1)]


def test_beat_sends_the_pipeline_tasks_to_the_pipeline_queue_with_an_expiry_of_one_interval(broker):
    pipeline_entries = {
        name: entry
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        if entry["task"].startswith("pipeline_admin.")
    }
    assert "sync-upload-status" in pipeline_entries
    for entry in pipeline_entries.values():
        app.send_task(entry["task"], **entry.get("options", {}))
        assert entry["options"]["expires"] <= entry["schedule"], "a late periodic check must be dropped, not piled up"

    pipeline = _queued(broker, settings.PIPELINE_QUEUE)
    assert sorted(h["task"] for h in pipeline) == sorted(e["task"] for e in pipeline_entries.values())
    assert all(h["expires"] for h in pipeline), "each periodic pipeline job carries its expiry"
    assert _queued(broker, settings.CELERY_TASK_DEFAULT_QUEUE) == []


def test_report_jobs_go_to_the_default_queue_and_crawls_to_the_pipeline_queue(broker):
    for task in REPORT_TASKS:
        app.send_task(task)
    app.send_task("pipeline_admin.tasks.crawler_run", args=[1])

    assert sorted(h["task"] for h in _queued(broker, settings.CELERY_TASK_DEFAULT_QUEUE)) == sorted(REPORT_TASKS)
    assert [h["task"] for h in _queued(broker, settings.PIPELINE_QUEUE)] == ["pipeline_admin.tasks.crawler_run"]


def _consumed_queue(argv) -> str:
    return argv[list(argv).index("-Q") + 1]


def test_make_run_starts_one_worker_per_queue():
    workers = [p for p in local_programs(redis_url=None) if "worker" in p.argv]
    assert sorted(_consumed_queue(p.argv) for p in workers) == sorted(
        [settings.CELERY_TASK_DEFAULT_QUEUE, settings.PIPELINE_QUEUE]
    )


def test_the_template_runs_one_worker_unit_per_queue_and_starts_both():
    script = user_data_script()
    units = dict(re.findall(r'unit (\w+) "\$bin/celery -A ordersite worker -Q (\w+) ', script))
    assert sorted(units.values()) == sorted([settings.CELERY_TASK_DEFAULT_QUEUE, settings.PIPELINE_QUEUE])
    for unit in units:
        assert re.search(rf"systemctl enable [^\n]*ordersite-{unit}\b", script), unit
        assert re.search(rf"systemctl restart [^\n]*ordersite-{unit}\b", script), unit


def test_the_workers_node_names_reach_celery_unexpanded_by_supervisord(tmp_path):
    from supervisor.options import ServerOptions

    from pipeline_admin.supervision import Supervisor

    supervisor = Supervisor(directory=tmp_path, programs=local_programs(redis_url=None), env={})
    (tmp_path / "log").mkdir()
    (tmp_path / "supervisord.conf").write_text(supervisor._config())
    options = ServerOptions()
    options.realize(["-c", str(tmp_path / "supervisord.conf")])
    commands = {p.name: p.command for group in options.process_group_configs for p in group.process_configs}
    assert "-n reports@%h" in commands["celery-worker"] and "-n pipeline@%h" in commands["celery-pipeline"]
