-- Every report reads `orders` through these two views, in the order the numbers mean
-- (DESIGN.md, "One truth across uploads"):
-- 1. each order's latest version over ALL uploads and months: by ingested_at (S3's
--    LastModified, whole seconds), then the raw key (upload ids are time-ordered, so of two
--    uploads landing in one second the later wins), then the line in its file.
--    Only the narrow key columns of every month are read;
-- 2. an order whose latest version is stale is left out;
-- 3. only then the filters. The wide columns are read for the range's months alone: the month
--    of each order's latest version is already known, so this pruning cannot change the answer.
latest_versions AS (
    SELECT order_id, source_key, ingested_at, order_month
    FROM (
        SELECT
            order_id, source_key, ingested_at, order_month, stale,
            row_number() OVER (
                PARTITION BY order_id
                ORDER BY ingested_at DESC, source_key DESC, source_line DESC NULLS LAST
            ) AS version_rank
        FROM orders
    )
    WHERE version_rank = 1
      AND NOT coalesce(stale, false)
      AND order_month BETWEEN :start_month AND :end_month
),
filtered_orders AS (
    -- The drill list and the breakdown read the columns after order_month; the other reports
    -- do not, and both engines prune columns a query does not use, so they cost them nothing.
    SELECT o.order_id, o.customer, o.amount, o.status, o.order_date, o.order_month,
           o.product, o.category, o.region, o.country, o.channel, o.quantity, o.line_count,
           o.source_line, o.source_lines, o.source_key, o.ingested_at
    FROM orders AS o
    JOIN latest_versions AS v
      ON o.order_id = v.order_id
     AND o.source_key = v.source_key
     AND o.ingested_at = v.ingested_at
     AND o.order_month = v.order_month
    WHERE o.order_month BETWEEN :start_month AND :end_month
      AND o.order_date BETWEEN CAST(:start_date AS DATE) AND CAST(:end_date AS DATE)
      -- an order without a status is `unknown`, as the status mix shows it
      AND (:statuses = '' OR contains(split(:statuses, ','), coalesce(o.status, 'unknown')))
      AND (:customer = '' OR o.customer = :customer)
      -- no_customer: only the orders without a customer (the "(none)" row of a report by customer)
      AND (:no_customer = '' OR o.customer IS NULL)
      AND (:category = '' OR o.category = :category)
      AND (:region = '' OR o.region = :region)
      AND (:country = '' OR o.country = :country)
      AND (:channel = '' OR o.channel = :channel)
)
