"""Apache Airflow provider for SignalWire's Compatibility API (conferences and their streams)."""

from __future__ import annotations

__version__ = "0.1.0"
