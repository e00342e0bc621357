"""Benchmark of the FilterAndProcessOrders cleaner against the same cleaning written with other tools.

    python bench/lambda_bench.py                 # 1M and 10M rows
    python bench/lambda_bench.py --rows 1000000  # one size

Generates messy order CSVs (about 5% bad values, mixed date formats, repeated order ids) in a temp
dir, then runs each implementation in its own subprocess and measures wall time, CPU seconds and
peak RSS of that subprocess (os.wait4). Each writes its kept rows as Parquet and reports the kept
row count and amount total in cents, which must agree (ours reports the manifest's amount_total,
summed as the Parquet files are written; tests/lambda_/test_handler.py checks it against the files).
Prints our throughput as a ratio to each.

The peers implement exactly the rules the generator exercises (trimmed values; amounts `123.45`,
`$1,234.50`; dates ISO, ISO with time and M/D/YYYY; statuses lower-cased with canceled ->
cancelled; reject missing id/amount/date; the stale rule; the last row of a repeated order_id wins).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "lambda"))

REFERENCE = date(2025, 6, 1)
STALE_DAYS = 30
STALE = ("pending", "cancelled")
PLAIN = r"^-?\d{1,10}(\.\d{1,2})?$"
THOUSANDS = r"^-?\d{1,3}(,\d{3}){1,3}(\.\d{1,2})?$"
ISO = r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$"
MDY = r"^\d{1,2}/\d{1,2}/\d{4}$"
IMPLEMENTATIONS = ["ours", "polars", "duckdb", "pandas", "csv_rows"]
RSS_TARGET_MB, FASTEST_TARGET, ROW_BY_ROW_TARGET = 512, 0.67, 10


# -- data ------------------------------------------------------------------------------------------
def generate(path: Path, rows: int, seed: int = 7) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    schema = pa.schema([(n, pa.string()) for n in ("Order ID", "Customer", "Total", "Status", "Order Date")])
    with pacsv.CSVWriter(
        path,
        schema,
        write_options=pacsv.WriteOptions(quoting_style="needed"),
    ) as writer:
        for start in range(0, rows, 500_000):
            n = min(500_000, rows - start)
            ids = np.arange(start, start + n)
            repeat = rng.random(n) < 0.03  # a repeated order id, from earlier in the file
            ids[repeat] = rng.integers(0, start + 1, repeat.sum()) if start else ids[repeat] // 2
            order_id = pc.binary_join_element_wise("ORD-", pc.utf8_lpad(pa.array(ids).cast(pa.string()), 9, "0"), "")
            customer = pc.binary_join_element_wise(
                "Customer ", pa.array(rng.integers(1, 50_000, n)).cast(pa.string()), ""
            )
            cents = rng.integers(1, 500_000, n)
            plain = pa.array([f"{c // 100}.{c % 100:02d}" for c in cents.tolist()])
            kind = rng.random(n)
            dollars = pa.array([f"${c // 100:,}.{c % 100:02d}" for c in cents.tolist()])
            amount = pc.if_else(pa.array(kind < 0.08), dollars, plain)
            amount = pc.if_else(pa.array((kind >= 0.08) & (kind < 0.12)), pc.utf8_center(plain, 12, " "), amount)
            bad = rng.random(n) < 0.03
            amount = pc.if_else(pa.array(bad), pa.array(rng.choice(["", "n/a", "abc", "12.3.4"], n)), amount)
            days = rng.integers(date(2023, 1, 1).toordinal(), date(2025, 6, 1).toordinal(), n) - 719163
            stamp = pa.array(days.astype("datetime64[D]")).cast(pa.timestamp("s"))
            d_kind = rng.random(n)
            iso = pc.strftime(stamp, "%Y-%m-%d")
            seconds = pa.array(rng.integers(0, 86_400, n), pa.duration("s"))
            with_time = pc.strftime(pc.add(stamp, seconds), "%Y-%m-%d %H:%M:%S")
            mdy = pc.binary_join_element_wise(
                pc.cast(pc.month(stamp), pa.string()),
                pc.cast(pc.day(stamp), pa.string()),
                pc.cast(pc.year(stamp), pa.string()),
                "/",
            )
            order_date = pc.if_else(pa.array(d_kind < 0.6), iso, pc.if_else(pa.array(d_kind < 0.75), with_time, mdy))
            bad_date = rng.random(n) < 0.02
            order_date = pc.if_else(
                pa.array(bad_date), pa.array(rng.choice(["", "not a date", "2024-02-30"], n)), order_date
            )
            status = pa.array(
                rng.choice(
                    ["completed", "Completed", "SHIPPED", "pending", "Pending", "canceled", "CANCELLED", "shipped"], n
                )
            )
            writer.write_table(pa.table([order_id, customer, amount, status, order_date], schema=schema))


# -- implementations (each runs in its own process and prints {"kept", "cents"}) --------------------
def run_ours(path: Path, out: Path) -> dict:
    from filter_and_process_orders.cleaning import Rules, clean_stream
    from filter_and_process_orders.spool import buckets_for

    rules = Rules(REFERENCE, frozenset(STALE), STALE_DAYS)
    with open(path, "rb") as stream:
        result = clean_stream(
            stream,
            rules=rules,
            workdir=out,
            source_key="raw/bench.csv",
            ingested_at=datetime.now(UTC),
            buckets=buckets_for(path.stat().st_size),
        )
    return {"kept": result.rows_out, "cents": int(result.amount_counted * 100)}


def run_polars(path: Path, out: Path) -> dict:
    import polars as pl

    df = pl.read_csv(path, infer_schema=False).with_row_index("line")
    df = df.rename(
        {
            "Order ID": "order_id",
            "Customer": "customer",
            "Total": "amount",
            "Status": "status",
            "Order Date": "order_date",
        }
    )
    s = {c: pl.col(c).str.strip_chars() for c in ("order_id", "customer", "amount", "status", "order_date")}
    money = s["amount"].str.replace_all(r"[$€£ ]", "")
    amount = (
        pl.when(money.str.contains(PLAIN))
        .then(money)
        .when(money.str.contains(THOUSANDS))
        .then(money.str.replace_all(",", ""))
        .otherwise(None)
        .cast(pl.Decimal(12, 2), strict=False)
    )
    order_date = (
        pl.when(s["order_date"].str.contains(ISO))
        .then(s["order_date"].str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d", strict=False))
        .when(s["order_date"].str.contains(MDY))
        .then(s["order_date"].str.strptime(pl.Date, "%m/%d/%Y", strict=False))
    )
    status = s["status"].str.to_lowercase().replace({"canceled": "cancelled"})
    df = df.select(
        s["order_id"].alias("order_id"),
        s["customer"].alias("customer"),
        amount.alias("amount"),
        status.alias("status"),
        order_date.alias("order_date"),
        "line",
    )
    df = df.filter((pl.col("order_id") != "") & pl.col("amount").is_not_null() & pl.col("order_date").is_not_null())
    stale = pl.col("status").is_in(list(STALE)) & (
        pl.col("order_date") <= pl.lit(date.fromordinal(REFERENCE.toordinal() - STALE_DAYS))
    )
    df = df.filter(~stale).unique(subset="order_id", keep="last", maintain_order=True)
    df.drop("line").write_parquet(out / "orders.parquet", compression="snappy")
    return {"kept": df.height, "cents": int(df["amount"].sum() * 100)}


def run_duckdb(path: Path, out: Path) -> dict:
    import duckdb

    stale_before = date.fromordinal(REFERENCE.toordinal() - STALE_DAYS).isoformat()
    con = duckdb.connect()
    con.execute(f"""
        CREATE TABLE kept AS
        WITH raw AS (
            SELECT row_number() OVER () AS line, trim("Order ID") AS order_id, trim("Customer") AS customer,
                   regexp_replace(trim("Total"), '[$€£ ]', '', 'g') AS money, lower(trim("Status")) AS status,
                   trim("Order Date") AS d
            FROM read_csv('{path}', all_varchar = true, header = true)
        ), typed AS (
            SELECT line, order_id, customer,
                   CASE WHEN regexp_full_match(money, '{PLAIN[1:-1]}') THEN TRY_CAST(money AS DECIMAL(12, 2))
                        WHEN regexp_full_match(money, '{THOUSANDS[1:-1]}')
                             THEN TRY_CAST(replace(money, ',', '') AS DECIMAL(12, 2))
                   END AS amount,
                   CASE WHEN status = 'canceled' THEN 'cancelled' ELSE status END AS status,
                   CASE WHEN regexp_full_match(d, '{ISO[1:-1]}')
                             THEN CAST(try_strptime(left(d, 10), '%Y-%m-%d') AS DATE)
                        WHEN regexp_full_match(d, '{MDY[1:-1]}') THEN CAST(try_strptime(d, '%m/%d/%Y') AS DATE)
                   END AS order_date
            FROM raw
        ), good AS (
            SELECT * FROM typed
            WHERE order_id <> '' AND amount IS NOT NULL AND order_date IS NOT NULL
              AND NOT (status IN ('pending', 'cancelled') AND order_date <= DATE '{stale_before}')
        )
        SELECT * EXCLUDE (line) FROM good QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY line DESC) = 1
    """)
    con.execute(f"COPY kept TO '{out / 'orders.parquet'}' (FORMAT parquet, COMPRESSION snappy)")
    kept, total = con.execute("SELECT count(*), sum(amount) FROM kept").fetchone()
    return {"kept": kept, "cents": int(total * 100)}


def run_pandas(path: Path, out: Path) -> dict:
    import pandas as pd

    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.columns = ["order_id", "customer", "amount", "status", "order_date"]
    df = df.apply(lambda c: c.str.strip())
    money = df["amount"].str.replace(r"[$€£ ]", "", regex=True)
    plain, thousands = money.str.fullmatch(PLAIN[1:-1]), money.str.fullmatch(THOUSANDS[1:-1])
    df["amount"] = pd.to_numeric(money.where(plain | thousands).str.replace(",", ""), errors="coerce")
    d = df["order_date"]
    iso = pd.to_datetime(d.where(d.str.fullmatch(ISO[1:-1])).str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    mdy = pd.to_datetime(d.where(d.str.fullmatch(MDY[1:-1])), format="%m/%d/%Y", errors="coerce")
    df["order_date"] = iso.fillna(mdy).dt.date
    df["status"] = df["status"].str.lower().replace({"canceled": "cancelled"})
    df = df[(df["order_id"] != "") & df["amount"].notna() & df["order_date"].notna()]
    stale_before = date.fromordinal(REFERENCE.toordinal() - STALE_DAYS)
    df = df[~(df["status"].isin(STALE) & (df["order_date"] <= stale_before))]
    df = df.drop_duplicates(subset="order_id", keep="last")
    df.to_parquet(out / "orders.parquet", compression="snappy", index=False)
    return {"kept": len(df), "cents": int((df["amount"] * 100).round().astype("int64").sum())}


def run_csv_rows(path: Path, out: Path) -> dict:
    """The original pipeline's approach: csv.reader, one row at a time, a dict of kept rows."""
    import csv
    from datetime import timedelta

    import pyarrow as pa
    import pyarrow.parquet as pq
    from filter_and_process_orders.values import canonical_status, parse_amount, parse_date

    stale_before = REFERENCE - timedelta(days=STALE_DAYS)
    kept = {}
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        for order_id, customer, raw_amount, raw_status, raw_date in reader:
            order_id = order_id.strip()
            amount = parse_amount(raw_amount)
            order_date = parse_date(raw_date, False)
            if not order_id or amount is None or order_date is None:
                continue
            status = canonical_status(raw_status)
            if status in STALE and order_date <= stale_before:
                continue
            kept.pop(order_id, None)
            kept[order_id] = (order_id, customer.strip(), amount, status, order_date)
    rows = list(zip(*kept.values()))
    table = pa.table(dict(zip(["order_id", "customer", "amount", "status", "order_date"], rows)))
    pq.write_table(table, out / "orders.parquet", compression="snappy")
    return {"kept": len(kept), "cents": int(sum(r[2] for r in kept.values()) * 100)}


