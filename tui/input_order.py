"""Keys and pastes reach the app one at a time, in order, each after the last one's effects.

Textual hands a key to the focused widget's message queue and takes the next key at once.
The widget handles it later, the screen's and the app's bindings later still (the key
bubbles up through more queues), and a focus change is itself queued. So in a burst (a
paste, a fast typist, keys typed while a large folder loads) the keys after ``/`` went to
the list, not the filter box, ``ctrl+u`` ran after the text typed behind it, and ``enter``
``a`` in the filter box typed ``a`` into it before its ``enter`` had moved the focus.

:class:`InputOrder` lets Textual handle one key (or paste) at a time and hands over the next
only once every queue of the app has run what the last one caused: its bindings, the
messages they posted, the focus change. Whatever moves the focus, the next key goes to the
new focus. A screen can also hold the keys until something it started is done (the
editor's inputs being built when ``e`` was pressed before they were).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator

from textual import events
from textual.app import App
from textual.message_pump import MessagePump

# What this reads of Textual beyond its public API (a message pump's queue, what it holds
# and whether it is closing, the app's error handler) is pinned by the textual<9 requirement and
# exercised by tests/test_tui_keys.py.

# A key whose effects are still running after this long (a handler waiting on a dialog
# the next keys must answer) lets the keys behind it go on as Textual would send them;
# not while the key itself still waits in a queue.
SETTLE_LIMIT = 1.0
# What a screen holds the keys for (the editor being built, thousands of articles read),
# and a key's own turn in the queues, take as long as they take on a loaded machine: they
# are waited for up to this long, only so that nothing can keep the keys for good.
HOLD_LIMIT = 30.0


class InputOrder:
    """The app's keys and pastes, handed to ``handle`` one at a time (see the module)."""

    def __init__(self, app: App, handle: Callable[[events.Event], Awaitable[None]]) -> None:
        self._app = app
        self._handle = handle
        self._pending: deque[tuple[events.Event, float]] = deque()  # with when it was received
        self.received = 0.0  # when the key or paste being handed over was received (time.monotonic)
        self._task: asyncio.Task[None] | None = None
        self._holds: list[asyncio.Future[object]] = []
        self.handled = 0  # keys and pastes handed over whose effects have run

    def typing_next(self) -> bool:
        """Whether the next key or paste not handed over yet types text (a printable key,
        backspace, a paste): read from any thread."""
        try:
            event = self._pending[0][0]
        except IndexError:
            return False
        return isinstance(event, events.Paste) or (
            isinstance(event, events.Key) and (event.is_printable or event.key == "backspace"))

    def put(self, event: events.Event) -> None:
        """Queue a key or paste the terminal sent; it is handled after those before it."""
        self._pending.append((event, time.monotonic()))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="keys in order")

    def hold(self, awaitable: Awaitable[object]) -> None:
        """Keys not yet handed over wait until ``awaitable`` is done (or HOLD_LIMIT)."""
        self._holds.append(asyncio.ensure_future(_quietly(awaitable)))

    async def _run(self) -> None:
        while self._pending:
            event, self.received = self._pending.popleft()
            try:
                # A hold made after the last key's settling gave up on it still comes first.
                await self._wait_holds()
                await self._handle(event)
                await self._settle(event)
                self.handled += 1
            except Exception as error:  # noqa: BLE001 - a handler's error, reported as Textual does
                self._app._handle_exception(error)
                return

    async def _settle(self, event: events.Event) -> None:
        """Wait until no queue of the app holds anything left to run (a pass over every
        queue, repeated while the last one found work: a message run can post others, or
        push a screen), and for any hold; ``event``, the key or paste handed over, still
        queued somewhere, keeps the wait going."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_LIMIT
        give_up = loop.time() + HOLD_LIMIT
        quiet = 0
        while quiet < 2 and loop.time() < deadline:  # twice, a loop turn apart: a handler may resume
            if await self._wait_holds():
                # Not cut short by SETTLE_LIMIT: `e` held the keys for the editor's build,
                # and a build slower than that let `ctrl+u` go to the list, or to the field
                # before its focus had put the cursor after its text. What the hold's end
                # causes (the focus it gives) then has a SETTLE_LIMIT of its own.
                deadline = loop.time() + SETTLE_LIMIT
                quiet = 0
                continue
            busy = [pump for pump in self._pumps() if not pump._message_queue.empty()]
            # A marker put behind what each busy queue holds runs once all of it has run (a
            # pump refusing it is closing: nothing more runs there).
            done = [marker for pump in busy if (marker := _marker(pump)) is not None]
            if not done:
                quiet += 1
                await asyncio.sleep(0)
                continue
            quiet = 0
            _, late = await asyncio.wait(done, timeout=max(0.0, deadline - loop.time()))
            if late:
                if not self._queued(event) or loop.time() > give_up:
                    return
                # The key itself still waits its turn in a queue (a loaded machine, a large
                # folder's rows streaming in): its binding has not run yet, and the keys
                # behind it must not go before it (`ctrl+u` after `e` went to the list).
                deadline = loop.time() + SETTLE_LIMIT

    def _queued(self, event: events.Event) -> bool:
        """Whether ``event`` still waits in the queue of one of the app's message pumps."""
        return any(pump._pending_message is event or any(message is event for message in pump._message_queue.values)
                   for pump in self._pumps())

    async def _wait_holds(self) -> bool:
        """Wait for the holds made so far (each up to HOLD_LIMIT); False when there were none."""
        holds, self._holds = self._holds, []
        if holds:
            await asyncio.wait(holds, timeout=HOLD_LIMIT)
        return bool(holds)

    def _pumps(self) -> Iterator[MessagePump]:
        """The app, its screens and their widgets, those whose queues still run."""
        app = self._app
        yield app
        for screen in app.screen_stack:
            for node in screen.walk_children(with_self=True):
                if not (node._closing or node._closed):
                    yield node


def _marker(pump: MessagePump) -> asyncio.Future[None] | None:
    """A future done when ``pump`` has run every message queued before it (None: the pump
    is closing and will run nothing more)."""
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def reached() -> None:
        if not future.done():
            future.set_result(None)

    return future if pump.call_later(reached) else None


async def _quietly(awaitable: Awaitable[object]) -> None:
    """Await ``awaitable``; its failure is for its owner to report, not the keys'."""
    try:
        await awaitable
    except Exception:  # noqa: BLE001, S110 - see the docstring
        pass
