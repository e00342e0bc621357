"""Report parameters: typed, validated server-side, and bound outside the SQL text."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from dashboard.engines import EngineError, statement_check
from dashboard.keys import cache_key
from dashboard.reports import REPORTS, ParamError, placeholders, report_get


def test_every_report_has_sql_with_only_bound_placeholders():
    for slug, report in REPORTS.items():
        sql = report.sql()
        statement_check(sql)
        assert ":" + "start_date" not in sql, slug
        assert len(report.bind(report.clean_params({}))) == sql.count("?") == len(placeholders(slug))


def test_defaults_fill_every_parameter():
    values = report_get("top-orders").clean_params({})
    assert values == {
        "start_date": date(1900, 1, 1),
        "end_date": date(2999, 12, 31),
        "statuses": "",
        "customer": "",
        "month": "",
        "limit": 10,
    }


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start_date": "2025-13-01"}, "start_date must be a date"),
        ({"end_date": "yesterday-ish"}, "end_date must be a date"),
        ({"start_date": "2025-03-01", "end_date": "2025-02-01"}, "start_date must not be after end_date"),
        ({"limit": "0"}, "limit must be between 1 and 1000"),
        ({"limit": "ten"}, "limit must be a whole number"),
        ({"month": "2025-2"}, "month must be a month"),
        ({"customer": "x' OR 1=1 --;"}, "customer has characters that are not allowed"),
        ({"statuses": "shipped,1=1"}, "is not a status word"),
        ({"statuses": ["shipped", "x'); DROP TABLE orders"]}, "is not a status word"),
        ({"colour": "red"}, "unknown parameter 'colour'"),
    ],
)
def test_bad_parameters_are_refused_with_a_message_naming_them(params, message):
    with pytest.raises(ParamError, match=message):
        report_get("top-orders").clean_params(params)


def test_statuses_are_canonical_sorted_and_deduplicated_whatever_form_they_come_in():
    report = report_get("kpis")
    as_list = report.clean_params({"statuses": ["Shipped", "CANCELED", "shipped"]})["statuses"]
    as_text = report.clean_params({"statuses": "cancelled, shipped"})["statuses"]
    assert as_list == as_text == "cancelled,shipped"


def test_values_are_bound_in_placeholder_order_and_never_enter_the_sql():
    report = report_get("top-orders")
    values = report.clean_params(
        {"customer": "O'Brien", "statuses": "shipped", "start_date": "2025-02-01", "end_date": "2025-02-28"}
    )
    params = report.bind(values)
    assert "O'Brien" in params and "shipped" in params and 10 in params
    assert "2025-02" in params  # the month range that prunes order_month partitions
    assert "O'Brien" not in report.sql() and "shipped" not in report.sql()


def test_a_month_narrows_the_date_range_to_that_month():
    values = report_get("top-orders").clean_params({"month": "2025-02"})
    assert (values["start_date"], values["end_date"]) == (date(2025, 2, 1), date(2025, 2, 28))


def test_relative_dates_become_absolute_so_the_cache_key_names_real_days():
    report = report_get("kpis")
    today = timezone.localdate()
    relative = report.clean_params({"start_date": "today-30d", "end_date": "today"})
    absolute = report.clean_params({"start_date": (today - timedelta(days=30)).isoformat(), "end_date": str(today)})
    assert relative == absolute
    assert cache_key("kpis", relative, 1) == cache_key("kpis", absolute, 1)


def test_different_parameters_give_different_cache_keys():
    report = report_get("sales-by-customer")
    keys = {
        cache_key("sales-by-customer", report.clean_params(p), 1)
        for p in [{}, {"limit": "5"}, {"customer": "Bob"}, {"statuses": "shipped"}, {"start_date": "2025-01-01"}]
    }
    assert len(keys) == 5
    assert cache_key("sales-by-customer", report.clean_params({}), 2) not in keys


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