# -- harness ---------------------------------------------------------------------------------------
def measure(name: str, path: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as out:
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, __file__, "--run", name, "--file", str(path), "--out", out], stdout=subprocess.PIPE
        )
        output = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
    if child.returncode:
        return {"name": name, "error": f"exit {child.returncode}"}
    result = json.loads(output.decode().strip().splitlines()[-1])
    return {
        "name": name,
        **result,
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1024,
    }


def report(rows: int, path: Path, results: list[dict]) -> None:
    size_mb = path.stat().st_size / 1e6
    print(f"\n{rows:,} rows, {size_mb:.0f} MB")
    print(
        f"{'impl':<10}{'rows/s':>12}{'MB/s':>9}{'wall s':>9}{'CPU s':>8}{'peak RSS MB':>13}"
        f"{'kept':>12}{'amount cents':>18}"
    )
    for r in results:
        if "error" in r:
            print(f"{r['name']:<10} {r['error']}")
            continue
        print(
            f"{r['name']:<10}{rows / r['wall']:>12,.0f}{size_mb / r['wall']:>9.1f}{r['wall']:>9.2f}{r['cpu']:>8.2f}"
            f"{r['rss_mb']:>13.0f}{r['kept']:>12,}{r['cents']:>18,}"
        )
    ok = [r for r in results if "error" not in r]
    same = len({(r["kept"], r["cents"]) for r in ok}) == 1
    print("kept rows and amount totals agree" if same else "MISMATCH in kept rows or amount totals")
    ours = next((r for r in ok if r["name"] == "ours"), None)
    if ours:
        for r in ok:
            if r is not ours:
                print(f"ours vs {r['name']:<9} {r['wall'] / ours['wall']:.2f}x throughput")
        targets(ours, [r for r in ok if r is not ours], rows)


