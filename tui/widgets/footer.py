"""The footer: the main keys, each shown whole or not at all.

Textual's footer cuts its line at the terminal's edge, mid-word (``o Sor``). This one goes
compact (less space between keys) under ``COMPACT_BELOW`` columns and leaves out the keys
that would not fit whole; the command list orders them so that save, help and quit come
before the rest (:func:`tui.commands.bindings`).
"""

from __future__ import annotations

from rich.cells import cell_len
from textual import events
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

COMPACT_BELOW = 120  # columns


class FittingFooter(Footer):
    """A footer showing the keys that fit whole, in order."""

    def compose(self):  # noqa: ANN201 - Footer.compose's own type
        room = self.size.width
        for widget in super().compose():
            if isinstance(widget, FooterKey) and room:
                need = self._width(widget)
                if need > room:
                    break
                room -= need
            yield widget

    def _width(self, key: FooterKey) -> int:
        """The cells ``key`` takes in the footer (as FooterKey draws it, with its margin)."""
        text = cell_len(key.key_display) + (1 + cell_len(key.description) if key.description else 0)
        return text + 1 if self.compact else text + 3

    def on_resize(self, event: events.Resize) -> None:
        self.compact = event.size.width < COMPACT_BELOW
        self.call_after_refresh(self.recompose)

