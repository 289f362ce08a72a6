# Shared by scripts/demo and scripts/test: make a virtual environment pinned by our constraints.
# Usage: make_env <venv dir> <pip install arguments...>
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AIRFLOW_VERSION="${AIRFLOW_VERSION:-3.3.2}"
CONSTRAINTS="$REPO/constraints/airflow-$AIRFLOW_VERSION.txt"
PYTHON="${PYTHON:-python3}"

make_env() {
    local venv="$1"
    shift
    if [ ! -f "$CONSTRAINTS" ]; then
        echo "No constraints file for Airflow $AIRFLOW_VERSION: $CONSTRAINTS" >&2
        exit 2
    fi
    if [ ! -x "$venv/bin/python" ]; then
        echo "==> Creating $venv ($("$PYTHON" --version))"
        "$PYTHON" -m venv "$venv"
    fi
    echo "==> Installing into $venv (Airflow $AIRFLOW_VERSION, pinned by ${CONSTRAINTS#"$REPO"/})"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        -c "$CONSTRAINTS" "apache-airflow==$AIRFLOW_VERSION" "$@"
}
