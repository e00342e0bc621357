"""Output files that go up to S3 while they are written: each file that reaches a part becomes one
S3 multipart upload whose parts are sent from the local file by a few threads as soon as the bytes
exist, so at the end of a run only each such file's last part and the CompleteMultipartUpload are
left. A file closed under one part (every month file at 1M rows), or under two and first reported
when closed (the rejected rows at 1M rows, written at once), goes up whole, as one PutObject, as soon
as it is closed: beside the run's last writes (the other months' last row groups), not after them.

The writers (Parquet row groups, CSV batches) only append to their files and call `grew` after each
write, from any thread; the bytes a file has on disk then never change, so a part can be read from
it while the writer goes on (s3transfer's `ReadFileChunk`: a part is read from disk as it is sent,
never held in memory; a whole file is read from disk as it is PUT). A key becomes visible only once
its file is complete: PUT whole when closed, or its multipart upload completed once it is closed and
its parts are in (on the part threads, not when the run publishes: the rejected rows, closed beside
the months' last row groups, go up beside them), in either case not before `after`, the run's first
manifest, is in. When a write fails, the versions this run wrote are deleted again (by `complete`,
or by `abort` when the run fails elsewhere), so that an earlier run's output under the same key is
current again (the bucket is versioned; without versioning a key an earlier run wrote is left as
rewritten, since deleting it would lose both). On any failure before
`complete`, `abort` also cancels the parts not sent and aborts every upload begun (best effort: the
bucket's lifecycle rule aborts what is left after two days). Retries are the S3 client's
(`storage.s3_client`: standard mode, 5 attempts). Parts and whole files carry a CRC32 checksum, as
s3transfer's own uploads do.
"""

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from . import profile, storage
from .ranked import RankedPool

logger = logging.getLogger()
# Bytes of a part: S3's minimum for every part but the last. With s3transfer's 8 MiB no Parquet month
# file would stream (about 6.5 MB each at 10M rows, 0.7 MB at 1M: those go up whole at the end).
PART_SIZE = 5 << 20
THREADS = 4  # requests at once (parts, then PUTs and completions); they wait on the network or moto's CPU
CHECKSUM = "CRC32"
# The order in which waiting requests go: a multipart upload's (begin, parts, completion), one after
# another in a chain, before the files PUT whole, the largest first. At the end of a run the month
# files close and queue their PUTs while the rejected rows' last part is still written: its chain
# then starts as soon as a thread is free, not after every PUT (0.1-0.2 s of a 1M-row run).
CHAIN, WHOLE = 0, 1


@dataclass
class _File:
    key: str
    content_type: str
    upload: Future | None = None  # -> the upload id, begun when the file reaches a whole part
    sent: int = 0  # bytes handed to part uploads
    parts: list[Future] = field(default_factory=list)  # -> {"PartNumber", "ETag", "ChecksumCRC32"}
    put: Future | None = None  # -> the version id, once closed: PUT whole (under one part) or completed
    closed: bool = False


