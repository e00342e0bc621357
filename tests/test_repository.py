"""What holds for every file the project tracks."""

import re
import subprocess
from pathlib import Path

from filter_and_process_orders.contract import SCHEMA

ROOT = Path(__file__).resolve().parents[1]
CONFLICT = re.compile(rb"^(<{7} |={7}$|>{7} )", re.MULTILINE)


def test_no_file_holds_a_merge_conflict_marker():
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    marked = [
        name
        for name in tracked.decode().split("\0")
        if name
        and not name.startswith("tests/data/")
        and (ROOT / name).is_file()
        and CONFLICT.search((ROOT / name).read_bytes())
    ]
    assert not marked, f"merge conflict markers in {marked}"


DOC_TYPES = {"string": "string", "decimal128(12, 2)": "decimal(12,2)", "date32[day]": "date32", "int64": "int64"}
DOC_TYPES |= {"int32": "int32", "bool": "bool", "timestamp[ms, tz=UTC]": "timestamp(ms, UTC)"}


def test_the_design_documents_contract_table_lists_every_stored_column_with_its_type():
    text = (ROOT / "docs" / "DESIGN.md").read_text()
    table = text.split("| column | type | notes |", 1)[1].split("\n\n", 1)[0]
    documented = []
    for row in table.strip().splitlines()[1:]:
        names, kind = (cell.strip() for cell in row.strip("|").split("|")[:2])
        documented += [(name, kind) for name in names.split(", ")]
    expected = [(field.name, DOC_TYPES[str(field.type)]) for field in SCHEMA] + [("order_month", "partition")]
    assert documented == expected  # every column, in the schema's order, with its Arrow type
