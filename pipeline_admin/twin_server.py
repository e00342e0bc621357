"""The twin's server: moto's WSGI app on 127.0.0.1, with its state kept on disk and a name tag.

- `GET /ordersite-twin` answers `{"service": "ordersite-twin", "state_dir": ..., "pid": ...}`:
  the probe `twin_identity()` uses (moto's own `/moto-api/data.json` fails once a multipart
  upload exists, and says nothing about whose twin it is).
- S3 event notifications name the object's version (`versionId`) in a versioned bucket, as S3's
  do; moto's leave it out, and the Lambda would then read the newest version under another id.
- GetObject of an object moto keeps in a file (past its 5 MB in-memory buffer) is answered from
  that file 1 MiB at a time (`_get_object_streamed`), as S3 streams: moto read the whole object
  into memory before its first byte (37-41 ms of its CPU for the 66 MB of a 1M-row export, on the
  Lambda's path to its first parse), once more per GET.
- A request's body is read to its Content-Length in one read (`_Body`): werkzeug read it 64 KiB at a
  time into a bytearray and copied it once more into bytes. The requests of a `us` 1M run (29 month
  PutObjects of 0.78 MB, 6 MB of rejected rows, the GET, a listing, manifests), 10 alternating rounds
  twice at loads of 2-9: a month's PUT 4.40 -> 4.07 and 4.65 -> 3.86 ms of the twin's CPU, the
  twin's CPU per round (median) 228 -> 223 and 232 -> 200 ms.
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
from collections.abc import Iterator
from pathlib import Path

from moto.moto_server import werkzeug_app
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.s3 import notifications
from moto.s3.models import FakeKey
from moto.s3.responses import S3Response
from werkzeug.exceptions import ClientDisconnected
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


STREAM_PIECE = 1 << 20  # bytes a streamed GET reads and sends at a time
_streaming = threading.local()  # .key, .fd: the key whose GET this thread answers from its file
_moto_value = FakeKey.value  # moto's property: the whole object, read from its buffer


def _value(key: FakeKey):
    """moto's `FakeKey.value`, except for the key whose GetObject this thread is answering from a
    file: then the pieces of that file (see `_get_object_streamed`)."""
    if getattr(_streaming, "key", None) is key:
        return _Pieces(_streaming.fd, key.size)
    return _moto_value.fget(key)


class _Pieces:
    """The first `size` bytes of the file open as `fd`, STREAM_PIECE at a time: the body of a streamed
    GET. The server closes it when the response ends or the client goes away; `fd` is closed then."""

    def __init__(self, fd: int, size: int):
        self.fd, self.size = fd, size

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, self.size, STREAM_PIECE):
            yield os.pread(self.fd, min(STREAM_PIECE, self.size - start), start)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    __del__ = close


def _get_object_streamed(get_object):
    """moto's GetObject, answering a whole object that moto keeps in a file (a SpooledTemporaryFile
    rolled over past its buffer) from a duplicate of that file's descriptor: the bytes go out as they
    are read, and a key overwritten meanwhile (moto then closes the old key's file) is still sent
    whole, as S3 sends the object the GET found. A range, a part, or an object kept in memory: moto's
    own answer. moto's headers, conditions and errors are its own either way."""

    @functools.wraps(get_object)
    def get(self: S3Response):
        if self.headers.get("range") or "partNumber" in self.querystring:
            return get_object(self)
        key, _ = self._get_key()
        if not getattr(key._value_buffer, "_rolled", False):
            return get_object(self)
        with key.lock:  # moto's lock around reads and writes of the key's buffer
            fd = os.dup(key._value_buffer.fileno())
        _streaming.key, _streaming.fd = key, fd
        try:
            answer = get_object(self)
        except BaseException:
            os.close(fd)
            raise
        finally:
            _streaming.key = None
        if not isinstance(answer[2], _Pieces):  # not modified: the pieces were never asked for
            os.close(fd)
        return answer

    return get


class _Body:
    """A request's body (`wsgi.input`: the connection's buffered reader) up to its Content-Length,
    given to moto in one `read`. werkzeug's `LimitedStream` read it 64 KiB at a time into a
    bytearray and copied that into bytes at the end, and moto asks for the whole body anyway
    (`request.data`). A body that ends before its Content-Length is refused, as werkzeug refuses it
    (`ClientDisconnected`: 400), not stored short."""

    def __init__(self, stream, length: int):
        self.stream, self.left = stream, length

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0 or size > self.left:
            size = self.left
        data = self.stream.read(size) if size else b""
        if len(data) < size:
            raise ClientDisconnected()
        self.left -= size
        return data

    def readable(self) -> bool:
        return True


class _App:
    def __init__(self, state_dir: Path | None):
        # moto answers every cross-origin request unless told not to (MOTO_DISABLE_GLOBAL_CORS, read
        # when moto is imported); the twin lets the bucket's CORS rule answer browsers, as S3 does.
        werkzeug_app.DISABLE_GLOBAL_CORS = True
        if not hasattr(notifications._get_s3_event, "__wrapped__"):
            notifications._get_s3_event = functools.wraps(notifications._get_s3_event)(
                _event_naming_the_version(notifications._get_s3_event)
            )
        if not hasattr(S3Response.get_object, "__wrapped__"):
            FakeKey.value = property(_value, _moto_value.fset)
            S3Response.get_object = _get_object_streamed(S3Response.get_object)
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
        length = environ.get("CONTENT_LENGTH", "")
        if length.isdigit() and "wsgi.input_terminated" not in environ:  # a chunked body: werkzeug's own reader
            environ["wsgi.input"] = _Body(environ["wsgi.input"], int(length))
            environ["wsgi.input_terminated"] = True  # werkzeug then reads `wsgi.input` itself, not in pieces
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
