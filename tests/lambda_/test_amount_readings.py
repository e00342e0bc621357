"""How a line-item export's amounts are read, through the handler on the twin's S3: a line's amount
is summed into its order unless something says it is the order's total repeated on each line; the
readings that are doubtful are said in warnings with their own codes. Expected values by hand."""

from decimal import Decimal

import pytest
from django.conf import settings
from filter_and_process_orders.handler import lambda_handler

from tests.lambda_.test_handler import ACCOUNTED, manifest_for, put_raw, read_parquet, s3_event


@pytest.fixture(autouse=True)
def lambda_env(twin, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", settings.AWS_ENDPOINT_URL)


def run(name: str, text: str) -> tuple[dict, dict[str, dict]]:
    """The manifest and the orders by id of `text` uploaded as raw/…/<name>__orders.csv."""
    key = f"raw/2025/06/01/{name}__orders.csv"
    lambda_handler(s3_event(key, put_raw(key, text.encode())))
    manifest = manifest_for(key)
    assert manifest["rows_in"] == sum(manifest[p] for p in ACCOUNTED)
    rows = [r for k in manifest["outputs"] for r in read_parquet(k).to_pylist()]
    return manifest, {r["order_id"]: r for r in rows}


def codes(manifest: dict) -> dict[str, dict]:
    return {w["code"]: w for w in manifest["warnings"]}


def test_line_items_that_happen_to_cost_the_same_are_summed_not_read_as_order_totals():
    text = "order_id,product,amount,order_date,customer\n"
    text += "S1,Pen,5.00,2025-05-01,a\nS1,Cap,5.00,2025-05-01,a\nS2,Pen,5.00,2025-05-02,b\nS2,Cap,5.00,2025-05-02,b\n"
    text += "S3,Mug,9.00,2025-05-02,b\n"
    manifest, orders = run("samecost", text)
    assert {k: r["amount"] for k, r in orders.items()} == {
        "S1": Decimal("10.00"),  # 5.00 + 5.00
        "S2": Decimal("10.00"),  # 5.00 + 5.00
        "S3": Decimal("9.00"),
    }
    assert Decimal(manifest["amount_total"]) == Decimal("29.00")
    assert (manifest["grain"], manifest["rows_merged"], manifest["orders"]) == ("line_items", 2, 3)
    assert "amount_repeated_per_order" not in codes(manifest)


ORDER_TOTALS = [
    ("O1", "Pen", "12.00", "1"),  # order O1 is 12.00 whatever its lines
    ("O1", "Cap", "12.00", "1"),
    ("O2", "Mug", "30.00", "1"),
    ("O2", "Lamp", "30.00", "1"),
    ("O2", "Ink", "30.00", "1"),
    ("O3", "Pad", "7.50", "2"),
]


@pytest.mark.parametrize(
    ("amount_header", "second_quantity", "why"),
    [
        ("Order Total", "1", "its header “Order Total” names an order total"),
        ("Amount", "4", "1 order carries one amount on lines of differing quantities"),
    ],
)
def test_an_amount_repeated_on_each_line_counts_once_when_its_header_or_the_quantities_say_so(
    amount_header, second_quantity, why
):
    lines = [list(line) for line in ORDER_TOTALS]
    lines[1][3] = second_quantity  # O1's Cap: 4 of them cost no more than 1 Pen, if 12.00 were line totals
    text = f"Order ID,Product,{amount_header},Quantity,Order Date\n"
    text += "".join(f"{o},{p},{a},{q},2025-05-03\n" for o, p, a, q in lines)
    manifest, orders = run(f"ordertotal{second_quantity}", text)
    assert {k: (r["amount"], r["line_count"]) for k, r in orders.items()} == {
        "O1": (Decimal("12.00"), 2),
        "O2": (Decimal("30.00"), 3),
        "O3": (Decimal("7.50"), 1),
    }
    assert Decimal(manifest["amount_total"]) == Decimal("49.50")  # 12.00 + 30.00 + 7.50, not 24.00 + 90.00 + 7.50
    assert manifest["status"] == "processed_with_warnings"
    warning = codes(manifest)["amount_repeated_per_order"]
    assert warning["count"] == 2 and warning["text"].endswith(why)
    assert codes(manifest)["line_items_summed"]["text"].endswith("6 lines → 3 orders")


def test_equal_amounts_under_a_plain_amount_header_with_equal_quantities_are_summed():
    text = "Order ID,Product,Amount,Quantity,Order Date\n"
    text += "".join(f"{o},{p},{a},{q},2025-05-03\n" for o, p, a, q in ORDER_TOTALS)
    manifest, orders = run("plainamount", text)
    assert {k: r["amount"] for k, r in orders.items()} == {
        "O1": Decimal("24.00"),  # 12.00 + 12.00
        "O2": Decimal("90.00"),  # 30.00 * 3
        "O3": Decimal("7.50"),
    }
    assert Decimal(manifest["amount_total"]) == Decimal("121.50")
    assert "amount_repeated_per_order" not in codes(manifest)


@pytest.mark.parametrize(
    ("header", "names_it"),
    [
        ("Order Total", True),
        ("Order Total Amount", True),  # WooCommerce
        ("order_total", True),
        ("Grand Total (Base)", True),  # Magento
        ("Order Amount", True),
        ("Amount", False),
        ("Sales", False),
        ("Total", False),  # a line total as often as an order's
        ("Lineitem price", False),
        ("Line Total", False),
    ],
)
def test_an_amount_header_names_an_order_total_only_when_it_says_order_or_grand_total(header, names_it):
    from filter_and_process_orders.evidence import names_order_total

    assert names_order_total(header) is names_it


def test_a_line_item_without_an_amount_is_a_line_of_its_order_and_a_warning_names_its_line():
    text = "order_id,product,amount,order_date\n"
    text += "A,Pen,10.00,2025-05-01\nA,Cap,N/A,2025-05-01\nB,Mug,3.00,2025-05-01\nB,Lamp,4.00,2025-05-01\n"
    manifest, orders = run("unpriced", text)
    assert {k: (r["amount"], r["line_count"]) for k, r in orders.items()} == {
        "A": (Decimal("10.00"), 2),  # 10.00 + nothing
        "B": (Decimal("7.00"), 2),  # 3.00 + 4.00
    }
    assert Decimal(manifest["amount_total"]) == Decimal("17.00")
    assert (manifest["rows_rejected"], manifest["rows_merged"], manifest["status"]) == (0, 2, "processed_with_warnings")
    warning = codes(manifest)["lines_without_amount"]
    assert (warning["count"], warning["lines"]) == (1, [3])  # the header is line 1: A,Cap is line 3
    assert warning["text"].endswith("1 line, e.g. line 3")


def test_shopify_continuation_lines_are_counted_in_one_warning_with_the_first_of_their_lines():
    text = "Order ID,Lineitem name,Total,Lineitem quantity,Created at\n"
    text += "#1,Pen,12.00,1,2025-05-01\n#1,Cap,,3,2025-05-01\n#1,Ink,,1,2025-05-01\n#2,Mug,5.00,1,2025-05-02\n"
    text += "#3,Pad,8.00,2,2025-05-03\n#3,Tape,,1,2025-05-03\n"
    manifest, orders = run("shopifyish", text)
    assert {k: (r["amount"], r["line_count"]) for k, r in orders.items()} == {
        "#1": (Decimal("12.00"), 3),
        "#2": (Decimal("5.00"), 1),
        "#3": (Decimal("8.00"), 2),
    }
    assert Decimal(manifest["amount_total"]) == Decimal("25.00")
    warning = codes(manifest)["lines_without_amount"]
    assert (warning["count"], warning["lines"]) == (3, [3, 4, 7])
    # One amount per order, on its first line only: no order total repeated per line, whatever the quantities
    assert "amount_repeated_per_order" not in codes(manifest)


UNIT_PRICES = "P1,Pen,2.50,4,2025-05-01\nP2,Cap,10.00,3,2025-05-01\nP3,Mug,8.00,1,2025-05-02\n"


def test_a_price_column_beside_quantities_other_than_one_is_kept_as_read_and_said_to_be_maybe_a_unit_price():
    manifest, orders = run("unitprice", "Order ID,Product,Price,Quantity,Order Date\n" + UNIT_PRICES)
    # Kept as read: 2.50 + 10.00 + 8.00 (a unit price times its quantity would be 10.00 + 30.00 + 8.00 = 48.00)
    assert {k: (r["amount"], r["quantity"]) for k, r in orders.items()} == {
        "P1": (Decimal("2.50"), 4),
        "P2": (Decimal("10.00"), 3),
        "P3": (Decimal("8.00"), 1),
    }
    assert Decimal(manifest["amount_total"]) == Decimal("20.50")
    assert manifest["status"] == "processed_with_warnings"
    warning = codes(manifest)["amount_may_be_unit_price"]
    assert (warning["count"], warning["lines"]) == (2, [2, 3])  # P1 (4) and P2 (3); P3's quantity is 1
    assert "“Price”, 2 lines with a quantity other than 1, e.g. lines 2, 3" in warning["text"]


@pytest.mark.parametrize(
    ("header", "body"),
    [
        ("Amount", UNIT_PRICES),  # an amount header: a line's amount
        ("Total Price", UNIT_PRICES),
        ("Price", UNIT_PRICES.replace(",4,", ",1,").replace(",3,", ",1,")),  # every quantity 1
    ],
)
def test_no_unit_price_warning_for_an_amount_header_or_quantities_of_one(header, body):
    manifest, _ = run(f"notunit{len(header)}", f"Order ID,Product,{header},Quantity,Order Date\n" + body)
    assert Decimal(manifest["amount_total"]) == Decimal("20.50")  # 2.50 + 10.00 + 8.00 as read
    assert "amount_may_be_unit_price" not in codes(manifest)


@pytest.mark.parametrize(
    ("header", "unit"),
    [("Price", True), ("Lineitem price", True), ("Unit Price", True), ("Item Cost", True), ("price_each", True)]
    + [("Total Price", False), ("Amount", False), ("Sales", False), ("Order Total", False), ("Line Total", False)],
)
def test_an_amount_header_names_a_unit_price_when_it_says_price_or_unit_cost_but_not_total(header, unit):
    from filter_and_process_orders.mapping import names_unit_price

    assert names_unit_price(header) is unit


# A day's WooCommerce export (review F14): one order of several lines, each carrying its total.
ONE_ORDER_OF_LINES = (
    "2001,completed,2025-04-01 10:00,Ida Lane,57.75,Desk lamp,1\n"
    "2001,completed,2025-04-01 10:00,Ida Lane,57.75,Paper pack,5\n"
    "2002,processing,2025-04-02 11:30,Omar Vale,89.99,Monitor arm,1\n"
    "2004,completed,2025-04-05 11:30,Lee Park,15.00,Pen,1\n"
)


@pytest.mark.parametrize(
    ("amount_header", "expected_2001", "total", "once"),
    [
        ("Order Total", "57.75", "162.74", True),  # 57.75 + 89.99 + 15.00: the header says it is the total
        ("Order Total Amount", "57.75", "162.74", True),  # WooCommerce's name: an amount column by itself
        ("Amount", "115.50", "220.49", False),  # one order's quantities alone are too little to go by: summed
    ],
)
def test_one_order_repeating_its_amount_counts_once_when_the_header_names_an_order_total(
    amount_header, expected_2001, total, once
):
    text = f"Order Number,Order Status,Order Date,Customer Name,{amount_header},Item Name,Quantity\n"
    manifest, orders = run(f"oneorder{len(amount_header)}", text + ONE_ORDER_OF_LINES)
    assert {k: r["amount"] for k, r in orders.items()} == {
        "2001": Decimal(expected_2001),
        "2002": Decimal("89.99"),
        "2004": Decimal("15.00"),
    }
    assert Decimal(manifest["amount_total"]) == Decimal(total)
    assert ("amount_repeated_per_order" in codes(manifest)) is once


def test_quantities_that_are_no_whole_numbers_are_said_not_dropped_silently():
    # By hand: Q1 = 10.00 + 5.00 (quantity 2: `abc` is unknown), Q2 = 3.00 + 4.00 (1.5 unknown, the other
    # line has none: no quantity), Q3 = 1.00 (quantity 3). Lines 3 and 4 are named; 15.00 + 7.00 + 1.00.
    text = "order_id,product,amount,quantity,order_date\n"
    text += "Q1,a,10.00,2,2025-05-01\nQ1,b,5.00,abc,2025-05-01\nQ2,a,3.00,1.5,2025-05-01\nQ2,b,4.00,,2025-05-01\n"
    text += "Q3,a,1.00,3,2025-05-01\n"
    manifest, orders = run("quantities", text)
    assert {k: (r["amount"], r["quantity"]) for k, r in orders.items()} == {
        "Q1": (Decimal("15.00"), 2),
        "Q2": (Decimal("7.00"), None),
        "Q3": (Decimal("1.00"), 3),
    }
    warning = codes(manifest)["unreadable_quantities"]
    assert (warning["count"], warning["lines"]) == (2, [3, 4])
    assert warning["text"].endswith("2 lines, e.g. lines 3, 4 (“abc”, “1.5”)")  # the file's own cells


def test_whole_quantities_and_empty_cells_give_no_quantity_warning():
    text = "order_id,product,amount,quantity,order_date\nQ1,a,10.00,2,2025-05-01\nQ1,b,5.00,,2025-05-01\n"
    manifest, orders = run("quantities_ok", text)
    assert orders["Q1"]["quantity"] == 2 and "unreadable_quantities" not in codes(manifest)


# Review B7-10: an order of several lines carrying two different amounts (exact duplicates out) says the
# amounts are no order totals, whatever its lines' product; an order rejected whole is no evidence.
TWO_AMOUNTS_ONE_PRODUCT = [
    ("9", "P1", "20.00", "1"),  # order 9: 20.00 and 10.00, both on P1
    ("9", "P1", "10.00", "1"),
    ("3", "P1", "5.00", "1"),  # orders 3 and 4: one amount on lines of differing quantities
    ("3", "P2", "5.00", "2"),
    ("4", "P1", "7.00", "1"),
    ("4", "P2", "7.00", "3"),
]


def test_an_order_of_one_product_on_two_different_amounts_stops_amounts_counting_once():
    text = "order_id,product,Amount,order_date,quantity\n"
    text += "".join(f"{o},{p},{a},2025-05-20,{q}\n" for o, p, a, q in TWO_AMOUNTS_ONE_PRODUCT)
    text += "9,P1,10.00,2025-05-20,1\n"  # an exact duplicate of 9's second line: removed, no third amount
    manifest, orders = run("twoamounts", text)
    # By hand: 2 of 3 repeated orders differ in product: line items. Order 9 carries 20.00 and 10.00,
    # so not every order of several lines carries one amount: each line's amount is summed.
    assert {k: (r["amount"], r["line_count"]) for k, r in orders.items()} == {
        "9": (Decimal("30.00"), 2),  # 20.00 + 10.00
        "3": (Decimal("10.00"), 2),  # 5.00 + 5.00
        "4": (Decimal("14.00"), 2),  # 7.00 + 7.00
    }
    assert Decimal(manifest["amount_total"]) == Decimal("54.00")
    assert (manifest["grain"], manifest["rows_duplicate"], manifest["rows_merged"]) == ("line_items", 1, 3)
    assert "amount_repeated_per_order" not in codes(manifest)


def test_an_order_of_one_product_on_two_different_amounts_stops_even_an_order_total_header():
    text = "order_id,product,Order Total,order_date\n"
    text += "9,P1,20.00,2025-05-20\n9,P1,10.00,2025-05-20\n3,P1,5.00,2025-05-20\n3,P2,5.00,2025-05-20\n"
    manifest, orders = run("twototals", text)
    assert {k: r["amount"] for k, r in orders.items()} == {"9": Decimal("30.00"), "3": Decimal("10.00")}
    assert Decimal(manifest["amount_total"]) == Decimal("40.00")  # 20.00 + 10.00 + 5.00 + 5.00
    assert manifest["grain"] == "line_items"  # 1 of 2 repeated orders differs in product: half is enough
    assert "amount_repeated_per_order" not in codes(manifest)


def test_an_order_rejected_for_want_of_any_amount_still_counts_for_the_grain_but_not_for_counting_once():
    text = "order_id,product,Order Total,order_date\n"
    text += "9,P1,20.00,2025-05-20\n9,P1,10.00,2025-05-20\n3,P1,N/A,2025-03-01\n3,P2,,2025-05-20\n"
    manifest, orders = run("rejectedthree", text)
    # By hand: order 3 has no amount on any line: rejected with both its lines (missing_amount). Its lines
    # differ in product, which the grain goes by (1 of 2 repeated orders: line items); it carries no
    # amount, so it says nothing for or against counting once, and order 9 (20.00, 10.00) is against.
    assert {k: (r["amount"], r["line_count"]) for k, r in orders.items()} == {"9": (Decimal("30.00"), 2)}
    assert Decimal(manifest["amount_total"]) == Decimal("30.00")
    assert [(r["code"], r["count"]) for r in manifest["reasons"]] == [("missing_amount", 2)]
    assert (manifest["grain"], manifest["rows_rejected"], manifest["rows_merged"]) == ("line_items", 2, 1)
    assert "amount_repeated_per_order" not in codes(manifest)


@pytest.mark.parametrize(
    ("amount_header", "rejected", "amount_9", "once"),
    [
        # Order 9 alone carries one amount (12.00 on both lines, quantities 1 and 4); order 3 is rejected
        # whole. Under "Order Total" one such order is enough: 12.00 once, and the warning counts 1 order.
        ("Order Total", "3,P1,N/A,2025-05-20,1\n3,P2,,2025-05-20,1\n", "12.00", True),
        ("Order Total", "3,P1,5.00,,1\n3,P2,6.00,,1\n", "12.00", True),  # 3 has no date: rejected whole
        # Under "Amount" the quantities need two such orders: order 3 is none, so 12.00 + 12.00.
        ("Amount", "3,P1,N/A,2025-05-20,1\n3,P2,,2025-05-20,1\n", "24.00", False),
    ],
)
def test_an_order_rejected_whole_neither_carries_one_amount_nor_two(amount_header, rejected, amount_9, once):
    text = f"order_id,product,{amount_header},order_date,quantity\n"
    text += "9,P1,12.00,2025-05-20,1\n9,P2,12.00,2025-05-20,4\n" + rejected
    manifest, orders = run(f"rejectedwhole{len(rejected)}{len(amount_header)}", text)
    assert {k: r["amount"] for k, r in orders.items()} == {"9": Decimal(amount_9)}
    assert manifest["rows_rejected"] == 2 and manifest["grain"] == "line_items"
    assert ("amount_repeated_per_order" in codes(manifest)) is once
    if once:
        assert codes(manifest)["amount_repeated_per_order"]["count"] == 1  # order 9 only


# Review B8-7: the quantities are evidence in any order of several lines carrying one amount, whatever its
# lines' product: one product at 20.00 for 1 and for 3 is no line total (it would follow the quantity).
QC = "1,P1,30.00,1\n1,P2,30.00,1\n2,P1,50.00,1\n2,P2,50.00,1\n3,P1,20.00,1\n3,P1,20.00,3\n"


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (QC, "1 order carries one amount on lines of differing quantities"),  # order 3, one product
        (QC.replace("1,P2,30.00,1", "1,P2,30.00,2"), "2 orders carry one amount on lines of differing quantities"),
    ],
    ids=["order 3", "orders 1 and 3"],
)
def test_an_order_repeating_one_product_at_one_amount_for_differing_quantities_counts_it_once(body, why):
    text = "order_id,product,amount,order_date,quantity\n"
    text += "".join(f"{o},{p},{a},2025-05-01,{q}\n" for o, p, a, q in (line.split(",") for line in body.split()))
    manifest, orders = run(f"qc{len(why)}", text)
    # By hand: every order of several lines carries one amount (30.00, 50.00, 20.00), orders 1 and 2
    # differ in product, three such orders, and order 3's (or 1's) priced lines differ in quantity only.
    assert {k: (r["amount"], r["line_count"]) for k, r in orders.items()} == {
        "1": (Decimal("30.00"), 2),
        "2": (Decimal("50.00"), 2),
        "3": (Decimal("20.00"), 2),
    }
    assert Decimal(manifest["amount_total"]) == Decimal("100.00")  # 30.00 + 50.00 + 20.00, not 200.00
    warning = codes(manifest)["amount_repeated_per_order"]
    assert warning["count"] == 3 and warning["text"].endswith(why)


