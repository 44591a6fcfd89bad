"""copydesk terminal UI (Textual). Widgets and screens call `core`; they never parse YAML or touch files."""

import gc
import os
import sys
import time
from typing import Any

# Textual coalesces screen updates at TEXTUAL_FPS (60 by default): a filtered list computed
# right after a keystroke's echo then waits up to two frames (~33 ms) to be painted. At 120
# the wait halves; a screen with nothing dirty costs nothing either way. A user's own
# setting wins. Set before Textual is imported (it reads the variable once).
os.environ.setdefault("TEXTUAL_FPS", "120")

_gc_held = False
_gc_managed = False  # hold_gc was called: this process runs the app and tunes the collector

# Full collections, in the app's own process, wait for a pause in the user's input (see
# collect_when_idle): the collector's own trigger for them is set out of reach.
_FULL_THRESHOLD = 10  # gen-1 collections between full ones: CPython's default trigger
_NEVER = 1 << 30
IDLE_PAUSE = 0.75  # seconds without a key or mouse event before a due full collection runs
FORCE_AFTER = 20.0  # ... or this long after it fell due, when the input never pauses
# ... or once twice as much as usually triggers one has built up: the garbage waiting for a
# pause is mostly the reader's remounted Markdown widgets, ~10 MB in a few seconds of
# typing and cursor moves at 1,000 articles when nothing bounded it (peak 91 MB against 82).
FORCE_COUNT = 2 * _FULL_THRESHOLD
_last_input = 0.0
_due_since: float | None = None


def glibc() -> Any:
    """The C library, when it is glibc (its memory tuning functions), else None."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        lib = ctypes.CDLL(None)
        lib.malloc_trim, lib.mallopt  # noqa: B018 - glibc only (not musl)
    except (OSError, AttributeError):
        return None
    return lib


_M_ARENA_MAX = -8  # glibc's mallopt parameter


def share_malloc_arena() -> None:
    """Have every thread of this process allocate from one malloc arena. Call it before
    the threads start.

    glibc gives each new thread an arena of its own (up to eight per core): memory the
    start-up's threads freed (the check, the metadata pass, the saves) stayed in their arenas,
    reused by no other thread, and the app's peak grew by it."""
    lib = glibc()
    if lib is not None:
        lib.mallopt(_M_ARENA_MAX, 1)


def hold_gc() -> None:
    """Pause the cyclic garbage collector until the app's first screen is painted
    (:func:`release_gc`). Call it before importing Textual.

    Start-up builds a few hundred thousand objects that live as long as the app (Textual's
    classes and styles, the restored list's rows: 50,000 at 50,000 articles). Collections
    that walked them all again and again took 70-160 ms of the half second the first screen
    has; what they found to free was ~1,500 objects.
    """
    global _gc_held, _gc_managed
    if gc.isenabled():
        gc.disable()
        _gc_held = _gc_managed = True


def release_gc() -> None:
    """Resume collecting after the first paint. What start-up built is frozen first (moved
    out of the collector's generations): later full collections then skip it instead of
    pausing the app to walk it. A no-op unless :func:`hold_gc` paused the collector."""
    global _gc_held
    if _gc_held:
        _gc_held = False
        gc.freeze()
        first, second, _ = gc.get_threshold()
        gc.set_threshold(first, second, _NEVER)  # full collections: see collect_when_idle
        gc.enable()


def note_input() -> None:
    """Record that the user pressed a key or used the mouse (see :func:`collect_when_idle`)."""
    global _last_input
    _last_input = time.monotonic()


def collect_when_idle() -> bool:
    """Run the full collection the collector would have run by itself (it is due after
    ten collections of the middle generation) once the user's input pauses for
    :data:`IDLE_PAUSE` seconds; if it never does, :data:`FORCE_AFTER` seconds after it fell
    due or once twice as many (:data:`FORCE_COUNT`) have passed. True when one ran. A no-op
    unless :func:`hold_gc` was called.

    Called on a timer by the app. Full collections walk Textual's own cyclic garbage (its
    caches, segments and the nodes of remounted widgets): 40-130 ms at 50,000 articles,
    every few seconds of use. Left to the collector they landed on keystrokes: the first
    filter keystroke after loading took ~160 ms instead of ~70, ~90 of them collecting.
    """
    global _due_since
    if not _gc_managed or _gc_held or not gc.isenabled():
        return False
    count = gc.get_count()[2]  # collections of the middle generation since the last full one
    if count < _FULL_THRESHOLD:
        _due_since = None
        return False
    now = time.monotonic()
    if _due_since is None:
        _due_since = now
    if now - _last_input < IDLE_PAUSE and now - _due_since < FORCE_AFTER and count < FORCE_COUNT:
        return False
    gc.collect()
    _due_since = None
    return True


def freeze_long_lived() -> None:
    """Freeze what is alive now, as :func:`release_gc` does, once the app has built what lives
    as long as the folder is open (the checked entries, the filter values, the query index).

    At 50,000 articles those are ~1 M objects: full collections walking them took 250-320 ms
    every 4-5 s while the app ran (a pause any keystroke or cursor move could land on).
    Objects frozen here are still freed when no longer referenced; only cycles among them
    are never collected (what was alive at this moment: a bounded amount). A no-op unless
    :func:`hold_gc` was called (the app's own process, not a test session hosting many)."""
    if _gc_managed and gc.isenabled():
        gc.freeze()
