SELECT
    order_month AS month,
    count(*) AS orders,
    sum(amount) AS revenue
FROM filtered_orders
GROUP BY order_month
ORDER BY order_month
