"""The cleaner refuses, at import, a pyarrow that lacks the compute kernels it calls."""

import re
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from filter_and_process_orders import kernels

PACKAGE = Path(kernels.__file__).parent


def test_the_required_list_names_every_compute_function_the_package_calls():
    called = set()
    for path in set(PACKAGE.glob("*.py")) - {PACKAGE / "kernels.py"}:
        called |= set(re.findall(r"(?<![\w.])pc\.([a-z_0-9]+)\(", path.read_text()))
    assert called == set(kernels.REQUIRED)


def test_this_pyarrow_has_every_kernel_the_cleaner_needs():
    assert kernels.kernels_missing() == []
    for name in kernels.REQUIRED:
        assert pc.get_function(kernels.REGISTRY_NAMES.get(name, name)) is not None


def test_a_pyarrow_built_without_re2_is_refused_with_the_missing_kernels_and_the_tested_layer():
    without_re2 = {name for name in pc.list_functions() if not name.endswith("_regex")}
    with pytest.raises(kernels.MissingKernels) as refused:
        kernels.kernels_check(available=without_re2)
    message = str(refused.value)
    assert "extract_regex, match_substring_regex, replace_substring_regex" in message
    assert f"pyarrow {pa.__version__}" in message and "AWSSDKPandas-Python312" in message and "24.0.0" in message


def test_importing_the_handler_runs_the_check():
    # A registry without utf8proc's kernels, as a custom layer might ship: the import itself fails.
    probe = (
        "import pyarrow.compute as pc; real = pc.list_functions;"
        "pc.list_functions = lambda: [n for n in real() if not n.startswith('utf8_')];"
        "import filter_and_process_orders.handler"
    )
    lambda_dir = str(PACKAGE.parent)
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, env={"PYTHONPATH": lambda_dir}
    )
    assert result.returncode == 1
    assert "MissingKernels" in result.stderr and "utf8_lower" in result.stderr and "utf8proc" in result.stderr
