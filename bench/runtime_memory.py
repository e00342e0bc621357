"""Peak memory of the local Lambda runtime on one generated export (default 15M rows, ~1 GB).

Twice, on the same twin: the handler called inside the runtime's own process (`lambda_runtime
--drain --in-process`: Django, boto3 and the app imported beside it, as the runtime used to run
every invocation) and in a child forked from a server that imported only the handler (`--drain`,
as `make run`'s runtime does now, held to LAMBDA_MEMORY_MB). Prints both peaks in MB.

    .venv/bin/python bench/runtime_memory.py [--rows 15000000]
"""

import argparse
import re
import resource
import subprocess
import sys
import time

from exports import write_export
from stack import ROOT, Stack


def drain(stack: Stack, *flags: str) -> tuple[str, float]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "manage.py", "lambda_runtime", "--drain", *flags],
        cwd=ROOT,
        env=stack.env | {"LOG_LEVEL": "INFO"},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout + result.stderr, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=15_000_000)
    args = parser.parse_args()
    stack = Stack().start()
    try:
        path = stack.tmp / "orders.csv"
        write_export(path, args.rows)
        size_mb = path.stat().st_size / 1e6
        stack.manage("upload", str(path), "--as-of", "2025-06-01")
        _, seconds = drain(stack, "--in-process")
        in_process = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        stack.manage("upload", str(path), "--as-of", "2025-06-01", "--allow-duplicate")
        log, isolated_seconds = drain(stack)
        reports = [int(mb) for mb in re.findall(r"Max Memory Used: (\d+) MB", log)]
        print(f"file: {args.rows:,} rows, {size_mb:,.0f} MB")
        print(f"in the runtime's process: peak RSS {in_process:,.0f} MB ({seconds:.1f} s)")
        print(
            f"in a child (now):         peak RSS {max(reports):,} MB ({isolated_seconds:.1f} s); {log.strip()[-300:]}"
        )
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
