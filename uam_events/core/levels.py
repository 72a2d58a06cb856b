"""Access levels, ordered none < read < write; a higher level is never lowered by a lower one."""

from __future__ import annotations

from enum import IntEnum


class Level(IntEnum):
    """An access level; integer order is access order."""

    NONE = 0
    READ = 1
    WRITE = 2

    @property
    def label(self) -> str:
        """Return the wire name: `none`, `read` or `write`."""
        return _LABELS[self]

    @property
    def column(self) -> str:
        """Return Anaplan's import column suffix: `None`, `Read` or `Write`."""
        return _LABELS[self].capitalize()

    @classmethod
    def parse(cls, text: str) -> Level:
        """Return the level named `text` (`none`, `read`, `write`); raise ValueError otherwise."""
        try:
            return _BY_LABEL[text]
        except KeyError:
            raise ValueError(f"unknown level {text!r}: use none, read or write") from None


_LABELS = {Level.NONE: "none", Level.READ: "read", Level.WRITE: "write"}
_BY_LABEL = {label: level for level, label in _LABELS.items()}
