"""The crawler seam: `start()` / `status()`, with the Glue crawler in AWS and a local crawler
that does the same job on the twin (moto's Glue keeps a catalog but never crawls)."""

import io
import re
import time
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings

from . import glue, s3

PARTITION = re.compile(r"order_month=(\d{4}-\d{2})/")


@dataclass
class CrawlOutcome:
    tables_created: int = 0
    tables_updated: int = 0
    partitions_added: int = 0
    schema_before: list[dict] = field(default_factory=list)
    schema_after: list[dict] = field(default_factory=list)


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


def local_crawl() -> CrawlOutcome:
    """Read Parquet schemas and Hive partitions under processed/orders/ and upsert the catalog."""
    outcome = CrawlOutcome()
    objects = [o for o in s3.objects_iter(prefix=settings.PROCESSED_PREFIX) if o.key.endswith(".parquet")]
    existing = glue.table_get()
    outcome.schema_before = existing["StorageDescriptor"]["Columns"] if existing else []
    if not objects:
        outcome.schema_after = outcome.schema_before
        return outcome
    newest = max(objects, key=lambda o: (o.last_modified, o.key))
    schema = pq.read_schema(io.BytesIO(s3.object_bytes(key=newest.key)))
    columns = [{"Name": f.name, "Type": athena_type(f.type)} for f in schema if f.name != "order_month"]
    outcome.schema_after = columns
    table_input = _table_input(columns)
    if existing is None:
        glue.table_put(table_input=table_input, exists=False)
        outcome.tables_created = 1
    elif columns != outcome.schema_before:
        glue.table_put(table_input=table_input, exists=True)
        outcome.tables_updated = 1
    known = {tuple(p["Values"]) for p in glue.partitions_list()}
    months = sorted({m.group(1) for o in objects if (m := PARTITION.search(o.key))})
    new = [_partition_input(table_input, month) for month in months if (month,) not in known]
    glue.partitions_create(partition_inputs=new)
    outcome.partitions_added = len(new)
    return outcome


def glue_crawl(*, poll_seconds: float = 10.0, timeout_seconds: float = 1800.0) -> CrawlOutcome:
    """Start the real Glue crawler (already running is fine) and wait until it is READY again."""
    outcome = CrawlOutcome()
    table = glue.table_get()
    outcome.schema_before = table["StorageDescriptor"]["Columns"] if table else []
    before = len(glue.partitions_list()) if table else 0
    glue.crawler_start()
    deadline = time.monotonic() + timeout_seconds
    while True:
        crawler = glue.crawler_get() or {}
        if crawler.get("State") == "READY":
            break
        if time.monotonic() > deadline:
            raise glue.GlueError(f"crawler {settings.GLUE_CRAWLER} did not finish in {timeout_seconds:.0f} s")
        time.sleep(poll_seconds)
    last = crawler.get("LastCrawl", {})
    if last.get("Status") == "FAILED":
        raise glue.GlueError(f"crawler failed: {last.get('ErrorMessage', 'no message')}")
    table_after = glue.table_get()
    outcome.schema_after = table_after["StorageDescriptor"]["Columns"] if table_after else []
    outcome.tables_created = int(table is None and table_after is not None)
    outcome.tables_updated = int(table is not None and outcome.schema_after != outcome.schema_before)
    outcome.partitions_added = max(0, (len(glue.partitions_list()) if table_after else 0) - before)
    return outcome


def crawl() -> CrawlOutcome:
    return local_crawl() if settings.PIPELINE_MODE == "local" else glue_crawl()
