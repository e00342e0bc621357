-- Every report reads `orders` through this: the latest ingest of each order_id wins, so
-- overlapping exports count once; then orders the stale rule flagged are left out; the month
-- range prunes order_month partitions. {order_columns} is the contract's column list.
SELECT {order_columns}, order_month
FROM (
    SELECT
        {order_columns}, stale, order_month,
        row_number() OVER (PARTITION BY order_id ORDER BY ingested_at DESC, source_key DESC) AS ingest_rank
    FROM orders
    WHERE order_month BETWEEN :start_month AND :end_month
)
WHERE ingest_rank = 1
  AND NOT coalesce(stale, false)
  AND order_date BETWEEN CAST(:start_date AS DATE) AND CAST(:end_date AS DATE)
  AND (:statuses = '' OR contains(split(:statuses, ','), status))
  AND (:customer = '' OR customer = :customer)
