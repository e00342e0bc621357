"""Vendor the front-end libraries the site serves, straight from their npm packages.

    python scripts/vendor_assets.py          # needs `npm` on PATH (it only runs `npm pack`)

Each library is copied into ordersite/static/ordersite/vendor/ with its version in the file name
(the site works with no internet); libraries only the browser tests use go to tests/e2e/vendor/.
A trailing `//# sourceMappingURL=...` comment is removed: the source map is not vendored, and
WhiteNoise's manifest storage (DEBUG=0) rewrites every reference in a static file and refuses to
run `collectstatic` when one points at a missing file.
"""

import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VENDOR_DIR = Path(__file__).resolve().parent.parent / "ordersite" / "static" / "ordersite" / "vendor"
# (npm package, version, file inside the package, name it gets here)
LIBRARIES = [
    ("chart.js", "4.6.1", "package/dist/chart.umd.min.js", "chart-4.6.1.umd.min.js"),
    ("htmx.org", "2.0.11", "package/dist/htmx.min.js", "htmx-2.0.11.min.js"),
    # The upload page hashes files of up to 1 GiB in slices; WebCrypto's digest takes only a whole buffer.
    ("js-sha256", "1.0.0", "package/build/sha256.min.js", "sha256-1.0.0.min.js"),
]
# Libraries the browser tests inject into pages; never served by the site.
TEST_VENDOR_DIR = Path(__file__).resolve().parent.parent / "tests" / "e2e" / "vendor"
TEST_LIBRARIES = [
    # The accessibility rules engine (WCAG 2.1 A/AA checks) that tests/e2e/test_screens.py runs on every page.
    ("axe-core", "4.14.1", "package/axe.min.js", "axe-4.14.1.min.js"),
]
SOURCE_MAP_COMMENT = re.compile(rb"\n?//[#@] sourceMappingURL=[^\n]*\s*\Z")


def strip_source_map(data: bytes) -> bytes:
    """The file without its trailing sourceMappingURL comment (bytes in, bytes out)."""
    return SOURCE_MAP_COMMENT.sub(b"\n", data)


def vendor(package: str, version: str, member: str, name: str, into: Path = VENDOR_DIR) -> Path:
    with tempfile.TemporaryDirectory() as folder:
        packed = subprocess.run(
            ["npm", "pack", f"{package}@{version}", "--silent"], cwd=folder, capture_output=True, text=True, check=True
        ).stdout.split()[-1]
        with tarfile.open(Path(folder) / packed) as archive:
            data = archive.extractfile(member).read()
    target = into / name
    target.write_bytes(strip_source_map(data))
    return target


def main() -> int:
    for library in LIBRARIES:
        print(vendor(*library))
    TEST_VENDOR_DIR.mkdir(exist_ok=True)
    for library in TEST_LIBRARIES:
        print(vendor(*library, into=TEST_VENDOR_DIR))
    return 0


if __name__ == "__main__":
    sys.exit(main())
