"""`make package`: build the two artifacts that `make deploy` uploads under the bucket's artifacts/.

- the Lambda zip: only lambda/filter_and_process_orders (no Django, no tests); pyarrow and numpy come
  from the AWS SDK for pandas layer, botocore and s3transfer (boto3's) from the runtime. Beside each
  module goes its bytecode for the Lambda's Python (LAMBDA_PYTHON, the template's runtime), with a
  checked hash: /var/task is read-only, so without it every cold start compiled the package's ~50
  modules (0.03-0.04 CPU s measured with the layer's Python 3.12: import CPU median 0.389 -> 0.357
  s). Python uses such a .pyc only while the hash of the source beside it matches, and it holds no
  timestamp;
- the app artifact: a tar.gz of the files the web server runs (manage.py, the lock file
  requirements-prod.txt, the Django apps and the Lambda's pure cleaning code that Django imports).

Both are byte-for-byte reproducible and named by their content hash, so deploying unchanged code
changes no CloudFormation parameter and restarts nothing.
"""

import argparse
import gzip
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAMBDA_PACKAGE = "filter_and_process_orders"
APP_PATHS = [
    "manage.py", "requirements-prod.txt", "pyproject.toml", "ordersite", "pipeline_admin", "dashboard", "lambda"
]  # fmt: skip
SKIPPED_PARTS = {"__pycache__", ".pytest_cache", ".ruff_cache", ".DS_Store"}
SKIPPED_SUFFIXES = {".pyc", ".pyo", ".sqlite3"}
FIXED_DATE = (2020, 1, 1, 0, 0, 0)  # zip entries need a date; a fixed one keeps the hash stable
LAMBDA_PYTHON = "python3.12"  # the template's Runtime (tests/infra/test_package.py keeps them equal)
CACHE_TAG = "cpython-" + LAMBDA_PYTHON.removeprefix("python").replace(".", "")  # in the .pyc files' names
# Run by the Lambda's Python: compiles each source (argv: folder, then pairs of source and name in the
# zip) into the folder as <name>c, with a checked hash; prints the interpreter's cache tag.
_COMPILE = """
import py_compile, sys
folder = sys.argv[1]
for source, name in zip(sys.argv[2::2], sys.argv[3::2]):
    py_compile.compile(source, cfile=f"{folder}/{name}c", dfile=name, doraise=True,
                       invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
print(sys.implementation.cache_tag)
"""


class PackageError(Exception):
    pass


def _files(base: Path) -> list[Path]:
    if base.is_file():
        return [base]
    return sorted(
        path
        for path in base.rglob("*")
        if path.is_file() and not (SKIPPED_PARTS & set(path.parts)) and path.suffix not in SKIPPED_SUFFIXES
    )


def _named_by_hash(*, dist: Path, stem: str, suffix: str, data: bytes) -> Path:
    path = dist / f"{stem}-{hashlib.sha256(data).hexdigest()[:12]}{suffix}"
    path.write_bytes(data)
    return path


def lambda_python_find() -> str:
    """The interpreter that compiles the Lambda's bytecode: LAMBDA_PYTHON on PATH, else pyenv's (as the
    Makefile's LAYER_PYTHON)."""
    version = LAMBDA_PYTHON.removeprefix("python")
    pyenv = sorted(Path.home().glob(f".pyenv/versions/{version}*/bin/{LAMBDA_PYTHON}"))
    check = f"import sys; sys.exit(sys.version_info[:2] != ({version.replace('.', ', ')}))"
    runs = (str(p) for p in [shutil.which(LAMBDA_PYTHON), *pyenv] if p)  # a pyenv shim may not run
    found = next((p for p in runs if subprocess.run([p, "-c", check], capture_output=True).returncode == 0), None)
    if found is None:
        raise PackageError(
            f"the Lambda zip carries bytecode for the Lambda's Python ({LAMBDA_PYTHON}): put {LAMBDA_PYTHON} on PATH"
            f" or pass LAYER_PYTHON=/path/to/{LAMBDA_PYTHON} (the same one `make test` uses)"
        )
    return found


