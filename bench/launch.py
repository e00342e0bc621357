"""Runs a command and writes its wall seconds, CPU seconds and peak RSS as JSON to a file.

    python -I -S bench/launch.py RESULT.json COMMAND [ARG ...]

A small process of its own forks the command, so the peak RSS that os.wait4 reports is the
command's: a child started straight from the benchmark would start from the benchmark's own
resident set (Linux keeps the parent's high-water mark across fork and exec).
"""

import json
import os
import sys
import time


def main() -> None:
    result_path, argv = sys.argv[1], sys.argv[2:]
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    with open(result_path, "w") as out:
        json.dump(
            {
                "exit": os.waitstatus_to_exitcode(status),
                "wall": wall,
                "cpu": usage.ru_utime + usage.ru_stime,
                "rss_mb": usage.ru_maxrss / 1024,
            },
            out,
        )


if __name__ == "__main__":
    main()
