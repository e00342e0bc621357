"""The rules of bench/rules.py written with polars, DuckDB and pandas: the benchmark's peers.

Each `run_X(path, out)` reads the CSV at `path`, cleans it, writes the orders as Parquet into the
directory `out` and returns {"orders", "cents", "stale"} (stale orders are kept and counted).
"""

import re
from pathlib import Path

from bench.rules import (
    COMMA_AMOUNT,
    COMMA_VOTE,
    CURRENCY,
    ISO_DATE,
    NUMERIC_DATE,
    PLACEHOLDERS,
    POINT_AMOUNT,
    POINT_VOTE,
    SCIENTIFIC_ID,
    STALE,
    STALE_BEFORE,
    TRIMMED,
    layout,
)

KEY = (
    "order_id",
    "line_id",
    "customer",
    "amount_text",
    "status",
    "date_text",
    "product",
    "category",
    "country",
    "channel",
)
# A line item is known by these (and its quantity): a row alike but for its status and date is a later
# version of the line, the last counting (rules.py); an exact repeat is one too.
LINE = tuple(c for c in KEY if c not in ("status", "date_text"))


def run_polars(path: Path, out: Path) -> dict:
    import polars as pl

    shape = layout(path)
    raw = pl.read_csv(path, separator=shape.delimiter, skip_rows=shape.skip, infer_schema=False)

    def cell(column: str) -> pl.Expr:
        name = shape.name(column)
        if name is None:
            return pl.lit("")
        text = pl.col(name).fill_null("").str.strip_chars(TRIMMED)
        return pl.when(text.str.to_lowercase().is_in(PLACEHOLDERS)).then(pl.lit("")).otherwise(text)

    names = ("order_id", "line_id", "customer", "status", "product", "category", "country", "channel", "quantity")
    df = raw.select(
        *(cell(c).alias(c) for c in names),
        cell("amount").str.replace_all(CURRENCY, "").alias("amount_text"),
        (cell("amount") == "").alias("no_amount"),  # empty (not `$`: unreadable)
        cell("order_date").alias("date_text"),
    )
    numeric = pl.col("date_text").str.extract(r"^([0-9]{1,2})/([0-9]{1,2})/[0-9]{4}$", 1).cast(pl.Int32)
    numeric2 = pl.col("date_text").str.extract(r"^[0-9]{1,2}/([0-9]{1,2})/[0-9]{4}$", 1).cast(pl.Int32)
    votes = df.select(
        pl.col("amount_text").str.contains(POINT_VOTE).sum().alias("point"),
        pl.col("amount_text").str.contains(COMMA_VOTE).sum().alias("comma"),
        (numeric > 12).sum().alias("day"),
        (numeric2 > 12).sum().alias("month"),
    ).row(0, named=True)
    comma, day_first = votes["comma"] > votes["point"], votes["day"] > votes["month"]
    money = pl.col("amount_text")
    money = money.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True) if comma else money
    amount = (
        pl.when(pl.col("amount_text").str.contains(COMMA_AMOUNT if comma else POINT_AMOUNT))
        .then(money if comma else money.str.replace_all(",", "", literal=True))
        .cast(pl.Decimal(12, 2), strict=False)
    )
    text = pl.col("date_text")
    order_date = (
        pl.when(text.str.contains(ISO_DATE))
        .then(text.str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d", strict=False))
        .when(text.str.contains(NUMERIC_DATE))
        .then(text.str.strptime(pl.Date, "%d/%m/%Y" if day_first else "%m/%d/%Y", strict=False))
    )
    df = df.with_columns(
        amount.alias("amount"),
        order_date.alias("order_date"),
        pl.col("status").str.to_lowercase().replace({"canceled": "cancelled"}),
        pl.col("quantity").cast(pl.Int64, strict=False),
    ).filter(  # an empty amount or date is a line of its order; an unreadable one rejects the row
        (pl.col("order_id") != "")
        & ~pl.col("order_id").str.contains(SCIENTIFIC_ID)
        & (pl.col("no_amount") | pl.col("amount").is_not_null())
        & ((pl.col("date_text") == "") | pl.col("order_date").is_not_null())
    )
    line_items = shape.name("product") is not None and (
        df.group_by("order_id").agg(pl.col("product").n_unique() > 1)["product"].any()
    )
    if line_items:
        df = df.unique(subset=[*LINE, "quantity"], keep="last", maintain_order=True)
        df = df.group_by("order_id", maintain_order=True).agg(
            pl.col("customer").filter(pl.col("customer") != "").last(),
            pl.when(pl.col("amount").is_not_null().any()).then(pl.col("amount").sum()),
            pl.col("status").filter(pl.col("status") != "").last(),
            pl.col("order_date").drop_nulls().last(),
            pl.col("quantity").sum(),
            pl.len().alias("line_count"),
        )
    elif df.select((pl.col("amount").is_null() | pl.col("order_date").is_null()).any()).item():
        # The last row wins; a cell it leaves empty takes the order's last non-empty one.
        df = df.group_by("order_id", maintain_order=True).agg(
            pl.col("customer").filter(pl.col("customer") != "").last(),
            pl.col("amount").drop_nulls().last(),
            pl.col("status").filter(pl.col("status") != "").last(),
            pl.col("order_date").drop_nulls().last(),
            pl.col("quantity").drop_nulls().last(),
            pl.lit(1).alias("line_count"),
        )
    else:
        df = df.unique(subset="order_id", keep="last", maintain_order=True)
        df = df.with_columns(pl.lit(1).alias("line_count"))
    df = df.filter(pl.col("amount").is_not_null() & pl.col("order_date").is_not_null())  # none on any line
    stale = pl.col("status").is_in(list(STALE)) & (pl.col("order_date") <= STALE_BEFORE)
    df = df.select(
        "order_id", "customer", "amount", "status", "order_date", "quantity", "line_count", stale.alias("stale")
    )
    df.write_parquet(out / "orders.parquet", compression="snappy")
    return {"orders": df.height, "cents": int(df["amount"].sum() * 100), "stale": int(df["stale"].sum())}


def run_duckdb(path: Path, out: Path) -> dict:
    import duckdb

    shape = layout(path)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    # One RE2 pass a cell, anchored at both ends: a placeholder (any case) between trimmed characters
    # empties the cell, else the trimmed characters at either end go (trim(x, characters) with
    # TRIMMED's 34 was ~30x slower, and `lower(x) IN (placeholders)` ran as a join).
    ends = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in TRIMMED) + "]"
    placeholder = "(?i:" + "|".join(re.escape(p) for p in PLACEHOLDERS) + ")"
    blank = f"^{ends}*{placeholder}{ends}*$|^{ends}+|{ends}+$"
    names = ("order_id", "line_id", "customer", "status", "product", "category", "country", "channel", "quantity")
    names += ("amount", "order_date")

    def cell(column: str) -> str:
        name = shape.name(column)
        return f"regexp_replace(coalesce(\"{name}\", ''), '{blank}', '', 'g')" if name else "''"

    # Lines numbered as the file is read (a table's rowid keeps the file's order only while no operator
    # reorders rows: an IN list run as a join did).
    con.execute(f"""
        CREATE TABLE cells AS SELECT * EXCLUDE (amount, order_date), amount = '' AS no_amount,
            regexp_replace(amount, '{CURRENCY}', '', 'g') AS amount_text, order_date AS date_text
        FROM (SELECT row_number() OVER () AS line, {", ".join(f"{cell(c)} AS {c}" for c in names)}
              FROM read_csv('{path}', delim = '{shape.delimiter}', skip = {shape.skip}, header = true,
                            all_varchar = true, quote = '"', escape = '"'))
    """)
    point, comma, day, month = con.execute(f"""
        SELECT count_if(regexp_matches(amount_text, '{POINT_VOTE}')),
               count_if(regexp_matches(amount_text, '{COMMA_VOTE}')),
               count_if(numeric AND TRY_CAST(split_part(date_text, '/', 1) AS INT) > 12),
               count_if(numeric AND TRY_CAST(split_part(date_text, '/', 2) AS INT) > 12)
        FROM (SELECT amount_text, date_text, regexp_matches(date_text, '{NUMERIC_DATE}') AS numeric FROM cells)
    """).fetchone()
    decimal_comma, day_first = comma > point, day > month
    money = "replace(replace(amount_text, '.', ''), ',', '.')" if decimal_comma else "replace(amount_text, ',', '')"
    numeric = "%d/%m/%Y" if day_first else "%m/%d/%Y"
    con.execute(f"""
        CREATE TABLE rows AS SELECT * FROM (
            SELECT line, order_id, line_id, customer, product, category, country, channel, amount_text, date_text,
                   no_amount,
                   TRY_CAST(quantity AS BIGINT) AS quantity,
                   CASE WHEN lower(status) = 'canceled' THEN 'cancelled' ELSE lower(status) END AS status,
                   CASE WHEN regexp_matches(amount_text, '{COMMA_AMOUNT if decimal_comma else POINT_AMOUNT}')
                        THEN TRY_CAST({money} AS DECIMAL(12, 2)) END AS amount,
                   CASE WHEN regexp_matches(date_text, '{ISO_DATE}')
                            THEN TRY_CAST(left(date_text, 10) AS DATE)
                        WHEN regexp_matches(date_text, '{NUMERIC_DATE}')
                            THEN TRY_CAST(try_strptime(date_text, '{numeric}') AS DATE)
                   END AS order_date
            FROM cells)
        WHERE order_id <> '' AND NOT regexp_matches(order_id, '{SCIENTIFIC_ID}')
          AND (no_amount OR amount IS NOT NULL) AND (date_text = '' OR order_date IS NOT NULL)
    """)
    line_items = (
        shape.name("product") is not None
        and con.execute(
            "SELECT count(*) FROM (SELECT order_id FROM rows GROUP BY order_id HAVING count(DISTINCT product) > 1)"
        ).fetchone()[0]
        > 0
    )
    # arg_max skips a NULL argument: the last non-empty value of each column.
    if line_items:  # a line's rows (alike but for status and date) once, at the place of the last of them
        key = ", ".join([*LINE, "quantity"])
        orders = f"""
            WITH once AS (SELECT * FROM rows QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY line DESC) = 1)
            SELECT order_id, arg_max(nullif(customer, ''), line) AS customer, sum(amount) AS amount,
                   arg_max(nullif(status, ''), line) AS status, arg_max(order_date, line) AS order_date,
                   sum(quantity) AS quantity, count(*) AS line_count
            FROM once GROUP BY order_id"""
    else:  # the last row wins; a cell it leaves empty takes the order's last non-empty one
        orders = """
            SELECT order_id, arg_max(nullif(customer, ''), line) AS customer, arg_max(amount, line) AS amount,
                   arg_max(nullif(status, ''), line) AS status, arg_max(order_date, line) AS order_date,
                   arg_max(quantity, line) AS quantity, 1 AS line_count
            FROM rows GROUP BY order_id"""
    con.execute(f"""CREATE TABLE orders AS SELECT *, status IN {STALE} AND order_date <= DATE '{STALE_BEFORE}' AS stale
                    FROM ({orders}) WHERE amount IS NOT NULL AND order_date IS NOT NULL""")
    con.execute(f"COPY orders TO '{out / 'orders.parquet'}' (FORMAT parquet, COMPRESSION snappy)")
    n, total, stale = con.execute("SELECT count(*), sum(amount), count_if(stale) FROM orders").fetchone()
    return {"orders": n, "cents": int(total * 100), "stale": stale}


