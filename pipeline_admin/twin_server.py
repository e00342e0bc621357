"""The twin's server: moto's WSGI app on 127.0.0.1, with its state kept on disk and a name tag.

- `GET /ordersite-twin` answers `{"service": "ordersite-twin", "state_dir": ..., "pid": ...}`:
  the probe `twin_identity()` uses (moto's own `/moto-api/data.json` fails once a multipart
  upload exists, and says nothing about whose twin it is).
- S3 event notifications name the object's version (`versionId`) in a versioned bucket, as S3's
  do; moto's leave it out, and the Lambda would then read the newest version under another id.
- With a state directory, the state is loaded before the port opens, saved every
  `SAVE_EVERY_SECONDS` when a request may have changed it, and saved once more on SIGTERM/SIGINT
  after the server stopped accepting requests (see `twin_state`).
"""

import functools
import json
import logging
import os
import signal
import threading
import time
from pathlib import Path

from moto.moto_server import werkzeug_app
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.s3 import notifications
from werkzeug.serving import WSGIRequestHandler, make_server

from .twin import IDENTITY_PATH, IDENTITY_SERVICE
from .twin_state import state_load, state_save

logger = logging.getLogger(__name__)
_requests = logging.getLogger("werkzeug")  # where werkzeug logs requests (plain text here, no colours)
SAVE_EVERY_SECONDS = 5.0


class _Dispatcher(DomainDispatcherApplication):
    """moto's dispatcher, remembering which backend serves a host. moto works that out again for
    every request, under one lock: it lists its own package directory and tries its services' URL
    patterns. The answer depends only on the host, so the first one is kept: a HeadObject went from
    3.9 to 3.0 CPU ms (client and twin together), and a Lambda run makes about a hundred requests."""

    def __init__(self, create_app) -> None:
        super().__init__(create_app)
        self._backends: dict[str | None, object] = {}

    def get_backend_for_host(self, host: str | None):
        try:
            return self._backends[host]
        except KeyError:
            backend = self._backends[host] = super().get_backend_for_host(host)
            return backend


def _event_naming_the_version(make_event):
    """moto's S3 event builder, adding `versionId` in a versioned bucket (AWS's notification content
    structure: "object version if bucket is versioning-enabled")."""

    def event(event_name, bucket, key, notification_id):
        made = make_event(event_name, bucket, key, notification_id)
        if bucket.is_versioned and key.version_id:
            for record in made["Records"]:
                record["s3"]["object"]["versionId"] = key.version_id
        return made

    return event


class _App:
    def __init__(self, state_dir: Path | None):
        # moto answers every cross-origin request unless told not to (MOTO_DISABLE_GLOBAL_CORS, read
        # when moto is imported); the twin lets the bucket's CORS rule answer browsers, as S3 does.
        werkzeug_app.DISABLE_GLOBAL_CORS = True
        if not hasattr(notifications._get_s3_event, "__wrapped__"):
            notifications._get_s3_event = functools.wraps(notifications._get_s3_event)(
                _event_naming_the_version(notifications._get_s3_event)
            )
        self.moto = _Dispatcher(create_backend_app)
        self.identity = json.dumps(
            {"service": IDENTITY_SERVICE, "state_dir": str(state_dir or ""), "pid": os.getpid()}
        ).encode()
        self.changed = threading.Event()

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == IDENTITY_PATH:
            start_response("200 OK", [("Content-Type", "application/json")])
            return [self.identity]
        if environ.get("REQUEST_METHOD") not in {"GET", "HEAD", "OPTIONS"}:
            self.changed.set()
        return self.moto(environ, start_response)


class QuietRequestHandler(WSGIRequestHandler):
    """werkzeug's handler, logging a request at INFO only when the twin failed it (5xx).

    Every page view and Lambda run makes dozens of S3/SQS/Glue calls (a 404 for a missing key is
    routine, as on AWS): one INFO line each filled the 10 MB twin.log in minutes, rotating away
    what happened before. The rest go to DEBUG (LOG_LEVEL=DEBUG shows them)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        status = getattr(code, "value", code)
        failed = str(status).isdigit() and int(status) >= 500
        _requests.log(logging.INFO if failed else logging.DEBUG, '"%s" %s %s', self.requestline, status, size)


def twin_serve(*, port: int, state_dir: Path | None, host: str = "127.0.0.1") -> None:
    """Serve until SIGTERM or SIGINT; blocks. Raises OSError when the port is taken."""
    if state_dir:
        state_dir.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        if state_load(state_dir):
            logger.warning("twin: state restored from %s in %.1f s", state_dir, time.monotonic() - started)
    app = _App(state_dir)
    server = make_server(host, port, app, threaded=True, request_handler=QuietRequestHandler)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    thread = threading.Thread(target=server.serve_forever, name="twin-http", daemon=True)
    thread.start()
    logger.warning("twin: serving on http://%s:%d (state: %s)", host, port, state_dir or "memory only")
    while not stopping.wait(SAVE_EVERY_SECONDS):
        if state_dir and app.changed.is_set():
            app.changed.clear()
            _save(state_dir)
    server.shutdown()
    if state_dir:
        _save(state_dir)
    logging.shutdown()
    os._exit(0)  # open long-polls and moto's teardown would add seconds to every stop


def _save(state_dir: Path) -> None:
    started = time.monotonic()
    try:
        size = state_save(state_dir)
    except Exception:  # noqa: BLE001 - a failed save must not stop the twin; the next one retries
        logger.exception("twin: saving the state to %s failed", state_dir)
        return
    logger.info("twin: state saved (%d bytes) in %.2f s", size, time.monotonic() - started)
