-- How many orders of earlier uploads one file's rows supersede now (dashboard/supersession.py):
-- orders whose latest version is the file's (:source_key), by the rule of _orders.sql (ingested_at,
-- then the raw key, then the line), stale or not, and whose version that would be latest without
-- the file is an earlier upload's (:earlier_keys, raw keys joined by commas; raw keys hold none):
-- that upload's version no longer counts because of this file. An order whose version in an earlier
-- upload had already been superseded by another upload is not counted for it. `changed`: those
-- whose status, amount, order date or stale flag differ between the two versions (what the earlier
-- upload said and the reports no longer show; an older export's earlier reference date can leave
-- an identical order not stale, so it counts again). Only the key columns are read over every month, as the reports read them.
latest AS (
    SELECT order_id
    FROM (
        SELECT
            order_id, source_key,
            row_number() OVER (
                PARTITION BY order_id
                ORDER BY ingested_at DESC, source_key DESC, source_line DESC NULLS LAST
            ) AS version_rank
        FROM orders
    )
    WHERE version_rank = 1 AND source_key = :source_key
),
this_file AS (
    SELECT order_id, status, amount, order_date, stale FROM orders WHERE source_key = :source_key
),
earlier AS (
    SELECT order_id, source_key, status, amount, order_date, stale
    FROM (
        SELECT
            order_id, source_key, status, amount, order_date, stale,
            row_number() OVER (
                PARTITION BY order_id
                ORDER BY ingested_at DESC, source_key DESC, source_line DESC NULLS LAST
            ) AS version_rank
        FROM orders
        WHERE source_key <> :source_key
    )
    WHERE version_rank = 1 AND contains(split(:earlier_keys, ','), source_key)
)
SELECT
    e.source_key,
    count(DISTINCT e.order_id) AS orders,
    count(DISTINCT CASE
        WHEN coalesce(e.status, '') <> coalesce(t.status, '')
          OR e.amount <> t.amount
          OR e.order_date <> t.order_date
          OR e.stale <> t.stale
        THEN e.order_id END) AS changed
FROM earlier AS e
JOIN latest AS l ON l.order_id = e.order_id
JOIN this_file AS t ON t.order_id = e.order_id
GROUP BY e.source_key
ORDER BY e.source_key
