"""The Lambda's allocators: jemalloc for all of Arrow's memory, glibc keeping freed blocks."""

import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
from filter_and_process_orders import memory

LAMBDA_DIR = Path(__file__).resolve().parents[2] / "lambda"


def run_python(code: str, **env: str) -> list[str]:
    environment = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(LAMBDA_DIR), **env}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=environment)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


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


def test_the_parquet_writer_of_the_handlers_process_allocates_from_jemalloc_unless_the_environment_says_otherwise(
    tmp_path,
):
    # The encoders take Arrow's C++ default pool, which pa.set_memory_pool does not change: without
    # `before_pyarrow` (the handler's imports), mimalloc (pyarrow's wheels' default) serves them.
    code = (
        "{}"
        "import pyarrow as pa, pyarrow.parquet as pq\n"
        "pq.write_table(pa.table({{'amount': list(range(100_000))}}), {!r})\n"
        "print(pa.default_memory_pool().backend_name, pa.mimalloc_memory_pool().total_bytes_allocated() > 0,"
        " pa.jemalloc_memory_pool().total_bytes_allocated() > 0)\n"
    )
    handler, out = "import filter_and_process_orders.handler\n", str(tmp_path / "orders.parquet")
    assert run_python(code.format("", out)) == ["mimalloc", "True", "False"]
    assert run_python(code.format(handler, out)) == ["jemalloc", "False", "True"]
    assert run_python(code.format(handler, out), ARROW_DEFAULT_MEMORY_POOL="system") == ["system", "False", "False"]


def test_glibc_serves_a_large_block_from_its_heap_once_told_to_keep_freed_blocks():
    # mallinfo2's hblkhd: the bytes malloc holds in mmapped blocks (unmapped, and faulted in anew, when freed).
    code = (
        "import ctypes\n"
        "from filter_and_process_orders import memory\n"
        "class Info(ctypes.Structure):\n"
        "    _fields_ = [(n, ctypes.c_size_t) for n in 'arena ordblks smblks hblks hblkhd'.split()]\n"
        "    _fields_ += [('more', ctypes.c_size_t * 5)]\n"
        "libc = ctypes.CDLL(None)\n"
        "libc.mallinfo2.restype = Info\n"
        "print({})\n"
        "before = libc.mallinfo2().hblkhd\n"
        "block = bytearray(8 << 20)\n"
        "print(libc.mallinfo2().hblkhd - before >= 8 << 20)\n"
    )
    assert run_python(code.format("memory.keep_freed_blocks()")) == ["True", "False"]
    assert run_python(code.format("'left as it is'")) == ["left", "as", "it", "is", "True"]
