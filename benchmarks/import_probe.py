"""
One import-cost sample, in a fresh interpreter: ``python import_probe.py MODULE [MODULE...]``.

Imports the Airflow SDK base classes first (the baseline every DAG file pays anyway), then each
MODULE in turn, and prints ``{"baseline_ms": ..., "samples": [{"module", "ms", "new"}, ...]}``
with each import's wall time and the modules it added to ``sys.modules``.
"""

from __future__ import annotations

import json
import sys
import time

started = time.perf_counter()
from airflow.sdk import BaseHook, BaseOperator, BaseSensorOperator  # noqa: E402, F401

baseline_ms = (time.perf_counter() - started) * 1000.0
samples = []
for module in sys.argv[1:]:
    before = set(sys.modules)
    start = time.perf_counter()
    __import__(module)
    elapsed = (time.perf_counter() - start) * 1000.0
    samples.append({"module": module, "ms": elapsed, "new": sorted(set(sys.modules) - before)})
print(json.dumps({"baseline_ms": baseline_ms, "samples": samples}))
