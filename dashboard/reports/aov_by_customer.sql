-- average_order_value orders the rows here; the report replaces it with revenue / orders, exact,
-- rounded once to cents (reports/__init__.py `average_order_value`: the engines divide differently).
SELECT
    customer,
    CAST(sum(amount) AS DECIMAL(38, 6)) / count(*) AS average_order_value,
    count(*) AS orders,
    sum(amount) AS revenue
FROM filtered_orders
GROUP BY customer
ORDER BY average_order_value DESC, customer
