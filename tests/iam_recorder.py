"""Records every AWS operation the suite performs, tagged with the component that made it.

Loaded with `-p tests.iam_recorder` (pyproject addopts) before any client exists. Every botocore
client gets a `before-parameter-build` handler, which also fires for presigned URLs (a browser
then acts with the signer's permissions). The component is read from the call stack:

- lambda:  the Lambda package;
- esm:     the local runtime, standing in for the SQS event source mapping (which polls the queue
           with the function's role);
- crawler: the local crawler's own work (Glue runs the real crawler with the crawler role);
- site:    Django, the Celery worker and the management commands (one role on the instance);
- twin / test: the twin's bootstrap and bookkeeping, and calls a test makes itself (not checked).

A call made on a thread with no project frame (s3transfer's multipart workers) takes the component
of the thread that submitted that transfer, else of the code that created the client.
tests/infra/test_iam_from_code.py checks the calls against the template's roles; it is moved to the
end of the run so that it sees the whole suite.
"""

import os
import sys
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import botocore.session
import s3transfer.manager

ROOT = Path(__file__).resolve().parent.parent
# (component, path under the checkout, function qualname or "") in priority order: the first rule
# that matches any frame of the stack wins, so the Lambda run by the local runtime (run by the site) is the Lambda.
RULES = [
    ("twin", "pipeline_admin/twin.py", ""),
    ("twin", "pipeline_admin/crawler.py", "LocalCrawler._settle"),
    # the twin's stand-in for partition projection, which Athena does itself in AWS
    ("twin", "pipeline_admin/crawler.py", "LocalCrawler.partitions_register"),
    ("twin", "ordersite/aws/glue.py", "crawls_list"),
    ("twin", "ordersite/aws/glue.py", "crawler_stop"),
    ("crawler", "pipeline_admin/crawler.py", "local_crawl"),
    ("crawler", "ordersite/aws/glue.py", "table_put"),
    ("crawler", "ordersite/aws/glue.py", "partitions_create"),
    ("lambda", "lambda/filter_and_process_orders/", ""),
    ("esm", "pipeline_admin/runtime.py", ""),
    ("site", "ordersite/", ""),
    ("site", "pipeline_admin/", ""),
    ("site", "dashboard/", ""),
]
# The modules that only wrap an AWS service: a test calling one of them directly is setting the
# scene (planting a dead letter, reading a manifest), not the site at work.
WRAPPERS = ("ordersite/aws/",)
KEPT_PARAMS = ("Bucket", "Key", "Prefix", "VersionId", "QueueUrl", "QueueName", "Name", "CrawlerName",
               "DatabaseName", "WorkGroup", "CopySource")  # fmt: skip


@dataclass(frozen=True)
class Call:
    component: str
    detail: str  # web, worker, cli or code: how the site was running when it called
    service: str  # the signing name: s3, sqs, glue, athena, ...
    operation: str  # the API operation, e.g. ListObjectsV2
    params: tuple = field(default=())
    test: str = ""

    def param(self, name: str, default=None):
        return dict(self.params).get(name, default)


CALLS: list[Call] = []
_lock = threading.Lock()


def _project_frames(frame=None) -> list[tuple[str, str]]:
    frames, frame = [], frame or sys._getframe(2)
    while frame is not None:
        path = frame.f_code.co_filename
        if path.startswith(str(ROOT)) and "/.venv" not in path:
            frames.append((Path(path).relative_to(ROOT).as_posix(), frame.f_code.co_qualname))
        frame = frame.f_back
    return frames


def _component(frames: list[tuple[str, str]]) -> str:
    for component, prefix, qualname in RULES:
        for path, name in frames:
            if component == "site" and path.startswith(WRAPPERS):
                continue
            if path.startswith(prefix) and qualname in ("", name):
                return component
    return "test" if frames else ""


# s3transfer's transfer coordinator -> the component of the thread that submitted the transfer.
# Recorded on the submitting thread; read on the worker thread from its own stack. (Walking other
# threads' frames through sys._current_frames() while they run crashed CPython 3.11 in CI.)
_SUBMITTERS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_get_future_with_components = s3transfer.manager.TransferManager._get_future_with_components


def _recording_get_future_with_components(self, call_args):
    future, components = _get_future_with_components(self, call_args)
    component = _component(_project_frames())
    if component:
        with _lock:
            _SUBMITTERS[components["coordinator"]] = component
    return future, components


s3transfer.manager.TransferManager._get_future_with_components = _recording_get_future_with_components


def _transfer_submitter() -> str:
    """On one of s3transfer's worker threads: the component that submitted the transfer it runs."""
    frame = sys._getframe(2)
    while frame is not None:
        if "/s3transfer/" in frame.f_code.co_filename:
            coordinator = getattr(frame.f_locals.get("self"), "_transfer_coordinator", None)
            if coordinator is not None:
                with _lock:
                    return _SUBMITTERS.get(coordinator, "")
        frame = frame.f_back
    return ""


def _detail() -> str:
    frame = sys._getframe(2)
    while frame is not None:
        path = frame.f_code.co_filename
        if "celery/app/trace.py" in path:
            return "worker"
        if "django/core/handlers" in path:
            return "web"
        if "/management/commands/" in path:
            return "cli"
        frame = frame.f_back
    return "code"


def _handler(creator: str):
    def record(params=None, model=None, **_):
        component = _component(_project_frames()) or _transfer_submitter() or creator
        params = params if isinstance(params, dict) else {}
        kept = tuple((k, params[k]) for k in KEPT_PARAMS if k in params)
        if "Delete" in params:  # DeleteObjects: each key is authorised as a DeleteObject
            kept += (("DeleteKeys", tuple(o["Key"] for o in params["Delete"].get("Objects", []))),)
        call = Call(component, _detail(), model.service_model.signing_name, model.name, kept, _test_name())
        with _lock:
            CALLS.append(call)

    return record


def _test_name() -> str:
    return _last_test[0]


_last_test = [""]
_create_client = botocore.session.Session.create_client


def _recording_create_client(self, *args, **kwargs):
    client = _create_client(self, *args, **kwargs)
    creator = _component(_project_frames()) or "test"
    client.meta.events.register("before-parameter-build", _handler(creator))
    return client


botocore.session.Session.create_client = _recording_create_client


def pytest_runtest_setup(item):
    _last_test[0] = item.nodeid


# Whether this run collected the whole suite (then a grant no call used is really unused).
WHOLE_SUITE = [False]


def pytest_collection_modifyitems(session, config, items):
    """The IAM test reads what the rest of the suite called, so it runs last."""
    whole = [str(a).rstrip("/") for a in config.args] in ([], ["tests"], [str(ROOT / "tests")])
    forced = os.environ.get("IAM_CHECK_UNUSED") == "1"  # to try the unused-grant check on a part of the suite
    WHOLE_SUITE[0] = forced or (whole and not config.option.keyword and not config.option.markexpr)
    last = [item for item in items if item.nodeid.startswith("tests/infra/test_iam_from_code.py")]
    items[:] = [item for item in items if item not in last] + last
