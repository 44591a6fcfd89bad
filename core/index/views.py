"""Views kept beside the index: what a caller derived from it (the TUI's list rows, its
filter values), saved as private files, so that the next start can show them before the
folder is checked again."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..config import Config
from .private import Parted, Parts, read_private, write_private
from .store import config_key, index_path, index_token


def _view_key(config: Config) -> str:
    """:func:`~core.index.store.config_key` and the rule selection: a view holds problems as one selection saw them."""
    digest = hashlib.sha256(config_key(config).encode())
    digest.update(repr((config.select, config.ignore, sorted(config.per_file_ignores.items()))).encode())
    return digest.hexdigest()


def view_path(config: Config, name: str) -> Path:
    """The file of the view ``name``."""
    return index_path(config).with_name(f"{name}.view")


def save_view(config: Config, name: str, version: str, data: Any, *, of_index: bool = True,
              parts: Iterable[Any] | None = None) -> bool:
    """Keep ``data`` (values ``marshal`` can store: a list's display rows, say) beside the
    index, for :func:`load_view`. ``of_index``: the data is derived from the current index,
    and valid only as long as that file is; else the data must tell for itself which
    version of each file it holds. ``parts``: more data, written piece by piece (see
    :func:`load_view_parts`). False when there is no index or the folder cannot be written."""
    token = index_token(config)
    if token is None:
        return False
    return write_private(view_path(config, name),
                         (version, _view_key(config), token if of_index else None, data), parts)


def load_view(config: Config, name: str, version: str) -> Any | None:
    """The ``data`` of :func:`save_view` while the settings and ``version`` (the caller's
    format) are the same and, for a view of the index, the index is the very file it was
    derived from; else None.

    Like :func:`~core.index.snapshot`, a view says what the folder *was*: run
    :func:`~core.index.scan` next. Meant for start-up: the file is read through a memory
    mapping (see :func:`~core.index.private.read_private`)."""
    found = _load_view(config, name, version, mapped=True)
    if found is not None and found[1] is not None:
        found[1].close()  # written in parts: not for this reader
        return None
    return found[0] if found is not None else None


def load_view_parts(config: Config, name: str, version: str) -> tuple[Any, Parts] | None:
    """``(data, parts)`` of a view saved with ``parts``, as :func:`load_view` finds ``data``;
    ``parts`` decodes one part at a time as it is iterated, reading the file as it goes (its
    ``close()`` closes the file before the end)."""
    found = _load_view(config, name, version)
    return found if found is not None and found[1] is not None else None


def _load_view(config: Config, name: str, version: str, mapped: bool = False) -> tuple[Any, Parts | None] | None:
    value, status = read_private(view_path(config, name), mapped=mapped)
    if status != "loaded":
        return None
    parts = None
    if isinstance(value, Parted):
        value, parts = value
    usable = isinstance(value, tuple) and len(value) == 4
    if usable:
        stored_version, stored_key, token, data = value
        usable = (stored_version == version and stored_key == _view_key(config)
                  and (token is None or token == index_token(config)))
    if not usable:
        if parts is not None:
            parts.close()
        return None
    return data, parts
