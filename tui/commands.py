"""The one list of commands: it drives the key bindings, the footer, the help screen and the
command palette. A command's ``id`` is what the config file's ``keys`` table remaps::

    [keys]
    add-tag = "plus"
    toggle-draft = "D,ctrl+d"
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from textual.binding import Binding
from textual.keys import format_key, key_to_character


@dataclass(frozen=True)
class Command:
    """One user action with its default key(s)."""

    id: str  # stable name used in the config's ``keys`` table
    keys: str  # default keys, comma-separated (Textual key names or characters)
    action: str  # the main screen's action it runs
    title: str  # short name: footer and palette
    help: str  # one line for the help screen and palette
    group: str
    footer: int = 0  # place in the footer (0: not shown); narrow terminals cut its end
    palette: bool = True  # offered in the command palette


GROUPS = ("Move", "Filter and sort", "Mark", "Edit", "Save", "Files", "App")

COMMANDS: tuple[Command, ...] = (
    Command("cursor-down", "j,down", "cursor_down", "Down", "Move the cursor down (in the reader: scroll)", "Move"),
    Command("cursor-up", "k,up", "cursor_up", "Up", "Move the cursor up (in the reader: scroll)", "Move"),
    Command("top", "g", "top", "Top", "Go to the first row", "Move"),
    Command("bottom", "G", "bottom", "Bottom", "Go to the last row", "Move"),
    Command("next-problem", "]", "next_problem", "Next problem", "Jump to the next article with problems", "Move"),
    Command("previous-problem", "[", "previous_problem", "Previous problem", "Jump to the previous article with problems", "Move"),
    Command("focus-reader", "enter", "focus_reader", "Read", "Focus the reader: its problem list (enter on a problem goes to its line), or its text", "Move"),
    Command("focus-editor", "e", "focus_editor", "Edit", "Focus the metadata editor", "Move", footer=9),
    Command("focus-list", "escape", "focus_list", "List", "Back to the list (in the filter box: clear it; in an editor field: drop what was typed)", "Move"),
    Command("filter", "slash", "filter", "Filter", "Filter with the query language; enter keeps it, escape clears it", "Filter and sort", footer=1),
    Command("sort", "o", "cycle_sort", "Sort", "Cycle the sort: date, title, source, problems", "Filter and sort", footer=10),
    Command("toggle-mark", "space", "toggle_mark", "Mark", "Mark or unmark the current row", "Mark", footer=2),
    Command("mark-all", "a", "mark_all", "Mark shown", "Mark every row shown", "Mark"),
    Command("clear-marks", "A", "clear_marks", "Clear marks", "Clear every mark (hidden rows too)", "Mark"),
    Command("add-tag", "t", "add_tag", "Tag", "Add a tag to the marked rows (or the current one)", "Edit", footer=3),
    Command("remove-tag", "T", "remove_tag", "Untag", "Remove a tag from the marked rows (or the current one)", "Edit"),
    Command("duplicates", "equals_sign", "duplicates", "Duplicates", "Duplicate stories: keep one article of a group, mark the others ([dupes] mark, default draft: true)", "Edit"),
    Command("tags", "#", "tags", "Tags", "Every tag with its count; near-duplicates; rename or merge", "Edit"),
    Command("sentiment", "s", "sentiment", "Sentiment", "Set the sentiment: p positive, 0 neutral, n negative", "Edit", footer=4),
    Command("set-field", "c", "set_field", "Set field", "Set any field on the marked rows (or the current one): pick the field, then its value", "Edit"),
    Command("toggle-draft", "d", "toggle_draft", "Draft", "Set draft on the targets, or clear it when all are drafts", "Edit", footer=5),
    Command("adopt", "i", "adopt", "Adopt", "Give the raw article under the cursor front matter: shows what it writes, enter stages it", "Edit"),
    Command("next-field", "ctrl+n", "next_field", "Next field", "Go to the next empty required or invalid field of the editor (in a text box too)", "Edit"),
    Command("fix", "f", "fix", "Fix", "Fix the problems shown on the marked rows (or the current one): diff first, enter stages", "Edit"),
    Command("show-value", "v,ctrl+o", "show_value", "Value", "Show the focused value whole, wrapped (list: the title; in a text box: ctrl+o)", "Edit"),
    Command("undo", "u", "undo", "Undo", "Undo the last staged change", "Edit"),
    Command("save", "ctrl+s", "save", "Save", "Save every changed article (safe saves)", "Save", footer=6),
    Command("commit", "C", "commit", "Commit", "Commit the last save's files with git (the message is shown first, and can be edited)", "Save"),
    Command("diff", "D", "diff", "Diff", "Show the diff of every pending change", "Save", footer=11),
    Command("reload", "R", "reload", "Reload", "Reload changed files from disk (staged edits kept where unchanged)", "Files"),
    Command("external-editor", "E", "external_editor", "$EDITOR", "Open the current article in $EDITOR, reload after", "Files"),
    Command("help", "question_mark", "help", "Help", "Show every key", "App", footer=7),
    Command("quit", "q", "quit", "Quit", "Quit (asks when changes are unsaved)", "App", footer=8),
)

BY_ID: dict[str, Command] = {c.id: c for c in COMMANDS}

# The field a command sets: on a folder whose schema lacks it, the command is not offered.
FIELD_OF: dict[str, str] = {"sentiment": "sentiment", "toggle-draft": "draft"}

# What t, T and # do on a folder of several taxonomies ({names}: the taxonomies).
TAXONOMY_HELP: dict[str, str] = {
    "add-tag": "Add a term to the marked rows (or the current one); tab chooses the taxonomy: {names}",
    "remove-tag": "Remove a term from the marked rows (or the current one); tab chooses the taxonomy: {names}",
    "tags": "Each taxonomy's terms with counts ({names}; n: the next); near-duplicates; rename or merge",
}


def folder_help(cmd: Command, taxonomies: Sequence[str], missing: Collection[str]) -> str:
    """``cmd.help`` as it holds on a folder with these ``taxonomies`` whose schema lacks the
    fields ``missing``."""
    field = FIELD_OF.get(cmd.id)
    if field in missing:
        return f"Not on this folder: its schema has no {field} field"
    if len(taxonomies) > 1 and cmd.id in TAXONOMY_HELP:
        return TAXONOMY_HELP[cmd.id].format(names=", ".join(taxonomies))
    return cmd.help


def bindings() -> list[Binding]:
    """The main screen's bindings (ids let the config remap them)."""
    # The footer shows bindings in this order: the triage keys, save, help and quit first,
    # so that an 80-column terminal still shows them.
    ordered = sorted(COMMANDS, key=lambda cmd: cmd.footer or len(COMMANDS) + 1)
    return [
        Binding(cmd.keys, cmd.action, cmd.title, show=bool(cmd.footer), id=cmd.id, tooltip=cmd.help)
        for cmd in ordered
    ]