def run_pandas(path: Path, out: Path) -> dict:
    import pandas as pd

    shape = layout(path)
    raw = pd.read_csv(
        path,
        sep=shape.delimiter,
        skiprows=shape.skip,
        dtype=str,
        keep_default_na=False,
        encoding=shape.encoding,
        skip_blank_lines=True,
    )

    def cell(column: str):
        name = shape.name(column)
        if name is None:
            return pd.Series("", index=raw.index)
        text = raw[name].fillna("").str.strip(TRIMMED)
        return text.mask(text.str.lower().isin(PLACEHOLDERS), "")

    names = ("order_id", "line_id", "customer", "status", "product", "category", "country", "channel", "quantity")
    df = pd.DataFrame({c: cell(c) for c in names})
    df["amount_text"] = cell("amount").str.replace(CURRENCY, "", regex=True)
    df["no_amount"] = cell("amount") == ""  # empty (not `$`: unreadable)
    df["date_text"] = cell("order_date")
    comma = df["amount_text"].str.contains(COMMA_VOTE).sum() > df["amount_text"].str.contains(POINT_VOTE).sum()
    parts = df["date_text"].str.extract(r"^([0-9]{1,2})/([0-9]{1,2})/[0-9]{4}$").astype(float)
    day_first = (parts[0] > 12).sum() > (parts[1] > 12).sum()
    ok = df["amount_text"].str.contains(COMMA_AMOUNT if comma else POINT_AMOUNT)
    money = df["amount_text"].where(ok)
    money = (
        money.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        if comma
        else money.str.replace(",", "", regex=False)
    )
    df["amount"] = pd.to_numeric(money, errors="coerce").round(2)
    text = df["date_text"]
    iso = pd.to_datetime(text.where(text.str.contains(ISO_DATE)).str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    other = pd.to_datetime(
        text.where(text.str.contains(NUMERIC_DATE)), format="%d/%m/%Y" if day_first else "%m/%d/%Y", errors="coerce"
    )
    df["order_date"] = iso.fillna(other).dt.date
    df["status"] = df["status"].str.lower().replace({"canceled": "cancelled"})
    df["quantity"] = pd.to_numeric(df["quantity"].where(df["quantity"].str.fullmatch(r"[0-9]+")), errors="coerce")
    df = df[  # an empty amount or date is a line of its order; an unreadable one rejects the row
        (df["order_id"] != "")
        & ~df["order_id"].str.contains(SCIENTIFIC_ID)
        & (df["no_amount"] | df["amount"].notna())
        & ((df["date_text"] == "") | df["order_date"].notna())
    ]
    line_items = shape.name("product") is not None and (df.groupby("order_id")["product"].nunique() > 1).any()
    df["cents"] = (df["amount"] * 100).round()  # float: NaN where empty
    # groupby's last is the last non-null value (customer and status: non-empty)
    if line_items:
        df = df.drop_duplicates(subset=[*LINE, "quantity"], keep="last")
        g = df.replace({"customer": {"": None}, "status": {"": None}}).groupby("order_id", sort=False)
        df = g.agg(
            customer=("customer", "last"),
            cents=("cents", "sum"),
            priced=("cents", "count"),
            status=("status", "last"),
            order_date=("order_date", "last"),
            quantity=("quantity", "sum"),
            line_count=("cents", "size"),
        ).reset_index()
        df = df[(df["priced"] > 0) & df["order_date"].notna()]
    elif df["cents"].isna().any() or df["order_date"].isna().any():  # the last row, its gaps filled
        g = df.replace({"customer": {"": None}, "status": {"": None}}).groupby("order_id", sort=False)
        df = g.agg(
            customer=("customer", "last"),
            cents=("cents", "last"),
            status=("status", "last"),
            order_date=("order_date", "last"),
            quantity=("quantity", "last"),
        ).reset_index()
        df = df[df["cents"].notna() & df["order_date"].notna()].assign(line_count=1)
    else:
        df = df.drop_duplicates(subset="order_id", keep="last").assign(line_count=1)
    df["cents"] = df["cents"].astype("int64")
    df["stale"] = df["status"].isin(STALE) & (df["order_date"] <= STALE_BEFORE)
    df.drop(
        columns=[
            c
            for c in df.columns
            if c not in ("order_id", "customer", "cents", "status", "order_date", "quantity", "line_count", "stale")
        ]
    ).to_parquet(out / "orders.parquet", compression="snappy", index=False)
    return {"orders": len(df), "cents": int(df["cents"].sum()), "stale": int(df["stale"].sum())}
