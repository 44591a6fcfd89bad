"""The index cache: re-open a folder by re-parsing only the files that changed.

:func:`scan` returns one slim :class:`Record` per article (kind, problems, fingerprint and
the few metadata values lists and queries show first) without keeping bodies or full
metadata in memory. Results come from ``<root>/.copydesk/index/`` when a file is provably
unchanged, otherwise from parsing it (across worker processes when there are many).

The package, by concern:

- ``records``: an entry as the index encodes it, and the :class:`Record` and
  :class:`Display` decoded from it;
- ``store``: the index file (its key over settings, schema and copydesk's code; its
  columns; reading and writing it);
- ``private``: the authenticated private files the index and its views are written as;
- ``workers``: the worker processes and what they inherit;
- ``scanning``: :func:`scan` and :func:`snapshot`, and when a stored entry is trusted;
- ``metadata``: whole articles across workers (:func:`map_articles`, :func:`load_articles`);
- ``views``: what callers keep beside the index (:func:`save_view`, :func:`load_view`);
- ``values``: the values of a few metadata keys of every article, kept beside the index by
  the scans that ask for them (``scan(..., values=True)``: ``check``);
- ``listing``: :func:`listed_articles`, the articles answered from the index and those
  values (``list --where``, ``tags``, the targets of ``set`` / ``tag --where``).
"""

from __future__ import annotations

from .listing import Listed, ListedArticle, listed_articles
from .metadata import load_articles, map_articles
from .private import Parts
from .records import DISPLAY_KEYS, RACY_WINDOW_NS, Display, Entry, Record, display_of
from .scanning import Scan, scan, snapshot
from .store import (
    INDEX_FORMAT,
    INDEX_NAME,
    code_files,
    index_path,
    index_token,
    load_index,
    save_index,
)
from .values import kept_keys
from .views import load_view, load_view_parts, save_view
from .workers import PARALLEL_MIN_FILES

__all__ = [
    "DISPLAY_KEYS",
    "INDEX_FORMAT",
    "INDEX_NAME",
    "PARALLEL_MIN_FILES",
    "RACY_WINDOW_NS",
    "Display",
    "Entry",
    "Listed",
    "ListedArticle",
    "Parts",
    "Record",
    "Scan",
    "code_files",
    "display_of",
    "index_path",
    "index_token",
    "kept_keys",
    "listed_articles",
    "load_articles",
    "load_index",
    "load_view",
    "load_view_parts",
    "map_articles",
    "save_index",
    "save_view",
    "scan",
    "snapshot",
]
