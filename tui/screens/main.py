"""The main screen: filter box, article list, reader, metadata editor, status bar, footer.

Every key comes from :mod:`tui.commands`; every change to the folder goes through the
workspace (staging) and the core (saving). Loading (:mod:`tui.loading`, which reports with
the messages of :mod:`tui.messages`), filtering, saving and watching the folder run in
thread workers that hand their results back to the event loop; the status bar shows
reactive state (:class:`tui.widgets.status_bar.StatusBar`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shlex
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, Static
from textual.worker import Worker, WorkerState, get_current_worker

from core.checks import Problem
from core.display import display_path, plural, printable, shown_tag
from core.document import Article, get_path

from .. import commands, release_gc
from ..fields import FieldSpec
from ..loading import Loader, Phase
from ..messages import (
    MetadataProgress,
    MetadataRead,
    RecordsShown,
    RowsStreamed,
    ScanFinished,
    ScanProgress,
    ValuesShown,
)
from ..model import (
    COL_SENTIMENT,
    COMMON_KEYS,
    SENTIMENTS,
    SORTS,
    FilterError,
    Slim,
    StageResult,
    Workspace,
    compile_filter,
    folder_schema,
    needed_keys,
    not_editable_reason,
    path_key,
    schema_fields,
)
from ..view import list_view
from ..widgets.article_list import ArticleList, ListHeader
from ..widgets.editor import MetadataEditor
from ..widgets.field_kinds import display
from ..widgets.footer import FittingFooter
from ..widgets.reader import Reader
from ..widgets.status_bar import Counts, Outside, StatusBar

if TYPE_CHECKING:
    from core.document import Article

    from .diff import Trouble

# Dialogs, the diff and help screens, and the core's loaders are imported where they are
# first used: the first screen of a large folder must paint within half a second of launch,
# and importing is a third of that.

PANE_DELAY = 0.05  # seconds the cursor must rest before the reader re-renders
# ... while the filter box has the focus: typing moves the cursor at every keystroke, and a
# reader re-rendered between two keystrokes (~35 ms for an article, a layout of the whole
# screen) delayed the next keystroke's list. It follows once the typing pauses.
TYPING_PANE_DELAY = 0.3
# A key for the list waits at most this long for the view a filter or sort is computing
# (longer when the filter first needs every article's metadata read: the key then acts on
# the rows shown).
VIEW_WAIT = 5.0
# A key typed ahead of a partial answer at start-up waits at most this long for the whole one.
PARTIAL_WAIT = 30.0
READ_NOTICE = 2_000  # c on this many targets says it is reading them before its picker opens
WATCH_INTERVAL = 3.0  # seconds between checks of the folder for outside changes
# What a worker that failed was doing, by group (see _worker_failed); other groups' errors
# are theirs to handle.
FAILED_WORK = {"load": "loading", "meta": "reading metadata", "save": "save", "reload": "reload", "commit": "commit",
               "dupes": "finding duplicate stories", "suggest": "the sentiment suggestion",
               "suggest-picker": "the sentiment suggestion"}


def suggestion_text(suggestion: Any) -> Text | None:
    """A sentiment suggestion as the editor shows it beside the value: ``suggested NEGATIVE
    -0.72`` (None when the field's values have none for its polarity)."""
    if suggestion is None or suggestion.label is None:
        return None
    return Text.assemble(("suggested ", "dim"), (printable(suggestion.label), "bold"),
                         (f" {suggestion.score:+.2f}" + (" confident" if suggestion.confident else ""), "dim"))


class FilterInput(Input):
    """The filter box: its footer says what ``enter`` and ``escape`` do there."""

    BINDINGS = [
        Binding("enter", "submit", "Keep filter"),
        Binding("escape", "screen.focus_list", "Clear filter"),
    ]


class EditorPane(MetadataEditor):
    """The metadata editor: its footer says what ``tab`` and ``escape`` do in a field (the
    list's one-letter commands are not offered there, see MainScreen.check_action)."""

    BINDINGS = [
        Binding("tab", "app.focus_next", "Next field"),
        Binding("escape", "screen.focus_list", "List (drops typed text)"),
    ]


class MainScreen(Screen[None]):
    """The triage screen."""

    BINDINGS = commands.bindings()

    def __init__(self, workspace: Workspace, paths: Sequence[Path], specs: tuple[FieldSpec, ...]) -> None:
        super().__init__()
        self.ws = workspace
        self.paths = list(paths)
        self.specs = specs
        self.outside_changes: list[int] = []
        self.outside_added = 0  # files in the folder that the list does not have yet
        self.outside_gone: frozenset[int] = frozenset()  # of outside_changes, the deleted files
        self._pane_timer = None
        self._known_fields: frozenset[str] = frozenset()
        self._schema = folder_schema(workspace.config)
        self._schema_fields = schema_fields(self._schema)
        workspace.view = list_view(workspace.config, self._schema)
        # The fields s and d set that the folder's schema lacks: those commands are not offered.
        self._missing_fields = frozenset(
            field for field in commands.FIELD_OF.values() if self._schema is not None and field not in self._schema_fields)
        self._hide_missing_commands()
        self._quit_after_save = False
        self._watching = False
        self._next_watch = 0.0
        self.loader = Loader(workspace, self.paths, [str(p.resolve()) for p in self.paths], self._post)
        self._meta_keys: frozenset[str] = frozenset()  # the keys being (or last) loaded
        self._rows_painted = False  # the first rows are on screen (the panes wait for that)
        # Where escape in the filter box takes the cursor back to: the article it was on when
        # the filter began, unless the user moved it since the last view was shown.
        self._before_filter: int | None = None
        self._taxonomy = "tags"  # the taxonomy `t` adds to (remembered; see _taxonomies)
        self._entered_query = ""  # the filter as it was when the box was opened or last entered
        self._view_placed: int | None = None  # the article a view put the cursor on
        # The view asked for and not shown yet: (the article it keeps, the one under the cursor
        # when it was asked). See _run_view.
        self._view_asked: tuple[int | None, int | None] | None = None
        self._painting = False
        self._partial_since = 0.0  # when the partial answer on screen was first shown (time.monotonic)
        # In a text box these commands' keys type text: the footer does not offer them there.
        self._typing_actions = commands.typing_actions(workspace.config.keys)
        self._goto: Introduced | None = None  # where to go once the view without a filter is shown
        # The last save's files, for `C` (core.git.commit.SavedFile), with the edits they got;
        # emptied by the commit.
        self._batch: tuple[Any, ...] = ()
        self._batch_edits: list[tuple[Any, ...]] = []
        self._git_index: Path | None = None  # the repository's index file; None: no repository
        self._git_asked = False  # git was asked once (after the first screen)
        self._git_shown: Callable[[int], str] | None = None  # what the list's git column draws
        self._in_worktree: bool | None = None  # a .git above the folder: git is asked (None: not looked yet)
        self._git_signature: object = None  # its time and size as last seen (see _watch)
        # Held, not queried: a worker's last report can arrive while the screen is taken down.
        self.status_bar = StatusBar(id="status")

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="top"):
            with Horizontal(id="filter-bar"):
                yield Label("/", id="filter-label")
                yield FilterInput(placeholder="filter: tag:ASIA sentiment:negative is:invalid -is:draft words…", id="filter",
                                  compact=True, select_on_focus=False)  # typing after `/` refines the query
            yield Static(id="filter-error")
            header = ListHeader(id="list-header")
            yield header
            yield ArticleList(header=header, id="list", view=self.ws.view)
        with Horizontal(id="bottom"):
            reader = Reader(id="reader")
            reader.view = self.ws.view  # the heading shows the list's fields
            yield reader
            yield EditorPane(self.specs, id="editor")
        yield self.status_bar
        yield FittingFooter(show_command_palette=False)  # ctrl+p is in the help: its room goes to save, help and quit

    @property
    def list(self) -> ArticleList:
        return self.query_one(ArticleList)

    @property
    def reader(self) -> Reader:
        return self.query_one(Reader)

    @property
    def editor(self) -> MetadataEditor:
        return self.query_one(MetadataEditor)

    @property
    def filter_input(self) -> Input:
        return self.query_one("#filter", Input)

    @property
    def phase(self) -> Phase:
        """Where the list is in its start-up (held by the status bar, which shows it)."""
        return self.status_bar.phase

    def _set_phase(self, phase: Phase, progress: tuple[int, int] | None = None) -> None:
        bar = self.status_bar
        bar.phase = phase
        bar.progress = progress

    @property
    def load_progress(self) -> tuple[int, int] | None:
        """Files read of the folder while the list is first loading (None once it is shown)."""
        return self.status_bar.progress if self.phase is Phase.LOADING else None

    @property
    def busy(self) -> str:
        """What a save or reload is doing (the status bar shows it)."""
        return self.status_bar.busy

    def on_mount(self) -> None:
        self.query_one("#filter-bar").display = False
        self.query_one("#filter-error").display = False
        self.list.bind(self.ws.rows, self.ws.is_marked, self.ws.is_dirty)
        self.list.focus()
        self._count()
        restored = self.loader.restore()
        if restored is not None:
            entries, rows, order = restored
            self.ws.restore(entries, rows, order)
            self._set_phase(Phase.CHECKING)
            self._show_view(list(order), None)
        # The first refresh paints the restored rows (or an empty list while the folder is
        # read): the garbage collector paused for start-up resumes after it.
        self.call_after_refresh(release_gc)
        self._load()

    def _post(self, message) -> None:  # noqa: ANN001 - a Message
        """Post ``message`` from a worker thread, unless the app is gone by then: a thread
        reading or checking the folder outlives a quit."""
        try:
            self.post_message(message)
        except RuntimeError:  # the event loop is closed
            if self.app.is_running:
                raise

    def _from_thread(self, callback: Callable[..., Any], *args: Any) -> None:
        """Run ``callback(*args)`` on the event loop and wait for it, as
        ``App.call_from_thread`` does, unless the screen is gone by then: a thread
        outlives a quit, and its last reports must not turn the quit into a traceback."""

        try:
            self.app.call_from_thread(self._if_shown, callback, *args)
        except RuntimeError:
            if self.app.is_running:
                raise

    def _if_shown(self, callback: Callable[..., Any], *args: Any) -> None:
        if self.is_attached and self.is_running:  # not while the screen is being taken down
            callback(*args)

    # -- loading: the pipeline runs in tui.loading, the screen reacts to its messages ----------

    def _load(self) -> None:
        self.run_worker(self.loader.load, thread=True, exclusive=True, group="load", exit_on_error=False)

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """A worker's error, said once for all of them: nothing is lost (edits stay staged)."""
        worker = event.worker
        if event.state is WorkerState.ERROR and worker.group in FAILED_WORK and worker.node is self:
            event.stop()
            self._failed(FAILED_WORK[worker.group], worker.error)  # type: ignore[arg-type]

    @on(RecordsShown)
    def _records_shown(self, message: RecordsShown) -> None:
        self._records_loaded(message.entries, True, message.rows)

    @on(RowsStreamed)
    def _rows_streamed(self, message: RowsStreamed) -> None:
        self.ws.add_articles(message.entries, message.rows)
        if message.keys:
            self.ws.note_values(message.names, message.keys)
            self._known_fields = self.ws.known_fields | self._schema_fields
        self._set_phase(Phase.LOADING, (message.done, message.total))
        if self.ws.query:
            # A filter typed meanwhile: answered again over every slice read so far.
            self._refilter(keep=self.list.current)
        else:
            # Rows stream in unsorted while loading; the final view sorts them.
            self.ws.visible = list(range(len(self.ws.articles)))
            self.list.show(self.ws.visible, keep_index=self.list.current)
        self._count()
        self._note_painted()

    @on(ValuesShown)
    def _values_shown(self, message: ValuesShown) -> None:
        """The filter values of the records painted, kept beside the index: a filter typed
        since is answered over them now (see ``_partial``)."""
        self.ws.attach_metadata(message.loaded, message.names, message.keys)
        self._known_fields = self.ws.known_fields | self._schema_fields
        if self.filter_input.has_class("-bad-query"):  # a field known now
            self._apply_filter_text(self.filter_input.value)

    @on(ScanProgress)
    def _scan_progressed(self, message: ScanProgress) -> None:
        self._scan_progress(message.done, message.total)

    def _scan_progress(self, done: int, total: int) -> None:
        if self.ws.articles and self.phase is not Phase.LOADING:
            self._set_phase(Phase.CHECKING, (done, total))
        else:
            self._set_phase(Phase.LOADING, (done, total))

    @on(ScanFinished)
    def _scan_finished(self, message: ScanFinished) -> None:
        self._records_loaded(message.entries, False, message.rows)

    def _load_metadata(self, keys: frozenset[str]) -> None:
        self._meta_keys = keys
        self._set_phase(Phase.METADATA, (0, len(self.ws.articles)))
        self.run_worker(partial(self.loader.read_metadata, keys), thread=True, exclusive=True, group="meta",
                        exit_on_error=False)

    @on(MetadataProgress)
    def _metadata_progressed(self, message: MetadataProgress) -> None:
        self._set_phase(Phase.METADATA, (message.done, message.total))

    def _records_loaded(self, entries: list[Slim] | None, checking: bool, rows: list | None = None) -> None:
        """The list is complete (``entries``: a new list with its ``rows``; None: the one shown)."""
        # Rows streamed in unsorted: a cursor still on the first row goes to the first sorted row.
        keep = self.list.current if self.list.cursor > 0 else None
        if entries is not None:
            self.ws.set_records(entries, rows)
            self.list.show(self.ws.visible, keep_index=None)  # no stale index survives the swap
        self._set_phase(Phase.CHECKING if checking else Phase.READY)
        if not checking:
            self._load_metadata(self.loader.filter_keys() | self._meta_keys)
        self._known_fields = self.ws.known_fields | self._schema_fields
        self._refilter(keep=keep)
        self.reader.forget()
        self._sync_if_idle()
        if not checking and not self._watching:
            self._watching = True
            self.set_interval(WATCH_INTERVAL, self._watch)
        self._count()

    @on(MetadataRead)
    def _metadata_read(self, message: MetadataRead) -> None:
        self._metadata_loaded(message.loaded, message.names, message.keys)
        # Kept for the next start, then the query index warmed, in a thread (the same group:
        # a newer pass cancels it).
        self.run_worker(partial(self.loader.keep_values, message), thread=True, exclusive=True, group="meta",
                        exit_on_error=False)

    def _metadata_loaded(self, loaded: dict[str, Any] | None, names: set[str], keys: frozenset[str]) -> None:
        changed = self.ws.attach_metadata(loaded or {}, names, keys)
        self._set_phase(Phase.READY)
        self._known_fields = self.ws.known_fields | self._schema_fields
        if self.filter_input.has_class("-bad-query"):
            # A field only some articles have is known now: the query may be valid after all.
            self._apply_filter_text(self.filter_input.value)
        elif changed or self.status_bar.partial:
            self.list.invalidate()
            # The values read can change the order (a site's own date field comes with this
            # pass): a cursor still on the first row, in the list, goes to the new first row,
            # as when the rows were first sorted (_records_loaded).
            on_top = self.list.cursor == 0 and self.focused is self.list
            self._refilter(keep=None if on_top else self.list.current)
        self._count()

    def _sync_if_idle(self) -> None:
        if self._pane_timer is None:
            self._cursor_moved(ArticleList.CursorMoved(self.list.current))

    # -- panes follow the cursor -------------------------------------------------------------

    @on(ArticleList.CursorMoved)
    def _cursor_moved(self, event: ArticleList.CursorMoved) -> None:
        if self._pane_timer is not None:
            self._pane_timer.stop()
            self._pane_timer = None
        if not self._rows_painted:
            # The first rows go on screen before the reader and editor render (they take
            # longer): _first_rows_painted syncs them.
            return
        typing = self.focused is self.filter_input
        self._pane_timer = self.set_timer(TYPING_PANE_DELAY if typing else PANE_DELAY, self._sync_panes)

    async def _sync_panes(self) -> None:
        self._pane_timer = None
        self._sync_editor()
        await self._show_reader()

    def _sync_editor(self) -> None:
        index = self.list.current
        if index is None:
            self.editor.show(None, None, None, False, dict)
            return
        article = self.ws.editing(index)
        reason = "" if article.editable else not_editable_reason(article)
        self.editor.terms_vocabulary = self._terms_vocabulary
        self.editor.found_tags = partial(self.ws.tags_in_text, index)
        self.editor.show(index, article, self.ws.full_data(index), self.ws.is_dirty(index), self._vocabulary, reason)
        self.editor.mark_problems({path: "; ".join(f"{p.message} ({p.code})" for p in found)
                                   for path, found in self.ws.edit_problems(index).items()})
        self._suggest_in_editor(index)

    # -- the sentiment suggestion: shown beside the value and in the `s` picker, never applied

    def _sentiment_path(self) -> tuple[str, ...]:
        return tuple(self.ws.config.sentiment.field.split("."))

    def _suggest_in_editor(self, index: int) -> None:
        """Work out the suggestion for the article in the editor, off the event loop (the
        first one imports the model; each reads the body), and show it beside the value."""
        path = self._sentiment_path()
        spec = next((spec for spec in self.editor.specs if spec.path == path and spec.kind == "enum"), None)
        self.editor.show_suggestion(index, path, None)
        request = self.ws.sentiment_request(index, spec.choices) if spec is not None else None
        if request is not None:
            self._suggest(request, partial(self._editor_suggested, index, path))

    def _editor_suggested(self, index: int, path: tuple[str, ...], suggestion: Any) -> None:
        self.editor.show_suggestion(index, path, suggestion_text(suggestion))

    def _suggest(self, request: Callable[[], Any], shown: Callable[[Any], None], group: str = "suggest") -> None:
        """Call ``request`` in a thread and hand its answer to ``shown`` on the event loop; a
        newer request of the same ``group`` (the editor's, the picker's) supersedes it."""

        def work() -> None:
            suggestion = request()
            if not get_current_worker().is_cancelled:
                self._from_thread(shown, suggestion)

        self.run_worker(work, thread=True, exclusive=True, group=group, exit_on_error=False)

    def _vocabulary(self) -> Counter[str]:
        """Every tag with its count (for suggestions): asked for only when a tag input
        suggests, never by moving the cursor (counting 50,000 articles' tags is ~0.1 s)."""
        return self.ws.tag_counts()  # cached by the workspace until a row changes

    def _terms_vocabulary(self, name: str) -> Callable[[], Counter[str]]:
        """The terms of list field ``name`` (categories, keywords...) with their counts, for
        the editor's suggestions; asked for only when its input suggests."""
        return lambda: self.ws.term_counts(name)

    # -- status ----------------------------------------------------------------------------

    def _count(self) -> None:
        """Show the workspace's counts, filter and outside changes (the status bar re-renders
        when one of them changed)."""
        ws = self.ws
        bar = self.status_bar
        bar.counts = Counts(self.list.shown, len(ws.articles), ws.marked_count, ws.hidden_marks, ws.with_problems,
                            ws.staged_count, ws.sort)
        bar.filter = ws.query
        changes = self.outside_changes
        held = [i for i in changes if ws.is_dirty(i) and i not in self.outside_gone]
        bar.outside = Outside(len(changes), len(self.outside_gone), self.outside_added, len(held),
                              sum(1 for i in held if ws.has_rewrite(i)))

    def _after_stage(self, message: str | None = None, severity: str = "information") -> None:
        self.list.invalidate()
        self._sync_editor()
        self._count()
        self.call_later(self._show_reader)  # an undo gives the article its own problems back
        self._check_unchecked()
        if message:
            self.notify(message, severity=severity)  # type: ignore[arg-type]

    async def _show_reader(self) -> None:
        """The reader again, for the problems of the cursor's article (never the editor: its
        fields may hold what the user is typing)."""
        index = self.list.current
        if index is None:
            await self.reader.show(None)
            return
        ws = self.ws
        dirty = ws.is_dirty(index)
        # The heading shows the values as staged, as the list and the editor do.
        await self.reader.show(ws.shown(index), ws.full_data(index) if dirty else None, dirty, ws.staged_body(index))

    def _check_unchecked(self) -> None:
        unchecked = self.ws.unchecked_staged()
        if unchecked:
            self._check_staged(unchecked)

    @work(thread=True, exclusive=True, group="check-staged")
    def _check_staged(self, unchecked: list[tuple[int, tuple[Any, ...]]]) -> None:
        """Check what each staged article would be once saved, so that its row, the status
        bar and the reader show the problems its edits fix or make before the save (a
        newer staging cancels this and checks everything still unchecked)."""
        worker = get_current_worker()
        results: list[tuple[int, tuple[Any, ...], Any]] = []
        last = time.monotonic()
        for index, edits in unchecked:
            if worker.is_cancelled:
                return
            results.append((index, edits, self.ws.check_staged(index, edits)))
            if time.monotonic() - last > 0.25:  # a bulk edit's rows turn as they are checked
                self._from_thread(self._staged_checked, results)
                results, last = [], time.monotonic()
        if results and not worker.is_cancelled:
            self._from_thread(self._staged_checked, results)

    def _staged_checked(self, results: list[tuple[int, tuple[Any, ...], Any]]) -> None:
        recorded = {index for index, edits, problems in results if self.ws.set_staged_check(index, edits, problems)}
        if not recorded:
            return
        self.list.invalidate()
        self._count()
        if self.list.current in recorded:
            self.call_later(self._show_reader)  # it lists the problems the edits leave

    def _hide_missing_commands(self) -> None:
        """Keep ``s``/``d`` out of the footer where the folder's schema has no such field (the
        keys stay bound: pressed, they say why nothing happens)."""
        hidden = {commands.BY_ID[cmd_id].action for cmd_id, field in commands.FIELD_OF.items() if field in self._missing_fields}
        if not hidden:
            return
        for key, bound in self._bindings.key_to_bindings.items():
            self._bindings.key_to_bindings[key] = [
                dataclasses.replace(binding, show=False) if binding.action in hidden else binding for binding in bound]

    def offers(self, cmd: commands.Command) -> bool:
        """Whether the folder's schema has the field ``cmd`` sets (the palette's test)."""
        return commands.FIELD_OF.get(cmd.id) not in self._missing_fields

    def describe(self, cmd: commands.Command) -> str:
        """What ``cmd`` does on this folder (the help screen's and the palette's words)."""
        return commands.folder_help(cmd, self._taxonomies(), self._missing_fields)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While a text box (the filter, an editor field) has the focus, the commands whose
        keys type text there are not offered: the footer said `/ Filter` in an editor field,
        where `/` types a slash."""
        return not (action in self._typing_actions and isinstance(self.focused, Input))

    async def before_key(self, received: float = 0.0) -> None:
        """Called before each key is handled: a key for the list (not one typed into a text
        box) waits until the view a filter or sort asked for is shown, so that ``a`` right
        after a filter's ``enter`` marks the rows the filter shows, not those before it. A
        key typed ahead (``received``, ``time.monotonic()``, before the partial answer of
        start-up was on screen, see ``_partial``) waits for the whole answer; one typed
        after seeing the partial answer acts on it."""
        if isinstance(self.focused, Input):
            return
        start = time.monotonic()
        while self._view_running() and time.monotonic() < start + VIEW_WAIT:
            await asyncio.sleep(0.01)
        while (self.status_bar.partial and received < self._partial_since
               and time.monotonic() < start + PARTIAL_WAIT):
            await asyncio.sleep(0.02)

    def _view_running(self) -> bool:
        # Its last step hands the view to the event loop and waits for it to be shown.
        return any(w.group == "view" and w.node is self and not w.is_finished for w in self.workers)

    # -- filter and sort ---------------------------------------------------------------------

    def action_filter(self) -> None:
        if not self.ws.query:
            self._before_filter = self.list.current
        self._entered_query = self.ws.query
        self.query_one("#filter-bar").display = True
        # Focus now, not on the next loop turn: keys typed right after `/` belong to the box.
        self.set_focus(self.filter_input)

    def action_focus_editor(self) -> None:
        if not self.editor.built:  # pressed before the first screen was complete
            worker = self.run_worker(self._build_editor(focus=True), group="editor")
            # The keys typed next are for the field it focuses, not for the list.
            self.app.hold_keys(worker.wait())  # type: ignore[attr-defined]
            return
        self._sync_editor()
        for widget in self.editor.fields():
            if widget.focusable:
                self.set_focus(widget)
                return
        self.notify("this article cannot be edited here", severity="warning")

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._apply_filter_text(event.value)

    def _apply_filter_text(self, text: str) -> None:
        error = self.query_one("#filter-error", Static)
        try:
            matcher = compile_filter(text, self._known_fields or self.ws.known_fields | self._schema_fields, self._schema)
        except FilterError as exc:
            self._show_filter_error(exc)
            return
        if error.display:
            error.display = False
            self.filter_input.remove_class("-bad-query")
        self.ws.query = text.strip()
        if self.app.input_order.typing_next():  # type: ignore[attr-defined]
            # Only the last text typed is answered: more text is queued behind this key, so
            # the view of this one would be replaced before it is shown (at start-up, each
            # computed over 50,000 articles). The key that ends the text asks for its view.
            self.workers.cancel_group(self, "view")
            return
        # A new query starts at its first match (as fzf and lazygit do); clearing the filter
        # goes back to the article the cursor was on before it, or stays on the one the user
        # moved to in the filtered list (_clear_filter).
        self._run_view(matcher, self.ws.sort, None)

    def _show_filter_error(self, exc: FilterError) -> None:
        # The rows go back to the filter the user had, not a half-typed step on the way
        # (typing `titel:x` would otherwise leave the rows of the word `titel`).
        if self.ws.query != self._entered_query:
            self.ws.query = self._entered_query
            self._refilter(keep=self.list.current)
        shown = f"the list shows “{printable(self.ws.query)}”" if self.ws.query else "the list is unfiltered"
        error = self.query_one("#filter-error", Static)
        error.update(Text.assemble((f"✗ {printable(exc.message)}", "bold red"), (f" · {shown}", "dim")))
        error.display = True
        self.filter_input.add_class("-bad-query")

    def _view_refused(self, exc: FilterError, query: str) -> None:
        """A query found bad only by its view's worker (``dup:`` naming no group)."""
        if self.ws.query != query:
            return  # the user has typed on since: that query's view follows
        if self._entered_query == query:
            # Applied with `enter` before the error was known: its rows were never shown.
            self._entered_query = ""
        self._show_filter_error(exc)

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.filter_input.has_class("-bad-query"):
            self.app.bell()  # an invalid query is never applied: fix it, or escape to clear it
            return
        self._entered_query = self.ws.query
        if not event.value.strip():
            self.query_one("#filter-bar").display = False
        self.list.focus()

    def _clear_filter(self) -> None:
        with self.filter_input.prevent(Input.Changed):
            self.filter_input.value = ""
        self.query_one("#filter-error").display = False
        self.query_one("#filter-bar").display = False
        self.filter_input.remove_class("-bad-query")
        self.ws.query = ""
        keep = self.list.current
        if self._before_filter is not None and keep == self._view_placed:
            keep = self._before_filter  # a filter typed and dropped: back to where the cursor was
        self._before_filter = None
        self._run_view(None, self.ws.sort, keep)
        self.list.focus()

    def _refilter(self, keep: int | None) -> None:
        try:
            matcher = compile_filter(self.ws.query, self._known_fields, self._schema)
        except FilterError:
            matcher = None
        self._run_view(matcher, self.ws.sort, keep)

    def action_cycle_sort(self) -> None:
        self.ws.sort = SORTS[(SORTS.index(self.ws.sort) + 1) % len(SORTS)]
        self._refilter(self.list.current)
        self.notify(f"sorted by {self.ws.sort}", timeout=1.5)

    def _run_view(self, matcher, sort: str, keep: int | None) -> None:
        # A view asked for while an earlier one is still being computed: the cursor is where
        # the earlier one left it (at start-up, on the first row read, not yet sorted), so
        # keeping "the cursor's article" must keep what the earlier view was to keep, unless
        # the user has moved the cursor since.
        asked = self._view_asked
        current = self.list.current
        if asked is not None and keep == current and current == asked[1]:
            keep = asked[0]
        self._view_asked = (keep, current)
        self._view_worker(matcher, sort, keep)

    @work(thread=True, exclusive=True, group="view")
    def _view_worker(self, matcher, sort: str, keep: int | None) -> None:
        worker = get_current_worker()
        keys = needed_keys(matcher)
        while self.ws.provisional and matcher is not None:  # filters read the checked entries
            if worker.is_cancelled:
                return
            time.sleep(0.02)
        if not self.ws.has_keys(keys):
            # Never answer from partial metadata: read what the query needs, and wait.
            self._from_thread(self._need_keys, keys)
            while not self.ws.has_keys(keys):
                if worker.is_cancelled:
                    return
                time.sleep(0.05)
            self._from_thread(self._set_waiting, False)
        if matcher is not None and matcher.needs_duplicates:
            if not self._groups_found():
                return
            try:
                self.ws.check_groups(matcher)
            except FilterError as exc:
                if not worker.is_cancelled:
                    self._from_thread(self._view_refused, exc, matcher.text)
                return
        partial = "" if matcher is None else self._partial()  # what the view is computed over
        visible = self.ws.compute_view(matcher, sort, lambda: worker.is_cancelled)
        if visible is None or worker.is_cancelled:
            return
        hint = "" if visible or matcher is None or partial else no_match_hint(self.ws.articles, matcher,
                                                                             self.ws.tag_counts)
        if worker.is_cancelled:  # the hint takes time: a newer query's rows may be shown already
            return
        self._from_thread(self._show_view, visible, keep, hint, partial)

    def _partial(self) -> str:
        """What a filter's answer computed now is short of, in words ("": nothing). Before the
        folder's check, filters answer over the index's records and the values kept beside
        it; without an index, over the files read so far. The view asked for once the list
        is complete replaces it (``_records_loaded``, ``_metadata_loaded``)."""
        phase, progress = self.phase, self.status_bar.progress
        if phase is Phase.LOADING:
            total = progress[1] if progress else 0
            return f"partial: filtering {len(self.ws.articles):,} of {total:,} loaded…"
        if phase is Phase.CHECKING:
            return "partial: the index as last checked, the folder being checked…"
        return ""

    def _need_keys(self, keys: frozenset[str]) -> None:
        self._set_waiting(True)
        self._read_keys(keys)

    def _read_keys(self, keys: frozenset[str]) -> None:
        """Have a metadata pass read these top-level keys of every article, unless one that
        reads them is under way or follows."""
        if self.phase in (Phase.LOADING, Phase.CHECKING):
            self._meta_keys |= keys  # the list is still being read: its metadata pass follows
            return
        running = self.phase is Phase.METADATA and self._meta_keys >= keys
        if not running:
            self._meta_keys = frozenset(COMMON_KEYS) | self.ws.loaded_keys | self._meta_keys | keys
            self._load_metadata(self._meta_keys)

    def _set_waiting(self, waiting: bool) -> None:
        error = self.query_one("#filter-error", Static)
        if waiting:
            error.update(Text("… this filter needs every article's metadata: reading it (see the status bar)", style="cyan"))
            error.display = True
        elif not self.filter_input.has_class("-bad-query"):
            error.display = False

    def _show_view(self, visible: list[int], keep: int | None, hint: str = "", partial: str = "") -> None:
        self._view_asked = None
        if partial and not self.status_bar.partial:
            self._partial_since = time.monotonic()
        self.status_bar.partial = partial
        self.ws.visible = visible
        self.list.show(visible, keep_index=keep)
        self._view_placed = self.list.current
        self._count()
        self._note_painted()
        if hint and not self.filter_input.has_class("-bad-query"):
            error = self.query_one("#filter-error", Static)
            error.update(Text(hint, style="bold yellow"))
            error.display = True
        goto, self._goto = self._goto, None
        if goto is not None and goto.index in visible:
            self._go_to(goto)

    def _note_painted(self) -> None:
        if not self._rows_painted and not self._painting:
            self._painting = True
            self.call_after_refresh(self._first_rows_painted)

    def _first_rows_painted(self) -> None:
        self._rows_painted = True
        self.loader.painted.set()
        self._start_editor_build()
        self._sync_if_idle()

    def _start_editor_build(self) -> None:
        self.run_worker(self._build_editor(), group="editor")

    async def _build_editor(self, focus: bool = False) -> None:
        await self.editor.build()
        if focus:
            self.action_focus_editor()
        if self._git_index is None and not self._git_asked:
            # Once the first screen is complete: a large folder's git status takes a while.
            self._git_asked = True
            self._refresh_git()

    # -- moving ------------------------------------------------------------------------------

    def _focus_within(self, widget) -> bool:
        focused = self.focused
        return focused is not None and (focused is widget or widget in focused.ancestors)

    def action_cursor_down(self) -> None:
        self._step(1)

    def action_cursor_up(self) -> None:
        self._step(-1)

    def _step(self, delta: int) -> None:
        if self._focus_within(self.reader):
            self.reader.step(delta)
        elif self._focus_within(self.editor):
            self.editor.step(delta)
        else:
            self.list.move(delta)

    def action_top(self) -> None:
        self.list.move_to(0)

    def action_bottom(self) -> None:
        self.list.move_to(self.list.shown - 1)

    def action_next_problem(self) -> None:
        self._jump_problem(1)

    def action_previous_problem(self) -> None:
        self._jump_problem(-1)

    def _jump_problem(self, step: int) -> None:
        position = self.ws.next_problem(self.list.cursor, step)
        if position is None:
            self.notify("no more articles with problems" + (" below" if step > 0 else " above"), timeout=2)
            return
        self.list.move_to(position)

    def action_focus_reader(self) -> None:
        self.reader.focus()


    def action_focus_list(self) -> None:
        if self.focused is self.filter_input:
            self._clear_filter()
            return
        self.list.focus()

    # -- marks ---------------------------------------------------------------------------------

    def action_toggle_mark(self) -> None:
        index = self.list.current
        if index is None:
            return
        self.ws.toggle_mark(index)
        self.list.refresh_index(index)
        self.list.move(1)
        self._count()

    def action_mark_all(self) -> None:
        added = self.ws.mark_all_visible()
        self.list.invalidate()
        self._count()
        self.notify(f"{plural(added, 'row')} marked ({len(self.ws.marked):,} in all)", timeout=2)

    def action_clear_marks(self) -> None:
        cleared = self.ws.clear_marks()
        self.list.invalidate()
        self._count()
        self.notify(f"{plural(cleared, 'mark')} cleared", timeout=2)

    # -- edits on the targets ----------------------------------------------------------------

    def _blocked(self) -> bool:
        """While a save or reload runs, staged edits must not change under it; until the
        folder is checked, a list restored from the last session is not edited."""
        if self.ws.provisional:
            self.notify("wait: checking the folder against the list shown (a second or two)", severity="warning", timeout=2)
            return True
        if self.busy:
            self.notify(f"wait: {self.busy}", severity="warning", timeout=2)
            return True
        return False

    def _targets(self) -> list[int]:
        return self.ws.targets(self.list.current)

    def _editable_targets(self, verb: str, field: str = "") -> list[int]:
        """The targets, or none when not one of them can be edited (or the folder's schema has
        no ``field``): then the user is told why at once, before any prompt asks for a tag or
        a value."""
        if field in self._missing_fields:
            self.notify(f"cannot set {field}: the folder's schema has no {field} field", severity="warning")
            return []
        targets = self._targets()
        states = self.ws.states
        if not targets or any(self.ws.can_edit(i) for i in targets):
            return targets
        first = states[targets[0]].entry
        why = f"{first.relpath}: {not_editable_reason(first)}"  # type: ignore[arg-type]
        if len(targets) == 1 and not self.ws.marked:
            self.notify(f"cannot {verb} {why}", severity="warning")
        else:
            self.notify(f"cannot {verb}: none of the {len(targets):,} marked articles can be edited ({why})",
                        severity="warning")
        return []

    def _target_phrase(self, targets: list[int]) -> str:
        if len(targets) == 1 and not self.ws.marked:
            return self.ws.articles[targets[0]].relpath
        hidden = self.ws.hidden_marks
        return f"{len(targets):,} marked articles" + (f" ({hidden:,} hidden by the filter)" if hidden else "")

    def action_add_tag(self) -> None:
        if self._blocked():
            return
        targets = self._editable_targets("tag")
        if not targets:
            return

        def chosen(tag: str | None) -> None:
            self._taxonomy = prompt.taxonomy  # the next `t` starts on the taxonomy used last
            if tag and prompt.taxonomy != "tags":
                # Another taxonomy's term as typed: the house style is the tags' (as the command line's).
                result = self.ws.add_term(targets, prompt.taxonomy, tag)
                said = result.summary(f"add {tag!r} to {prompt.taxonomy}")
                problems = self.ws.term_problems(prompt.taxonomy, tag) if result.changed else ()
                self._after_stage(said + _save_will_ask(problems), "warning" if result.refused or problems else "information")
            elif tag:
                # Not at start-up: the first screen comes first.
                from core.checks.fixes import house_tag

                # Typed `hong` and enter: the house style's HONG, not a tag every target
                # would then be warned about (CD304, CD303), unless the folder turned them off.
                tag = house_tag(tag, self.ws.config)
                result = self.ws.add_tag(targets, tag)
                said = result.summary(f"add tag {tag!r}")
                problems = self.ws.tag_problems(tag) if result.changed else ()
                self._after_stage(said + _save_will_ask(problems), "warning" if result.refused or problems else "information")

        from .dialogs import TagPrompt

        taxonomies = self._taxonomies()
        what = "a tag" if taxonomies == ("tags",) else "a term"
        # One article: the vocabulary tags its text holds come first (as adopt finds them).
        found = partial(self.ws.tags_in_text, targets[0]) if len(targets) == 1 else tuple
        prompt = TagPrompt(f"Add {what} to {self._target_phrase(targets)}", self._vocabulary, taxonomies=taxonomies,
                           taxonomy=self._taxonomy, vocabulary_of=self._terms_vocabulary, found=found)
        self.app.push_screen(prompt, chosen)

    def _taxonomies(self) -> tuple[str, ...]:
        """The folder's taxonomies `t` offers: the configured ones its schema describes."""
        declared = [t for t in self.ws.config.taxonomies if self._schema is None or t in self._schema_fields]
        return tuple(declared) or ("tags",)

    def action_remove_tag(self) -> None:
        if self._blocked():
            return
        targets = self._editable_targets("untag")
        if not targets:
            return
        taxonomies = self._taxonomies()
        counts = {name: self.ws.term_counts(name, targets) for name in taxonomies}
        if not any(counts.values()):
            what = "tags" if taxonomies == ("tags",) else f"terms in {', '.join(taxonomies)}"
            self.notify(f"the target articles have no {what}", severity="warning")
            return

        def chosen(term: str | None) -> None:
            self._taxonomy = picker.taxonomy  # the next `t` or `T` starts on the taxonomy used last
            if term is None:  # the empty term is a choice too (shown ⟨empty⟩)
                return
            if picker.taxonomy == "tags":
                result = self.ws.remove_tag(targets, term)
                self._after_stage(result.summary(f"remove tag {shown_tag(term)}"))
            else:
                result = self.ws.remove_term(targets, picker.taxonomy, term)
                self._after_stage(result.summary(f"remove {shown_tag(term)} from {picker.taxonomy}"))

        from .dialogs import TagRemove

        # Start on the taxonomy used last, unless the targets have none of its terms.
        start = self._taxonomy if counts.get(self._taxonomy) else next(name for name in taxonomies if counts[name])
        picker = TagRemove(len(targets), counts[start], taxonomies=taxonomies, taxonomy=start,
                           counts_of=counts.__getitem__)
        self.app.push_screen(picker, chosen)

    def action_duplicates(self) -> None:
        """``=``: the folder's duplicate stories, found in a worker thread (signatures from
        the cache beside the index for unchanged files), then the group view."""
        if self._blocked():
            return
        self.notify("finding duplicate stories…", timeout=2)
        self._find_duplicates()

    @work(thread=True, exclusive=True, group="dupes", exit_on_error=False)
    def _find_duplicates(self) -> None:
        if self._groups_found():
            self._from_thread(self._show_duplicates, self.ws.duplicates())

    def _groups_found(self) -> bool:
        """In a worker thread: the folder's duplicate groups found, unless they are already,
        the status line saying so meanwhile (signing a large folder's files takes a while);
        False when finding them failed (said)."""
        if self.ws.duplicates_found:
            return True
        doing = FAILED_WORK["dupes"]

        def progress(done: int, total: int) -> None:
            self._from_thread(self._set_background, f"{doing}: {done:,}/{total:,} files read")

        self._from_thread(self._set_background, doing)
        try:
            self.ws.duplicates(progress)
        except Exception as exc:  # noqa: BLE001 - said, as a failed worker's error is
            self._from_thread(self._failed, doing, exc)
            return False
        finally:
            self._from_thread(self._set_background, "")
        return True

    def _set_background(self, doing: str) -> None:
        self.status_bar.background = doing

    def _show_duplicates(self, report: Any) -> None:
        from .dupes import DupesScreen

        def keep(kept: str, others: list[str]) -> StageResult:
            result = self.ws.mark_duplicates(kept, others)
            self._after_stage()
            return result

        self.app.push_screen(DupesScreen(report, self.ws.config.dupes.mark, keep))

    def action_tags(self) -> None:
        if self._blocked():
            return
        def rename(renames: list[tuple[str, str]], taxonomy: str):
            result = self.ws.rename_tags(renames, taxonomy)
            problems = [p for _, new in renames for p in self.ws.term_problems(taxonomy, new)] if result.changed else []
            self._after_stage(_save_will_ask(problems).removeprefix("; ") or None, "warning")
            return result

        from .tags import TagsScreen

        def preview(old: str, new: str, taxonomy: str) -> tuple[int, int, list[str]]:
            return self.ws.rename_preview(old, new, taxonomy=taxonomy)

        self.app.push_screen(TagsScreen(self.ws.term_counts, preview, rename, self.ws.config,
                                        self._taxonomies(), self._taxonomy))

    def action_sentiment(self) -> None:
        if self._blocked():
            return
        targets = self._editable_targets("set the sentiment of", "sentiment")
        if not targets:
            return
        current = Counter(self.ws.rows[i][COL_SENTIMENT] for i in targets)

        def chosen(value: str | None) -> None:
            if value:
                result = self.ws.set_sentiment(targets, value)
                self._after_stage(result.summary(f"set sentiment {value}"), "warning" if result.refused else "information")

        from .dialogs import SentimentPicker

        picker = SentimentPicker(len(targets), current)
        self.app.push_screen(picker, chosen)
        # One article: what its words suggest, labelled in the picker once worked out.
        request = self.ws.sentiment_request(targets[0], SENTIMENTS) if len(targets) == 1 else None
        if request is not None:
            picker.suggestion_pending()
            self._suggest(request, picker.show_suggestion, "suggest-picker")

    def action_set_field(self) -> None:
        """Pick any field, then its value (tui.screens.set_field), staged on every target."""
        if self._blocked():
            return
        targets = self._editable_targets("set a field of")
        if not targets:
            return
        from .set_field import (
            LISTS,
            FieldPicker,
            FieldTable,
            ValuePrompt,
            field_table,
            staged_summary,
        )

        phrase = self._target_phrase(targets)

        def valued(spec: FieldSpec, answer: tuple[str, Any] | None) -> None:
            if answer is None:
                return
            result = self.ws.set_everywhere(targets, spec.path, None if answer[0] == "delete" else answer[1])
            # A value's problems are the same in every article (judged alone): the first says them.
            first = next((i for i in targets if self.ws.is_dirty(i)), None) if result.changed else None
            problems = self.ws.edit_problems(first).get(spec.path, ()) if first is not None else ()
            warn = bool(result.refused or problems)
            self._after_stage(staged_summary(spec.name, answer, result) + _save_will_ask(problems),
                              "warning" if warn else "information")

        def picked(table: FieldTable, spec: FieldSpec | None) -> None:
            if spec is None:
                return
            if spec.kind in LISTS:
                # Terms are added as `t` adds them: a whole list set on many articles would
                # drop each one's own terms.
                if spec.name not in self._taxonomies():
                    self.notify(f"{printable(spec.name)} is a list: add it to the taxonomies in copydesk.toml "
                                "to add its terms with t or c, or edit it in the editor (e)", severity="warning")
                    return
                self._taxonomy = spec.name
                self.action_add_tag()
                return
            if not self.ws.has_keys(spec.path[:1]):
                self._read_keys(frozenset(spec.path[:1]))  # the folder's values, suggested as they come
            prompt = ValuePrompt(f"Set {spec.name} on {phrase}", spec, table.current[spec.name],
                                 partial(self.ws.value_counts, spec.name))
            self.app.push_screen(prompt, partial(valued, spec))

        def open_picker() -> None:
            table = field_table(self.ws, targets, self.specs)
            self.app.push_screen(FieldPicker(f"Set a field on {phrase}", table.fields, table.have, table.editable,
                                             table.current), partial(picked, table))

        if len(targets) < READ_NOTICE:
            open_picker()
            return
        # Thousands of articles take seconds to read: said first, the keys typed meanwhile
        # held for the picker.
        self.notify(f"reading the fields of {len(targets):,} articles…", timeout=3)
        opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def read_then_open() -> None:
            try:
                open_picker()
            finally:
                opened.set_result(None)

        self.app.hold_keys(opened)  # type: ignore[attr-defined]
        self.call_after_refresh(read_then_open)

    def action_toggle_draft(self) -> None:
        if self._blocked():
            return
        targets = self._editable_targets("set draft on", "draft")
        if not targets:
            return
        value, result = self.ws.toggle_draft(targets)
        self._after_stage(result.summary(f"{'set' if value else 'clear'} draft"), "warning" if result.refused else "information")

    def action_adopt(self) -> None:
        """``i``: give the raw article under the cursor the front matter ``copydesk adopt``
        would write (shown first); once staged, the editor goes to its first empty field."""
        if self._blocked():
            return
        index = self.list.current
        if index is None:
            return
        from core.adopt import AdoptRefused, plan_adopt
        from core.schema import SchemaError, load_schema
        from core.text.guard import UnsafeFile

        from .preview import ChangePreview

        article = self.ws.full(index)
        name = printable(article.relpath)
        if self.ws.can_edit(index):
            if article.kind == "raw":
                self.notify(f"{name}: its adoption is staged (ctrl+s saves it, u takes it back)", timeout=3)
            else:
                self.notify(f"{name} already has front matter: nothing to adopt", severity="warning")
            return
        config = self.ws.config
        try:
            schema = self._schema if self._schema is not None else load_schema(config)
            vocabulary = self.ws.tag_vocabulary()
            change, adoption = plan_adopt(article, schema, vocabulary, config)
        except (AdoptRefused, UnsafeFile, SchemaError, UnicodeDecodeError, OSError) as exc:
            self.notify(f"cannot adopt {name}: {printable(str(exc))}", severity="warning")
            return
        lines = [f"title: {adoption.title}" + ("" if adoption.title_line_removed else " (the first line stays in the text)")]
        if adoption.title_line_removed:
            lines.append("the title line is removed from the text")
        lines.append(f"{adoption.date_field}: {adoption.published_at} (from the {adoption.published_from})" if adoption.published_at
                     else f"{adoption.date_field}: no byline date found")
        if adoption.defaults:
            lines.append(f"from the configuration: {', '.join(adoption.defaults)}")
        lines.append(f"tags found: {', '.join(adoption.tags)}" if adoption.tags else "tags found: none")
        if adoption.placeholders:
            lines.append(f"to fill in: {', '.join(adoption.placeholders)} (ctrl+n goes from one to the next)")
        lines.extend(adoption.notes)

        def chosen(stage: bool | None) -> None:
            if not stage:
                return
            if not self.ws.stage_rewrite(index, change.new_text, change.old_text, adoption.meta, "adopt"):
                return
            self._after_stage(f"adopt {name} staged: ctrl+s saves it (u in the list takes it back)")
            self._next_field(index, start=True)

        self.app.push_screen(ChangePreview(f"Adopt {article.relpath}", lines, change.diff()), chosen)

    def action_fix(self) -> None:
        """``f``: the fixes of the problems shown on the targets (``copydesk check --fix
        --unsafe-fixes``'s), their diff first; enter stages them, one undo step."""
        if self._blocked() or not self._stage_typed():
            return
        targets = self._editable_targets("fix")
        if not targets:
            return
        from core.checks.fixes import plan_fixes
        from core.edit.apply import EditRefused
        from core.edit.ops import apply_to_data
        from core.storage.save import plan_change
        from core.text.guard import UnsafeFile

        from .preview import ChangePreview

        ws = self.ws
        ws.pin(targets)
        plans: dict[int, tuple[str, str, Any, str]] = {}
        diffs: list[str] = []
        fixed: Counter[str] = Counter()
        refused: list[str] = []
        staged: list[str] = []
        for index in targets:
            article = ws.states[index].entry
            if not isinstance(article, Article) or article.kind != "front-matter":
                continue  # a raw article gets its body fixes once adopted (i)
            if ws.is_dirty(index):
                staged.append(article.relpath)  # the fixes are planned on the file as saved
                continue
            try:
                plan = plan_fixes(article, ws.config, unsafe=True)
                if plan.empty:
                    continue
                change = plan_change(article, plan.edits, plan.rewrite)
            except (EditRefused, UnsafeFile, UnicodeDecodeError, OSError) as exc:
                refused.append(f"{article.relpath}: {exc}")  # shown through printable below
                continue
            if not change.changed:
                continue
            fixed.update(p.code for p in plan.fixed)
            what = "fix " + ", ".join(sorted({p.code for p in plan.fixed}))
            plans[index] = (change.new_text, change.old_text, apply_to_data(article.meta, plan.edits), what)
            diffs.append(change.diff())
        notes = []
        if staged:
            notes.append(f"{plural(len(staged), 'article')} with staged edits left out ({staged[0]}"
                         + (", …" if len(staged) > 1 else "") + "): save or undo them first")
        notes += [f"cannot fix {r}" for r in refused[:3]]
        if not plans:
            self.notify(printable("; ".join(["nothing to fix", *notes])), severity="warning" if notes else "information")
            return
        counts = ", ".join(f"{code} ×{n}" for code, n in sorted(fixed.items()))
        lines = [f"fixes {plural(sum(fixed.values()), 'problem')} in {plural(len(plans), 'article')}: {counts}", *notes]

        def chosen(stage: bool | None) -> None:
            if stage:
                changed = ws.stage_rewrites(plans)
                self._after_stage(f"fixes staged on {plural(changed, 'article')}: ctrl+s saves, u takes them back")

        title = f"Fix {ws.articles[targets[0]].relpath}" if len(plans) == 1 else f"Fix {len(plans):,} articles"
        self.app.push_screen(ChangePreview(title, lines, "".join(diffs)), chosen)

    def action_next_field(self) -> None:
        """``ctrl+n``: the next editor field that is required and empty, or holds a value the
        command line would refuse (after the focused one, then from the top)."""
        index = self.list.current
        if index is None or self._blocked() or not self.editor.built:
            return
        if not self.ws.can_edit(index):
            article = self.ws.full(index)
            self.notify(f"{printable(article.relpath)}: {not_editable_reason(article)}", severity="warning")
            return
        if not self._next_field(index):
            self.notify("every required field is filled and every value is valid", timeout=2)

    def _next_field(self, index: int, start: bool = False) -> bool:
        """Focus the next field needing attention (from the top when ``start``); False when none does."""
        if not self.editor.built:
            return False
        from core.checks.fields import is_blank

        self._sync_editor()
        data = self.ws.full_data(index) or {}
        needing: list[FieldSpec] = []
        for spec in self.editor.specs:
            value = get_path(data, spec.name)
            empty = is_blank(value) or (isinstance(value, list | tuple) and not value)
            if (spec.required and empty) or (not empty and self.ws.value_problems(spec.path, value)):
                needing.append(spec)
        if not needing:
            return False
        widgets = {spec.path: self.editor.field_widget(spec.path) for spec in needing}
        order = [spec.path for spec in self.editor.specs]
        focused = None if start else next((spec.path for spec in self.editor.specs
                                           if self.editor.field_widget(spec.path) is self.focused), None)
        after = order.index(focused) if focused is not None else -1
        ahead = [spec for spec in needing if order.index(spec.path) > after] or needing
        target = widgets[ahead[0].path]
        if target is None or not target.focusable:
            return False
        self.set_focus(target)
        return True

    def action_show_value(self) -> None:
        """The focused editor field's value whole; elsewhere the current article's title."""
        shown = self.editor.focused_value() if self._focus_within(self.editor) else None
        if shown is None:
            index = self.list.current
            if index is None:
                return
            title = (self.ws.full_data(index) or {}).get("title")
            if title is None:
                self.notify(f"{self.ws.articles[index].relpath} has no title", timeout=2)
                return
            from .dialogs import ValueScreen

            self.app.push_screen(ValueScreen(f"title of {self.ws.articles[index].relpath}", display(title)))
            return
        from .dialogs import ValueScreen

        self.app.push_screen(ValueScreen(*shown))

    def action_undo(self) -> None:
        if self._blocked():
            return
        what = self.ws.last_step()
        restored = self.ws.undo()
        if not restored:
            self.notify("nothing to undo", timeout=2)
            return
        self._after_stage(f"undone: {what} ({plural(restored, 'article')})")

    @on(MetadataEditor.FieldEdited)
    def _field_edited(self, event: MetadataEditor.FieldEdited) -> None:
        if self._blocked():
            self._sync_editor()
            return
        if isinstance(event.value, list):  # a list field's terms (categories...): items added and removed
            result = self.ws.set_terms(event.index, event.path, event.value)
        else:
            result = self.ws.set_field(event.index, event.path, event.value)
        self._after_edit(event.index, result, ".".join(event.path))

    @on(MetadataEditor.Advance)
    def _advance(self, event: MetadataEditor.Advance) -> None:
        # enter in a field: staged (the message before this one), then on to the next one to fill
        if event.index == self.list.current and not self._blocked():
            self._next_field(event.index)

    @on(MetadataEditor.TagsEdited)
    def _tags_edited(self, event: MetadataEditor.TagsEdited) -> None:
        if self._blocked():
            self._sync_editor()
            return
        from core.checks.fixes import house_tag

        # Tags typed by hand are staged in the house style, as `t` adds them.
        result = self.ws.set_tags(event.index, [house_tag(tag, self.ws.config) for tag in event.tags])
        self._after_edit(event.index, result, "tags")

    def _after_edit(self, index: int, result, name: str) -> None:
        if result.refused:
            self.notify(f"{name}: {result.refused[0][1]}", severity="error")
        elif result.changed:
            problems = self.ws.edit_problems(index).get(tuple(name.split(".")), ())
            if problems:
                self.notify(f"{name}:" + _save_will_ask(problems).removeprefix(";"), severity="warning")
        self.list.refresh_index(index)
        self.list.invalidate()
        if index == self.list.current:
            self._sync_editor()
        self._count()
        self._check_unchecked()

    # -- saving ------------------------------------------------------------------------------

    def _stage_typed(self) -> bool:
        """Stage the text typed in the focused editor field before a save or a quit counts
        what is unsaved; False when that text is refused (the user was told why)."""
        pending = self.editor.take_pending()
        if pending is None:
            return False
        for edit in pending:
            if isinstance(edit, MetadataEditor.FieldEdited):
                self._field_edited(edit)
            elif isinstance(edit, MetadataEditor.TagsEdited):
                self._tags_edited(edit)
        return True

    def action_save(self) -> None:
        if self._blocked() or not self._stage_typed():
            return
        if not self.ws.staged:
            self.notify("nothing to save", timeout=2)
            return
        self._save(self.ws.dirty, frozenset())

    def _save(self, indices: list[int], overwrite: frozenset[Path], confirmed: bool = False) -> None:
        """Save the staged edits of ``indices``; unless ``confirmed``, first ask when they
        would give an article a problem it did not have (:class:`~.dialogs.SaveIntroduces`)."""
        self._set_busy("saving…")
        # The save re-reads and checks every file itself; what it leaves staged is checked
        # again after it (_after_stage).
        self.workers.cancel_group(self, "check-staged")
        self._save_worker(indices, overwrite, confirmed)

    @work(thread=True, exclusive=True, group="save", exit_on_error=False)
    def _save_worker(self, indices: list[int], overwrite: frozenset[Path], confirmed: bool) -> None:
        # Journal or disk trouble: _worker_failed says so, the edits stay staged.
        self._save_now(indices, overwrite, confirmed)

    def _introduced(self, planned: Sequence[tuple[int, Any]]) -> list[Introduced]:
        """What saving the planned changes ``(index, change)`` would add to each article's
        problems, with the edited field each problem is in. The staged check already made
        answers for the edits it saw; the others are checked here, as ``check`` would."""
        from core.document import check_text
        from core.edit.ops import touched_fields

        from ..model import field_at, introduced_problems

        found: list[Introduced] = []
        for index, change in planned:
            state = self.ws.states[index]
            checked = state.check
            if checked is not None and checked[0] == change.edits and checked[1] is not None:
                after = checked[1]
            else:
                after = check_text(change.new_text, self.ws.config, change.article.relpath)[1]
            fields = list(dict.fromkeys(tuple(str(part) for part in named) for edit in change.edits for named in touched_fields(edit)))
            if any(not touched_fields(edit) for edit in change.edits):
                # A text rewrite (adopt, fixes) may touch any field: each problem goes with the
                # editor's field whose lines hold it.
                fields += [spec.path for spec in self.editor.specs if spec.path not in fields]
            for problem in introduced_problems(change.article.problems, after):
                found.append(Introduced(index, change.article.relpath, field_at(change.new_text, problem.line, fields), problem))
        return found

    def _ask_before_saving(self, indices: list[int], overwrite: frozenset[Path], introduced: list[Introduced]) -> None:
        self.status_bar.busy = ""
        self._check_unchecked()  # cancelled when the save began

        def chosen(choice: tuple[str, int] | None) -> None:
            if choice is not None and choice[0] == "save":
                self._save(indices, overwrite, confirmed=True)
                return
            self._quit_after_save = False
            if choice is not None and choice[0] == "goto":
                self._go_to(introduced[choice[1]])
            else:
                self.notify("nothing saved: the edits stay staged", timeout=3)

        from .dialogs import SaveIntroduces

        self.app.clear_notifications()  # the dialog says it all; a toast would sit on it
        self.app.push_screen(SaveIntroduces(introduced, len(indices)), chosen)

    def _go_to(self, where: Introduced) -> None:
        """Cursor and editor on the article and field of a problem the save would introduce
        (the filter is cleared when it hides the article)."""
        if where.index not in self.ws.visible:
            self._goto = where
            with self.filter_input.prevent(Input.Changed):
                self.filter_input.value = ""
            self.query_one("#filter-error").display = False
            self.query_one("#filter-bar").display = False
            self.ws.query = ""
            self._run_view(None, self.ws.sort, where.index)
            return
        self.list.move_to(self.ws.visible.index(where.index))
        self._sync_editor()
        widget = self.editor.field_widget(where.field) if where.field is not None else None
        if widget is not None and widget.focusable:
            self.set_focus(widget)
        else:
            self.list.focus()
        self.notify(f"{where.relpath}: {where.problem.message} ({where.problem.code})", severity="warning", timeout=6)

    def _failed(self, what: str, exc: BaseException) -> None:
        self.status_bar.busy = ""
        if what == "loading":
            self._set_phase(Phase.READY)
        elif what == "save":
            self._check_unchecked()  # cancelled when the save began
        self._quit_after_save = False
        again = " (R tries again)" if what == "loading" and self.ws.provisional else ""
        self.notify(f"{what} failed, nothing lost (edits stay staged): {printable(_in_words(exc))}{again}", severity="error", timeout=15)

    def _save_now(self, indices: list[int], overwrite: frozenset[Path], confirmed: bool) -> None:
        from core.document import load_article
        from core.storage.save import plan_change, save_changes

        from .diff import Trouble

        ws = self.ws
        total = len(indices)
        changes = []
        planned: dict[Path, int] = {}
        troubles: list[Trouble] = []
        for done, index in enumerate(indices, 1):
            article = ws.articles[index]
            edits = ws.staged.get(index, ())
            try:
                change = plan_change(article, edits)  # compares with the version loaded
            except Exception as exc:  # noqa: BLE001 - EditRefused, unreadable or undecodable now: report, never crash
                reason = getattr(exc, "reason", None) or _in_words(exc)
                troubles.append(Trouble(article.path, article.relpath, "refused", reason))
                continue
            changes.append(change)
            planned[article.path] = index
            if done % 50 == 0:
                self._from_thread(self._set_busy, f"preparing {done:,}/{total:,}…")
        if not confirmed:
            introduced = self._introduced([(planned[change.article.path], change) for change in changes])
            if introduced:
                self._from_thread(self._ask_before_saving, indices, overwrite, introduced)
                return

        def progress(done: int, count: int) -> None:
            if done % 50 == 0 or done == count:
                self._from_thread(self._set_busy, f"saving {done:,}/{count:,}…")

        before = None
        if self._git_index is not None:
            from core.git.status import git_states

            # What git says of the files before they are written: a file that held other
            # changes must not be committed by `C` as this batch (core.git.commit).
            before = git_states(ws.config.root, [change.article.relpath for change in changes])
        results = save_changes(changes, config=ws.config, label="tui save", overwrite=overwrite, progress=progress)
        if before is not None:
            self._from_thread(self._note_batch, *_saved_batch(changes, results, before))
        reloaded: list[tuple[int, Article]] = []
        counts: Counter[str] = Counter()
        for result in results:
            index = planned[result.path]
            counts[result.status] += 1
            article = ws.articles[index]
            if result.ok:
                reloaded.append((index, load_article(article.path, ws.config, article.relpath)))
            else:
                troubles.append(Trouble(article.path, article.relpath, result.status, result.message, result.diff))
        counts["refused"] += sum(1 for t in troubles if t.status == "refused" and t.path not in planned)
        journal = next((r.journal_problem for r in results if r.journal_problem), "")
        self._from_thread(self._saved, reloaded, troubles, counts, journal)

    def _set_busy(self, text: str) -> None:
        self.status_bar.busy = text

    def _saved(self, reloaded: list[tuple[int, Article]], troubles: list[Trouble], counts: Counter[str], journal: str = "") -> None:
        """Show what the save did; ``journal``: why the undo journal of the files written
        could not be finished (they are saved; the batch is kept as its log)."""
        self.status_bar.busy = ""
        for index, article in reloaded:
            self.ws.forget_saved(index, article)
        self.outside_changes = [i for i in self.outside_changes if i not in {i for i, _ in reloaded}]
        self.outside_gone = self.outside_gone & frozenset(self.outside_changes)
        parts = [plural(n, 'conflict') if status == 'conflict' else f"{n:,} {status}" for status, n in counts.items() if n]
        if journal:
            parts.append(journal)
        self._after_stage()
        self.reader.forget()
        self._cursor_moved(ArticleList.CursorMoved(self.list.current))
        if troubles:
            self._quit_after_save = False
            from .diff import ConflictScreen

            # The dialog says what the save did: a toast would sit on its key line.
            self.app.clear_notifications()
            self.app.push_screen(ConflictScreen(troubles, "save: " + ", ".join(parts)), self._resolve)
            return
        self.notify("save: " + ", ".join(parts) + f" ({self._undo_command()} reverts it)",
                    severity="warning" if journal else "information")
        if self._quit_after_save:
            self.app.exit()

    def _undo_command(self) -> str:
        """The command that reverts the last save from the current folder (the journal is at
        the corpus root, which need not be where copydesk was started)."""
        where = display_path(self.ws.config.root)
        # Quoted: a folder named `$(…)` or `a; b` must not turn the command into another.
        return "copydesk undo" if where == "." else f"copydesk undo {shlex.quote(where)}"

    def _resolve(self, decisions: dict[Path, str] | None) -> None:
        if not decisions:
            return
        from core.document import load_article

        reload = [self.ws.index_of(p) for p, choice in decisions.items() if choice == "reload"]
        reload_indices = [i for i in reload if i is not None]
        if reload_indices:
            for index in reload_indices:
                article = self.ws.articles[index]
                self.ws.replace_article(index, load_article(article.path, self.ws.config, article.relpath), keep_edits=False)
            self._after_stage(f"{len(reload_indices)} reloaded from disk (our edits dropped)")
        overwrite = frozenset(p for p, choice in decisions.items() if choice == "overwrite")
        if overwrite:
            indices = [i for i in (self.ws.index_of(p) for p in overwrite) if i is not None]
            self._save(indices, overwrite, confirmed=True)  # the save that met the conflict asked

    def action_diff(self) -> None:
        if not self.ws.staged:
            self.notify("no pending changes", timeout=2)
            return
        self._diff_worker(self.ws.dirty)

    @work(thread=True, exclusive=True, group="diff")
    def _diff_worker(self, indices: list[int]) -> None:
        from core.storage.save import plan_change

        from .diff import DiffScreen

        diffs: list[str] = []
        refused: list[str] = []
        for index in indices:
            article = self.ws.articles[index]
            try:
                diffs.append(plan_change(article, self.ws.staged.get(index, ())).diff())
            except Exception as exc:  # noqa: BLE001 - shown in the dialog, never a crash
                refused.append(f"{article.relpath}: {getattr(exc, 'reason', None) or exc}")
        self._from_thread(self.app.push_screen, DiffScreen(diffs, refused, len(indices)))

    # -- outside changes -----------------------------------------------------------------------

    def _watch(self) -> None:
        # A check costs ~9 us a file (0.45 s at 50,000): keep it under ~5% of the time, and
        # out of the metadata pass (the session's peak of memory).
        if (self.phase in (Phase.CHECKING, Phase.READY) and not self.busy
                and time.monotonic() >= self._next_watch):
            self._watch_worker()
        if self._git_signature is not None and self._git_signature != _index_signature(self._git_index):
            self._refresh_git()  # a commit, an add, a checkout: the repository's index changed

    @work(thread=True, exclusive=True, group="watch", exit_on_error=False)
    def _watch_worker(self) -> None:
        from core.walk import walk_batches

        started = time.monotonic()
        changed = self.ws.changed_on_disk()
        articles = self.ws.articles
        gone = frozenset(i for i in changed if not os.path.lexists(path_key(articles[i])))
        # Files added to the folder (a walk: ~5 us a file) are reported too; R reads them. A
        # folder at a time: the whole list would add ~12 MB to the peak of a 50,000 folder.
        known = self.ws.index_of
        added = sum(1 for batch in walk_batches(self.paths, self.ws.config, ordered=False)
                    for found in batch if known(found.path) is None)
        self._next_watch = time.monotonic() + 20 * (time.monotonic() - started)
        if not get_current_worker().is_cancelled:
            self._from_thread(self._noticed, changed, added, gone)

    def _noticed(self, changed: list[int], added: int, gone: frozenset[int]) -> None:
        if changed == self.outside_changes and added == self.outside_added and gone == self.outside_gone:
            return
        new = [i for i in changed if i not in self.outside_changes]
        more = added > self.outside_added
        self.outside_changes = changed
        self.outside_added = added
        self.outside_gone = gone
        self._count()
        if new or more:
            def names(indices: list[int]) -> str:
                return ", ".join(self.ws.articles[i].relpath for i in indices[:3]) + (" …" if len(indices) > 3 else "")

            edited = [i for i in new if i not in gone]
            deleted = [i for i in new if i in gone]
            what = [f"changed on disk: {names(edited)}"] if edited else []
            what += [f"deleted: {names(deleted)}"] if deleted else []
            what += [f"{plural(added, 'new file')} in the folder"] if more else []
            self.notify(f"{'; '.join(what)}. Press R to reload.", title="Outside changes", timeout=8)
            self._refresh_git()

    # -- git ---------------------------------------------------------------------------------

    def _refresh_git(self) -> None:
        """Ask git again what state each article is in (in a worker: a large folder's status
        takes a while); the list's git column and the is:modified... filters follow."""
        if self._in_worktree is None:
            from core.git.status import may_be_in_repository

            self._in_worktree = may_be_in_repository(self.ws.config.root)
        if self._in_worktree:
            self._git_worker()

    @work(thread=True, exclusive=True, group="git", exit_on_error=False)
    def _git_worker(self) -> None:
        from core.git.status import git_states, index_file

        root = self.ws.config.root
        index = index_file(root)
        signature = _index_signature(index)  # before the status: a commit meanwhile is seen next time
        states = git_states(root) if index is not None else {}
        if not get_current_worker().is_cancelled:
            self._from_thread(self._git_read, index, signature, states)

    def _git_read(self, index: Path | None, signature: object, states: dict[str, Any]) -> None:
        self._git_index = index
        self._git_signature = signature if index is not None else None
        changed = states != self.ws.git
        shown = index is not None
        self.ws.git = states
        if changed or shown != (self._git_shown is not None):
            self._git_shown = self.ws.git_letter if shown else None
            self.list.show_git(self._git_shown)
        if changed and self.ws.query:
            try:
                matcher = compile_filter(self.ws.query, self._known_fields, self._schema)
            except FilterError:
                return
            if matcher is not None and matcher.needs_git:
                self._refilter(self.list.current)  # is:modified and the like answer anew

    def action_commit(self) -> None:
        """``C``: commit the last save's files with git, the message shown first (and editable)."""
        if self._blocked():
            return
        if self._git_index is None:
            self.notify("cannot commit: the folder is not in a git repository", severity="warning")
            return
        if not self._batch:
            self.notify("nothing to commit: no save since the last commit (ctrl+s saves the staged edits first)",
                        severity="warning")
            return
        self._commit_check_worker(self._batch, self._batch_edits)

    @work(thread=True, exclusive=True, group="commit", exit_on_error=False)
    def _commit_check_worker(self, batch: tuple[Any, ...], edits: list[tuple[Any, ...]]) -> None:
        from core.git.commit import batch_message, commit_refusal

        why = commit_refusal(self.ws.config.root, batch)
        if why:
            self._from_thread(partial(self.notify, f"cannot commit: {why}", severity="warning", timeout=8))
            return
        self._from_thread(self._ask_commit, batch, batch_message(edits))

    def _ask_commit(self, batch: tuple[Any, ...], message: str) -> None:
        from .dialogs import CommitPrompt

        def chosen(text: str | None) -> None:
            if text:
                self._set_busy("committing…")
                self._commit_worker(batch, text)

        self.app.push_screen(CommitPrompt([item.relpath for item in batch], message), chosen)

    @work(thread=True, exclusive=True, group="commit", exit_on_error=False)
    def _commit_worker(self, batch: tuple[Any, ...], message: str) -> None:
        from core.git import GitError
        from core.git.commit import commit_batch

        try:
            commit = commit_batch(self.ws.config.root, batch, message)
        except GitError as exc:
            self._from_thread(self._committed, "", str(exc))
            return
        self._from_thread(self._committed, commit, message)

    def _committed(self, commit: str, said: str) -> None:
        self.status_bar.busy = ""
        if not commit:
            self.notify(f"commit failed, nothing committed: {said}", severity="error", timeout=15)
            return
        files = plural(len(self._batch), "file")
        self._batch, self._batch_edits = (), []
        self.notify(f"committed {commit}: {said.splitlines()[0]} ({files})")
        self._refresh_git()

    def _note_batch(self, saved: tuple[Any, ...], edits: list[tuple[Any, ...]]) -> None:
        """The files a save wrote: what ``C`` commits (replacing the batch before)."""
        if saved:
            self._batch, self._batch_edits = saved, edits
        self._refresh_git()

    def action_reload(self) -> None:
        if self.ws.provisional and self.phase is not Phase.CHECKING:  # the check of a restored list failed
            self._set_phase(Phase.CHECKING)
            self._load()
            return
        if self._blocked():
            return
        self._set_busy("reloading…")
        self._reload_worker()

    @work(thread=True, exclusive=True, group="reload", exit_on_error=False)
    def _reload_worker(self) -> None:
        # A folder that vanished, permissions...: _worker_failed says so.
        self._reload_now()

    def _reload_now(self) -> None:
        from core.document import load_article
        from core.walk import walk

        ws = self.ws
        on_disk = {found.path for found in walk(self.paths, ws.config)}  # strings: a Path costs ~0.5 KB
        gone = [i for i, a in enumerate(ws.articles) if path_key(a) not in on_disk]
        changed = ws.changed_on_disk(i for i in range(len(ws.articles)) if path_key(ws.articles[i]) in on_disk)
        changed += [i for i, a in enumerate(ws.articles) if a.fingerprint is None and path_key(a) in on_disk]  # unreadable before
        known = {path_key(a) for a in ws.articles}
        new_articles = [load_article(Path(path), ws.config) for path in sorted(on_disk - known)]
        # Staged edits are never dropped: an article that has them keeps the version they were
        # made on, and the save merges them with the file on disk (or shows the conflict).
        fresh = [(i, load_article(ws.articles[i].path, ws.config, ws.articles[i].relpath)) for i in changed if not ws.is_dirty(i)]
        held = [i for i in changed if ws.is_dirty(i)]
        orphaned = [i for i in gone if ws.is_dirty(i)]  # kept: u, or a save's refusal, lets them go
        gone = [i for i in gone if not ws.is_dirty(i)]
        self._from_thread(self._reloaded, fresh, new_articles, gone, held, orphaned)

    def _reloaded(self, fresh: list[tuple[int, Article]], new_articles: list[Article], gone: list[int], held: list[int],
                  orphaned: list[int]) -> None:
        self.status_bar.busy = ""
        for index, article in fresh:
            self.ws.replace_article(index, article, keep_edits=False)
        held_names = [self.ws.articles[i].relpath for i in held]
        orphaned_names = [self.ws.articles[i].relpath for i in orphaned]
        current = self.list.current
        current_key = None if current is None or current in gone else path_key(self.ws.articles[current])
        self.ws.remove_articles(gone)
        self.ws.add_articles(new_articles)
        self.outside_changes = self.ws.changed_on_disk(self.ws.dirty)
        self.outside_added = 0
        self.outside_gone = frozenset(i for i in self.outside_changes if not os.path.lexists(path_key(self.ws.articles[i])))
        self._known_fields = self.ws.known_fields | self._schema_fields
        keep = None if current_key is None else self.ws.index_of(current_key)
        if gone:
            # The rows moved up: put the cursor back on its article before the panes follow
            # it (the new view, sorted and filtered again, comes from a worker).
            self.list.show(self.ws.visible, keep_index=keep)
        self.reader.forget()
        self._refilter(keep)
        self._after_stage()
        self._refresh_git()
        message = f"reloaded {len(fresh)} changed, {len(new_articles)} new, {len(gone)} gone"
        if held_names:
            message += (f"; {len(held_names)} with staged edits left as loaded (ctrl+s merges them with the file,"
                        f" or shows the conflict): {', '.join(held_names[:3])}")
        if orphaned_names:
            message += (f"; {len(orphaned_names)} deleted on disk still have staged edits (u drops them; a save"
                        f" cannot write them): {', '.join(orphaned_names[:3])}")
        self.notify(message, severity="warning" if held_names or orphaned_names else "information")

    def action_external_editor(self) -> None:
        if self._blocked():
            return
        index = self.list.current
        if index is None:
            return
        article = self.ws.articles[index]
        if self.ws.is_dirty(index):
            self.notify("save (ctrl+s) or undo (u) the staged edits of this article first", severity="warning")
            return
        from core.document import load_article

        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        try:
            with self.app.suspend():
                subprocess.run([*shlex.split(editor), str(article.path)], check=False)
        except Exception as exc:  # noqa: BLE001 - no terminal to hand over, editor missing...
            self.notify(f"cannot run {editor!r}: {exc}", severity="error")
            return
        self.ws.replace_article(index, load_article(article.path, self.ws.config, article.relpath), keep_edits=False)
        self.reader.forget()
        self._after_stage(f"reloaded {article.relpath}")
        self._cursor_moved(ArticleList.CursorMoved(index))

    # -- app -------------------------------------------------------------------------------------

    def action_help(self) -> None:
        from .help import HelpScreen

        self.app.push_screen(HelpScreen(self.ws.config.keys, self.describe))

    async def action_quit(self) -> None:
        self.request_quit()

    def request_quit(self) -> None:
        """Quit, asking save / discard / cancel when anything is unsaved."""
        if not self._stage_typed():
            return  # the focused field holds text that cannot be staged: escape drops it
        if not self.ws.staged:
            self.app.exit()
            return

        def chosen(choice: str | None) -> None:
            if choice == "discard":
                self.app.exit()
            elif choice == "save":
                self._quit_after_save = True
                self._save(self.ws.dirty, frozenset())

        from .dialogs import ConfirmQuit

        self.app.push_screen(ConfirmQuit(len(self.ws.staged)), chosen)


