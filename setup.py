"""Build hook: compile the core with mypyc when UAM_COMPILE=1; the metadata is in pyproject.toml.

    pip install .                    pure Python (so is `pip install -e .`, the dev venv)
    UAM_COMPILE=1 pip install .      uam_events/core/*.py as C extensions (needs a C compiler)

The C sources and objects go to build/mypyc/, never next to the sources. A compiled editable
install is refused: its .so files would sit in uam_events/core/ and keep running after the .py
files change (docs/decisions/performance.md, "The core ships compiled with mypyc").
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from setuptools import Extension, setup

BUILD_DIR = "build/mypyc"
EDITABLE_COMMANDS = {"develop", "editable_wheel"}


def core_extensions() -> list[Extension]:
    """Return the mypyc extensions of the core when UAM_COMPILE=1, else none (pure install)."""
    if os.environ.get("UAM_COMPILE") != "1":
        return []
    if EDITABLE_COMMANDS & set(sys.argv[1:]):
        sys.exit(
            "error: UAM_COMPILE=1 with an editable install would put the compiled core next to "
            "its sources, where it goes stale on the next edit. Install non-editable "
            "(UAM_COMPILE=1 pip install .; `make test-compiled` does it in .venv-compiled) or "
            "unset UAM_COMPILE for an editable, pure install."
        )
    from mypyc.build import mypycify  # noqa: PLC0415 (only a compiled build needs it)

    sources = sorted(str(path) for path in Path("uam_events/core").glob("*.py"))
    options = [
        "--config-file=",  # not pyproject's [tool.mypy]: its plugins are not build requirements
        "--strict",
        f"--cache-dir={BUILD_DIR}/.mypy_cache",  # leave the checker's .mypy_cache alone
    ]
    return mypycify([*options, *sources], target_dir=BUILD_DIR)


setup(ext_modules=core_extensions())
