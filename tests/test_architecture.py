"""The core is a plain library: importing all of it never imports Textual."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import core


def test_core_never_imports_textual():
    modules = [f"core.{m.name}" for m in pkgutil.walk_packages(core.__path__, "") if not m.name.startswith("_")]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(core.__file__).parents[1])
    assert result.returncode == 0, result.stderr
    assert len(modules) > 10
    assert result.stdout.strip() == ""


def test_version_flag():
    result = subprocess.run([sys.executable, "-m", "core.cli", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == f"copydesk {core.__version__}"
