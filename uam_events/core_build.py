"""Which build of the core this process runs: `compiled` (mypyc extensions) or `pure` Python.

`UAM_COMPILE=1 pip install .` ships `uam_events/core/` compiled (setup.py); any other install
runs it as Python. `uam version` and the pytest header print the build; `UAM_EXPECT_CORE` makes
a test session refuse to run on the other one (tests/conftest.py).
"""

from __future__ import annotations

from importlib.machinery import EXTENSION_SUFFIXES
from typing import Literal

from uam_events.core import engine

CoreBuild = Literal["compiled", "pure"]
BUILDS: tuple[CoreBuild, ...] = ("compiled", "pure")


def build_of(path: str) -> CoreBuild:
    """Return the build of a module loaded from `path`: an extension module is compiled."""
    return "compiled" if path.endswith(tuple(EXTENSION_SUFFIXES)) else "pure"


def core_file() -> str:
    """Return the file the core's engine was imported from (a .py or a .so)."""
    return engine.__file__


def core_build() -> CoreBuild:
    """Return the build of the imported core: "compiled" or "pure"."""
    return build_of(core_file())
