"""copydesk core: load, check, query and surgically edit Markdown articles with YAML front matter.

The public library API is this package's ``__all__``: ``from core import load_corpus``.
Each name is imported from its module when first used, so ``import core`` stays cheap and
the command line's start-up pays only for what a command uses. This package never imports
Textual (``tests/test_architecture.py`` proves it).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# Public name -> the module that defines it.
_EXPORTS = {
    # settings
    "Config": "core.config",
    "load_config": "core.config",
    # loading and the article model
    "Article": "core.document",
    "Corpus": "core.document",
    "load_article": "core.document",
    "load_corpus": "core.document",
    "get_path": "core.document",
    "thaw": "core.document",
    # python-frontmatter posts, checked before a pipeline writes them
    "check_post": "core.post",
    # problems
    "Problem": "core.checks",
    "RULES": "core.checks",
    # edits
    "AddItem": "core.edit.ops",
    "DeleteKey": "core.edit.ops",
    "RemoveItem": "core.edit.ops",
    "RenameKey": "core.edit.ops",
    "ReplaceItem": "core.edit.ops",
    "SetValue": "core.edit.ops",
    "apply_edits": "core.edit.apply",
    # saving and undo
    "Change": "core.storage.save",
    "SaveResult": "core.storage.save",
    "plan_change": "core.storage.save",
    # the fixes of `check --fix`
    "FixPlan": "core.checks.fixes",
    "plan_fixes": "core.checks.fixes",
    "save_changes": "core.storage.save",
    "Journal": "core.storage.journal",
    # the query language
    "compile_query": "core.query",
    "where": "core.query",
    # showing text from articles
    "printable": "core.display",
    # errors
    "CopydeskError": "core.errors",
    "AdoptRefused": "core.adopt",
    "ConfigError": "core.config",
    "EditRefused": "core.edit.apply",
    "JournalError": "core.storage.journal",
    "QueryError": "core.query",
    "SchemaError": "core.schema",
    "UnsafeFile": "core.text.guard",
}
_RENAMED = {"compile_query": "compile"}  # the module's own name would shadow the builtin here

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'core' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), _RENAMED.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
