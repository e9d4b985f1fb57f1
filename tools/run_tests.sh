#!/usr/bin/env bash
# Run the test suite: python -m pytest on tests/ (or $MOBILEVOS_TEST_PATHS), extra args passed on.
# pytest's exit code 5 ("no tests collected") means the set-up is broken, so it fails here too.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
# shellcheck disable=SC2086
"$PYTHON" -m pytest ${MOBILEVOS_TEST_PATHS:-tests} "$@"
rc=$?
if [[ $rc -eq 5 ]]; then
  echo "error: pytest collected no tests from '${MOBILEVOS_TEST_PATHS:-tests}': the test set-up is broken." >&2
  exit 1
fi
exit $rc
