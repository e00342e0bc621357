-- average_order_value is exact here; the report rounds it to cents half-even (see reports/__init__.py).
SELECT
    customer,
    count(*) AS orders,
    sum(amount) AS revenue,
    CAST(sum(amount) AS DECIMAL(38, 6)) / count(*) AS average_order_value
FROM filtered_orders
GROUP BY customer
ORDER BY revenue DESC, customer
LIMIT :limit
