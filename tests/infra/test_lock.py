"""The web server's requirements: a lock file (pip-compile --generate-hashes) without the twin or test tools."""

import importlib.metadata
import re
from pathlib import Path

from django.conf import settings

from .test_template import user_data_script

BASE_DIR = Path(settings.BASE_DIR)
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==(\S+)", re.M)
NOT_ON_THE_SERVER = {"moto", "duckdb", "playwright", "pytest", "pytest-django", "hypothesis", "ruff", "cfn-lint",
                     "polars", "pip-tools", "s3fs", "aiobotocore", "pandas", "checkov", "flask"}  # fmt: skip


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(path: str) -> dict[str, str]:
    return {_norm(name): version for name, _, version in PIN.findall((BASE_DIR / path).read_text())}


def test_every_package_in_the_lock_is_pinned_with_at_least_one_hash():
    text = (BASE_DIR / "requirements-prod.txt").read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n\n", 1)[-1] if text.startswith("#") else text)
    entries = [e for e in entries if e.strip() and not e.startswith("#")]
    assert len(entries) == len(_pins("requirements-prod.txt")) > 20
    for entry in entries:
        assert PIN.match(entry), entry.splitlines()[0]
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", entry), entry.splitlines()[0]


def test_the_lock_holds_nothing_for_the_twin_or_the_tests():
    assert not NOT_ON_THE_SERVER & set(_pins("requirements-prod.txt"))


def test_the_lock_matches_the_pins_it_was_made_from():
    locked = _pins("requirements-prod.txt")
    for name, version in _pins("requirements-prod.in").items():
        assert locked.get(name) == version, f"{name}: run `make lock` after changing requirements-prod.in"


def test_the_suite_runs_the_versions_the_server_installs():
    requirements = (BASE_DIR / "requirements.txt").read_text()
    assert re.search(r"^-r requirements-prod\.in$", requirements, re.M), "the site's pins are declared once"
    for name, version in _pins("requirements-prod.txt").items():
        assert importlib.metadata.version(name) == version, name


def test_the_server_installs_the_lock_with_hashes_required():
    script = user_data_script()
    assert "--require-hashes --no-deps" in script and '-r "$release/requirements-prod.txt"' in script
    assert "requirements.txt" not in script


def test_the_layer_venv_pins_the_layers_versions_and_otherwise_ours():
    layer = _pins("requirements-layer.txt")
    assert layer["pyarrow"] == "24.0.0"
    assert layer["numpy"].startswith("2.5.") and layer["pandas"].startswith("3.0.")
    ours = _pins("requirements-prod.in") | _pins("requirements.txt") | _pins("requirements-dev.txt")
    for name, version in layer.items():
        if name not in {"pyarrow", "numpy", "pandas"}:
            assert ours[name] == version, f"{name}: requirements-layer.txt pins {version}, ours {ours[name]}"
