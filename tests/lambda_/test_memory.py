"""The Lambda's Arrow memory pool."""

import pyarrow as pa
from filter_and_process_orders import memory


def test_the_handler_makes_jemalloc_arrows_default_pool_and_keeps_the_default_without_it(monkeypatch):
    before = pa.default_memory_pool()
    try:
        assert memory.use_jemalloc() == "jemalloc"
        assert pa.default_memory_pool().backend_name == "jemalloc"

        def missing():
            raise NotImplementedError("built without jemalloc")

        pa.set_memory_pool(before)
        monkeypatch.setattr(pa, "jemalloc_memory_pool", missing)
        assert memory.use_jemalloc() == before.backend_name
        assert pa.default_memory_pool().backend_name == before.backend_name
    finally:
        pa.set_memory_pool(before)
