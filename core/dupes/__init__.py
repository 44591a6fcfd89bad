"""Duplicate stories: articles of a folder that tell the same story (a reprint under
another title, with promotion or a footer added, a paragraph dropped, lightly reworded),
grouped, each group with a score and its reason.

The package, by concern:

- ``signatures``: what a body is compared by (normalised words, shingles, datasketch's
  MinHash) and the workers' part;
- ``cache``: the signatures kept beside the index, per file version;
- ``groups``: candidate pairs (LSH banding), their verification (exact shared shingles,
  rapidfuzz title similarity) and the groups (scipy's connected components).

Nothing here runs in ``check``'s pass: only ``copydesk dupes`` and the query terms
``is:duplicate`` / ``dup:`` compute signatures. Importing the package imports neither numpy
nor datasketch; computing does.
"""

from __future__ import annotations

from .cache import CACHE_NAME, cache_path
from .groups import Group, Link, Member, Report, find_duplicates, group_id
from .signatures import Settings

__all__ = ["CACHE_NAME", "Group", "Link", "Member", "Report", "Settings", "cache_path", "find_duplicates", "group_id"]
