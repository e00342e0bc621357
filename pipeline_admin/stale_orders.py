"""The stale orders of an upload as CSV, derived on demand from its stored Parquet.

The Lambda stores each stale order once, in its month's Parquet file with `stale` true (DESIGN.md,
"The stale rule"); it writes no second copy. The file page's download is built here from the
outputs its manifest lists: per month file (in the manifest's order, by month), the rows with
`stale` true, the contract's STALE_COLUMNS, in physical line order (`source_line`), every text cell
through the Lambda's `formula_safe` as every CSV ordersite writes. The web process's memory stays
bounded whatever the source's size: a month file is copied to a temporary file on disk as it
arrives, then read a batch of its columns at a time (`_month_chunks`). Measured on 2M orders in one
month (1M stale, 42 MB of Parquet) read from the twin's S3: peak 97 MB above imports (reading it
whole, as before: 500 MB).
"""

import contextlib
import io
import os
import tempfile
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from filter_and_process_orders.contract import SCHEMA, STALE_COLUMNS
from filter_and_process_orders.spreadsheet import formula_safe

from ordersite.aws import s3

from .models import Upload

_COLUMNS = list(STALE_COLUMNS)
# Rows decoded at a time, and the rows of one bin (written as one CSV chunk); the file is read in
# pieces of _READ_BYTES rather than a column chunk (a whole row group's column) at a time.
_BATCH_ROWS = 16_384
_BIN_ROWS = 65_536
_READ_BYTES = 1024 * 1024
_SCHEMA = pa.schema([SCHEMA.field(c) for c in _COLUMNS])
_RANKED = _SCHEMA.append(pa.field("rank", pa.uint64()))  # a stale row's place in line order, from 1


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
    yield _csv(_SCHEMA.empty_table(), header=True)
    for key in keys:
        # Arrow opens the spooled copy itself, by path: a reader over a Python file object may be
        # released by an Arrow thread while the interpreter exits, which aborts it (review B8-8).
        with tempfile.TemporaryDirectory() as spool:
            path = os.path.join(spool, "month.parquet")
            with open(path, "wb") as copy:
                s3.object_download(key=key, fileobj=copy)
            with pq.ParquetFile(path, buffer_size=_READ_BYTES, pre_buffer=False) as month:
                yield from _month_chunks(month)


def _month_chunks(month: pq.ParquetFile) -> Iterator[bytes]:
    """One month file's stale rows in line order, one CSV chunk per bin, with memory bounded
    whatever the file's size (the Lambda writes a month bucket by bucket, so line order runs across
    the whole file): a first pass over `source_line` and `stale` ranks the stale rows by line; a
    second sends each batch's stale rows to bins of _BIN_ROWS consecutive ranks spooled on disk;
    each bin is then read back, sorted and written. Held at once: the ranks (8 bytes a stale row),
    one batch, one bin."""
    lines = [batch["source_line"].filter(batch["stale"]) for batch in _batches(month, ["source_line", "stale"])]
    ranks = pc.rank(pa.chunked_array(lines, pa.int64()), sort_keys="ascending", tiebreaker="first")
    del lines
    if not len(ranks):
        return
    with contextlib.ExitStack() as stack:
        bins = [stack.enter_context(tempfile.TemporaryFile()) for _ in range((len(ranks) - 1) // _BIN_ROWS + 1)]
        writers = [pa.ipc.new_stream(spooled, _RANKED) for spooled in bins]
        done = 0
        for batch in _batches(month, [*_COLUMNS, "stale"]):
            stale = batch.filter(batch["stale"]).select(_COLUMNS)
            rank = ranks[done : done + stale.num_rows]
            done += stale.num_rows
            # Under _RANKED whatever the file says: a month written before 2026-12-02 holds every column
            # OPTIONAL (read as nullable), a newer one order_id, amount, order_date and source_line
            # REQUIRED (read as not null, as SCHEMA says); the IPC stream takes batches of one schema.
            ranked = pa.RecordBatch.from_arrays([*stale.columns, rank], schema=_RANKED)
            number = pc.divide(pc.subtract(rank, 1), _BIN_ROWS)  # ranks start at 1
            for n in pc.unique(number).to_pylist():
                writers[n].write_batch(ranked.filter(pc.equal(number, n)))
        for writer, spooled in zip(writers, bins, strict=True):
            writer.close()
            spooled.seek(0)
            rows = pa.ipc.open_stream(spooled).read_all().sort_by("rank").select(_COLUMNS)
            spooled.truncate(0)
            safe = [formula_safe(c) if pa.types.is_string(c.type) else c for c in rows.columns]
            yield _csv(pa.table(safe, names=_COLUMNS))


def _batches(month: pq.ParquetFile, columns: list[str]) -> Iterator[pa.RecordBatch]:
    return month.iter_batches(batch_size=_BATCH_ROWS, columns=columns, use_threads=False)


def _csv(table: pa.Table, *, header: bool = False) -> bytes:
    """As the Lambda writes its CSVs: text quoted, numbers and dates bare."""
    out = io.BytesIO()
    pacsv.write_csv(table, out, write_options=pacsv.WriteOptions(include_header=header, quoting_style="needed"))
    return out.getvalue()
