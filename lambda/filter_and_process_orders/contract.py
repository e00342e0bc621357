"""The orders contract: every column of the processed orders table, declared once.

The Parquet schema (`SCHEMA`), the header synonyms the cleaner maps (`SYNONYMS`), the upload
form's mapping choices (`MAPPABLE`, `LABELS`), the text limits (`MAX_TEXT_LENGTH`), the SQL column
list and the dashboard's filters (`FILTERABLE`, `GROUPABLE`) all derive from `COLUMNS`. Adding a
column is one entry here plus the report that uses it.

Synonyms are header names normalised by `mapping.normalise_header` (lower case, no spaces,
underscores, dots, dashes, slashes, brackets or `#`); earlier synonyms win when a file has several
candidates. They come from real exports (Superstore, Shopify, ERP dumps, course data sets).
"""

from dataclasses import dataclass

import pyarrow as pa


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    label: str
    synonyms: tuple[str, ...] = ()  # empty: made by the cleaner, never read from a file
    required: bool = False
    max_length: int | None = None  # characters; a longer value rejects the row (a runaway quote)
    filterable: bool = False  # reports may filter on it
    groupable: bool = False  # reports may group by it
    stored: bool = True  # False: read for evidence only (the line id that tells line items apart)
    # False: every order has one (REQUIRED in the Parquet: no definition levels, see SCHEMA).
    nullable: bool = True


COLUMNS: tuple[Column, ...] = (
    Column(
        "order_id",
        pa.string(),
        "Order id",
        ("orderid", "orderno", "ordernumber", "ordernum", "orderref", "idorders", "idorder", "ordern", "id", "order"),
        required=True,
        max_length=200,
        nullable=False,
    ),
    Column(
        "customer",
        pa.string(),
        "Customer",
        (
            "customer", "customername", "customerid", "client", "clientname", "clientid", "ordercustomer",
            "ordercustomerid", "buyer", "customeremail", "email", "billingname",
        ),
        max_length=500,
        filterable=True,
        groupable=True,
    ),
    Column(
        "amount",
        pa.decimal128(12, 2),
        "Amount",
        (
            "amount", "orderamount", "totalamount", "total", "ordertotal", "ordervalue", "sales", "revenue",
            "totalprice", "grandtotal", "totalfororder", "ordertotalamount", "totalorderamount", "value", "price",
            "lineitemprice",
        ),
        required=True,
        nullable=False,
    ),
    Column(
        "status", pa.string(), "Status", ("status", "orderstatus", "orderstate", "financialstatus"),
        max_length=100, filterable=True, groupable=True,
    ),
    Column(
        "order_date",
        pa.date32(),
        "Order date",
        (
            "orderdate", "dateorder", "dataorder", "orderdatetime", "orderedat", "orderdt", "purchasedate", "createdat",
            "date", "orderedon", "placedat",
        ),
        required=True,
        filterable=True,
        nullable=False,
    ),
    Column(
        "product",
        pa.string(),
        "Product",
        ("product", "productname", "lineitemname", "itemname", "item", "productdescription"),
        max_length=500,
        groupable=True,
    ),
    Column(
        "category", pa.string(), "Category", ("category", "productcategory", "productline", "producttype"),
        max_length=200, filterable=True, groupable=True,
    ),
    Column(
        "region", pa.string(), "Region", ("region", "salesregion", "territory"),
        max_length=200, filterable=True, groupable=True,
    ),
    Column(
        "country",
        pa.string(),
        "Country",
        ("country", "countryregion", "shippingcountry", "shipcountry", "billingcountry", "countrycode"),
        max_length=200,
        filterable=True,
        groupable=True,
    ),
    Column(
        "channel", pa.string(), "Channel",
        ("channel", "saleschannel", "orderchannel", "ordersource", "source", "marketplace"),
        max_length=200, filterable=True, groupable=True,
    ),
    Column(
        "quantity",
        pa.int64(),
        "Quantity",
        (
            "quantity", "qty", "quantityordered", "orderquantity", "lineitemquantity", "itemquantity", "units",
            "qtyordered",
        ),
    ),
    Column("line_count", pa.int32(), "Lines", nullable=False),
    Column("stale", pa.bool_(), "Stale", nullable=False),
    Column("source_line", pa.int64(), "Source line", nullable=False),
    # Line items only: every physical line summed into the order, in file order ("4,7,9"); null
    # when the order is one line (source_line says which).
    Column("source_lines", pa.string(), "Source lines"),
    Column("source_key", pa.string(), "Source file", nullable=False),
    Column("ingested_at", pa.timestamp("ms", tz="UTC"), "Ingested at", nullable=False),
    Column(
        "line_id",
        pa.string(),
        "Line id (tells line items apart)",
        (
            "rowid", "lineid", "lineitemid", "lineno", "linenumber", "lineitemsku", "sku", "productid", "itemid",
            "productcode", "itemcode", "variantsku", "bookid",
        ),
        max_length=500,
        stored=False,
    ),
)  # fmt: skip