@pytest.mark.parametrize(
    ("order_3", "amount_3"),
    [
        ("3,P1,20.00,1\n3,P1,20.00,\n", "40.00"),  # an empty quantity differs from none: 20.00 + 20.00
        ("3,P1,20.00,1\n3,P1,,3\n", "20.00"),  # one priced line (Shopify's shape): 20.00 + nothing
        ("3,P1,20.00,1\n3,P2,20.00,1\n3,P3,,5\n", "40.00"),  # the unpriced line's quantity is no evidence
    ],
    ids=["empty quantity", "one priced line", "unpriced line's quantity"],
)
def test_no_order_whose_priced_lines_differ_in_quantity_leaves_equal_amounts_summed(order_3, amount_3):
    body = QC.split("3,P1")[0] + order_3
    text = "order_id,product,amount,order_date,quantity\n"
    text += "".join(f"{o},{p},{a},2025-05-01,{q}\n" for o, p, a, q in (line.split(",") for line in body.split()))
    manifest, orders = run(f"qcsummed{len(order_3)}", text)
    assert {k: r["amount"] for k, r in orders.items()} == {
        "1": Decimal("60.00"),  # 30.00 + 30.00
        "2": Decimal("100.00"),  # 50.00 + 50.00
        "3": Decimal(amount_3),
    }
    assert Decimal(manifest["amount_total"]) == Decimal("160.00") + Decimal(amount_3)
    assert manifest["grain"] == "line_items" and "amount_repeated_per_order" not in codes(manifest)


