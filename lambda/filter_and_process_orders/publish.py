"""What a run leaves in S3 besides its manifest: the outputs, uploaded while they are written."""

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from . import profile, storage
from .config import Config
from .events import ObjectEvent
from .manifest import Manifest
from .multipart import MultipartUploads
from .result import CleanResult

PARQUET = "application/vnd.apache.parquet"
# Beside a source's rejected rows while a verdict that it has no orders removes its earlier outputs:
# the keys removed (a JSON list), for the manifest of a retry after a removal that failed midway.
WITHDRAWING = "outputs_removed.json"


class Publication:
    """The outputs of one run over `source`, uploaded while they are written: a file that reaches 5 MiB
    is a multipart upload (`multipart`) whose parts go up as they fill, the listing of what an
    earlier run over the source wrote starts at once, a file under one part is PUT whole as soon as
    it is closed, a larger one completed once closed and its last part is in (both once `after`, the
    run's first manifest, is in), and `publish` is left with waiting for them, and once every output
    is in, the removal of the earlier run's outputs this run did not write again. Used as a context
    manager: on an exception, or when `publish` never ran (a file rejected as a whole), every upload
    begun is aborted and every file PUT or completed is taken back: no output of the run stays
    visible."""

    def __init__(self, obj: ObjectEvent, source: str, config: Config, after: Future | None = None):
        self.bucket, self.source, self.config = obj.bucket, source, config
        self.uploads = MultipartUploads(obj.bucket, self.key_of, after=after)
        self._beside = ThreadPoolExecutor(1, thread_name_prefix="old-outputs")
        self._old = self._beside.submit(earlier_outputs, obj.bucket, source, config)
        self._published = False

    def __enter__(self) -> "Publication":
        return self

    def __exit__(self, *exc) -> None:
        if not self._published:
            try:
                existed: frozenset[str] | None = frozenset(self._old.result())
            except Exception:  # noqa: BLE001 - the listing failed: which keys existed is not known
                existed = None
            self.uploads.abort(existed=existed)
        self._beside.shutdown(cancel_futures=True)

    def withdraw(self, manifest: Manifest) -> None:
        """This run's verdict is that the source has no orders (rejected as a whole): every output an
        earlier run over it wrote is removed, and the manifest names them (`outputs_removed`)."""
        manifest.outputs_removed = outputs_withdraw(self.bucket, self.source, self.config, self._old.result())

    def key_of(self, path: Path) -> tuple[str, str]:
        """A local output file's key and content type: `<month>.parquet`, `rejected_rows.csv`."""
        if path.suffix == ".parquet":
            return f"{self.config.processed_prefix}order_month={path.stem}/{self.source}.parquet", PARQUET
        return f"{self.config.quarantine_prefix}{self.source}/{path.name}", "text/csv"

    def grew(self, path: Path, closed: bool = False) -> None:
        """Called by the writers after each append to an output file (from any thread)."""
        self.uploads.grew(path, closed)

    def publish(self, result: CleanResult, manifest: Manifest) -> None:
        """Waits until every output is in S3, removes what a previous run wrote but this one did not (old
        months, a stale_orders.csv of runs before the stale orders were stored only in the Parquet), and
        names the outputs in the manifest, and what it removed (with what a rejection that failed
        midway removed and this run did not write again: `outputs_withdraw`). The outputs become
        visible last (PUT whole or completed as their files closed, at the end of the cleaning),
        and only once all are in is anything removed: a failure up to there removes nothing, no
        output of this run stays visible, and an earlier run's outputs under the same keys are
        current again (`MultipartUploads.take_back`; in a bucket without versioning those keys keep
        this run's content). The earlier outputs stand until a run gives a verdict."""
        paths = [*result.months.values(), *([result.rejected_path] if result.rejected_path else [])]
        with profile.stage("write.upload"):
            for path in paths:
                self.uploads.grew(path, closed=True)
            outputs = {self.key_of(path)[0] for path in paths}
            earlier, listing = self._old.result(), withdrawing_key(self.source, self.config)
            # A rejection's removal that failed midway (then the file was read otherwise): what it removed.
            before = [key for key in _withdrawn(self.bucket, listing, earlier) if key not in outputs]
            old = [key for key in earlier if key not in outputs and key != listing]
            self.uploads.complete(existed=frozenset(earlier))
            storage.delete_objects(self.bucket, old + ([listing] if listing in earlier else []))
        self._published = True
        manifest.outputs += [self.key_of(path)[0] for path in result.months.values()]
        manifest.rejected_key = self.key_of(result.rejected_path)[0] if result.rejected_path else None
        manifest.outputs_removed = before + [key for key in old if key not in before]


def earlier_outputs(bucket: str, source: str, config: Config) -> list[str]:
    """The month files and quarantine CSVs a run over `source` wrote before (any run)."""
    months = storage.list_keys(bucket, config.processed_prefix, suffix=f"/{source}.parquet")
    return months + storage.list_keys(bucket, f"{config.quarantine_prefix}{source}/")


def outputs_withdraw(bucket: str, source: str, config: Config, keys: list[str] | None = None) -> list[str]:
    """Removes the outputs earlier runs over `source` wrote (`keys` when already listed), for a verdict
    that it has no orders: rejected as a whole, or deleted before it could be read (its rows are no
    longer backed by a raw file). Never on a failure to read or write: that run is retried, and
    until then the earlier outputs stand. Returns the keys removed, those an attempt before this one
    removed included: the list (WITHDRAWING) is written before the first removal and removed after
    the last, so a retry after a removal that failed midway finds it among the listed keys."""
    keys = earlier_outputs(bucket, source, config) if keys is None else keys
    listing = withdrawing_key(source, config)
    left = [key for key in keys if key != listing]
    removed = _withdrawn(bucket, listing, keys)
    removed += [key for key in left if key not in removed]
    if left:
        storage.write_json(bucket, listing, removed)
        storage.delete_objects(bucket, left)
    if left or listing in keys:
        storage.delete_objects(bucket, [listing])
    return removed


def withdrawing_key(source: str, config: Config) -> str:
    """Where a withdrawal of `source`'s outputs keeps what it removes while it removes them."""
    return f"{config.quarantine_prefix}{source}/{WITHDRAWING}"


def _withdrawn(bucket: str, listing: str, keys: list[str]) -> list[str]:
    """What a withdrawal that failed midway removed: its list `listing`, when among `keys` (a listing of
    the source's outputs); else nothing, and no request."""
    return storage.read_json(bucket, listing) if listing in keys else []
