"""How each file in `tests/data/shapes/` must be read, and why (keys as in `spec.py`).

These exports are invented (see tests/data/shapes/README.md), each in the shape a real tool
writes: Shopify's orders export, German-locale Excel, an order-status log, a report tool with a
title line, US Excel with a `sep=` hint. Their totals were also worked out by hand (`by_hand`);
the oracle test checks that the oracle agrees with the hand.
"""

SHAPE_SPECS: dict[str, dict] = {
    "shopify__orders_export.csv": {
        "kind": "csv",
        "encoding": "utf-8",
        "delimiter": ",",
        "header_line": 1,
        "header": [
            "Name",
            "Email",
            "Financial Status",
            "Fulfillment Status",
            "Currency",
            "Subtotal",
            "Shipping",
            "Taxes",
            "Total",
            "Created at",
            "Lineitem quantity",
            "Lineitem name",
            "Lineitem price",
            "Lineitem sku",
            "Billing Name",
        ],  # fmt: skip
        "columns": {
            "order_id": "Name",
            "customer": "Billing Name",
            "amount": "Total",
            "status": "Financial Status",
            "order_date": "Created at",
            "quantity": "Lineitem quantity",
            "product": "Lineitem sku",
        },
        "decimal": ".",
        "date_format": "%Y-%m-%d %H:%M:%S %z",
        "grain": "line_items",
        "continuation": True,
        "by_hand": {"orders": 6, "line_count": 10, "amount_total": "1497.17", "stale": 1, "amount_counted": "1367.57"},
        "why": {
            "grain": "Shopify writes an order's fields (Total, status, date, billing name) on its first row only; "
            "the rows below it carry further line items: they belong to the order, not to the rejects",
            "amount": "Total is what the customer paid (Subtotal + Shipping + Taxes, e.g. 57.75 + 5.00 + 4.62 = "
            "67.37); Lineitem price is a unit price",
            "status": "Financial Status (paid, refunded, pending) decides revenue; Fulfillment Status is logistics",
            "order_date": "`2025-03-14 09:12:44 -0400`: the shop's local date as written (no order is near midnight)",
            "stale": "#1004 is pending since 2025-02-20: stale as of 2025-06-01",
        },
    },
    "excel_de__sep_semicolon_decimal_comma.csv": {
        "kind": "csv",
        "encoding": "cp1252",
        "delimiter": ";",
        "header_line": 2,
        "header": ["Order No", "Client", "Total", "Status", "Date"],
        "columns": {
            "order_id": "Order No",
            "customer": "Client",
            "amount": "Total",
            "status": "Status",
            "order_date": "Date",
        },
        "decimal": ",",
        "date_format": "%d.%m.%Y",
        "grain": "order",
        "by_hand": {"orders": 6, "line_count": 6, "amount_total": "7859.24", "stale": 1, "amount_counted": "4248.39"},
        "why": {
            "header": "line 1 is Excel's `sep=;` hint, not the header",
            "encoding": "Windows-1252 (`M\\xfcller`), as German Excel saves CSV",
            "decimal": "`1.250,00`, `12,40`, `0,99` can only be decimal commas, so `2.005` is two thousand and five "
            "and `980` is whole: 1250.00 + 980 + 2005 + 12.40 = 4247.40 (the issue's example)",
            "blank_rows": "the two `;;;;` rows Excel leaves at the end are blank, skipped",
            "stale": "10005 is cancelled on 17.01.2025: stale as of 2025-06-01",
        },
    },
    "status_log__history.csv": {
        "kind": "csv",
        "encoding": "utf-8",
        "delimiter": ",",
        "header_line": 1,
        "header": ["order_id", "customer", "amount", "status", "order_date"],
        "columns": {
            "order_id": "order_id",
            "customer": "customer",
            "amount": "amount",
            "status": "status",
            "order_date": "order_date",
        },
        "decimal": ".",
        "date_format": "%Y-%m-%d",
        "grain": "history",
        "by_hand": {"orders": 4, "line_count": 4, "amount_total": "545.50", "stale": 1, "amount_counted": "465.50"},
        "why": {
            "grain": "H-1 appears as placed, shipped, delivered with the same customer and amount: one order's "
            "history, the last row wins (delivered, 2025-01-15), not three orders",
            "duplicates": "the second `H-4,Di,300.00,shipped,2025-03-01` is identical: counted once",
            "stale": "H-2 ends cancelled on 2025-02-03: stale; H-3 is pending for only 12 days: counts",
        },
    },
    "report_tool__preamble_placeholders.csv": {
        "kind": "csv",
        "encoding": "utf-8-sig",
        "delimiter": ",",
        "header_line": 3,
        "header": ["Order ID", "Customer", "Amount", "Status", "Order Date"],
        "columns": {
            "order_id": "Order ID",
            "customer": "Customer",
            "amount": "Amount",
            "status": "Status",
            "order_date": "Order Date",
        },
        "decimal": ".",
        "date_format": "%Y-%m-%d",
        "grain": "order",
        "by_hand": {"orders": 6, "line_count": 6, "amount_total": "2618.94", "stale": 0, "amount_counted": "2618.94"},
        "why": {
            "header": "a UTF-8 BOM, a title line and a blank line come before the header on line 3",
            "decimal": "`$1,234.50`, `12.40`, `$99.99` can only be decimal points, so `1,250` is 1250",
            "placeholders": "`#N/A`, `NULL`, `n/a` customers and `None`, `N/A` statuses are empty; R-5's amount `-` "
            "is empty too, so R-5 is rejected (missing_amount)",
            "ids": "`4.40213E+11` twice (Kim, Ann): a spreadsheet rounded two ids; both rejected (mangled_id), "
            "never merged",
            "duplicates": "R-6 twice, identical: counted once",
        },
    },
    "excel_us__sep_pipe.csv": {
        "kind": "csv",
        "encoding": "utf-8",
        "delimiter": "|",
        "header_line": 2,
        "header": ["order_id", "customer", "amount", "status", "order_date"],
        "columns": {
            "order_id": "order_id",
            "customer": "customer",
            "amount": "amount",
            "status": "status",
            "order_date": "order_date",
        },
        "decimal": ".",
        "date_format": "%m/%d/%Y",
        "grain": "order",
        "by_hand": {"orders": 4, "line_count": 4, "amount_total": "1335.99", "stale": 0, "amount_counted": "1335.99"},
        "why": {
            "delimiter": "line 1 `sep=|` names the delimiter; it is not the header",
            "date_format": "`2/14/2025`, `12/30/2024`: month first (14 and 30 cannot be months)",
            "decimal": "`45.50`, `0.5` show a decimal point; `1,200.00` has a thousands comma",
        },
    },
    "woocommerce__repeated_order_total.csv": {
        "kind": "csv",
        "encoding": "utf-8",
        "delimiter": ",",
        "header_line": 1,
        "header": [
            "Order Number",
            "Order Status",
            "Order Date",
            "Customer Name",
            "Order Total Amount",
            "Item Name",
            "Quantity",
            "Item Cost",
        ],  # fmt: skip
        "columns": {
            "order_id": "Order Number",
            "status": "Order Status",
            "order_date": "Order Date",
            "customer": "Customer Name",
            "amount": "Order Total Amount",
            "product": "Item Name",
            "quantity": "Quantity",
        },
        "decimal": ".",
        "date_format": "%Y-%m-%d %H:%M",
        "grain": "line_items",
        "amount_level": "order",
        "by_hand": {"orders": 3, "line_count": 6, "amount_total": "1197.71", "stale": 0, "amount_counted": "1197.71"},
        "why": {
            "grain": "one row per line item (Item Name differs within an order), as WooCommerce order exports write",
            "amount": "Order Total Amount is the order's total repeated on each of its lines: 57.75 = 45.50 + "
            "5 x 2.45 (Item Cost is a unit cost); every line of an order carries the same total, so it counts "
            "once per order; summing it per line would count order 2003 three times (3149.91)",
        },
    },
    "semicolon__quoted_multiline_footer.csv": {
        "kind": "csv",
        "encoding": "utf-8",
        "delimiter": ";",
        "header_line": 1,
        "header": ["Bestellung", "Kunde", "Adresse", "Betrag", "Datum"],
        "columns": {"order_id": "Bestellung", "customer": "Kunde", "amount": "Betrag", "order_date": "Datum"},
        "decimal": ",",
        "date_format": "%d.%m.%Y",
        "grain": "order",
        "by_hand": {"orders": 3, "line_count": 3, "amount_total": "3334.40", "stale": 0, "amount_counted": "3334.40"},
        "why": {
            "header": "German column names: staff map them in the mapping step",
            "quoting": '`"Acme; Inc"` holds the delimiter and the first address spans two physical lines; '
            '`"Gamma ""G"" AG"` doubles its quotes',
            "decimal": "`1.234,50` and `99,90` are decimal commas, so `2.000` is two thousand",
            "footer": "the last row `Summe;;;3.334,40;` is the export's sum, not an order: it has no date and is "
            "rejected (missing_order_date), and it equals the three orders' total",
        },
    },
}
