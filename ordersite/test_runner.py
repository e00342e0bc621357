"""`manage.py test` runs the same pytest suite as `make test`.

pytest runs in a fresh interpreter: its plugin starts the test services and sets their
addresses before Django reads settings, which this process has already done.
"""

import subprocess
import sys

from django.conf import settings


class PytestRunner:
    def __init__(self, verbosity: int = 1, failfast: bool = False, keepdb: bool = False, **kwargs):
        self.verbosity, self.failfast = verbosity, failfast

    @classmethod
    def add_arguments(cls, parser):
        pass

    def run_tests(self, test_labels, **kwargs) -> int:
        argv = [sys.executable, "-m", "pytest", *test_labels]
        if self.failfast:
            argv.append("-x")
        if self.verbosity > 1:
            argv.append("-v")
        return subprocess.call(argv, cwd=settings.BASE_DIR)
