-- Over no orders (a range or filters that match none) the sum is 0.00 and the average does not exist:
-- revenue is coalesced to 0 here; average_order_value stays NULL (README "Dashboard", KPI tiles).
-- average_order_value is replaced by the report with revenue / orders, exact, rounded once to cents
-- (reports/__init__.py `average_order_value`: the engines divide differently).
SELECT
    coalesce(sum(amount), 0) AS revenue,
    count(*) AS orders,
    CAST(sum(amount) AS DECIMAL(38, 6)) / count(*) AS average_order_value,
    count(DISTINCT customer) AS customers
FROM filtered_orders
