"""Operators of the SignalWire provider."""
