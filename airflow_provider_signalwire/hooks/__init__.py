"""Hooks of the SignalWire provider."""