BY_NAME = {c.name: c for c in COLUMNS}
STORED = tuple(c for c in COLUMNS if c.stored)
# The Parquet files, in this order. They store no Arrow schema (`output.WRITTEN`): every reader takes
# these types from the Parquet schema (BYTE_ARRAY UTF8 -> string, FIXED_LEN_BYTE_ARRAY DECIMAL(12,2),
# INT32 DATE, TIMESTAMP(MILLIS, UTC) -> timestamp[ms, tz=UTC], ...), which maps back to them exactly.
# The columns every order has (`nullable=False`: order_id, amount, order_date, line_count, stale,
# source_line, source_key, ingested_at) are REQUIRED there, the others OPTIONAL; pyarrow reads a
# REQUIRED column as `not null`, as SCHEMA says. Files written before 2026-12-02 hold every column
# OPTIONAL, with no null in those eight: read together with newer ones (pyarrow datasets, DuckDB's
# read_parquet, Athena) they give the same types and values (README, "Parquet layout").
SCHEMA = pa.schema([pa.field(c.name, c.type, nullable=c.nullable) for c in STORED])
MAPPABLE = tuple(c.name for c in COLUMNS if c.synonyms)  # read from a file's columns
REQUIRED = tuple(c.name for c in COLUMNS if c.required)
SYNONYMS = {c.name: list(c.synonyms) for c in COLUMNS if c.synonyms}
LABELS = {c.name: c.label for c in COLUMNS}
MAX_TEXT_LENGTH = {c.name: c.max_length for c in COLUMNS if c.max_length}
TEXT_DIMENSIONS = tuple(c.name for c in COLUMNS if c.synonyms and pa.types.is_string(c.type) and c.stored)
FILTERABLE = tuple(c.name for c in COLUMNS if c.filterable)
GROUPABLE = tuple(c.name for c in COLUMNS if c.groupable)
# What staff see of a stale order: the file page's sample and its "stale orders" download, which the
# site derives from the Parquet (rows with `stale` true), in this order.
STALE_COLUMNS = ("order_id", "customer", "amount", "status", "order_date", "source_line")
# Columns that differ between the lines of one order (line items) rather than between its versions.
LINE_COLUMNS = ("line_id", "product")
# Amount headers that name an order's total (normalised), which a line-item export may repeat on each
# line of the order (WooCommerce's "Order Total Amount"); see `evidence.names_order_total`.
ORDER_TOTAL_HEADERS = ("ordertotal", "orderamount", "ordervalue", "totalfororder", "totalorderamount", "grandtotal")

# Whole-cell placeholders that mean "no value" in exports (any case, after trimming).
PLACEHOLDERS = ("null", "n/a", "na", "none", "-", "—", "#n/a", "nan")

# What one row of a file is (see `grain`), with the words the mapping form offers staff.
GRAINS_OFFERED = (
    ("order", "one order"),
    ("line_items", "one line item (summed per order)"),
    ("history", "one version of an order (the last wins)"),
)
