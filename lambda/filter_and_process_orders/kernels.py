"""The Arrow compute kernels the cleaner calls, checked once when the package is imported.

The Lambda runs on the AWS SDK for pandas layer, whose pyarrow is built with RE2 (the *_regex
kernels) and utf8proc (the utf8_* kernels). A pyarrow built without them (a custom layer, a slim
wheel) would otherwise fail in the middle of a file; this names the missing kernels at import.
"""

import pyarrow as pa
import pyarrow.compute as pc

# The layer the suite runs the Lambda's tests on (requirements-layer.txt, `make test`).
TESTED_LAYER = "AWSSDKPandas-Python312 with pyarrow 24.0.0, numpy 2.5, pandas 3.0 (Python 3.12)"

# Every pyarrow.compute function the package calls; tests/lambda_/test_kernels.py reads the code to
# keep this list complete.
REQUIRED = frozenset({
    "abs", "all", "and_", "any", "ascii_trim_whitespace", "binary_join", "binary_join_element_wise",
    "binary_length", "cast",
    "coalesce", "count_substring", "dictionary_encode", "drop_null", "equal", "extract_regex",
    "fill_null", "filter", "greater", "if_else", "index_in", "invert", "is_in", "is_null",
    "is_valid", "less", "less_equal", "match_substring", "match_substring_regex", "negate", "not_equal", "or_",
    "replace_substring", "replace_substring_regex", "replace_with_mask", "strftime", "strptime", "struct_field",
    "string_is_ascii", "sum", "take", "unique", "utf8_length", "utf8_lower", "utf8_lpad", "utf8_ltrim",
    "utf8_slice_codeunits", "utf8_trim", "value_counts",
})  # fmt: skip
# pyarrow.compute exposes these under a Python name that differs from the registry's kernel.
REGISTRY_NAMES = {"and_": "and", "or_": "or", "fill_null": "coalesce"}


class MissingKernels(ImportError):
    """pyarrow lacks compute kernels the cleaner needs (its build left out RE2 or utf8proc)."""


def kernels_missing(*, available: set[str] | None = None) -> list[str]:
    """The required kernels (Python names) absent from `available` (default: pyarrow's registry)."""
    registry = set(pc.list_functions()) if available is None else available
    return sorted(name for name in REQUIRED if REGISTRY_NAMES.get(name, name) not in registry)


def kernels_check(*, available: set[str] | None = None) -> None:
    """Raises MissingKernels naming what is missing, the pyarrow found and the layer that works."""
    missing = kernels_missing(available=available)
    if missing:
        raise MissingKernels(
            f"pyarrow {pa.__version__} lacks the compute kernels {', '.join(missing)} that FilterAndProcessOrders "
            f"needs (the *_regex ones come with RE2, the utf8_* ones with utf8proc). Use the layer it is tested "
            f"on: {TESTED_LAYER}, or a pyarrow built with RE2 and utf8proc."
        )
