"""How each file in `tests/data/wild/` must be read, decided by a person from the file itself.

Written without the cleaner: every choice below comes from reading the file (head, tail, odd rows)
and says WHY in `why`. `wild.py` applies these specs with the csv module and Decimal and checks
the evidence the specs claim (header cells, decimal separator votes, grain, date shapes), so a
spec that no longer matches its file fails loudly instead of producing a wrong expectation.

Spec keys:
- `kind`: `csv` or `workbook` (an Excel file saved with a .csv name).
- `encoding`, `delimiter`, `header_line` (1-based physical line of the header).
- `header`: the header cells exactly as the file has them (checked).
- `columns`: contract column -> header cell, for order_id, amount, order_date, customer, status,
  quantity and `product` (the product/SKU column that tells line items apart); absent = not in file.
- `decimal`: `.` or `,`; `date_format`: a `strptime` format every date cell must match.
- `grain`: `order` (one row per order; ids must be unique), `line_items` (rows of one order
  differ in `product`: amounts and quantities summed), `history` (rows of one order differ only in
  status/date: the last row wins). Rows identical in every mapped column count once in any grain.
- `continuation`: rows without amount and date belong to the order above (Shopify).
- `amount_level`: `order` when the amount is the order's total repeated on each line item.
- `rejected`: for a file that must be refused as a whole: `{"code": ..., "column": ...}`.
"""

