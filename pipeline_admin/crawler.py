"""The crawler seam: one interface, `start()` / `status()`, with the Glue crawler in AWS and a
local crawler that does the same job on the twin (moto's Glue keeps a catalog but never crawls).

`crawl_run` drives either one the same way: snapshot the catalog, start, wait until the crawler
is READY again, snapshot again, and report what changed.
"""

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.utils.module_loading import import_string

from ordersite.aws import glue, s3

from .catalog import catalog_change, catalog_snapshot

logger = logging.getLogger(__name__)

PARTITION = re.compile(r"order_month=(\d{4}-\d{2})/")
# Glue reports SUCCEEDED / FAILED / CANCELLED for the last crawl; moto reports COMPLETED / STOPPED.
FAILED_CRAWLS = {"FAILED", "CANCELLED", "STOPPED"}


class CrawlerError(Exception):
    """A crawl failed or did not finish; the message says why."""


@dataclass(frozen=True)
class CrawlerStatus:
    state: str  # READY, RUNNING or STOPPING, as Glue says
    last_crawl: str = ""  # how the last crawl ended
    error: str = ""

    @property
    def busy(self) -> bool:
        return self.state != "READY"

    @property
    def failed(self) -> bool:
        return self.last_crawl in FAILED_CRAWLS


class Crawler(Protocol):
    def start(self) -> bool:
        """Start a crawl; False when one was already running (then we wait for that one)."""

    def status(self) -> CrawlerStatus: ...

    def partitions_register(self) -> int:
        """Make newly processed months queryable at once, without a crawl; returns how many were added."""


def _glue_status() -> CrawlerStatus:
    crawler = glue.crawler_get()
    if crawler is None:
        raise CrawlerError(f"crawler {settings.GLUE_CRAWLER} does not exist in Glue")
    last = crawler.get("LastCrawl") or {}
    return CrawlerStatus(state=crawler["State"], last_crawl=last.get("Status", ""), error=last.get("ErrorMessage", ""))


class GlueCrawler:
    """The real Glue crawler; it works asynchronously, so `status()` is polled."""

    def start(self) -> bool:
        return glue.crawler_start()

    def status(self) -> CrawlerStatus:
        return _glue_status()

    def partitions_register(self) -> int:
        """Nothing to do: the template's orders table projects its order_month partitions, so
        Athena finds a new month's files as soon as the Lambda has written them."""
        return 0


class LocalCrawler:
    """Does the crawler's job on the twin inside `start()`, and moves the twin's crawler through
    RUNNING to READY around it, so the twin's Glue API tells the same story AWS would."""

    # moto advances a crawl one step each time the crawl is listed (transition "manual", once by default).
    SETTLE_STEPS = 50

    def start(self) -> bool:
        if self.status().busy:
            # Only one run may be running (a database constraint), so a busy twin crawler is one
            # a dead worker left behind: finish it instead of waiting for it forever.
            self._settle(stop=True)
        glue.crawler_start()
        try:
            local_crawl()
        except Exception:
            try:
                self._settle(stop=True)
            except Exception:  # the crawl's own error is the one worth reporting
                logger.exception("could not return the twin's crawler to READY")
            raise
        self._settle(stop=False)
        return True

    def status(self) -> CrawlerStatus:
        return _glue_status()

    def partitions_register(self) -> int:
        """The twin's stand-in for partition projection: the months under processed/orders/ that
        the catalog lacks are added (the table too, before the first crawl). The schema of an
        existing table is left to the crawler, which reports drift."""
        objects = _parquet_objects()
        if not objects:
            return 0
        table = glue.table_get()
        if table is None:
            table = _table_input(_file_columns(objects))
            glue.table_put(table_input=table, exists=False)
        return _partitions_add(table, objects)

    def _settle(self, *, stop: bool) -> None:
        if stop:
            glue.crawler_stop()
        for _ in range(self.SETTLE_STEPS):
            if not self.status().busy:
                return
            glue.crawls_list()
        raise CrawlerError(
            "the twin's crawler did not return to READY; check the glue::crawl transition in /moto-api/state-manager"
        )


def crawler_for_mode() -> Crawler:
    """The crawler named by the CRAWLER_BACKEND setting (a dotted path to a Crawler class)."""
    return import_string(settings.CRAWLER_BACKEND)()


def athena_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_decimal(arrow_type):
        return f"decimal({arrow_type.precision},{arrow_type.scale})"
    if pa.types.is_timestamp(arrow_type):
        return "timestamp"
    if pa.types.is_date(arrow_type):
        return "date"
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "string"
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_integer(arrow_type):
        return "bigint" if arrow_type.bit_width > 32 else "int"
    if pa.types.is_floating(arrow_type):
        return "double" if arrow_type.bit_width > 32 else "float"
    return "string"