def _keys(text: str) -> list[str]:
    return [key.strip() for key in text.split(",") if key.strip()]


def keymap(config_keys: Mapping[str, str]) -> tuple[dict[str, str], list[str], list[str]]:
    """The user's remapping for ``App.set_keymap``, the unknown action ids it names, and a
    message for each key it takes from another command or gives to two.

    Textual gives a remapped key to the remapped command alone: ``toggle-draft = "j"``
    leaves ``cursor-down`` on ``down``. That is what the user asked for, but it must not
    happen silently.
    """
    known = {k: v for k, v in config_keys.items() if k in BY_ID}
    unknown = sorted(k for k in config_keys if k not in BY_ID)
    conflicts: list[str] = []
    owner: dict[str, str] = {}
    for cmd_id, keys in known.items():
        for key in _keys(keys):
            if key in owner:
                conflicts.append(f"{display_key(key)} is given to both {owner[key]} and {cmd_id}")
            owner.setdefault(key, cmd_id)
    for cmd in COMMANDS:
        if cmd.id in known:
            continue
        lost = [key for key in _keys(cmd.keys) if key in owner]
        left = _keys(effective_keys(cmd, config_keys, shown=False))
        for key in lost:
            conflicts.append(f"{display_key(key)} is now {owner[key]}, no longer {cmd.id}"
                             + ("" if left else f" ({cmd.id} has no key left)"))
    return known, unknown, conflicts


def _keys(text: str) -> list[str]:
    return [key.strip() for key in text.split(",") if key.strip()]


def effective_keys(cmd: Command, config_keys: Mapping[str, str], shown: bool = True) -> str:
    """The keys of ``cmd`` after remapping: as a person types them (``shown``), else as
    Textual names them, comma-separated. A default key the user gave another command is
    that command's only."""
    if cmd.id in config_keys:
        keys = _keys(config_keys[cmd.id])
    else:
        taken = {key for cmd_id, text in config_keys.items() if cmd_id in BY_ID for key in _keys(text)}
        keys = [key for key in _keys(cmd.keys) if key not in taken]
    return " ".join(display_key(key) for key in keys) if shown else ",".join(keys)


def display_key(key: str) -> str:
    """``question_mark`` -> ``?``, ``escape`` -> ``esc``; single characters as they are."""
    return key if len(key) == 1 else format_key(key)


def types_text(key: str) -> bool:
    """Whether ``key`` (a Textual key name) types a character into a text box."""
    if len(key) == 1 or key in ("space", "slash"):
        return True
    character = key_to_character(key)
    return character is not None and character.isprintable()


def typing_actions(config_keys: Mapping[str, str]) -> frozenset[str]:
    """The actions whose every key (after remapping) types text into a text box: there,
    their keys are text, not commands."""
    return frozenset(
        cmd.action for cmd in COMMANDS
        if all(types_text(key) for key in _keys(effective_keys(cmd, config_keys, shown=False)))
    )

