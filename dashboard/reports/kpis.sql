-- average_order_value is replaced by the report with revenue / orders, exact, rounded once to cents
-- (reports/__init__.py `average_order_value`: the engines divide differently).
SELECT
    sum(amount) AS revenue,
    count(*) AS orders,
    CAST(sum(amount) AS DECIMAL(38, 6)) / count(*) AS average_order_value,
    count(DISTINCT customer) AS customers
FROM filtered_orders
