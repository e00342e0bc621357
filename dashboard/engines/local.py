"""The local twin's SQL engine: DuckDB over the twin's S3, table and partitions from its Glue
catalog, the report SQL transpiled from Athena's Trino dialect, results written to enriched/
as CSV, the way Athena writes them."""

import csv
import io
import os
import threading
import time
import uuid

import duckdb
import pyarrow as pa
import s3fs
from django.conf import settings
from django.core.cache import cache
from filter_and_process_orders.contract import SCHEMA as ORDERS_SCHEMA
from filter_and_process_orders.spreadsheet import formula_safe

from ordersite.aws import glue, s3

from ..keys import data_version_get
from . import EngineError, QueryResult, statement_check

SMALL_RANGE_BYTES = 1024**2  # ranges up to this size are kept for the query (footers, small files)


class _CountingFile(s3fs.core.S3File):
    def _fetch_range(self, start, end):
        # DuckDB opens each file several times per query (DESCRIBE, bind, each thread) and reads
        # its footer each time: one GET per small range and query is enough.
        kept = self.fs.small_ranges.get((self.path, start, end))
        if kept is not None:
            return kept
        data = super()._fetch_range(start, end)
        self.fs.ranges.setdefault(self.path, []).append((start, start + len(data)))
        if end - start <= SMALL_RANGE_BYTES:
            self.fs.small_ranges[(self.path, start, end)] = data
        return data


class _CountingS3FileSystem(s3fs.S3FileSystem):
    """Counts the bytes DuckDB fetches: the local stand-in for Athena's DataScannedInBytes.

    Each byte of an object counts once per query: DuckDB's fsspec bridge opens and reads a file
    several times (to bind, then per thread), which Athena would not bill twice."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ranges: dict[str, list[tuple[int, int]]] = {}
        self.small_ranges: dict[tuple[str, int, int], bytes] = {}

    @property
    def bytes_read(self) -> int:
        total = 0
        for spans in self.ranges.values():
            end_so_far = 0
            for start, end in sorted(spans):
                total += max(0, end - max(start, end_so_far))
                end_so_far = max(end_so_far, end)
        return total

    def _open(self, path, mode="rb", **kwargs):
        handle = super()._open(path, mode, **kwargs)
        if mode == "rb":
            handle.__class__ = _CountingFile
            handle.cache.fetcher = handle._fetch_range  # the cache bound the uncounted method
        return handle


def _duckdb_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_decimal(arrow_type):
        return f"DECIMAL({arrow_type.precision},{arrow_type.scale})"
    if pa.types.is_timestamp(arrow_type):
        return "TIMESTAMPTZ"
    return {pa.string(): "VARCHAR", pa.date32(): "DATE", pa.bool_(): "BOOLEAN", pa.int64(): "BIGINT",
            pa.int32(): "INTEGER"}[arrow_type]  # fmt: skip


# The orders contract's columns with their DuckDB types: a column no file has yet reads as NULL,
# as Athena reads a table column that a Parquet file lacks.
ORDER_COLUMNS = {field.name: _duckdb_type(field.type) for field in ORDERS_SCHEMA} | {"order_month": "VARCHAR"}


def transpile(sql: str) -> str:
    """Trino → DuckDB, with the fixes for what sqlglot leaves wrong."""
    return statement_check(sql).sql(dialect="duckdb")


LISTING_SECONDS = 24 * 3600  # a data version's object list, kept for this long in the cache


def _table_objects(*, reuse: bool = True) -> list[dict]:
    """The table's Parquet objects, as s3fs listing entries (`name` bucket/key, `size` bytes),
    listed once per data version and kept in the cache: a data change or a crawl makes a new
    data version, so a list is never older than the results it computes.

    The objects are those under the catalog's partitions (what Athena reads), found in one
    ListObjectsV2 pass under their common prefix. `reuse=False` (the Refresh button) lists
    again. Raises EngineError when the catalog has no orders table."""
    key = f"local-engine:objects:{settings.PIPELINE_BUCKET}:v{data_version_get()}"
    try:
        objects = cache.get(key) if reuse else None
    except Exception:  # Redis down: list every time, as before the cache
        objects = None
    if objects is None:
        objects = _objects_list()
        try:
            cache.set(key, objects, timeout=LISTING_SECONDS)
        except Exception:
            pass
    return objects


def _objects_list() -> list[dict]:
    table = glue.table_get()
    if table is None:
        raise EngineError("the orders table is not in the catalog yet: upload data and run the crawler")
    root = f"s3://{settings.PIPELINE_BUCKET}/"
    prefixes = tuple(
        p["StorageDescriptor"]["Location"].split(root, 1)[-1].rstrip("/") + "/" for p in glue.partitions_list()
    )
    if not prefixes:
        return []
    common = os.path.commonprefix(prefixes)
    common = common[: common.rfind("/") + 1]
    objects = [o for o in s3.objects_iter(prefix=common) if o.key.endswith(".parquet") and o.key.startswith(prefixes)]
    # DuckDB binds the view's schema from the footer of the first file, before partitions are
    # pruned: the smallest file first keeps that read (counted as scanned) as small as it gets.
    objects.sort(key=lambda o: (o.size, o.key))
    bucket = settings.PIPELINE_BUCKET
    return [
        {"name": f"{bucket}/{o.key}", "Key": o.key, "type": "file", "size": o.size, "LastModified": o.last_modified}
        for o in objects
    ]


def _filesystem(objects: list[dict] | None = None) -> _CountingS3FileSystem:
    """A filesystem for one query that knows the table's objects: DuckDB's fsspec bridge asks for
    a file's info (size, existence) many times per file and thread; the listing answers those,
    where s3fs would send a HEAD request each time (29 per file per query, measured)."""
    fs = _CountingS3FileSystem(
        endpoint_url=settings.AWS_ENDPOINT_URL or None,
        client_kwargs={"region_name": settings.AWS_REGION},
        use_listings_cache=True,
        listings_expiry_time=None,
        skip_instance_cache=True,
        # No read-ahead: count only the byte ranges DuckDB asks for (the footer and the column
        # chunks it needs), as Athena counts them, not 50 MB blocks of whole files.
        default_cache_type="none",
    )
    for entry in objects or []:
        fs.dircache.setdefault(entry["name"].rsplit("/", 1)[0], []).append(entry)
    return fs


def _csv_bytes(columns: list[str], rows: list[list]) -> bytes:
    """The result file under enriched/, as Athena writes one; formula-like cells made inert."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerows(zip(*(formula_safe(column).to_pylist() for column in zip(columns, *rows))))
    return text.getvalue().encode()


