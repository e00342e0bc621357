"""The production engine: the report SQL runs on Athena (see `ordersite.aws.athena`)."""

from django.conf import settings

from ordersite.aws.athena import AthenaError, query_run

from . import EngineError, QueryResult, statement_check


def athena_run(sql: str, params: list, *, reuse: bool = True, timeout_seconds: float | None = None) -> QueryResult:
    statement_check(sql)
    timeout = timeout_seconds if timeout_seconds is not None else settings.REPORT_QUERY_TIMEOUT_SECONDS
    try:
        result = query_run(sql, params, reuse=reuse, timeout_seconds=timeout)
    except AthenaError as exc:
        raise EngineError(str(exc)) from None
    return QueryResult(
        columns=result.columns,
        rows=result.rows,
        bytes_scanned=result.bytes_scanned,
        engine_ms=result.engine_ms,
        output_location=result.output_location,
        query_id=result.query_id,
        engine="athena",
        extra={"reused": result.reused},
    )
