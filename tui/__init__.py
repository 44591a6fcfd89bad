"""copydesk terminal UI (Textual). Widgets and screens call `core`; they never parse YAML or touch files."""

import os

# Textual coalesces screen updates at TEXTUAL_FPS (60 by default): a filtered list computed
# right after a keystroke's echo then waits up to two frames (~33 ms) to be painted. At 120
# the wait halves; a screen with nothing dirty costs nothing either way. A user's own
# setting wins. Set before Textual is imported (it reads the variable once).
os.environ.setdefault("TEXTUAL_FPS", "120")
