SELECT order_id, customer, amount, order_date
FROM filtered_orders
ORDER BY amount DESC, order_id
LIMIT :limit
