"""Adapters that talk to Anaplan: import files (pure), and later the client and the simulator."""