def _index_signature(index: Path | None) -> object:
    """The repository's index file's time and size (None when it cannot be read)."""
    if index is None:
        return None
    try:
        found = os.stat(index)
    except OSError:
        return None
    return (found.st_mtime_ns, found.st_size)


def _saved_batch(changes: Sequence[Any], results: Sequence[Any], before: dict[str, Any]) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    """The files a save wrote, as ``C`` commits them (``core.git.commit.SavedFile``), and
    each one's edits (the commit message names them)."""
    from core.git.commit import SavedFile, file_digest

    saved: list[SavedFile] = []
    edits: list[tuple[Any, ...]] = []
    for change, result in zip(changes, results, strict=True):
        if result.status not in ("saved", "merged"):
            continue
        try:
            digest = file_digest(result.path)
        except OSError:
            continue  # gone at once: nothing of it to commit
        relpath = change.article.relpath
        saved.append(SavedFile(relpath, digest, before.get(relpath)))
        edits.append(tuple(change.edits))
    return tuple(saved), edits


def no_match_hint(articles: Sequence[Any], query: Any, tag_counts: Callable[[], Counter[str]]) -> str:
    """What a filter that found nothing says when a word of it looks like a typo of a word
    the titles hold (``harbor``: did you mean “harbour”?), or a ``tag:`` value like a typo of
    a tag the folder has (``tag:labor``: did you mean tag:“LABOUR”?); else nothing."""
    from core.query import closest_words
    from core.taxonomy import closest_tag

    guesses = [f"“{printable(closest)}” ({plural(count, 'title', 'titles')} {'has' if count == 1 else 'have'} it)"
               for _, closest, count in closest_words(articles, query.words)]
    counts: Counter[str] | None = None
    for term in query.terms:
        if term.kind != "field" or term.field != "tags" or term.negated:
            continue
        for op, value in term.values:
            counts = tag_counts() if counts is None else counts
            if op != "=" or any(value.casefold() == tag.casefold() for tag in counts):
                continue
            closest = closest_tag(value, sorted(counts))
            if closest is not None:
                guesses.append(f"tag:“{shown_tag(closest)}” ({plural(counts[closest], 'article')})")
    return f"no match · did you mean {', '.join(guesses)}?" if guesses else ""


class Introduced(NamedTuple):
    """A problem a save would give an article that did not have it."""

    index: int
    relpath: str
    field: tuple[str, ...] | None  # the edited field it is in, as far as its line tells
    problem: Problem


def _in_words(exc: BaseException) -> str:
    """What went wrong, for a message: the system's words for a disk or permission error
    (with the file), never a Python exception name."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror + (f": {exc.filename}" if exc.filename else "")
    return str(exc) or "an unexpected error (please report it)"


def _save_will_ask(problems: Sequence[Problem]) -> str:
    """``; PROBLEM (CODE): ctrl+s will ask before saving it`` for a staged value the command
    line would refuse, or "" when there is none."""
    if not problems:
        return ""
    said = "; ".join(f"{p.message} ({p.code})" for p in dict.fromkeys(problems))
    return f"; {said}: ctrl+s will ask before saving it"


def run_action_later(screen: Screen, action: str) -> Callable[[], None]:
    """A palette callback running ``action`` on ``screen``."""

    def run() -> None:
        screen.run_worker(screen.run_action(action))

    return run
