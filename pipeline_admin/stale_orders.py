"""The stale orders of an upload as CSV, derived on demand from its stored Parquet.

The Lambda stores each stale order once, in its month's Parquet file with `stale` true (DESIGN.md,
"The stale rule"); it writes no second copy. The file page's download is built here from the
outputs its manifest lists: per month file (in the manifest's order, by month), the rows with
`stale` true, the contract's STALE_COLUMNS, in physical line order (`source_line`), every text cell
through the Lambda's `formula_safe` as every CSV ordersite writes. One month file is in memory at a
time (`us` bench export of 1M rows: 31 months of about 0.6 MB of Parquet each).
"""

import io
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from filter_and_process_orders.contract import SCHEMA, STALE_COLUMNS
from filter_and_process_orders.spreadsheet import formula_safe

from ordersite.aws import s3

from .models import Upload

_COLUMNS = list(STALE_COLUMNS)


class StaleOrdersGone(Exception):
    """An output the manifest lists is no longer in S3 (the file was processed again, or its
    output deleted); the message says which and what to do."""


def stale_orders_csv(*, upload: Upload) -> Iterator[bytes]:
    """The CSV (UTF-8, header STALE_COLUMNS) of the upload's stale orders, as chunks: the header,
    then one chunk per month file that holds any. Every output is looked up first, so a missing
    one raises StaleOrdersGone here rather than cutting the download short; other S3 failures raise
    `s3.S3Error`. An output removed between that check and its read ends the stream early."""
    keys = [k for k in (upload.manifest or {}).get("outputs") or [] if k.endswith(".parquet")]
    for key in keys:
        try:
            s3.object_head(key=key)
        except s3.S3Missing:
            raise StaleOrdersGone(
                f"{upload.original_name}: its output {key} is gone (the file was processed again or its "
                "output deleted); reload the page for the current outputs"
            ) from None
    return _chunks(keys)


def _chunks(keys: list[str]) -> Iterator[bytes]:
    header = pa.schema([SCHEMA.field(c) for c in _COLUMNS]).empty_table()
    yield _csv(header, header=True)
    for key in keys:
        table = pq.read_table(pa.BufferReader(s3.object_bytes(key=key)), columns=[*_COLUMNS, "stale"])
        stale = table.filter(table.column("stale")).select(_COLUMNS).sort_by("source_line")
        if stale.num_rows:
            safe = [formula_safe(c) if pa.types.is_string(c.type) else c for c in stale.columns]
            yield _csv(pa.table(safe, names=_COLUMNS))


def _csv(table: pa.Table, *, header: bool = False) -> bytes:
    """As the Lambda writes its CSVs: text quoted, numbers and dates bare."""
    out = io.BytesIO()
    pacsv.write_csv(table, out, write_options=pacsv.WriteOptions(include_header=header, quoting_style="needed"))
    return out.getvalue()
