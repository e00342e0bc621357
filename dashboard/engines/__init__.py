"""The query engine seam: `run(sql, params, reuse=...) -> QueryResult`, Athena in AWS, DuckDB on
the twin, chosen by the REPORT_ENGINE setting."""

from dataclasses import dataclass, field

import sqlglot
from django.conf import settings
from django.utils.module_loading import import_string

from ordersite.aws import AwsError

from ..query import ReportQuery
from ..reports import report_statement


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


def statement_check(sql: str) -> sqlglot.exp.Query:
    """Both engines run only one SELECT (or WITH ... SELECT): no DDL, no DML, no second statement."""
    try:
        statements = sqlglot.parse(sql, read="athena")
    except sqlglot.errors.ParseError as exc:
        raise EngineError(f"the report SQL does not parse: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1 or not isinstance(statements[0], sqlglot.exp.Query):
        raise EngineError("only a single SELECT or WITH statement may run")
    return statements[0]


def engine_run(query: ReportQuery, *, data_version: int, reuse: bool = True) -> QueryResult:
    """Run one report query on the engine named by the REPORT_ENGINE setting (a dotted path, as
    Django names its session engine). `reuse=False` asks for a fresh run (the Refresh button)."""
    sql, params = report_statement(query, data_version=data_version)
    return import_string(settings.REPORT_ENGINE)(sql, params, reuse=reuse)
