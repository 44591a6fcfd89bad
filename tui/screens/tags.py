"""The ``#`` tag screen: every tag with its count, near-duplicate groups, rename and merge;
on a folder of several taxonomies, ``n`` goes to the next one (categories, keywords...).

Renames are staged like any other edit (``D`` shows the diff, ``ctrl+s`` saves, ``u``
undoes); the preview says how many articles change and how many already carry the new tag.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from core.checks.fixes import house_tag
from core.config import Config
from core.display import plural, printable, shown_tag
from core.taxonomy import similar_groups as core_similar_groups

from ..model import StageResult
from ..widgets.tag_input import tag_options
from .dialogs import TagPrompt, VimOptionList


@dataclass(frozen=True)
class SimilarGroup:
    """Spellings of one tag; ``canonical`` is the one to keep (the most used)."""

    canonical: str
    variants: tuple[str, ...]  # the others


def similar_groups(counts: Mapping[str, int]) -> list[SimilarGroup]:
    """Near-duplicate tag groups (the core's taxonomy: case, spacing, plural, spelling)."""
    groups = []
    for group in core_similar_groups(dict(counts)):
        variants = tuple(tag for tag, _ in group.members if tag != group.canonical)
        if variants:
            groups.append(SimilarGroup(group.canonical, variants))
    return groups


class RenamePreview(ModalScreen[bool]):
    """What a rename/merge will stage; enter confirms, escape cancels."""

    BINDINGS = [Binding("enter,y", "confirm", "Stage"), Binding("escape", "cancel", "Cancel", priority=True),
                Binding("n", "cancel", "Cancel")]

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="rename-preview"):
            yield Label("Preview", classes="dialog-title")
            yield Static(Text("\n".join(printable(line) for line in self.lines)), id="rename-lines")
            yield Static(Text("enter stages it (saved with ctrl+s, undone with u) · escape cancels", style="dim"))

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class TagsScreen(ModalScreen[None]):
    """All tags with counts; ``r`` renames (or merges into an existing tag), ``m`` merges the
    highlighted tag's near-duplicate group into its most used spelling. With several
    ``taxonomies``, each is shown in turn (``n``), its terms and groups its own; the house
    style applies to tags only."""

    BINDINGS = [
        Binding("escape", "close", "Close", priority=True),  # one escape, even in the filter box
        Binding("r", "rename", "Rename/merge"),
        Binding("m", "merge_group", "Merge group"),
        Binding("slash", "focus_filter", "Filter tags"),
        Binding("n", "next_taxonomy", "Next taxonomy"),
    ]

    def __init__(
        self,
        counts: Callable[[str], Counter[str]],
        preview: Callable[[str, str, str], tuple[int, int, list[str]]],
        rename: Callable[[list[tuple[str, str]], str], StageResult],
        config: Config,
        taxonomies: Sequence[str] = ("tags",),
        taxonomy: str = "tags",
    ) -> None:
        super().__init__()
        self.taxonomies = tuple(taxonomies) or ("tags",)
        self.taxonomy = taxonomy if taxonomy in self.taxonomies else self.taxonomies[0]
        self._config = config
        self._counts = counts
        self._preview = preview
        self._rename = rename
        self.counts: Counter[str] = Counter()
        self.groups: list[SimilarGroup] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="tags-dialog"):
            yield Label("Tags", classes="dialog-title", id="tags-title")
            yield Input(placeholder="filter tags (/)", id="tags-filter", compact=True)
            with Horizontal(id="tags-body"):
                yield VimOptionList(id="tags-list")
                yield VimOptionList(id="tags-similar")
            yield Static(Text("r rename or merge · m (or enter in the groups) merges a near-duplicate group · "
                              "tab: tags / groups · / filter · " + ("n next taxonomy · " if len(self.taxonomies) > 1 else "")
                              + "escape closes", style="dim"))

    def on_mount(self) -> None:
        self._reload()
        self.query_one("#tags-list", OptionList).focus()

    def _reload(self, keep: str | None = None) -> None:
        self.counts = self._counts(self.taxonomy)
        self.groups = similar_groups(self.counts)
        total = len(self.counts)
        name = "Tags" if self.taxonomy == "tags" else printable(self.taxonomy)
        others = ""
        if len(self.taxonomies) > 1:
            following = self.taxonomies[(self.taxonomies.index(self.taxonomy) + 1) % len(self.taxonomies)]
            others = f" · n: {printable(following)}"
        self.query_one("#tags-title", Label).update(
            Text(f"{name}: {total} distinct, {plural(len(self.groups), 'near-duplicate group')}{others}"))
        self._fill(keep)
        similar = self.query_one("#tags-similar", OptionList)
        similar.clear_options()
        if not self.groups:
            similar.add_option(Option(Text("no near-duplicates found", style="dim"), disabled=True))
        similar.add_options([
            Option(Text.assemble((f"{shown_tag(group.canonical)} ({self.counts[group.canonical]})", "bold"),
                                 " ← " + ", ".join(f"{shown_tag(v)} ({self.counts[v]})" for v in group.variants)), id=str(n))
            for n, group in enumerate(self.groups)
        ])
        if self.groups:
            similar.highlighted = 0

    def _fill(self, keep: str | None = None) -> None:
        needle = self.query_one("#tags-filter", Input).value.strip().casefold()
        options = self.query_one("#tags-list", OptionList)
        ordered = sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if needle:
            ordered = [kv for kv in ordered if needle in kv[0].casefold()]
        options.clear_options()
        options.add_options(tag_options(ordered, count_width=6))
        if ordered:
            ids = [t for t, _ in ordered]
            options.highlighted = ids.index(keep) if keep in ids else 0

    @on(Input.Changed, "#tags-filter")
    def _filter_changed(self) -> None:
        self._fill()

    @on(Input.Submitted, "#tags-filter")
    def _filter_done(self) -> None:
        self.query_one("#tags-list", OptionList).focus()

    def action_next_taxonomy(self) -> None:
        if len(self.taxonomies) > 1:
            self.taxonomy = self.taxonomies[(self.taxonomies.index(self.taxonomy) + 1) % len(self.taxonomies)]
            self.query_one("#tags-filter", Input).value = ""
            self._reload()

    def action_focus_filter(self) -> None:
        self.query_one("#tags-filter", Input).focus()

    def _highlighted_tag(self) -> str | None:
        options = self.query_one("#tags-list", OptionList)
        if options.highlighted is None:
            return None
        return options.get_option_at_index(options.highlighted).id

    def action_rename(self) -> None:
        old = self._highlighted_tag()
        if old is None:
            return

        def chosen(new: str | None) -> None:
            if new and self.taxonomy == "tags":
                new = house_tag(new, self._config)  # as `t` adds a tag typed by hand
            if new and new != old:
                self._confirm([(old, new)])

        self.app.push_screen(TagPrompt(f"Rename {old!r} ({self.counts[old]}) to… (an existing tag merges)", lambda: self.counts, old), chosen)

    def action_merge_group(self) -> None:
        """Merge the group highlighted in the groups pane, or the highlighted tag's group."""
        similar = self.query_one("#tags-similar", OptionList)
        if self.focused is similar:
            group = self.groups[similar.highlighted] if self.groups and similar.highlighted is not None else None
            if group is None:
                return
        else:
            tag = self._highlighted_tag()
            group = next((g for g in self.groups if tag == g.canonical or tag in g.variants), None)
            if group is None:
                self.notify(f"{tag!r} has no near-duplicates", severity="warning")
                return
        self._confirm([(variant, group.canonical) for variant in group.variants])

    @on(OptionList.OptionSelected, "#tags-similar")
    def _group_chosen(self) -> None:
        self.action_merge_group()

    def _confirm(self, renames: list[tuple[str, str]]) -> None:
        lines: list[str] = []
        for old, new in renames:
            changed, merged, sample = self._preview(old, new, self.taxonomy)
            verb = "merge" if merged else "rename"
            lines.append(f"{verb} {old!r} → {new!r}: {plural(changed, 'article')}" + (f" ({merged} already have {new!r}: the old tag is removed)" if merged else ""))
            lines.extend(f"    {path}" for path in sample)

        def done(ok: bool | None) -> None:
            if ok:
                result = self._rename(renames, self.taxonomy)
                self.notify(result.summary("rename"))
                self._reload(keep=renames[-1][1])

        self.app.push_screen(RenamePreview(lines), done)

    def action_close(self) -> None:
        self.dismiss(None)
