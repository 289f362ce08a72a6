"""Transfer operators: SignalWire data into other systems."""
