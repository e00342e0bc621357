"""The twin's memory on disk: moto's S3, SQS, Glue and Athena state saved to `TWIN_STATE_DIR`.

moto keeps everything in memory. `state_save` pickles its backends (buckets, objects with their
versions, ETags and LastModified, queues with their messages and receive counts, the Glue
catalog, Athena workgroups) to `state.pickle`, and writes each object's body once to
`blobs/<etag>-<size>` (content-addressed: a snapshot only writes bodies it has not written
before, so saving every few seconds costs milliseconds, not the size of the bucket).
`state_load` puts them back before the server answers its first request. Why not moto's
recorder: it replays every request, uploads included, which fires the S3 events again and
grows with every poll of the queue (measured in README "Local twin").

Format: pickle of moto 5.2.x objects (the pinned version); a snapshot written by another moto
version may not load, in which case the twin starts empty and says so.
"""

import logging
import os
import pickle
import shutil
import tempfile
import threading
from pathlib import Path

from moto.backends import get_backend
from moto.s3.models import FakeKey

logger = logging.getLogger(__name__)
SERVICES = ("s3", "sqs", "glue", "athena")
_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))


class _Pickler(pickle.Pickler):
    def __init__(self, file, blobs: Path, used: set[str]):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.blobs, self.used = blobs, used

    def reducer_override(self, obj):
        if isinstance(obj, FakeKey):
            return _key_restore, (self._key_state(obj), str(self.blobs), self._blob(obj))
        if isinstance(obj, threading.Condition):
            return threading.Condition, ()
        if isinstance(obj, _LOCK_TYPES):
            return (threading.RLock if "RLock" in type(obj).__name__ else threading.Lock), ()
        return NotImplemented

    @staticmethod
    def _key_state(key: FakeKey) -> dict:
        return {k: v for k, v in key.__dict__.items() if k not in {"_value_buffer", "lock"}}

    def _blob(self, key: FakeKey) -> str:
        with key.lock:
            if key._value_buffer.closed:
                return ""
            name = f"{key.etag.strip(chr(34))}-{key.size}"
            self.used.add(name)
            path = self.blobs / name
            if not path.exists():
                key._value_buffer.seek(0)
                with tempfile.NamedTemporaryFile(dir=self.blobs, delete=False) as out:
                    shutil.copyfileobj(key._value_buffer, out, 16 * 1024 * 1024)
                os.replace(out.name, path)
            return name


def _key_restore(state: dict, blobs: str, blob: str) -> FakeKey:
    key = FakeKey.__new__(FakeKey)
    key.__dict__.update(state)
    key._value_buffer = tempfile.SpooledTemporaryFile(max_size=key._max_buffer_size)
    if blob:
        with open(Path(blobs) / blob, "rb") as body:
            shutil.copyfileobj(body, key._value_buffer, 16 * 1024 * 1024)
    key.lock = threading.Lock()
    return key


def _backends() -> dict:
    return {
        service: {account: dict(regions) for account, regions in get_backend(service).items()} for service in SERVICES
    }


def state_save(directory: Path) -> int:
    """Write the twin's state under `directory`; returns the snapshot's size in bytes (bodies apart).

    Safe while the server answers requests: a dictionary changed mid-pickle is retried.
    """
    blobs = Path(directory) / "blobs"
    blobs.mkdir(parents=True, exist_ok=True)
    for attempt in range(5):
        used: set[str] = set()
        with tempfile.NamedTemporaryFile(dir=directory, delete=False, suffix=".tmp") as out:
            try:
                _Pickler(out, blobs, used).dump(_backends())
            except RuntimeError:  # "dictionary changed size during iteration"
                os.unlink(out.name)
                if attempt == 4:
                    raise
                continue
            out.flush()
            os.fsync(out.fileno())
        os.replace(out.name, Path(directory) / "state.pickle")
        for blob in blobs.iterdir():
            if blob.name not in used and not blob.name.startswith("tmp"):
                blob.unlink(missing_ok=True)
        return (Path(directory) / "state.pickle").stat().st_size
    return 0


def state_load(directory: Path) -> bool:
    """Put a saved state back into moto's backends; False when there is none (or it is unreadable)."""
    path = Path(directory) / "state.pickle"
    if not path.exists():
        return False
    try:
        with open(path, "rb") as snapshot:
            saved = pickle.load(snapshot)
    except Exception:  # noqa: BLE001 - any unreadable snapshot means: start empty, loudly
        logger.exception("the twin's saved state %s could not be read; starting empty", path)
        return False
    for service, accounts in saved.items():
        backend_dict = get_backend(service)
        for account, regions in accounts.items():
            for region, backend in regions.items():
                dict.__setitem__(backend_dict[account], region, backend)
    return True
