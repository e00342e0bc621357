-- One order's history (dashboard/history.py): every version of it in every upload, in ingest
-- order, whether stale or not. `:order_id` is bound; the fingerprint names the data version.
SELECT
    order_id, customer, amount, status, order_date, stale, line_count,
    source_line, source_lines, source_key, ingested_at, order_month
FROM orders
WHERE order_id = :order_id
ORDER BY ingested_at, source_key, source_line
LIMIT 1000
