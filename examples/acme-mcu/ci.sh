#!/usr/bin/env bash
# CI job of the example plug-in: a clean venv, the project and the example installed as a
# user would install them (not editable), the example's tests run from its own directory.
# Usage: examples/acme-mcu/ci.sh PYTHON      (e.g. python3.11)
set -euo pipefail
python=${1:?usage: ci.sh PYTHON}
example=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$example/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$python" -m venv "$work/venv"
pip=("$work/venv/bin/python" -m pip install -q --disable-pip-version-check)
"${pip[@]}" "$project[test]"
"${pip[@]}" "$example[test]"
# Run from a copy: nothing but the installed packages is importable (no src/ on the path).
cp -r "$example/tests" "$example/pyproject.toml" "$work/"
cd "$work"
"$work/venv/bin/hnth" drivers --json | "$work/venv/bin/python" -c \
  'import json, sys; d = {i["name"]: i for i in json.load(sys.stdin)}; \
   assert "acme" in d and d["acme"]["error"] is None, d.get("acme"); print("hnth drivers: acme ok")'
"$work/venv/bin/python" -m pytest -q -p no:cacheprovider tests
