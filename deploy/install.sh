#!/bin/sh
# The install step of deploy/Dockerfile, kept here so tests/deploy/test_deploy.py replays
# exactly what the image runs: a fresh virtualenv with the hash-checked runtime pins
# (requirements/runtime.lock), then the project itself without resolving anything.
#   deploy/install.sh <source dir> <venv dir>
set -eu
src=$1
venv=$2
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --no-cache-dir -q --require-hashes -r "$src/requirements/pip.lock"
"$venv/bin/python" -m pip install --no-cache-dir -q --require-hashes -r "$src/requirements/runtime.lock"
"$venv/bin/python" -m pip install --no-cache-dir -q --no-deps --no-build-isolation "$src"
