-- Revenue, orders and average order value per value of one groupable column (:group_column is
-- written in from the contract's GROUPABLE, or a report's own column: sales-by-customer's customer,
-- named :value_column in the result), the top :limit values by revenue, then the orders without a
-- value (no customer, no region) as their own row, never folded (README "(none)"), then the rest
-- folded into one row whose `other` is the number of values folded (0 on every other row), so the
-- rows always sum to the total. average_order_value is replaced by the report with revenue /
-- orders, exact, rounded once to cents (reports/__init__.py `average_order_value`).
, grouped AS (
    SELECT :group_column AS value, count(*) AS orders, sum(amount) AS revenue
    FROM filtered_orders
    GROUP BY :group_column
),
ranked AS (
    -- position: a value's rank by revenue among the values; the row without a value after them all
    SELECT value, orders, revenue,
           CASE WHEN value IS NULL THEN :limit + 1
                ELSE row_number() OVER (PARTITION BY value IS NULL ORDER BY revenue DESC, value) END AS position,
           value IS NULL OR row_number() OVER (PARTITION BY value IS NULL ORDER BY revenue DESC, value) <= :limit
               AS shown
    FROM grouped
)
SELECT
    CASE WHEN shown THEN value END AS :value_column,
    sum(CASE WHEN shown THEN 0 ELSE 1 END) AS other,
    sum(orders) AS orders,
    sum(revenue) AS revenue,
    CAST(sum(revenue) AS DECIMAL(38, 6)) / sum(orders) AS average_order_value
FROM ranked
GROUP BY CASE WHEN shown THEN value END, shown
ORDER BY 2, min(position), 1
