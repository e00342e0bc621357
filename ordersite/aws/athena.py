"""Athena runs the report SQL over the Glue table in production; results land in the
workgroup's output location under enriched/.

Every query names the workgroup (which enforces the output location and the per-query
bytes-scanned cutoff), binds its parameters as execution parameters, and is stopped with
StopQueryExecution when it outlives its timeout or the Celery task running it is cancelled:
a query nobody waits for any more must not keep scanning (and billing)."""

import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from pyathena import connect
from pyathena.error import Error as PyAthenaError
from pyathena.util import RetryConfig

from . import AwsError

# Athena throttles StartQueryExecution and GetQueryExecution per account; pyathena retries
# these with exponential backoff and jitter (1, 2, 4, ... s, capped) before giving up.
THROTTLING_RETRY = RetryConfig(
    exceptions=("ThrottlingException", "TooManyRequestsException", "ServiceUnavailableException"),
    attempt=6,
    multiplier=1,
    max_delay=20,
    exponential_base=2,
)
RESULT_REUSE_MINUTES = 60


class AthenaError(AwsError):
    """A query failed, or was stopped after its timeout; the message is fit to show a user."""


@dataclass(frozen=True)
class AthenaResult:
    """One finished query: typed rows, bytes scanned (billed), engine time (ms), where the CSV is."""

    columns: list[str]
    rows: list[list]
    bytes_scanned: int
    engine_ms: int
    output_location: str
    query_id: str
    reused: bool


class _Deadline(Exception):
    """Raised from the poll callback when the query has run past its timeout."""


def athena_literal(value) -> str:
    """An execution parameter is a SQL literal; quoting here is the one place it is built."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, date):
        return f"'{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def _cursor(deadline: float):
    def on_poll(execution) -> None:
        if time.monotonic() > deadline:
            raise _Deadline

    return connect(
        region_name=settings.AWS_REGION,
        endpoint_url=settings.AWS_ENDPOINT_URL or None,
        work_group=settings.ATHENA_WORKGROUP,
        # The workgroup enforces its own output location; naming the same place here keeps
        # results in enriched/ even for a workgroup that does not enforce it.
        s3_staging_dir=f"s3://{settings.PIPELINE_BUCKET}/{settings.ENRICHED_PREFIX}",
        schema_name=settings.GLUE_DATABASE,
        retry_config=THROTTLING_RETRY,
        poll_interval=settings.ATHENA_POLL_SECONDS,
        on_poll=on_poll,
    ).cursor()


def _cancellation(exc: BaseException | None) -> BaseException | None:
    """The task's cancellation, when botocore wrapped it because it arrived mid-request."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, (SoftTimeLimitExceeded, KeyboardInterrupt, SystemExit)):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def _stop(cursor) -> None:
    if cursor.query_id:
        try:
            cursor.cancel()
        except PyAthenaError:  # it may have finished meanwhile; nothing left to stop
            pass


def query_run(sql: str, params: list, *, reuse: bool, timeout_seconds: float) -> AthenaResult:
    """Run one statement with `?` execution parameters and wait for its rows.

    Raises AthenaError when Athena refuses or fails the query, or after `timeout_seconds`
    (the query is stopped first). A Celery cancellation stops the query, then propagates."""
    started = time.monotonic()
    cursor = _cursor(started + timeout_seconds)
    try:
        cursor.execute(
            sql,
            [athena_literal(p) for p in params],
            paramstyle="qmark",
            work_group=settings.ATHENA_WORKGROUP,
            result_reuse_enable=reuse,
            result_reuse_minutes=RESULT_REUSE_MINUTES if reuse else None,
        )
        columns = [d[0] for d in cursor.description or []]
        rows = [list(r) for r in cursor.fetchall()]
    except _Deadline:
        _stop(cursor)
        raise AthenaError(f"Athena query stopped after {timeout_seconds:g} s (REPORT_QUERY_TIMEOUT_SECONDS)") from None
    except PyAthenaError as exc:
        _stop(cursor)  # whatever failed on our side, the query must not run on unattended
        if cancelled := _cancellation(exc):
            raise cancelled from None
        raise AthenaError(f"Athena query failed: {str(exc)[:300]}") from None
    except BaseException:  # Celery's soft time limit or a revoked task: stop the query, then go
        _stop(cursor)
        raise
    return AthenaResult(
        columns=columns,
        rows=rows,
        bytes_scanned=cursor.data_scanned_in_bytes or 0,
        engine_ms=cursor.engine_execution_time_in_millis or int((time.monotonic() - started) * 1000),
        output_location=cursor.output_location or "",
        query_id=cursor.query_id or "",
        reused=bool(getattr(cursor, "reused_previous_result", False)),
    )
