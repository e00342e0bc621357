"""The query engine seam: `run(sql, params) -> QueryResult`, Athena in AWS, DuckDB on the twin."""

from dataclasses import dataclass, field

from django.conf import settings

from ordersite.aws import AwsError


class EngineError(AwsError):
    """A query could not run; the message is fit to show on the report's card."""


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[list]
    bytes_scanned: int = 0
    engine_ms: int = 0
    output_location: str = ""
    query_id: str = ""
    engine: str = ""
    extra: dict = field(default_factory=dict)


def engine_run(sql: str, params: list) -> QueryResult:
    if settings.PIPELINE_MODE == "aws":
        from .athena import athena_run

        return athena_run(sql, params)
    from .local import duckdb_run

    return duckdb_run(sql, params)
