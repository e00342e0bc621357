"""The local twin's DuckDB engine stops a query that outlives its timeout, as the Athena one does."""

import pytest

from dashboard.engines import EngineError
from dashboard.engines.local import duckdb_run

# 10^10 rows: far longer than the timeout on any machine.
SLOW = (
    "SELECT sum(a.x * b.x) AS s FROM UNNEST(sequence(1, 100000)) AS a(x) CROSS JOIN UNNEST(sequence(1, 100000)) AS b(x)"
)


def test_a_query_past_its_timeout_is_interrupted_in_duckdb(crawled):
    with pytest.raises(EngineError, match=r"query stopped after 0\.3 s \(REPORT_QUERY_TIMEOUT_SECONDS\)"):
        duckdb_run(SLOW, [], timeout_seconds=0.3)


def test_a_query_within_its_timeout_answers(crawled):
    result = duckdb_run("SELECT sum(x) AS s FROM UNNEST(sequence(1, 100)) AS t(x)", [], timeout_seconds=60)
    assert (result.columns, result.rows) == (["s"], [[5050]])
