"""The one exception hierarchy: every error copydesk raises on purpose is a
:class:`CopydeskError`, so a script can catch them all in one place.

- ``CopydeskError``
  - ``core.config.ConfigError``: a configuration or schema file cannot be used
  - ``core.schema.SchemaError``: the schema does not describe what the command needs
  - ``core.text.guard.UnsafeFile``: a file cannot be read safely (link out, FIFO, too large...)
  - ``core.text.yamldata.YamlError``: front matter that is not valid YAML (carries the problem)
  - ``core.text.yamltree.LocateError``: YAML the editor cannot find its way in
  - ``core.edit.ops.EditError`` (also a ``ValueError``): an edit that does not fit the data
  - ``core.edit.apply.EditRefused``: an edit that cannot be made safely (names file and field)
  - ``core.checks.body.PatternError`` (also a ``ValueError``): a configured promotional pattern that is no regular expression
  - ``core.query.QueryError`` (also a ``ValueError``): a query that does not parse (with its column)
  - ``core.adopt.AdoptRefused``: a raw article that cannot be given front matter
  - ``core.storage.files.LockBusy``: another live process holds the article's lock
  - ``core.storage.files.UnsafeFolder`` (also an ``OSError``): a folder on the way became a link
  - ``core.storage.journal.JournalError``: the journal cannot do what was asked
    - ``UnknownBatch``, ``UnsafeJournal`` (also an ``OSError``)
  - ``core.git.GitError``: a git command failed, or git is not installed
  - ``core.cli.commands.common.UsageError``: bad command-line input (exit 2)
"""

from __future__ import annotations

__all__ = ["CopydeskError"]


class CopydeskError(Exception):
    """Base of every error copydesk raises on purpose."""
