-- The drill list (dashboard/drill.py): one bounded page of the orders a figure counts, and the
-- count and sum of all of them, which equal the figure. __ORDER_BY__, __OFFSET__ and __LIMIT__
-- are written in by drill.py from a whitelisted sort and validated integers; every filter value
-- is a bound parameter. OFFSET is at most drill.MAX_ROWS, so no page needs an unbounded sort.
, drill_page AS (
    SELECT
        order_id, customer, amount, status, order_date, category, region, country, channel,
        quantity, line_count, source_line, source_lines, source_key, ingested_at
    FROM filtered_orders
    ORDER BY __ORDER_BY__
    OFFSET __OFFSET__ LIMIT __LIMIT__
),
drill_totals AS (
    SELECT count(*) AS total_orders, sum(amount) AS total_amount FROM filtered_orders
)
SELECT t.total_orders, t.total_amount, p.*
FROM drill_totals AS t
LEFT JOIN drill_page AS p ON true
ORDER BY __PAGE_ORDER_BY__
