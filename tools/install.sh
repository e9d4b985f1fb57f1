#!/usr/bin/env bash
# One-command set-up of mobilevos on a fresh Linux machine (Python 3.11, CPU).
#
#   bash tools/install.sh            # install into the current Python environment
#   PYTHON=/path/to/python bash tools/install.sh
#
# What it does, in order (each step is skipped when it is already satisfied):
#   1. checks the Python version;
#   2. installs the build tools (setuptools>=77,<82, wheel, ninja, psutil);
#   3. installs torch==2.13.0 (CPU);
#   4. installs mmengine, mmsegmentation and the runtime, export, test and demo
#      requirements; then, optionally (a warning if it fails), Debian's chromium,
#      chromium-driver and ffmpeg through apt-get for the web demo's browser test;
#   5. installs mmcv==2.1.0 with compiled CPU ops. It looks for a wheel in the
#      wheel cache and in every folder of PIP_FIND_LINKS; only when none is there
#      does it build one from the PyPI sdist (about 18 min on 2 cores), keep it
#      in the cache, and install it;
#   6. installs this package in editable mode and checks that `import mobilevos, mmseg.models; from mmcv.ops import
#      point_sample` works.
#
# Environment variables:
#   PYTHON                 interpreter to install into (default: python, else python3)
#   MOBILEVOS_WHEEL_CACHE  where the built mmcv wheel is kept
#                          (default: ~/.cache/mobilevos/wheels)
#   PIP_FIND_LINKS         extra wheel folders, space separated (pip's own variable)
#   MAX_JOBS               parallel compile jobs for mmcv (default: number of cores)
#   MOBILEVOS_FORCE=1      run every pip step even if the install stamp says all is done
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

