-- average_order_value is replaced by the report with revenue / orders, exact, rounded once to cents
-- (reports/__init__.py `average_order_value`: the engines divide differently).
SELECT
    customer,
    count(*) AS orders,
    sum(amount) AS revenue,
    CAST(sum(amount) AS DECIMAL(38, 6)) / count(*) AS average_order_value
FROM filtered_orders
GROUP BY customer
ORDER BY revenue DESC, customer
LIMIT :limit
