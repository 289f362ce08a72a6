"""Sensors of the SignalWire provider."""
