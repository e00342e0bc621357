-- Revenue, orders and average order value per value of one groupable column (:group_column is
-- written in from the contract's GROUPABLE, or a report's own column: sales-by-customer's customer,
-- named :value_column in the result), the top :limit by revenue and the rest folded into one row
-- whose `other` is the number of values folded (0 on a top row), so the rows always sum to the
-- total. average_order_value is replaced by the report with revenue / orders, exact, rounded once
-- to cents (reports/__init__.py `average_order_value`).
, grouped AS (
    SELECT :group_column AS value, count(*) AS orders, sum(amount) AS revenue
    FROM filtered_orders
    GROUP BY :group_column
),
ranked AS (
    SELECT value, orders, revenue, row_number() OVER (ORDER BY revenue DESC, value) AS position
    FROM grouped
)
SELECT
    CASE WHEN position <= :limit THEN value END AS :value_column,
    sum(CASE WHEN position <= :limit THEN 0 ELSE 1 END) AS other,
    sum(orders) AS orders,
    sum(revenue) AS revenue,
    CAST(sum(revenue) AS DECIMAL(38, 6)) / sum(orders) AS average_order_value
FROM ranked
GROUP BY CASE WHEN position <= :limit THEN value END, CASE WHEN position <= :limit THEN 0 ELSE 1 END
ORDER BY 2, 4 DESC, 1
