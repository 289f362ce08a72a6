"""Triggers of the SignalWire provider."""