def _orders_view(con: duckdb.DuckDBPyConnection, files: list[str]) -> None:
    """`orders` over the files (their schemas united by name) with every contract column."""
    if files:
        listing = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        source = f"read_parquet([{listing}], hive_partitioning = true, union_by_name = true)"
        present = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    else:
        source, present = "(SELECT 1 AS no_rows WHERE false)", set()
    columns = [name if name in present else f"NULL::{kind} AS {name}" for name, kind in ORDER_COLUMNS.items()]
    con.execute(f"CREATE VIEW orders AS SELECT {', '.join(columns)} FROM {source}")


def _interrupt(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.interrupt()
    except duckdb.Error:  # finished and closed meanwhile
        pass


def duckdb_run(sql: str, params: list, *, reuse: bool = True, timeout_seconds: float | None = None) -> QueryResult:
    """Like Athena: a query still running after REPORT_QUERY_TIMEOUT_SECONDS is stopped.

    DuckDB keeps no result cache; `reuse=False` lists the table's objects again instead of taking
    this data version's list from the cache."""
    duck_sql = transpile(sql)
    timeout = timeout_seconds if timeout_seconds is not None else settings.REPORT_QUERY_TIMEOUT_SECONDS
    objects = _table_objects(reuse=reuse)
    files = [f"s3://{entry['name']}" for entry in objects]
    started = time.monotonic()
    fs = _filesystem(objects)
    # Without DuckDB's external file cache, a read fetches only the ranges it needs (footer,
    # column chunks) instead of whole files, so bytes scanned compare with Athena's.
    con = duckdb.connect(config={"threads": 2, "enable_external_access": True, "enable_external_file_cache": False})
    deadline = threading.Timer(timeout, _interrupt, [con])
    deadline.daemon = True
    deadline.start()
    try:
        con.register_filesystem(fs)
        _orders_view(con, files)
        cursor = con.execute(duck_sql, params)
        columns = [d[0] for d in cursor.description]
        rows = [list(r) for r in cursor.fetchall()]
    except duckdb.InterruptException:
        raise EngineError(f"query stopped after {timeout:g} s (REPORT_QUERY_TIMEOUT_SECONDS)") from None
    except duckdb.Error as exc:
        raise EngineError(f"query failed: {str(exc).splitlines()[0][:300]}") from None
    finally:
        deadline.cancel()
        con.close()
    engine_ms = int((time.monotonic() - started) * 1000)
    query_id = uuid.uuid4().hex
    key = f"{settings.ENRICHED_PREFIX}{query_id}.csv"
    s3.object_put_bytes(key=key, body=_csv_bytes(columns, rows), content_type="text/csv")
    return QueryResult(
        columns=columns,
        rows=rows,
        bytes_scanned=fs.bytes_read,
        engine_ms=engine_ms,
        output_location=f"s3://{settings.PIPELINE_BUCKET}/{key}",
        query_id=query_id,
        engine="duckdb",
    )
