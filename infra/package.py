"""`make package`: build the two artifacts that `make deploy` uploads under the bucket's artifacts/.

- the Lambda zip: only lambda/filter_and_process_orders (no Django, no tests); pyarrow and numpy come
  from the AWS SDK for pandas layer, botocore and s3transfer (boto3's) from the runtime;
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
import sys
import tarfile
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


def lambda_zip_build(*, root: Path = ROOT, dist: Path) -> Path:
    source = root / "lambda" / LAMBDA_PACKAGE
    if not (source / "handler.py").is_file():
        raise PackageError(f"{source}/handler.py is missing: nothing to package")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in _files(source):
            info = zipfile.ZipInfo(f"{LAMBDA_PACKAGE}/{path.relative_to(source).as_posix()}", FIXED_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
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


def package_build(*, root: Path = ROOT, dist: Path) -> dict[str, str]:
    dist.mkdir(parents=True, exist_ok=True)
    for old in [*dist.glob(f"{LAMBDA_PACKAGE}-*.zip"), *dist.glob("ordersite-app-*.tar.gz")]:
        old.unlink()
    built = {
        "lambda_zip": lambda_zip_build(root=root, dist=dist).name,
        "app_artifact": app_artifact_build(root=root, dist=dist).name,
    }
    (dist / "artifacts.json").write_text(json.dumps(built, indent=1) + "\n")
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder (default: dist/)")
    args = parser.parse_args(argv)
    try:
        built = package_build(dist=args.dist)
    except PackageError as exc:
        print(f"make package: {exc}", file=sys.stderr)
        return 1
    for name in built.values():
        path = args.dist / name
        print(f"{path}  ({path.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
