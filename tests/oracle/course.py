"""The independent oracle for the course file: every report value of `orders.expected.json`
recomputed from `orders.csv` with the csv module and Decimal, never with the cleaner or the SQL.

Rule (DESIGN.md, "The stale rule"): `pending` and `cancelled` orders dated 30 or more days before
the reference date do not count. Money: sums of the input decimals (always whole cents here).
Averages are rounded to cents with a half cent going to the even cent, as the published values do:
Charlie's 5793.70 / 20 = 289.685 is published as 289.68 (half up would give 289.69; the SQL engines
average in binary floating point, where 289.685 is 289.68499...). No other average is a tie.
Orders: 200 rows of `OrderID,Customer,Amount,Status,OrderDate`, one row per order.
"""

import csv
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from tests.oracle.spec import STALE_AFTER_DAYS, STALE_STATUSES
from tests.oracle.wild import DATA

COURSE = DATA / "orders.csv"
CENTS = Decimal("0.01")


def course_orders() -> list[dict]:
    with COURSE.open(newline="", encoding="utf-8") as fileobj:
        return [
            {
                "order_id": row["OrderID"].strip(),
                "customer": row["Customer"].strip(),
                "amount": Decimal(row["Amount"]),
                "status": row["Status"].strip().lower(),
                "order_date": date.fromisoformat(row["OrderDate"].strip()),
            }
            for row in csv.DictReader(fileobj)
        ]


def is_stale(order: dict, reference: date) -> bool:
    return order["status"] in STALE_STATUSES and (reference - order["order_date"]).days >= STALE_AFTER_DAYS


def counted(orders: list[dict], reference: date) -> list[dict]:
    """The orders that count as of `reference` (not stale)."""
    return [o for o in orders if not is_stale(o, reference)]


def _money(value: Decimal) -> str:
    return str(value.quantize(CENTS, ROUND_HALF_EVEN))


def grouped(orders: list[dict], key) -> dict[str, list[dict]]:
    groups = defaultdict(list)
    for order in orders:
        groups[key(order)].append(order)
    return groups


def reports(reference: date) -> dict:
    """The report values `orders.expected.json` publishes, for the given reference date."""
    orders = course_orders()
    kept = counted(orders, reference)

    def revenue(group: list[dict]) -> Decimal:
        return sum((o["amount"] for o in group), Decimal(0))

    def aov(group: list[dict]) -> str:
        return _money(revenue(group) / len(group))

    customers = grouped(kept, lambda o: o["customer"])
    months = grouped(kept, lambda o: o["order_date"].strftime("%Y-%m"))
    statuses = grouped(kept, lambda o: o["status"])
    february = [o for o in kept if o["order_date"].strftime("%Y-%m") == "2025-02"]
    return {
        "rows_in": len(orders),
        "rows_kept": len(kept),
        "rows_dropped_by_rule": len(orders) - len(kept),
        "kpis": {
            "revenue": _money(revenue(kept)),
            "orders": len(kept),
            "average_order_value": aov(kept),
            "customers": len(customers),
        },
        "sales_by_customer": [
            {
                "customer": name,
                "orders": len(group),
                "revenue": _money(revenue(group)),
                "average_order_value": aov(group),
            }
            for name, group in sorted(customers.items(), key=lambda item: (-revenue(item[1]), item[0]))
        ],
        "revenue_by_month": [
            {"month": month, "orders": len(group), "revenue": _money(revenue(group))}
            for month, group in sorted(months.items())
        ],
        "status_summary": [
            {"status": status, "orders": len(group), "revenue": _money(revenue(group))}
            for status, group in sorted(statuses.items(), key=lambda item: (-len(item[1]), item[0]))
        ],
        "top_orders_2025_02": [
            {
                "order_id": o["order_id"],
                "customer": o["customer"],
                "amount": _money(o["amount"]),
                "order_date": o["order_date"].isoformat(),
            }
            for o in sorted(february, key=lambda o: (-o["amount"], o["order_id"]))[:10]
        ],
    }
