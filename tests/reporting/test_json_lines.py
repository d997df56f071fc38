"""JsonLines: each event as one line of JSON, flushed as it happens."""

from __future__ import annotations

import io
import json

from reporting_events import QuorumResized, rolling_restart

from confluent_ops.reporting import JsonLines


class FlushedText(io.StringIO):
    """A stream that remembers what had been written at each flush."""

    def __init__(self) -> None:
        super().__init__()
        self.at_flush: list[str] = []

    def flush(self) -> None:
        super().flush()
        self.at_flush.append(self.getvalue())


def test_each_event_is_one_json_line_of_its_data():
    stream = io.StringIO()
    write = JsonLines(stream)
    for event in rolling_restart():
        write(event)

    lines = stream.getvalue().splitlines()
    assert [json.loads(line) for line in lines] == [
        json.loads(json.dumps(event.to_dict())) for event in rolling_restart()
    ]
    assert stream.getvalue().endswith("\n")


def test_each_line_is_flushed_as_soon_as_it_is_written():
    stream = FlushedText()
    write = JsonLines(stream)
    for event in rolling_restart()[:3]:
        write(event)

    assert [text.count("\n") for text in stream.at_flush] == [1, 2, 3]
    assert all(text.endswith("\n") for text in stream.at_flush)


def test_by_default_lines_go_to_stdout(capsys):
    JsonLines()(QuorumResized("scale-out", 5))

    assert json.loads(capsys.readouterr().out) == {
        "kind": "quorum-resized",
        "step": "scale-out",
        "voters": 5,
    }
