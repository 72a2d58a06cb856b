"""uam-events: keep user access in Anaplan models correct minutes after the source of truth changes."""

__version__ = "0.1.0"
