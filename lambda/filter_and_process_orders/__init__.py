"""FilterAndProcessOrders: turns raw order exports into clean, query-ready Parquet.

The handler is thin; the pure cleaning code (`reading`, `mapping`, `values`, `cleaning`) takes
bytes or rows and returns rows and reasons, so Django can reuse the same rules.
"""

from .kernels import kernels_check

kernels_check()  # a pyarrow without the RE2/utf8proc kernels fails here, by name, not mid-file
