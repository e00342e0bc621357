SELECT
    order_date AS day,
    count(*) AS orders,
    sum(amount) AS revenue
FROM filtered_orders
GROUP BY order_date
ORDER BY order_date
