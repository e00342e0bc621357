"""Drill to orders in a real browser: from a KPI tile to the orders it counts, and from an
order to its history. Expected numbers come from the course oracle (csv module and Decimal)."""

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.oracle.course import counted, course_orders

from .conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def kept(pipeline_loop, shared_data) -> list[dict]:
    """The course file uploaded (as of 2025-06-01) and crawled; the orders the oracle counts."""
    from django.core.management import call_command

    call_command("upload", str(shared_data / "orders.csv"), "--as-of", "2025-06-01", "--wait")
    call_command("crawl", "--wait")
    return counted(course_orders(), date(2025, 6, 1))


def test_an_analyst_drills_from_the_kpi_tile_to_the_orders_and_one_orders_history(page, analyst, kept):
    login(page, "analyst")
    page.goto("/dashboard/")
    expect(page.locator('[data-kpi="orders"]')).to_have_text(str(len(kept)), timeout=30_000)
    page.locator("#card-kpis .drill-link a").click()
    expect(page.locator("#total-orders")).to_have_attribute("data-value", str(len(kept)))
    expect(page.locator("#total-amount")).to_have_attribute("data-value", str(sum(o["amount"] for o in kept)))
    top = max(kept, key=lambda o: (o["amount"], o["order_id"]))  # the default sort: amount, largest first
    first_row = page.locator("#drill-orders tbody tr").first
    expect(first_row.locator("td").first).to_have_text(top["order_id"])
    expect(page.locator("#drill-orders tbody tr")).to_have_count(50)
    expect(first_row).to_contain_text("orders.csv")
    expect(first_row.locator("a[href^='/pipeline/']")).to_have_count(0)  # analysts get no staff links
    screenshot(page, "1-orders-behind-the-kpis")
    first_row.locator("td a").first.click()
    expect(page.locator("#verdict")).to_have_text(
        f"Counts: {top['amount']:.2f} from orders.csv, line {2 + course_orders().index(top)}."
    )
    screenshot(page, "2-order-history")
    page.fill("input[name=order_id]", "no-such-order")
    page.click(".order-search button")
    expect(page.locator("#verdict")).to_have_text("No version of this order was found in any upload.")
    assert Decimal(page.locator("#history-versions").count()) == 0


def click_chart_value(page, card: str, value: str) -> None:
    """Click, where a person would, the chart element (bar or point) of the card's row whose first
    cell is `value` (a customer) or starts with `value-` (a period: `2025-02` for 2025-02-01)."""
    point = page.evaluate(
        """([card, value]) => {
          const canvas = document.querySelector(`#card-${card} canvas[data-chart]`);
          canvas.scrollIntoView({ block: "center" });
          const rows = JSON.parse(document.getElementById(card).textContent).rows;
          const index = rows.findIndex((r) => String(r[0]) === value || String(r[0]).startsWith(value + "-"));
          if (index < 0) return null;
          const at = Chart.getChart(canvas).getDatasetMeta(0).data[index].getCenterPoint();
          const box = canvas.getBoundingClientRect();
          return { x: box.left + at.x, y: box.top + at.y };
        }""",
        [card, value],
    )
    assert point, f"{value} is not on the {card} chart"
    page.mouse.click(point["x"], point["y"])


def test_an_analyst_clicks_a_bar_and_a_month_and_lands_on_the_orders_they_count(page, analyst, kept):
    login(page, "analyst")
    for card, value, keep in (
        ("sales-by-customer", "Bob", lambda o: o["customer"] == "Bob"),
        ("orders-over-time", "2025-02", lambda o: o["order_date"].strftime("%Y-%m") == "2025-02"),
    ):
        orders = [o for o in kept if keep(o)]
        page.goto("/dashboard/")
        expect(page.locator(f"#card-{card} canvas[data-drawn='1']").first).to_be_visible(timeout=30_000)
        click_chart_value(page, card, value)
        menu_item = page.locator(".chart-menu [data-action=orders]")
        expect(menu_item).to_have_text(f"Show the {len(orders)} orders")
        screenshot(page, f"menu-{card}")
        menu_item.click()
        expect(page.locator("#total-orders")).to_have_attribute("data-value", str(len(orders)))
        expect(page.locator("#total-amount")).to_have_attribute("data-value", str(sum(o["amount"] for o in orders)))
        screenshot(page, f"orders-{card}")
    # The table alternative of a chart is a figure too: Bob's row links to the same orders.
    bob = [o for o in kept if o["customer"] == "Bob"]
    page.goto("/dashboard/")
    page.locator("#card-sales-by-customer details summary").click()
    row_link = page.locator("#card-sales-by-customer details tbody tr", has_text="Bob").locator("[data-action=orders]")
    expect(row_link).to_have_attribute("aria-label", "Show the orders of Bob")
    row_link.click()
    expect(page.locator("#total-orders")).to_have_attribute("data-value", str(len(bob)))
    expect(page.locator("#total-amount")).to_have_attribute("data-value", str(sum(o["amount"] for o in bob)))


def test_the_none_row_of_customers_opens_the_orders_without_one_and_the_link_column_is_named(
    page, analyst, pipeline_loop, tmp_path
):
    """Review B9-5 item 4 and B9-4, on tests/dashboard/test_top_customers.py's file: by hand, the
    "(none)" row is T-10 and T-11, 2 orders, 65.00; past the top 10, 3 customers fold into Other."""
    from django.core.management import call_command

    from tests.dashboard.test_top_customers import many_customers_csv

    path = tmp_path / "many.csv"
    path.write_text(many_customers_csv())
    call_command("upload", str(path), "--as-of", "2025-06-01", "--wait")
    call_command("crawl", "--wait")
    login(page, "analyst")
    page.goto("/dashboard/")
    card = page.locator("#card-sales-by-customer")
    expect(card.locator("canvas[data-drawn='1']")).to_have_count(1, timeout=30_000)
    expect(card.locator("h2")).to_have_text("Sales by customer: top 10")
    card.locator("details summary").click()
    expect(card.locator("details thead th").last).to_have_text("Order list")
    page.locator("#card-orders-over-time details summary").click()
    expect(page.locator("#card-orders-over-time details thead th").last).to_have_text("Order list")
    other = card.locator("details tbody tr", has_text="Other (3 customers)")
    expect(other.locator("[data-action=orders]")).to_have_count(0)  # no one filter narrows to it
    link = card.locator("details tbody tr", has_text="(none)").locator("[data-action=orders]")
    expect(link).to_have_text("Show 2")
    expect(link).to_have_attribute("aria-label", "Show the orders of (none)")
    link.click()
    expect(page.locator("#total-orders")).to_have_attribute("data-value", "2")
    expect(page.locator("#total-amount")).to_have_attribute("data-value", "65.00")
    screenshot(page, "orders-without-a-customer")
