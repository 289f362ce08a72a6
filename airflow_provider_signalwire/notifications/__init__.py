"""Airflow notifiers that reach people through SignalWire."""
