#!/usr/bin/env bash
# Installs the distribution packages ordersite needs when they are missing and we may.
set -euo pipefail
# Extra command names may be passed (e.g. wrk for the load benchmark).
need=()
command -v redis-server >/dev/null || need+=(redis-server)
for extra in "$@"; do command -v "$extra" >/dev/null || need+=("$extra"); done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
  echo "missing ${need[*]}: install them with your package manager (apt-get install ${need[*]})"; exit 1; fi
echo "installing ${need[*]} from the distribution's packages"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq ${need[@]+"${need[@]}"} >/dev/null
