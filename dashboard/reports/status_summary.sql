SELECT
    coalesce(status, 'unknown') AS status,
    count(*) AS orders,
    sum(amount) AS revenue
FROM filtered_orders
GROUP BY coalesce(status, 'unknown')
ORDER BY orders DESC, status
