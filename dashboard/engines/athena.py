"""Athena runs the report SQL over the Glue table in production; results land in the
workgroup's output location under enriched/."""

import time
from datetime import date
from decimal import Decimal

from django.conf import settings
from pyathena import connect
from pyathena.error import Error as PyAthenaError

from . import EngineError, QueryResult


def athena_literal(value) -> str:
    """An execution parameter is a SQL literal; quoting here is the one place it is built."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, date):
        return f"'{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def athena_run(sql: str, params: list) -> QueryResult:
    started = time.monotonic()
    try:
        cursor = connect(
            region_name=settings.AWS_REGION,
            work_group=settings.ATHENA_WORKGROUP,
            schema_name=settings.GLUE_DATABASE,
        ).cursor()
        cursor.execute(
            sql,
            [athena_literal(p) for p in params],
            paramstyle="qmark",
            result_reuse_enable=True,
            result_reuse_minutes=60,
        )
        columns = [d[0] for d in cursor.description or []]
        rows = [list(r) for r in cursor.fetchall()]
    except PyAthenaError as exc:
        raise EngineError(f"Athena query failed: {str(exc)[:300]}") from None
    return QueryResult(
        columns=columns,
        rows=rows,
        bytes_scanned=cursor.data_scanned_in_bytes or 0,
        engine_ms=cursor.engine_execution_time_in_millis or int((time.monotonic() - started) * 1000),
        output_location=cursor.output_location or "",
        query_id=cursor.query_id or "",
        engine="athena",
    )