@pytest.mark.parametrize(
    ("order_c", "amounts", "once"),
    [
        # C repeats the Pen at 5.00 for 1 and for 2: no line total, so 5.00 is each order's, once.
        ("C,Pen,5.00,2025-05-01,1\nC,Pen,5.00,2025-05-02,2\n", ("5.00", "5.00", "5.00"), True),
        # C's Pen again a day later, alike but for the date: one line's later version (review B14-2), its
        # last row counting (5.00); A's and B's fixed-price items summed (5.00 + 5.00 per order).
        ("C,Pen,5.00,2025-05-01,1\nC,Pen,5.00,2025-05-02,1\n", ("10.00", "10.00", "5.00"), False),
        ("C,Pen,5.00,2025-05-01,2\nC,Ink,5.00,2025-05-02,2\n", ("10.00", "10.00", "10.00"), False),
    ],
    ids=["one product, quantities 1 and 2", "one product again a day later", "two products, equal quantities"],
)
def test_fixed_price_items_are_summed_unless_an_order_repeats_a_product_at_one_amount_for_other_quantities(
    order_c, amounts, once
):
    text = "order_id,product,amount,order_date,quantity\n"
    text += "A,Pen,5.00,2025-05-01,1\nA,Cap,5.00,2025-05-01,1\nB,Mug,5.00,2025-05-01,1\nB,Pad,5.00,2025-05-01,1\n"
    text += order_c + "D,Ink,5.00,2025-05-01,1\n"
    manifest, orders = run(f"fixed{len(order_c)}{once}", text)
    expected = dict(zip("ABC", map(Decimal, amounts)), D=Decimal("5.00"))
    assert {k: r["amount"] for k, r in orders.items()} == expected
    assert Decimal(manifest["amount_total"]) == sum(expected.values())  # 20.00 once, 35.00 or 30.00 summed
    assert ("amount_repeated_per_order" in codes(manifest)) is once
