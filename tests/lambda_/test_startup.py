"""The Lambda's process start-up: the handler runs without pandas (the layer ships it; pyarrow would
import it for its type probes), without boto3 (its S3 client is botocore's) and without OpenBLAS's
thread pool (numpy's; the package calls no BLAS routine)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from ordersite.aws import aws_client

LAMBDA_DIR = Path(__file__).resolve().parents[2] / "lambda"
BUCKET = "ordersite-test"


def run_python(code: str, env: dict | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        env={**(env or {"PATH": os.environ.get("PATH", "")}), "PYTHONPATH": str(LAMBDA_DIR)},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_process_that_runs_the_handler_never_imports_pandas_nor_boto3(twin, shared_data, monkeypatch):
    key = "raw/2025/06/01/startup__orders.csv"
    aws_client("s3").put_object(Bucket=BUCKET, Key=key, Body=(shared_data / "orders.csv").read_bytes())
    etag = aws_client("s3").head_object(Bucket=BUCKET, Key=key)["ETag"].strip('"')
    record = {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "eventTime": "2025-06-01T00:00:00Z"}
    record["s3"] = {"bucket": {"name": BUCKET}, "object": {"key": key, "eTag": etag, "size": 1}}
    monkeypatch.setenv("AWS_ENDPOINT_URL", settings.AWS_ENDPOINT_URL)
    out = run_python(
        "import json, sys\n"
        "from filter_and_process_orders.handler import lambda_handler\n"
        f"print(json.dumps(lambda_handler({{'Records': [{record!r}]}})))\n"
        "print('pandas' in sys.modules, 'boto3' in sys.modules)\n",
        env=dict(os.environ),
    )
    response, imported = out.strip().splitlines()[-2:]
    assert json.loads(response) == {"batchItemFailures": []}
    assert imported == "False False"
    manifests = aws_client("s3").list_objects_v2(Bucket=BUCKET, Prefix=settings.MANIFEST_PREFIX)["Contents"]
    manifest = json.loads(aws_client("s3").get_object(Bucket=BUCKET, Key=manifests[0]["Key"])["Body"].read())
    assert (manifest["source_key"], manifest["rows_in"], manifest["rows_out"]) == (key, 200, 109)


def test_other_code_in_that_process_still_imports_pandas_and_pyarrow_then_uses_it():
    out = run_python(
        "import sys\n"
        "import filter_and_process_orders.handler\n"
        "import pyarrow as pa\n"
        "from filter_and_process_orders.dates import dates\n"
        "print('pandas' in sys.modules)\n"
        "import pandas\n"
        "frame, series = pandas.DataFrame({'a': [1, 2]}), pandas.Series([3])\n"
        "print(pa.Table.from_pandas(frame).num_rows, pa.array(series).to_pylist())\n"
    )
    assert out.split() == ["False", "2", "[3]"]


def test_the_imports_then_the_first_invocation_and_its_s3_client_are_frozen_once_leaving_the_collector_on():
    event = {"Records": [{"eventSource": "aws:s3", "s3": {"bucket": {"name": BUCKET}, "object": {"key": "x.txt"}}}]}
    out = run_python(
        "import gc\n"
        "from filter_and_process_orders import storage\n"
        "print(gc.get_freeze_count() < 1_000)\n"  # Python 3.12 starts with a few hundred frozen, 3.11 with none
        "from filter_and_process_orders.handler import lambda_handler\n"
        "before = gc.get_freeze_count()\n"
        "print(before > 10_000, storage._s3 is None, gc.isenabled())\n"
        f"print(lambda_handler({event!r}))\n"
        "frozen = gc.get_freeze_count()\n"
        "print(frozen - before > 10_000, storage._s3 is not None, gc.isenabled())\n"
        f"lambda_handler({event!r})\n"
        "print(gc.get_freeze_count() == frozen)\n",
        env={**os.environ, "AWS_DEFAULT_REGION": "us-east-1"},
    )
    assert out.split("\n")[:5] == ["True", "True True True", "{'batchItemFailures': []}", "True True True", "True"]


def test_the_first_settle_makes_its_clients_with_the_collector_paused_and_leaves_it_as_found():
    code = (
        "import gc\n"
        "from filter_and_process_orders import startup\n"
        "{}"
        "seen = []\n"
        "print(startup.settle(lambda: seen.append(gc.isenabled())), seen, gc.isenabled(), gc.get_freeze_count() > 0)\n"
    )
    assert run_python(code.format("")).split("\n")[0] == "True [False] True True"
    assert run_python(code.format("gc.disable()\n")).split("\n")[0] == "True [False] False True"


def test_the_first_settle_imports_on_a_thread_what_the_handler_left_for_later():
    # The handler's own imports leave them out: each costs its CPU beside the first S3 round trips.
    code = (
        "import sys, threading\n"
        "import filter_and_process_orders.handler\n"
        "from filter_and_process_orders import startup\n"
        "print([name in sys.modules for name in startup.LAZY])\n"
        "print(startup.settle())\n"
        "[t.join() for t in threading.enumerate() if t.name == 'lazy-imports']\n"
        "print([name in sys.modules for name in startup.LAZY], startup.LAZY)\n"
    )
    lines = run_python(code).split("\n")
    lazy = ("numpy.ma", "pyarrow.acero", "pyarrow.parquet", "s3transfer.utils")
    assert lines[:3] == ["[False, False, False, False]", "True", f"[True, True, True, True] {lazy}"]


def test_the_handlers_imports_hold_numpys_openblas_to_one_thread_unless_set_and_leave_the_collector_on():
    # OpenBLAS's threads carry the name of the thread that started them: the main thread's.
    code = (
        "import gc, os\n"
        "import filter_and_process_orders.handler\n"
        "names = [open(f'/proc/self/task/{t}/comm').read() for t in os.listdir('/proc/self/task')]\n"
        "print(os.environ['OPENBLAS_NUM_THREADS'], names.count(open('/proc/self/comm').read()), gc.isenabled())\n"
    )
    path = {"PATH": os.environ.get("PATH", "")}
    assert run_python(code, env=path).split() == ["1", "1", "True"]
    assert run_python(code, env={**path, "OPENBLAS_NUM_THREADS": "2"}).split() == ["2", "2", "True"]


def test_the_native_libraries_are_loaded_beside_the_imports_without_importing_a_module():
    # The libraries an import of numpy and pyarrow loads first, loaded by a thread; the modules are imported
    # only by the handler's own imports, and the thread is gone once they are.
    code = (
        "import sys, threading\n"
        "from filter_and_process_orders import startup\n"
        "loaded = startup.preload(startup.NATIVE)\n"
        "maps = open('/proc/self/maps').read()\n"
        "print([p.rsplit('/', 2)[-2] for p in loaded], 'numpy' in sys.modules, 'pyarrow' in sys.modules)\n"
        "print('libarrow.so' in maps, 'libarrow_python.so' in maps, 'openblas' in maps)\n"
        "import numpy\n"  # imported: left alone
        "print([p.rsplit('/', 2)[-2] for p in startup.preload(startup.NATIVE)], startup.preload((('x', ('a',)),)))\n"
        "import filter_and_process_orders.handler\n"
        "print([t.name for t in threading.enumerate()])\n"
    )
    assert run_python(code).split("\n")[:4] == [
        "['_core', 'pyarrow'] False False",
        "True True True",
        "['pyarrow'] []",
        "['MainThread']",
    ]


def test_pyarrow_computes_docstrings_are_made_as_without_the_handler_parsing_each_options_doc_once():
    # Each process counts the parses of numpydoc's parser and dumps every compute function's docstring:
    # imported by the handler (the parser memoised meanwhile, then put back) and by pyarrow alone.
    code = (
        "import hashlib, sys\n"
        "from pyarrow.vendored import docscrape\n"
        "parser, parses = docscrape.NumpyDocString, []\n"
        "init = parser.__init__\n"
        "parser.__init__ = lambda self, *a, **k: (parses.append(1), init(self, *a, **k))[1]\n"
        "import {module}\n"
        "import pyarrow.compute as pc\n"
        "docs = sorted((n, f.__doc__ or '') for n, f in vars(pc).items() if hasattr(f, '__arrow_compute_function__'))\n"
        "digest = hashlib.sha256(repr(docs).encode()).hexdigest()\n"
        "print(len(docs), digest, len(parses), docscrape.NumpyDocString is parser)\n"
    )
    handler = run_python(code.format(module="filter_and_process_orders.handler")).split()
    alone = run_python(code.format(module="pyarrow.compute")).split()
    assert int(handler[0]) > 200 and handler[:2] == alone[:2] and handler[3] == alone[3] == "True"
    # Each options class's docstring parsed once (57 with pyarrow 26), not once per function taking it (109).
    assert int(handler[2]) < int(alone[2])