def _bytecode(sources: dict[str, Path], python: str) -> dict[str, bytes]:
    """Each source's bytecode for `python`, by its name in the zip (a/b.py -> a/__pycache__/b.<tag>.pyc)."""
    with tempfile.TemporaryDirectory() as folder:
        for name in sources:
            (Path(folder) / name).parent.mkdir(parents=True, exist_ok=True)
        pairs = [item for name, path in sources.items() for item in (str(path), name)]
        result = subprocess.run([python, "-I", "-c", _COMPILE, folder, *pairs], capture_output=True, text=True)
        if result.returncode != 0 or result.stdout.strip() != CACHE_TAG:
            raise PackageError(f"{python} did not compile the Lambda's bytecode as {LAMBDA_PYTHON}: {result.stderr}")
        compiled = {}
        for name in sources:
            folder_name, _, file_name = name.rpartition("/")
            pyc = f"{folder_name}/__pycache__/{file_name[:-3]}.{CACHE_TAG}.pyc"
            compiled[pyc] = (Path(folder) / f"{name}c").read_bytes()
        return compiled


def lambda_zip_build(*, root: Path = ROOT, dist: Path, python: str | None = None) -> Path:
    source = root / "lambda" / LAMBDA_PACKAGE
    if not (source / "handler.py").is_file():
        raise PackageError(f"{source}/handler.py is missing: nothing to package")
    files = {f"{LAMBDA_PACKAGE}/{path.relative_to(source).as_posix()}": path for path in _files(source)}
    contents = {name: path.read_bytes() for name, path in files.items()}
    sources = {name: path for name, path in files.items() if name.endswith(".py")}
    contents |= _bytecode(sources, python or lambda_python_find())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(contents):
            info = zipfile.ZipInfo(name, FIXED_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, contents[name])
    return _named_by_hash(dist=dist, stem=LAMBDA_PACKAGE, suffix=".zip", data=buffer.getvalue())


def app_artifact_build(*, root: Path = ROOT, dist: Path) -> Path:
    missing = [name for name in APP_PATHS if not (root / name).exists()]
    if missing:
        raise PackageError(f"cannot build the app artifact, missing: {', '.join(missing)}")
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name in APP_PATHS:
            for path in _files(root / name):
                data = path.read_bytes()
                info = tarfile.TarInfo(path.relative_to(root).as_posix())
                info.size, info.mode, info.mtime = len(data), 0o644, 0
                archive.addfile(info, io.BytesIO(data))
    # mtime=0 in the gzip header too, or the same files would hash differently every time.
    data = gzip.compress(tar_bytes.getvalue(), compresslevel=9, mtime=0)
    return _named_by_hash(dist=dist, stem="ordersite-app", suffix=".tar.gz", data=data)


def package_build(*, root: Path = ROOT, dist: Path, python: str | None = None) -> dict[str, str]:
    dist.mkdir(parents=True, exist_ok=True)
    for old in [*dist.glob(f"{LAMBDA_PACKAGE}-*.zip"), *dist.glob("ordersite-app-*.tar.gz")]:
        old.unlink()
    built = {
        "lambda_zip": lambda_zip_build(root=root, dist=dist, python=python).name,
        "app_artifact": app_artifact_build(root=root, dist=dist).name,
    }
    (dist / "artifacts.json").write_text(json.dumps(built, indent=1) + "\n")
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder (default: dist/)")
    parser.add_argument("--lambda-python", help=f"the {LAMBDA_PYTHON} that compiles the Lambda's bytecode")
    args = parser.parse_args(argv)
    try:
        built = package_build(dist=args.dist, python=args.lambda_python or None)
    except PackageError as exc:
        print(f"make package: {exc}", file=sys.stderr)
        return 1
    for name in built.values():
        path = args.dist / name
        print(f"{path}  ({path.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
