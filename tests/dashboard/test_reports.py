"""Report parameters: typed, validated server-side, and bound outside the SQL text."""

from dataclasses import FrozenInstanceError
from datetime import date, timedelta

import pytest
from django.utils import timezone

from dashboard.engines import EngineError, statement_check
from dashboard.keys import cache_key
from dashboard.query import ReportQuery
from dashboard.reports import REPORTS, ParamError, placeholders, report_query, report_statement


def test_every_report_has_sql_with_only_bound_placeholders():
    for slug in REPORTS:
        sql, params = report_statement(report_query(slug, {}), data_version=1)
        statement_check(sql)
        assert ":" + "start_date" not in sql, slug
        assert len(params) == sql.count("?") == len(placeholders(slug))


def test_defaults_fill_every_parameter():
    query = report_query("top-orders", {})
    assert query == ReportQuery(report="top-orders", start_date=date(1900, 1, 1), end_date=date(2999, 12, 31), limit=10)
    assert (query.statuses, query.customer, query.dimensions) == ((), "", ())


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start_date": "2025-13-01"}, "start_date must be a date"),
        ({"end_date": "yesterday-ish"}, "end_date must be a date"),
        ({"start_date": "2025-03-01", "end_date": "2025-02-01"}, "start_date must not be after end_date"),
        ({"start_date": "2025-03-01", "month": "2025-02"}, "the dates given and month 2025-02 do not overlap"),
        ({"limit": "0"}, "limit must be between 1 and 1000"),
        ({"limit": "ten"}, "limit must be a whole number"),
        ({"month": "2025-2"}, "month must be a month"),
        ({"customer": "x' OR 1=1 --;"}, "customer has characters that are not allowed"),
        ({"region": "x' OR 1=1 --;"}, "region has characters that are not allowed"),
        ({"statuses": "shipped,1=1"}, "is not a status word"),
        ({"statuses": ["shipped", "x'); DROP TABLE orders"]}, "is not a status word"),
        ({"colour": "red"}, "unknown parameter 'colour'"),
    ],
)
def test_bad_parameters_are_refused_with_a_message_naming_them(params, message):
    with pytest.raises(ParamError, match=message):
        report_query("top-orders", params)


def test_a_report_that_ranks_nothing_and_draws_no_time_refuses_a_limit_a_grain_and_a_group():
    for name, value in (("limit", "5"), ("grain", "week"), ("group_by", "customer")):
        with pytest.raises(ParamError, match=f"unknown parameter '{name}' for report kpis"):
            report_query("kpis", {name: value})


def test_statuses_are_canonical_sorted_and_deduplicated_whatever_form_they_come_in():
    as_list = report_query("kpis", {"statuses": ["Shipped", "CANCELED", "shipped"]}).statuses
    as_text = report_query("kpis", {"statuses": "cancelled, shipped"}).statuses
    assert as_list == as_text == ("cancelled", "shipped")


def test_the_query_object_is_immutable_and_survives_the_trip_through_a_job():
    query = report_query("top-orders", {"customer": "O'Brien", "statuses": "shipped", "region": "West", "limit": "3"})
    with pytest.raises(FrozenInstanceError):
        query.limit = 1000
    assert ReportQuery.from_params("top-orders", query.as_params()) == query


def test_values_are_bound_in_placeholder_order_and_never_enter_the_sql():
    query = report_query(
        "top-orders",
        {"customer": "O'Brien", "statuses": "shipped", "start_date": "2025-02-01", "end_date": "2025-02-28"},
    )
    sql, params = report_statement(query, data_version=1)
    assert "O'Brien" in params and "shipped" in params
    assert "2025-02" in params  # the month range that prunes order_month partitions
    assert "O'Brien" not in sql and "shipped" not in sql


def test_the_limit_is_written_into_the_sql_from_the_validated_integer():
    sql, params = report_statement(report_query("top-orders", {"limit": "7"}), data_version=1)
    assert sql.rstrip().endswith("LIMIT 7") and 7 not in params
    assert "LIMIT" not in report_statement(report_query("kpis", {}), data_version=1)[0]


def test_the_sql_text_differs_for_every_parameter_set_and_data_version_so_athena_never_reuses_another():
    variants = [{}, {"limit": "5"}, {"customer": "Bob"}, {"statuses": "shipped"}, {"start_date": "2025-01-01"},
                {"country": "France"}, {"month": "2025-02"}]  # fmt: skip
    texts = {report_statement(report_query("top-orders", p), data_version=1)[0] for p in variants}
    assert len(texts) == len(variants)
    again = report_statement(report_query("top-orders", {"customer": "Bob"}), data_version=1)[0]
    assert again in texts  # the same parameters give the same text: reuse still works for them
    newer = report_statement(report_query("top-orders", {"customer": "Bob"}), data_version=2)[0]
    assert newer not in texts


def test_a_month_narrows_the_date_range_to_that_month():
    query = report_query("top-orders", {"month": "2025-02"})
    assert (query.start_date, query.end_date) == (date(2025, 2, 1), date(2025, 2, 28))


def test_relative_dates_become_absolute_so_the_cache_key_names_real_days():
    today = timezone.localdate()
    relative = report_query("kpis", {"start_date": "today-30d", "end_date": "today"})
    absolute = report_query("kpis", {"start_date": (today - timedelta(days=30)).isoformat(), "end_date": str(today)})
    assert relative == absolute
    assert cache_key(relative, 1) == cache_key(absolute, 1)


def test_different_parameters_give_different_cache_keys():
    keys = {
        cache_key(report_query("sales-by-customer", p), 1)
        for p in [{}, {"limit": "5"}, {"customer": "Bob"}, {"statuses": "shipped"}, {"start_date": "2025-01-01"}]
    }
    assert len(keys) == 5
    assert cache_key(report_query("sales-by-customer", {}), 2) not in keys


@pytest.mark.parametrize(
    "sql",
    [
        "DROP TABLE orders",
        "SELECT 1; SELECT 2",
        "INSERT INTO orders SELECT * FROM orders",
        "DELETE FROM orders",
        "CREATE TABLE x AS SELECT 1",
    ],
)
def test_only_a_single_select_or_with_statement_may_run(sql):
    with pytest.raises(EngineError, match="single SELECT"):
        statement_check(sql)


def test_a_choice_outside_the_list_is_refused_with_the_values_allowed():
    for slug, name, value, allowed in (
        ("orders-over-time", "grain", "year", "day, week, month"),
        ("breakdown", "group_by", "amount", "customer, status"),
        ("kpis", "period", "last_1000_days", "last_7_days, last_30_days"),
    ):
        with pytest.raises(ParamError, match=f"{name} must be one of {allowed}.*, got {value}$"):
            report_query(slug, {name: value})
