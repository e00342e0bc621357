#!/usr/bin/env python
import os
import sys


def run_env_load() -> None:
    """Take the settings of this checkout's `make run` (var/run.env) as defaults under the environment."""
    if sys.argv[1:2] in (["run_local"], ["test"]):
        return  # a new run chooses its settings afresh; the suite starts its own services
    var = os.environ.get("VAR_DIR") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "var")
    try:
        with open(os.path.join(var, "run.env")) as lines:
            for line in lines:
                name, sep, value = line.strip().partition("=")
                if sep and not name.startswith("#"):
                    os.environ.setdefault(name, value)
    except FileNotFoundError:
        pass


def main():
    run_env_load()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ordersite.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
