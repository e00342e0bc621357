"""What holds for every file the project tracks."""

import re
import subprocess
from pathlib import Path

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