def targets(ours: dict, peers: list[dict], rows: int) -> None:
    """The issue's targets, which it states for 10M rows."""
    checks = [(f"peak RSS {ours['rss_mb']:.0f} MB <= {RSS_TARGET_MB} MB", ours["rss_mb"] <= RSS_TARGET_MB)]
    if peers:
        fastest = min(peers, key=lambda r: r["wall"])
        ratio = fastest["wall"] / ours["wall"]
        checks.append(
            (f"{ratio:.2f}x the fastest peer ({fastest['name']}) >= {FASTEST_TARGET}x", ratio >= FASTEST_TARGET)
        )
    rows_peer = next((r for r in peers if r["name"] == "csv_rows"), None)
    if rows_peer:
        ratio = rows_peer["wall"] / ours["wall"]
        checks.append((f"{ratio:.2f}x row by row >= {ROW_BY_ROW_TARGET}x", ratio >= ROW_BY_ROW_TARGET))
    scope = "" if rows >= 10_000_000 else " (the targets are set for 10M rows)"
    for text, met in checks:
        print(f"target {'met   ' if met else 'MISSED'} {text}{scope}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, action="append", help="rows per file (repeatable); default 1M and 10M")
    parser.add_argument("--only", action="append", choices=IMPLEMENTATIONS)
    parser.add_argument("--run", choices=IMPLEMENTATIONS, help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(globals()[f"run_{args.run}"](args.file, args.out)))
        return
    with tempfile.TemporaryDirectory(prefix="lambda-bench-") as tmp:
        for rows in args.rows or [1_000_000, 10_000_000]:
            path = Path(tmp) / f"orders-{rows}.csv"
            started = time.perf_counter()
            generate(path, rows)
            print(f"generated {path.name} in {time.perf_counter() - started:.0f} s", flush=True)
            results = []
            for name in args.only or IMPLEMENTATIONS:
                results.append(measure(name, path))
                print(f"  {name}: done", flush=True)
            report(rows, path, results)
            path.unlink()


if __name__ == "__main__":
    main()
