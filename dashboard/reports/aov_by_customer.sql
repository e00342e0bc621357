-- average_order_value is exact here; the report rounds it to cents half-even (see reports/__init__.py).
SELECT
    customer,
    CAST(sum(amount) AS DECIMAL(38, 6)) / count(*) AS average_order_value,
    count(*) AS orders
FROM filtered_orders
GROUP BY customer
ORDER BY average_order_value DESC, customer
