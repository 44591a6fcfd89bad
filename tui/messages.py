"""What the loading pipeline (:mod:`tui.loading`) reports to the main screen: one message
class per event, posted from worker threads and handled on the event loop in order."""

from __future__ import annotations

from typing import Any

from textual.message import Message

from .model import PlainRow, Slim


class RecordsShown(Message):
    """The index's records, painted before the folder is checked against them."""

    def __init__(self, entries: list[Slim], rows: list[PlainRow]) -> None:
        super().__init__()
        self.entries = entries
        self.rows = rows


class RowsStreamed(Message):
    """One more slice of a folder read without an index (``done`` of ``total`` files).
    Each entry holds the values of ``keys`` (its file's field names are among ``names``):
    filters are answered over the slices read so far."""

    def __init__(self, entries: list[Slim], rows: list[PlainRow], done: int, total: int,
                 names: set[str], keys: frozenset[str]) -> None:
        super().__init__()
        self.entries = entries
        self.rows = rows
        self.done = done
        self.total = total
        self.names = names
        self.keys = keys


class ValuesShown(Message):
    """The values filters read, for every article of the index's records just painted, from
    what was kept beside the index (see :meth:`tui.loading.Loader.load`): filters are
    answered over them, marked partial until the folder's check confirms the records."""

    def __init__(self, loaded: dict[str, Any], names: set[str], keys: frozenset[str]) -> None:
        super().__init__()
        self.loaded = loaded
        self.names = names
        self.keys = keys


class ScanProgress(Message):
    """The folder's files read so far (the changed ones, when rows are on screen)."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total


class ScanFinished(Message):
    """The list is complete and checked: ``entries`` and ``rows`` replace the list shown,
    or None when the list shown is the folder as it is."""

    def __init__(self, entries: list[Slim] | None = None, rows: list[PlainRow] | None = None) -> None:
        super().__init__()
        self.entries = entries
        self.rows = rows


class MetadataProgress(Message):
    """Files read so far by the metadata pass."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total


class MetadataRead(Message):
    """The values filters read, for every article (see ``Workspace.attach_metadata``).
    ``versions`` (the file version of each value) is set when some files were read again:
    the values are then kept for the next start (:meth:`tui.loading.Loader.keep_values`,
    which lets go of both mappings)."""

    def __init__(self, loaded: dict[str, Any], names: set[str], keys: frozenset[str],
                 versions: dict[str, tuple[str, Any]] | None) -> None:
        super().__init__()
        self.loaded: dict[str, Any] | None = loaded
        self.names = names
        self.keys = keys
        self.versions = versions
