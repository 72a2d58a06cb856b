"""uam-events: keep user access in Anaplan models correct minutes after the source changes."""

__version__ = "0.1.0"