class MultipartUploads:
    """The growing output files of one run, each sent to `key_of(path)` -> (key, content type)."""

    def __init__(
        self,
        bucket: str,
        key_of: Callable[[Path], tuple[str, str]],
        part_size: int | None = None,
        after: Future | None = None,
    ):
        """`after`: what must succeed before any key becomes visible (the run's first manifest)."""
        self.bucket, self.key_of, self.part_size, self.after = bucket, key_of, part_size or PART_SIZE, after
        self.pool = RankedPool(THREADS, thread_name_prefix="s3-parts")
        self._files: dict[Path, _File] = {}
        self._lock = threading.Lock()
        self._failed: BaseException | None = None  # the first part that failed: the writers stop on it
        self._taken_back = False  # what this run wrote was deleted again (after a failure)

    def grew(self, path: Path, closed: bool = False) -> None:
        """`path` holds more bytes (or is `closed`: it holds all of them). A file that holds a whole
        part begins its multipart upload, and every whole part not yet sent is queued; a closed one
        also queues its last part and its completion (`_complete`). A file closed under one part (empty
        included), or first reported when closed and under two parts (one part: a PUT's work in three
        requests), is PUT whole at once (`_put`); both wait for `after`. A file reported closed again
        is left as it is. Raises the failure of any part sent so far, so that the writer stops
        instead of writing in vain."""
        with self._lock:
            if self._failed is not None:
                raise self._failed
            file = self._files.get(path)
            if file is None:
                file = self._files[path] = _File(*self.key_of(path))
            if file.closed:
                return
            size = path.stat().st_size
            # A file first reported when closed, under two parts, is PUT whole (below): one request, not three.
            if file.upload is None and size >= self.part_size and not (closed and size < 2 * self.part_size):
                file.upload = self.pool.submit((CHAIN,), self._create, file)
            while file.upload is not None and (size - file.sent >= self.part_size or (closed and size > file.sent)):
                left = size - file.sent
                # A closed file's last part takes what is left of it (up to two parts' worth).
                length = left if closed and left < 2 * self.part_size else self.part_size
                number = len(file.parts) + 1
                part = self.pool.submit((CHAIN,), self._send_part, file, path, number, file.sent, length)
                part.add_done_callback(self._note_failure)
                file.parts.append(part)
                file.sent += length
            if closed and file.upload is None:
                file.put = self.pool.submit((WHOLE, -size), self._put, file, path)
            elif closed:  # queued once its parts are in
                file.put = self.pool.submit_after(file.parts, (CHAIN,), self._complete, file)
            file.closed = closed

    def _note_failure(self, part: Future) -> None:
        if not part.cancelled() and part.exception() is not None and self._failed is None:
            self._failed = part.exception()

    def complete(self, existed: frozenset[str] = frozenset()) -> list[str]:
        """Waits for the PUTs of the files under one part and the completions of the multipart uploads,
        begun when the files closed; the keys. Every file must have been reported `closed`. Raises
        the first failure (a part's, through its file's completion); what was PUT or
        completed before it failed is taken back (`take_back`; `existed`: the keys an earlier run
        wrote), so a failed run changes no output in a versioned bucket and removes none in any."""
        with self._lock:
            files = list(self._files.values())
        if any(not file.closed for file in files):
            raise RuntimeError("an output was published before its file was closed")
        writing = [(f.key, f.put) for f in files]
        written: list[tuple[str, str | None]] = []
        failure = None
        for key, done in writing:
            try:
                written.append((key, done.result()))
            except Exception as exc:  # raised below, after the others finished
                failure = failure or exc
        if failure is not None:
            self.take_back(written, existed)
            self._taken_back = True
            raise failure
        self.pool.shutdown()
        return [key for key, _ in written]

    def take_back(self, written: list[tuple[str, str | None]], existed: frozenset[str] = frozenset()) -> None:
        """Best effort: deletes each (key, version id) this run wrote. In a versioned bucket (the
        template's) only that version goes: the version before it, an earlier run's output under the
        same key, is current again, and a key that did not exist before disappears. Without a version
        id (versioning off: none, or "null" while suspended) the write replaced the earlier content:
        a key in `existed` is left as this run wrote it (a warning; the retry writes it again), any
        other key is deleted."""
        for key, version in written:
            args = {"VersionId": version} if version and version != "null" else {}
            if not args and key in existed:
                logger.warning("%s was rewritten before the failure and is left so (the bucket keeps no versions)", key)
                continue
            try:
                storage.s3_client().delete_object(Bucket=self.bucket, Key=key, **args)
            except (ClientError, BotoCoreError):
                logger.warning("could not take back %s (%s) after a failure", key, version, exc_info=True)

    def abort(self, existed: frozenset[str] | None = None) -> None:
        """Best effort: parts, PUTs and completions not yet begun are dropped, the ones under way finish,
        the files PUT whole or completed are taken back (`take_back`; `existed` None: not known, so a
        key is deleted only by its version id), then every other multipart upload begun is aborted
        (its parts deleted; the key never appears)."""
        self.pool.shutdown(cancel=True)
        with self._lock:
            files = list(self._files.values())
        if not self._taken_back:
            puts = [f for f in files if f.put is not None and not f.put.cancelled() and f.put.exception() is None]
            every = frozenset(f.key for f in files)
            self.take_back([(f.key, f.put.result()) for f in puts], every if existed is None else existed)
            self._taken_back = True
        for file in files:
            if file.upload is None or file.upload.cancelled() or file.upload.exception() is not None:
                continue
            if file.put is not None and not file.put.cancelled() and file.put.exception() is None:
                continue  # completed (and taken back)
            try:
                storage.s3_client().abort_multipart_upload(
                    Bucket=self.bucket, Key=file.key, UploadId=file.upload.result()
                )
            except (ClientError, BotoCoreError):
                logger.warning("could not abort the multipart upload of %s", file.key, exc_info=True)

    def _create(self, file: _File) -> str:
        response = storage.s3_client().create_multipart_upload(
            Bucket=self.bucket, Key=file.key, ContentType=file.content_type, ChecksumAlgorithm=CHECKSUM
        )
        return response["UploadId"]

    @profile.timed("write.upload part (background)")
    def _send_part(self, file: _File, path: Path, number: int, start: int, length: int) -> dict:
        upload_id = file.upload.result()  # queued before this part: already taken by a thread
        with _chunk(str(path), start, length) as body:
            response = storage.s3_client().upload_part(
                Bucket=self.bucket,
                Key=file.key,
                UploadId=upload_id,
                PartNumber=number,
                Body=body,
                ChecksumAlgorithm=CHECKSUM,
            )
        part = {"PartNumber": number, "ETag": response["ETag"]}
        if f"Checksum{CHECKSUM}" in response:
            part[f"Checksum{CHECKSUM}"] = response[f"Checksum{CHECKSUM}"]
        return part

    @profile.timed("write.upload.put")
    def _put(self, file: _File, path: Path) -> str | None:
        """PUTs the whole file once `after` is in; the version id it made (None in a bucket without
        versioning)."""
        if self.after is not None:
            self.after.result()  # raises what the first manifest's write raised: nothing goes up
        with _chunk(str(path), 0, path.stat().st_size) as body:
            response = storage.s3_client().put_object(
                Bucket=self.bucket, Key=file.key, Body=body, ContentType=file.content_type, ChecksumAlgorithm=CHECKSUM
            )
        return response.get("VersionId")

    @profile.timed("write.upload.complete")
    def _complete(self, file: _File) -> str | None:
        """Completes the file's multipart upload (its parts are done: raises a part's failure) once
        `after` is in; the version id it made (as `_put`)."""
        if self.after is not None:
            self.after.result()
        response = storage.s3_client().complete_multipart_upload(
            Bucket=self.bucket,
            Key=file.key,
            UploadId=file.upload.result(),
            MultipartUpload={"Parts": [part.result() for part in file.parts]},
        )
        return response.get("VersionId")


def _chunk(path: str, start: int, length: int):
    """`length` bytes of the file at `path` from `start`, read as they are sent (s3transfer's
    ReadFileChunk; its module, with multiprocessing's, is imported beside the first S3 round trips,
    startup.LAZY, not before the raw object's first byte: ~13 ms of CPU)."""
    from s3transfer.utils import ReadFileChunk

    return ReadFileChunk.from_filename(path, start, length)
