-- average_order_value is exact here; the report rounds it to cents half-even (see reports/__init__.py).
SELECT
    sum(amount) AS revenue,
    count(*) AS orders,
    CAST(sum(amount) AS DECIMAL(38, 6)) / count(*) AS average_order_value,
    count(DISTINCT customer) AS customers
FROM filtered_orders
