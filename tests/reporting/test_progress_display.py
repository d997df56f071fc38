"""ProgressDisplay: a bar per piece of work on a terminal, a line per event, plain elsewhere."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from reporting_events import (
    GiB,
    ProgressWithoutCounts,
    QuorumResized,
    copying,
    failure,
    rolling_restart,
)
from rich.console import Console

from confluent_ops.reporting import ProgressDisplay
from confluent_ops.steps.events import BrokerStopped, StepProgress, StepWaiting

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
ERASE_LINE = "\x1b[2K"


@pytest.fixture(autouse=True)
def capable_terminal(monkeypatch):
    """Terminals here can move their cursor, whatever TERM the machine running the tests has."""
    monkeypatch.setenv("TERM", "xterm-256color")


def terminal() -> Console:
    """A terminal in colour, whatever the environment says (NO_COLOR, a dumb CI terminal)."""
    return Console(
        file=io.StringIO(), force_terminal=True, width=100, color_system="standard", no_color=False
    )


def not_a_terminal() -> Console:
    return Console(file=io.StringIO(), force_terminal=False, width=100)


def raw(console: Console) -> str:
    assert isinstance(console.file, io.StringIO)
    return console.file.getvalue()


def text(console: Console) -> str:
    return ANSI.sub("", raw(console))


def final_frame(console: Console) -> list[str]:
    """The bars as the live region left them: what follows the last line it erased."""
    last = raw(console).rsplit(ERASE_LINE, 1)[-1]
    return [line for line in ANSI.sub("", last).splitlines() if line.strip()]


def test_on_a_terminal_each_piece_of_work_has_one_bar_with_its_count_and_sizes():
    console = terminal()
    with ProgressDisplay(console=console) as display:
        display(copying(1, 10, 1.5 * GiB))
        display(StepProgress("roll", "brokers", 0, 3))
        display(copying(4, 10, 4 * GiB))
        display(StepProgress("roll", "brokers", 1, 3))

    bars = final_frame(console)
    assert len(bars) == 2
    reassign, roll = bars
    assert reassign.startswith("reassign: partitions")
    assert "4/10" in reassign
    assert "4.0 GiB" in reassign
    assert "8.0 GiB" in reassign
    assert roll.startswith("roll: brokers")
    assert "1/3" in roll


def test_on_a_terminal_other_events_are_printed_as_lines_above_the_bars():
    console = terminal()
    with ProgressDisplay(console=console) as display:
        display(copying(1, 10, GiB))
        display(BrokerStopped("reassign", 2, "disk replaced"))
        display(copying(2, 10, 2 * GiB))

    shown = text(console)
    assert shown.count("reassign: stopped node 2: disk replaced\n") == 1
    assert all("stopped node" not in bar for bar in final_frame(console))


def test_a_failure_is_red_and_a_wait_is_dim():
    console = terminal()
    with ProgressDisplay(console=console) as display:
        display(failure())
        display(StepWaiting("drain", "leaders to move", "3 partitions led by broker 4", 5))

    assert "\x1b[31m" + failure().describe() in raw(console)
    assert "\x1b[2mdrain: waiting for leaders to move" in raw(console)


def test_a_repeated_wait_is_printed_once_and_again_when_its_blocker_changes():
    console = not_a_terminal()
    display = ProgressDisplay(console=console)
    for blocker in ["4 under-replicated", "4 under-replicated", "1 under-replicated"]:
        display(StepWaiting("roll", "no under-replicated partitions", blocker, 5))
        display(StepProgress("roll", "brokers", 1, 3))

    assert text(console).splitlines() == [
        "roll: waiting for no under-replicated partitions: 4 under-replicated",
        "roll: brokers 1/3",
        "roll: waiting for no under-replicated partitions: 1 under-replicated",
    ]


def test_a_repeated_wait_on_a_terminal_is_printed_once():
    console = terminal()
    with ProgressDisplay(console=console) as display:
        for _ in range(5):
            display(StepWaiting("roll", "broker 2 to rejoin the ISR", "2 partitions", 5))

    assert text(console).count("roll: waiting for broker 2 to rejoin the ISR") == 1


def test_the_same_wait_after_something_else_happened_is_news_again():
    console = not_a_terminal()
    display = ProgressDisplay(console=console)
    wait = StepWaiting("roll", "no under-replicated partitions", "4 under-replicated", 5)
    display(wait)
    display(BrokerStopped("roll", 2, "restart"))
    display(wait)

    assert text(console).count(wait.describe()) == 2


def test_waits_of_different_steps_are_told_apart():
    console = not_a_terminal()
    display = ProgressDisplay(console=console)
    display(StepWaiting("roll", "the controller", "no quorum", 5))
    display(StepWaiting("drain", "the controller", "no quorum", 5))

    assert len(text(console).splitlines()) == 2


def test_without_a_terminal_a_whole_roll_is_plain_lines_in_order():
    console = not_a_terminal()
    with ProgressDisplay(console=console) as display:
        for event in rolling_restart():
            display(event)

    assert "\x1b" not in raw(console)
    assert text(console).splitlines() == [
        "roll: will restart brokers 1, 2, 3 one at a time (about 600 s)",
        "roll: brokers 0/3",
        "roll: moved the leadership of 12 partition(s): off broker 1",
        "roll: stopped node 1: restart",
        "roll: started node 1 on Kafka 4.1.1",
        "roll: waiting for no under-replicated partitions: 4 under-replicated",
        "roll: brokers 1/3",
        "roll: brokers 3/3",
        "roll: done in 412 s: 3 brokers restarted",
    ]


def test_without_a_terminal_progress_is_printed_only_when_done_changes():
    console = not_a_terminal()
    display = ProgressDisplay(console=console)
    for done, copied in [(1, 1.0), (1, 1.5), (1, 2.0), (2, 2.5), (2, 3.0)]:
        display(copying(done, 10, copied * GiB))

    assert text(console).splitlines() == [
        "reassign: partitions 1/10, bytes copied 1.0 GiB, bytes total 8.0 GiB",
        "reassign: partitions 2/10, bytes copied 2.5 GiB, bytes total 8.0 GiB",
    ]


@given(st.lists(st.integers(min_value=0, max_value=5), max_size=30))
def test_without_a_terminal_there_is_one_progress_line_per_change_of_done(counts):
    console = not_a_terminal()
    display = ProgressDisplay(console=console)
    for done in counts:
        display(StepProgress("scale-out", "partitions", done, 5))

    changes = [done for i, done in enumerate(counts) if i == 0 or counts[i - 1] != done]
    assert text(console).splitlines() == [f"scale-out: partitions {d}/5" for d in changes]


def test_a_dumb_terminal_gets_plain_lines_as_a_log_would(monkeypatch):
    monkeypatch.setenv("TERM", "dumb")
    console = terminal()
    with ProgressDisplay(console=console) as display:
        for done in [0, 1, 1, 2]:
            display(StepProgress("upgrade", "brokers", done, 3))

    assert text(console).splitlines() == [f"upgrade: brokers {done}/3" for done in [0, 1, 2]]


def test_outside_its_with_block_a_terminal_display_prints_plain_lines():
    console = terminal()
    display = ProgressDisplay(console=console)
    display(StepProgress("upgrade", "brokers", 2, 3))

    assert text(console) == "upgrade: brokers 2/3\n"


def test_text_in_events_is_shown_as_is_never_read_as_markup():
    console = not_a_terminal()
    display = ProgressDisplay(console=console)
    display(StepWaiting("reassign", "moves", "[bold]orders-3[/bold] still copying", 5))

    assert "[bold]orders-3[/bold] still copying" in text(console)


def test_a_long_line_stays_one_line_where_output_is_not_a_terminal():
    console = not_a_terminal()
    display = ProgressDisplay(console=console)
    blocker = ", ".join(f"orders-{n}" for n in range(40))
    display(StepWaiting("reassign", "moves", blocker, 5))

    assert len(text(console).splitlines()) == 1


def test_unknown_kinds_and_uncounted_progress_are_shown_as_their_lines():
    for console in (terminal(), not_a_terminal()):
        with ProgressDisplay(console=console) as display:
            display(QuorumResized("scale-out", 5))
            display(ProgressWithoutCounts("scale-out"))

        shown = text(console)
        assert "scale-out: the controller quorum now has 5 voters\n" in shown
        assert "scale-out: some progress, uncounted\n" in shown


def test_by_default_the_display_writes_to_stderr():
    assert ProgressDisplay().console.stderr