def _location(prefix: str) -> str:
    return f"s3://{settings.PIPELINE_BUCKET}/{prefix}"


def _table_input(columns: list[dict]) -> dict:
    return {
        "Name": settings.GLUE_TABLE,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "parquet", "compressionType": "snappy", "typeOfData": "file"},
        "PartitionKeys": [{"Name": "order_month", "Type": "string"}],
        "StorageDescriptor": {
            "Columns": columns,
            "Location": _location(settings.PROCESSED_PREFIX),
            "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
            "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
        },
    }


def _partition_input(table_input: dict, month: str) -> dict:
    descriptor = dict(table_input["StorageDescriptor"])
    descriptor["Location"] = _location(f"{settings.PROCESSED_PREFIX}order_month={month}/")
    return {"Values": [month], "StorageDescriptor": descriptor}


def _parquet_objects() -> list:
    return [o for o in s3.objects_iter(prefix=settings.PROCESSED_PREFIX) if o.key.endswith(".parquet")]


def _file_columns(objects: list) -> list[dict]:
    """The newest file speaks for the table, as a Glue crawler with UPDATE_IN_DATABASE would."""
    newest = max(objects, key=lambda o: (o.last_modified, o.key))
    try:
        schema = pq.read_schema(s3.object_arrow_buffer(key=newest.key))
    except (pa.ArrowInvalid, OSError) as exc:
        raise CrawlerError(f"{newest.key} is not a readable Parquet file: {exc}") from exc
    return [{"Name": f.name, "Type": athena_type(f.type)} for f in schema if f.name != "order_month"]


def _partitions_add(table_input: dict, objects: list) -> int:
    known = {tuple(p["Values"]) for p in glue.partitions_list()}
    months = sorted({m.group(1) for o in objects if (m := PARTITION.search(o.key))} - {k[0] for k in known})
    glue.partitions_create(partition_inputs=[_partition_input(table_input, m) for m in months])
    return len(months)


def local_crawl() -> None:
    """Read Parquet schemas and Hive partitions under processed/orders/ and upsert the catalog."""
    objects = _parquet_objects()
    if not objects:
        return
    existing = glue.table_get()
    columns = _file_columns(objects)
    table_input = _table_input(columns)
    if existing is None:
        glue.table_put(table_input=table_input, exists=False)
    elif columns != existing["StorageDescriptor"]["Columns"]:
        glue.table_put(table_input=table_input, exists=True)
    _partitions_add(table_input, objects)


@dataclass
class CrawlOutcome:
    tables_created: list[str] = field(default_factory=list)
    tables_updated: list[str] = field(default_factory=list)
    partitions_added: int = 0
    partitions_total: int = 0
    schema_before: list[dict] = field(default_factory=list)
    schema_after: list[dict] = field(default_factory=list)
    drift: list[dict] = field(default_factory=list)
    joined_running: bool = False

    @property
    def changed(self) -> bool:
        """The catalog the engines read is different now: a table, a schema or a partition."""
        return bool(self.tables_created or self.tables_updated or self.partitions_added or self.drift)


def crawl_run(
    *,
    crawler: Crawler,
    poll_seconds: float | None = None,
    timeout_seconds: float | None = None,
    on_poll: Callable[[], None] = lambda: None,
) -> CrawlOutcome:
    """Start a crawl (or join the one running), wait until the crawler is READY, report the change."""
    poll_seconds = settings.CRAWLER_POLL_SECONDS if poll_seconds is None else poll_seconds
    timeout_seconds = settings.CRAWLER_TIMEOUT_SECONDS if timeout_seconds is None else timeout_seconds
    before = catalog_snapshot()
    started = crawler.start()
    deadline = time.monotonic() + timeout_seconds
    while (status := crawler.status()).busy:
        if time.monotonic() > deadline:
            raise CrawlerError(f"crawler {settings.GLUE_CRAWLER} did not finish within {timeout_seconds:.0f} s")
        on_poll()
        time.sleep(poll_seconds)
    if status.failed:
        raise CrawlerError(f"crawl {status.last_crawl.lower()}: {status.error or 'Glue gave no message'}")
    after = catalog_snapshot()
    change = catalog_change(before=before, after=after)
    table = settings.GLUE_TABLE
    return CrawlOutcome(
        tables_created=change.created,
        tables_updated=change.updated,
        partitions_added=change.partitions_added,
        partitions_total=change.partitions_total,
        schema_before=before[table].columns if table in before else [],
        schema_after=after[table].columns if table in after else [],
        drift=change.drift,
        joined_running=not started,
    )


def glue_crawl(**kwargs) -> CrawlOutcome:
    return crawl_run(crawler=GlueCrawler(), **kwargs)


def crawl(**kwargs) -> CrawlOutcome:
    return crawl_run(crawler=crawler_for_mode(), **kwargs)
