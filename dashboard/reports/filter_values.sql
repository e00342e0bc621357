-- The values the filter bar offers, over all counted orders (no filters): each filterable
-- column's values (and the products, which the breakdown offers) with their order counts, the most frequent first, at most 2000 per column
-- (the customer search suggests from these). An order without a status counts as `unknown`.
, dimension_values AS (
    SELECT 'customer' AS dimension, customer AS value, count(*) AS orders
    FROM filtered_orders WHERE customer IS NOT NULL GROUP BY customer
    UNION ALL
    SELECT 'status', coalesce(status, 'unknown'), count(*)
    FROM filtered_orders GROUP BY coalesce(status, 'unknown')
    UNION ALL
    SELECT 'category', category, count(*) FROM filtered_orders WHERE category IS NOT NULL GROUP BY category
    UNION ALL
    SELECT 'region', region, count(*) FROM filtered_orders WHERE region IS NOT NULL GROUP BY region
    UNION ALL
    SELECT 'country', country, count(*) FROM filtered_orders WHERE country IS NOT NULL GROUP BY country
    UNION ALL
    SELECT 'product', product, count(*) FROM filtered_orders WHERE product IS NOT NULL GROUP BY product
    UNION ALL
    SELECT 'channel', channel, count(*) FROM filtered_orders WHERE channel IS NOT NULL GROUP BY channel
)
SELECT dimension, value, orders
FROM (
    SELECT dimension, value, orders, row_number() OVER (PARTITION BY dimension ORDER BY orders DESC, value) AS position
    FROM dimension_values
)
WHERE position <= 2000
ORDER BY dimension, orders DESC, value