WILD_SPECS: dict[str, dict] = {
    "9124205067-cmyk__dbt-dq-monitor__data_orders.csv": {
        "kind": "csv",
        "encoding": "utf-8",
        "delimiter": ",",
        "header_line": 1,
        "header": ["order_id", "customer_name", "amount", "status", "order_date"],
        "columns": {
            "order_id": "order_id",
            "customer": "customer_name",
            "amount": "amount",
            "status": "status",
            "order_date": "order_date",
        },
        "decimal": ".",
        "date_format": "%Y-%m-%d",
        "grain": "order",
        "why": {
            "header": "standard names, one per contract column",
            "order_id": "ids written as floats by pandas (`1.0`, `2.0`): not scientific notation, so they "
            "are kept as the text the file has; line 10 has an empty id and is rejected (missing_order_id)",
            "amount": "whole numbers only (100, -50, 900): the separator never shows, `.` is assumed; "
            "-50 is kept as a negative amount (a refund or credit), not rejected",
            "status": "`INVALID` is kept as status `invalid` (lower-cased); the contract has no status list",
            "stale": "rows 3 and 7 are `pending` and dated January 2024: stale as of 2025-06-01, written flagged",
        },
    },
    "AdamovichAleksey__Game_Analytics__TownShip_orders.csv": {
        "kind": "csv",
        "encoding": "utf-8",
        "delimiter": ";",
        "header_line": 1,
        "header": ["Order.N", "sum.of.sell.price", "gold.for.order", "xp.for.order", "total.for.order"],
        "columns": {"order_id": "Order.N", "amount": "total.for.order"},
        "rejected": {"code": "missing_column", "column": "order_date"},
        "why": {
            "delimiter": "every line has four `;` and no `,`",
            "rejected": "game orders (gold, xp) with no date column at all: the required order_date is missing, "
            "so the whole file is refused with missing_column; no date can be invented",
        },
    },
    "AjayyMohite__Online_Book_Store-SQL__Orders.csv": {
        "kind": "csv",
        "encoding": "utf-8",
        "delimiter": ",",
        "header_line": 1,
        "header": ["OrderID", "CustomerID", "BookID", "Order_Date", "Quantity", "Total_Amount"],
        "columns": {
            "order_id": "OrderID",
            "customer": "CustomerID",
            "amount": "Total_Amount",
            "order_date": "Order_Date",
            "quantity": "Quantity",
            "product": "BookID",
        },
        "decimal": ".",
        "date_format": "%d %B %Y",
        "grain": "order",
        "why": {
            "amount": "Total_Amount is the order's total (188.56 for 8 books), not a unit price; cells like "
            "216.6 and 85.5 show a decimal point, none has a comma",
            "date": "`26 May 2023`, `23 January 2023`: day, full month name, year",
            "grain": "OrderID 1..500 each once: one row per order even though BookID names a product",
            "customer": "CustomerID (a number) is the only customer column",
        },
    },
    "Boluyeb__Unmerged-Superstore-Data__Orders.csv": {
        "kind": "csv",
        "encoding": "utf-8-sig",
        "delimiter": ",",
        "header_line": 1,
        "header": ["Order ID", "Order Date", "Ship Date", "Ship Mode", "Customer ID", "Product ID", "Quantity Ordered"],
        "columns": {"order_id": "Order ID", "order_date": "Order Date", "customer": "Customer ID"},
        "rejected": {"code": "missing_column", "column": "amount"},
        "why": {
            "encoding": "starts with a UTF-8 BOM",
            "rejected": "a Superstore line-item table split from its sales: `Quantity Ordered` counts units, "
            "no column holds money, so the required amount is missing (missing_column)",
        },
    },
    "Codefrombasics__AzureDataEngineering_pyspark__Orders.csv": {
        "kind": "csv",
        "encoding": "utf-8",
        "delimiter": ",",
        "header_line": 1,
        "header": ["order_id", "order_date", "order_customer", "order_status"],
        "columns": {
            "order_id": "order_id",
            "order_date": "order_date",
            "customer": "order_customer",
            "status": "order_status",
        },
        "rejected": {"code": "missing_column", "column": "amount"},
        "why": {
            "rejected": "the retail_db `orders` table: its money lives in a separate order_items table; "
            "no amount column here (missing_column)",
        },
    },
    "CorneliuVasile__temaLabPoo__Orders.csv": {
        "kind": "workbook",
        "rejected": {"code": "not_csv"},
        "why": {
            "kind": "the bytes start with `PK\\x03\\x04` and hold `[Content_Types].xml` and `xl/`: an Excel "
            "workbook saved with a .csv name; refused as not_csv (staff re-export it as CSV)",
        },
    },
    "DariaSH987__Practic_YP11__Orders.csv": {
        "kind": "csv",
        "encoding": "utf-8",
        "delimiter": ",",
        "header_line": 1,
        "header": ["id_orders", "Quantity", "Price", "Date_of_issue", "Data_order", "ClientId", "ProductId"],
        "columns": {
            "order_id": "id_orders",
            "customer": "ClientId",
            "amount": "Price",
            "order_date": "Data_order",
            "quantity": "Quantity",
            "product": "ProductId",
        },
        "decimal": ".",
        "date_format": "%m/%d/%Y",
        "grain": "order",
        "why": {
            "amount": "Price is the row's total, not a unit price: product 2 costs 2600 at quantity 1 "
            "(ids 7, 12, 13) and 5200 at quantity 2 (id 9); `2600.00` shows a decimal point",
            "order_date": "Data_order (`data zakaza`, order date) is 2-7 days before Date_of_issue (delivery)",
            "date_format": "`11/23/2024`, `9/29/2021`: month first (23 and 29 cannot be months)",
            "blank_rows": "the last three lines are all-empty quoted cells: blank rows, skipped, not rejected",
            "grain": "each id once (2 and 10 are absent); ids 12 and 13 have the same values but different ids: "
            "two orders, not a duplicate",
        },
    },
    "DavidJramillo__dataForTSCtarea2__Orders.csv": {
        "kind": "csv",
        "encoding": "utf-8",
        "delimiter": ",",
        "header_line": 1,
        "header": [
            "Order ID",
            "Order Date",
            "Ship Date",
            "Ship Mode",
            "Customer ID",
            "Customer Name",
            "Segment",
            "City ID",
            "City",
            "State",
            "Country",
            "Postal Code",
            "Market",
            "Region",
            "Product ID",
            "Category",
            "Sub-Category",
            "Product Name",
            "Sales",
            "Quantity",
            "Discount",
            "Profit",
            "Shipping Cost",
            "Order Priority",
        ],  # fmt: skip
        "columns": {
            "order_id": "Order ID",
            "customer": "Customer Name",
            "amount": "Sales",
            "order_date": "Order Date",
            "quantity": "Quantity",
            "product": "Product ID",
        },
        "decimal": ",",
        "date_format": "%d/%m/%Y",
        "grain": "line_items",
        "why": {
            "decimal": "Sales cells like `455,1`, `464,2785`, `4626,15` can only be decimal commas; none has a "
            "dot; so `3610,848` and `959,984` are 3610.848 and 959.984, and `1863` is whole",
            "date_format": "`19/4/2012`, `24/11/2011`: day first (19, 24 cannot be months)",
            "grain": "198 lines, 173 order ids; the 25 repeated ids differ in Product ID (e.g. CA-2011-105984: "
            "a phone and a chair): line items, summed per order",
            "rounding": "each line's Sales is an amount in cents on the invoice (half up), the order is the "
            "sum of its lines; summing exact values and rounding per order gives 3 cents less in total",
        },
    },
}

# The cleaner's settings the oracle must know (DESIGN.md, "The stale rule").
STALE_STATUSES = frozenset({"pending", "cancelled"})
STALE_AFTER_DAYS = 30
REFERENCE_DATE = "2025-06-01"  # the event time the tests give the handler
PLACEHOLDERS = frozenset({"null", "n/a", "na", "none", "-", "—", "#n/a", "nan"})  # whole cell, any case (README)
