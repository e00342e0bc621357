"""The course file's published report values, recomputed independently from orders.csv."""

import json
from datetime import date, timedelta

import pytest

from tests.oracle import course


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads((course.DATA / "orders.expected.json").read_text())


def test_every_published_report_value_is_what_the_course_file_gives_as_of_june_first(expected):
    published = {k: v for k, v in expected.items() if k not in {"about", "reference_date"}}
    assert course.reports(date.fromisoformat(expected["reference_date"])) == published


@pytest.mark.parametrize(("reference", "orders"), [("2025-06-01", 109), ("2025-04-22", 139)])
def test_the_stale_rule_counts_the_orders_the_design_gives(reference, orders):
    assert course.reports(date.fromisoformat(reference))["kpis"]["orders"] == orders


def test_any_reference_date_from_may_21st_keeps_the_same_109_orders_and_the_day_before_keeps_more():
    may_21 = date(2025, 5, 21)
    assert {len(course.counted(course.course_orders(), may_21 + timedelta(days=d))) for d in (0, 1, 11, 365)} == {109}
    assert len(course.counted(course.course_orders(), may_21 - timedelta(days=1))) > 109


def test_only_charlies_average_is_a_half_cent_tie_and_the_published_value_rounds_it_to_even():
    kept = course.counted(course.course_orders(), date(2025, 6, 1))
    groups = course.grouped(kept, lambda o: o["customer"]) | {"all": kept}
    averages = {name: sum(o["amount"] for o in group) / len(group) for name, group in groups.items()}
    ties = {name: str(value) for name, value in averages.items() if (value * 1000) % 10 == 5 and value * 1000 % 1 == 0}
    assert ties == {"Charlie": "289.685"}
