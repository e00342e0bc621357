"""FilterAndProcessOrders: turns raw order exports into clean, query-ready Parquet.

The handler is thin; the pure cleaning code (`reading`, `mapping`, `values`, `cleaning`) takes
bytes or rows and returns rows and reasons, so Django can reuse the same rules. Importing the
package imports nothing else: the handler (`handler`) sets up the process first (`startup`), then
checks pyarrow's compute kernels (`kernels`).
"""
