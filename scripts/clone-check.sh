#!/usr/bin/env bash
# The suite needs nothing beside the checkout: clone the committed tree into an empty temporary
# folder (nothing next to it, no ORDERSITE_SHARED_DATA) and run the tests that read reference
# data there, with this checkout's .venv. Usage: bash scripts/clone-check.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
here="$(pwd)"
test -x "$here/.venv/bin/python" || { echo "clone-check: run 'make install' first (no .venv)"; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
git clone --quiet --no-hardlinks "$here" "$tmp/ordersite"
git -C "$tmp/ordersite" checkout --quiet --detach "$(git rev-parse HEAD)"  # this checkout's commit, also in a worktree
ln -s "$here/.venv" "$tmp/ordersite/.venv"
cd "$tmp/ordersite"
echo "clone-check: running the data-dependent tests in $tmp/ordersite"
env -u ORDERSITE_SHARED_DATA .venv/bin/python -m pytest -q -p no:cacheprovider tests/lambda_ tests/oracle tests/test_walking_skeleton.py "$@"
