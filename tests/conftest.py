"""Shared test options (``--run-slow`` enables the long runs marked ``slow``) and the
``terminal`` fixture: the real program in a private tmux pane (``tests/terminal.py``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# The dedicated property run: 1,000 examples per property (``--run-slow`` loads it too).
settings.register_profile(
    "thorough",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--run-slow",
        action="store_true",
        default=False,
        help="run the long tests marked slow (dedicated hypothesis run, full crash/race loops)",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--run-slow"):
        settings.load_profile("thorough")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow"):
        return
    skip_slow = pytest.mark.skip(reason="long run: use --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip_slow)


@pytest.fixture
def terminal(tmp_path: Path):
    """A private tmux server for one test (killed after it)."""
    from tests.terminal import TMUX, Terminal

    if TMUX is None:
        if os.environ.get("CI"):
            pytest.fail("tmux is needed for the real-terminal tests and is part of the machine image")
        pytest.skip("tmux is not installed")
    term = Terminal(tmp_path)
    yield term
    term.close()