STEPS=6
step() { printf '\n\033[1m[%s/%s] %s\033[0m\n' "$1" "$STEPS" "$2"; }
info() { printf '      %s\n' "$*"; }
die() { printf '\n\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

if [[ -z "${PYTHON:-}" ]]; then
  if command -v python >/dev/null 2>&1; then PYTHON=python; else PYTHON=python3; fi
fi
command -v "$PYTHON" >/dev/null 2>&1 || die "no Python interpreter named '$PYTHON' on PATH. Install Python 3.11 or set PYTHON=/path/to/python3.11."
PIP=("$PYTHON" -m pip --disable-pip-version-check)
export PIP_ROOT_USER_ACTION=ignore

CACHE="${MOBILEVOS_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mobilevos/wheels}"
mkdir -p "$CACHE"
# Every folder pip may take a wheel from: our cache first, then PIP_FIND_LINKS.
FIND_LINKS=("$CACHE")
for d in ${PIP_FIND_LINKS:-}; do FIND_LINKS+=("$d"); done
LINK_ARGS=()
for d in "${FIND_LINKS[@]}"; do LINK_ARGS+=(--find-links "$d"); done

# ---------------------------------------------------------------------------
step 1 "Checking Python"
PY_VERSION="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
[[ "$PY_VERSION" == "3.11" ]] || die "mobilevos needs Python 3.11 (torch 2.13.0 and the mmcv 2.1.0 build are pinned for it); '$PYTHON' is Python $PY_VERSION. Set PYTHON=/path/to/python3.11."
PREFIX="$("$PYTHON" -c 'import sys; print(sys.prefix)')"
info "Python $PY_VERSION at $PREFIX"
info "wheel cache: $CACHE"
[[ -n "${PIP_FIND_LINKS:-}" ]] && info "PIP_FIND_LINKS: $PIP_FIND_LINKS"

# The stamp records which requirement files were installed into which environment.
STAMP_KEY="$(printf '%s' "$PREFIX" | sha1sum | cut -c1-12)"
STAMP_FILE="$CACHE/../install-$STAMP_KEY.stamp"
STAMP_VALUE="$(cat setup.py requirements/*.txt | sha1sum | cut -c1-40) $REPO_ROOT"

verify() {
  # from outside the checkout, so that the import proves the install, not the current folder
  (cd / && MOBILEVOS_REPO="$REPO_ROOT" "$PYTHON" - <<'PY'
import importlib.metadata as md
import os, sys
want = {'torch': '2.13.0', 'mmcv': '2.1.0', 'mmengine': '0.10.7', 'mmsegmentation': '1.2.2'}
for name, version in want.items():
    got = md.version(name).split('+')[0]
    if got != version:
        sys.exit(f'{name} {got} is installed, but mobilevos needs {version}')
import mobilevos, mmseg.models  # noqa: E401,F401
from mmcv.ops import point_sample  # noqa: F401
import onnx, onnxruntime, coremltools  # noqa: E401,F401
here = os.path.realpath(os.path.dirname(mobilevos.__file__))
checkout = os.path.realpath(os.path.join(os.environ['MOBILEVOS_REPO'], 'mobilevos'))
if here != checkout:
    sys.exit(f'mobilevos is installed from {here}, not from this checkout ({checkout})')
print(f'      mobilevos {mobilevos.__version__} from {here}')
PY
  )
}

if [[ "${MOBILEVOS_FORCE:-0}" != 1 && -f "$STAMP_FILE" && "$(cat "$STAMP_FILE")" == "$STAMP_VALUE" ]]; then
  info "an earlier run installed these requirements here; checking that they still import..."
  if verify 2>/dev/null; then
    printf '\n\033[32mmobilevos is already installed; nothing to do.\033[0m (MOBILEVOS_FORCE=1 re-runs every step)\n'
    exit 0
  fi
  info "they do not: running every step again"
fi

# ---------------------------------------------------------------------------
step 2 "Build tools (setuptools>=77,<82, wheel, ninja, psutil)"
"${PIP[@]}" install -q -r requirements/build.txt
info "$("$PYTHON" -c 'import setuptools; print("setuptools", setuptools.__version__)')"

# ---------------------------------------------------------------------------
step 3 "PyTorch 2.13.0 (CPU)"
if "$PYTHON" -c 'import importlib.metadata as m, sys; sys.exit(m.version("torch").split("+")[0] != "2.13.0")' 2>/dev/null; then
  info "torch 2.13.0 is already installed"
else
  "${PIP[@]}" install torch==2.13.0
fi

# ---------------------------------------------------------------------------
step 4 "mmengine, mmsegmentation, runtime, export and test requirements"
# --no-deps: mmengine asks for the desktop opencv-python, which needs libGL; we use
# the headless build listed in requirements/runtime.txt instead.
"${PIP[@]}" install -q --no-deps mmengine==0.10.7 mmsegmentation==1.2.2
"${PIP[@]}" install -q -r requirements/runtime.txt -r requirements/deploy.txt -r requirements/tests.txt \
  -r requirements/demo.txt
info "done (a pip note that mmengine wants opencv-python is expected: opencv-python-headless provides cv2)"
# Optional: headless Chromium for the web demo's browser test (tests/demo); the test skips loudly without it.
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  info "chromium and chromedriver are already installed"
elif command -v apt-get >/dev/null 2>&1 && [[ "$(id -u)" == 0 ]]; then
  info "installing chromium, chromium-driver and ffmpeg with apt-get (for the browser test of the demo)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver ffmpeg; } \
    >/tmp/mobilevos-apt.log 2>&1 \
    || info "warning: apt-get could not install chromium (log: /tmp/mobilevos-apt.log); the browser test will skip"
else
  info "warning: no chromium and no root apt-get: the demo's browser test will skip (apt-get install chromium chromium-driver)"
fi

# ---------------------------------------------------------------------------
step 5 "mmcv 2.1.0 with compiled CPU ops"
mmcv_ok() { "$PYTHON" -c 'import importlib.metadata as m, sys; sys.exit(m.version("mmcv") != "2.1.0")' 2>/dev/null \
  && "$PYTHON" -c 'from mmcv.ops import point_sample' 2>/dev/null; }
if mmcv_ok; then
  info "mmcv 2.1.0 with ops is already installed"
else
  info "looking for a prebuilt wheel in: ${FIND_LINKS[*]}"
  if "${PIP[@]}" install -q --no-deps --no-index --only-binary mmcv "${LINK_ARGS[@]}" mmcv==2.1.0 2>/dev/null; then
    info "installed mmcv from a prebuilt wheel"
  else
    info "no prebuilt wheel found: building one from the PyPI sdist (about 18 minutes on 2 cores)"
    command -v "${CXX:-g++}" >/dev/null 2>&1 || command -v c++ >/dev/null 2>&1 \
      || die "no C++ compiler found (g++ or c++), which the mmcv build needs. On Debian/Ubuntu: apt-get install g++"
    PY_INCLUDE="$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')"
    [[ -f "$PY_INCLUDE/Python.h" ]] || die "Python headers not found ($PY_INCLUDE/Python.h), which the mmcv build needs. On Debian/Ubuntu: apt-get install python3.11-dev"
    LOG="$CACHE/mmcv-2.1.0-build.log"
    BUILD_DIR="$(mktemp -d)"
    info "build log: $LOG"
    start=$SECONDS
    # --no-build-isolation: the build must see the installed torch, or it silently
    # skips the ops. MMCV_WITH_OPS=1 asks for the compiled ops.
    ( MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
      "${PIP[@]}" wheel -v --no-deps --no-build-isolation --no-binary mmcv -w "$BUILD_DIR" mmcv==2.1.0 ) >"$LOG" 2>&1 &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
      sleep 15
      done_of="$(grep -oE '^ *\[[0-9]+/[0-9]+\]' "$LOG" | tail -n1 | tr -d ' ' || true)"
      printf '      ... %4ds elapsed, compiled %s\n' "$((SECONDS - start))" "${done_of:-[starting]}"
    done
    wait "$pid" || die "the mmcv build failed after $((SECONDS - start))s. Read the log: $LOG"
    wheel="$(ls "$BUILD_DIR"/mmcv-2.1.0-*.whl 2>/dev/null | head -n1)"
    [[ -n "$wheel" ]] || die "the mmcv build wrote no wheel. Read the log: $LOG"
    "$PYTHON" -m zipfile -l "$wheel" | grep -q 'mmcv/_ext' \
      || die "the mmcv wheel was built without its compiled ops (mmcv/_ext). Read the log: $LOG"
    mv "$wheel" "$CACHE/"
    rm -rf "$BUILD_DIR"
    info "built in $((SECONDS - start))s; kept $(basename "$wheel") in $CACHE"
    "${PIP[@]}" install -q --no-deps --no-index --find-links "$CACHE" mmcv==2.1.0
  fi
  mmcv_ok || { "$PYTHON" -c 'from mmcv.ops import point_sample' 2>&1 | tail -n 3 >&2;
    die "mmcv 2.1.0 is installed but 'from mmcv.ops import point_sample' fails (above): the wheel has no compiled ops or was built for another torch. Delete it from ${FIND_LINKS[*]} and run again."; }
fi

# ---------------------------------------------------------------------------
step 6 "mobilevos (editable) and a check of the whole install"
"${PIP[@]}" install -q --no-deps --no-build-isolation -e .
verify_log="$(mktemp)"
verify >"$verify_log" 2>&1 || { cat "$verify_log" >&2; die "the install finished but the check above failed."; }
grep '^      mobilevos' "$verify_log"; rm -f "$verify_log"
printf '%s' "$STAMP_VALUE" >"$STAMP_FILE"
printf '\n\033[32mmobilevos is installed.\033[0m Next: bash tools/quickstart.sh (main job), bash tools/run_tests.sh (tests)\n'
