-- :grain is written in from the form's choices (day, week, month); weeks start on Monday.
-- Periods without orders are added with zeros after the query (reports/periods.py).
SELECT
    date_trunc(':grain', order_date) AS period,
    count(*) AS orders,
    sum(amount) AS revenue
FROM filtered_orders
GROUP BY date_trunc(':grain', order_date)
ORDER BY period
