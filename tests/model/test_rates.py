"""Per-partition load rates: read strictly from their file, or computed from two readings."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from confluent_ops.errors import InvalidInput, MalformedFile
from confluent_ops.model import PartitionRates, RateSample, TopicPartition
from confluent_ops.model._json import MAX_INT32

T0, T1, T2 = TopicPartition("t", 0), TopicPartition("t", 1), TopicPartition("u", 0)
RATES = (
    '{"version":1,"partitions":['
    '{"topic":"t","partition":0,"bytes_in_per_second":1234.5,"bytes_out_per_second":2469.0},'
    '{"topic":"t","partition":1,"bytes_in_per_second":10}]}'
)


def test_a_rates_file_round_trips():
    rates = PartitionRates.from_json(RATES, source="r.json")
    assert dict(rates.bytes_in) == {T0: 1234.5, T1: 10.0}
    assert dict(rates.bytes_out) == {T0: 2469.0}
    assert PartitionRates.from_json(rates.to_json()) == rates
    written = json.loads(rates.to_json())
    assert written["partitions"][1] == {"topic": "t", "partition": 1, "bytes_in_per_second": 10.0}


@given(
    st.dictionaries(
        st.builds(TopicPartition, st.sampled_from(["a", "b.c", "d-e"]), st.integers(0, MAX_INT32)),
        st.tuples(
            st.floats(min_value=0, allow_nan=False, allow_infinity=False),
            st.none() | st.floats(min_value=0, allow_nan=False, allow_infinity=False),
        ),
    )
)
def test_every_value_round_trips_through_its_file(entries):
    rates = PartitionRates(
        {tp: rate_in for tp, (rate_in, _) in entries.items()},
        {tp: out for tp, (_, out) in entries.items() if out is not None},
    )
    assert PartitionRates.from_json(rates.to_json()) == rates


def test_partitions_are_kept_in_order_whatever_order_they_come_in():
    rates = PartitionRates({T2: 1, TopicPartition("t", 10): 2, T1: 3})
    assert list(rates) == [T1, TopicPartition("t", 10), T2]


def test_a_missing_version_reads_as_1_and_a_null_bytes_out_as_unknown():
    document = RATES.replace('"version":1,', "").replace("2469.0", "null")
    rates = PartitionRates.from_json(document)
    assert dict(rates.bytes_out) == {}
    assert rates.bytes_in == PartitionRates.from_json(RATES).bytes_in


def test_an_empty_list_reads_as_rates_of_nothing():
    rates = PartitionRates.from_json('{"version":1,"partitions":[]}')
    assert len(rates) == 0
    assert PartitionRates.from_json(rates.to_json()) == rates


def test_lookups_answer_0_for_unknown_partitions():
    rates = PartitionRates.from_json(RATES)
    assert rates.bytes_in_of(T0) == 1234.5
    assert rates.bytes_out_of(T0) == 2469.0
    assert rates.bytes_out_of(T1) == 0.0
    assert rates.bytes_in_of(T2) == 0.0
    assert T0 in rates
    assert T2 not in rates
    assert len(rates) == 2
    assert rates.total_bytes_in == 1244.5
    assert rates.total_bytes_out == 2469.0


def test_restricted_to_keeps_the_named_partitions_and_counts_the_others():
    rates = PartitionRates({T0: 1.0, T1: 2.0, T2: 3.0}, {T0: 4.0, T2: 5.0})
    kept, left_out = rates.restricted_to({T0, T1, TopicPartition("v", 0)})
    assert kept == PartitionRates({T0: 1.0, T1: 2.0}, {T0: 4.0})
    assert left_out == 1
    assert rates.restricted_to(()) == (PartitionRates({}), 3)


def test_the_value_is_frozen_and_hashable():
    rates = PartitionRates({T0: 1.0})
    with pytest.raises(TypeError):
        rates.bytes_in[T0] = 2.0  # type: ignore[index]
    assert hash(rates) == hash(PartitionRates({T0: 1}))


@pytest.mark.parametrize(
    ("bytes_in", "bytes_out", "message"),
    [
        ({T0: -1.0}, {}, "impossible bytes-in rate -1.0"),
        ({T0: math.nan}, {}, "impossible bytes-in rate nan"),
        ({T0: math.inf}, {}, "impossible bytes-in rate inf"),
        ({T0: True}, {}, "bytes-in rate that is not a number"),
        ({T0: "5"}, {}, "bytes-in rate that is not a number"),
        ({"t-0": 5.0}, {}, "keyed by TopicPartition"),
        ({T0: 1.0}, {T0: -0.5}, "impossible bytes-out rate -0.5"),
        ({T0: 1.0}, {T1: 1.0}, "partition t-1 has a bytes-out rate but no bytes-in rate"),
    ],
)
def test_impossible_values_are_refused_at_construction(bytes_in, bytes_out, message):
    with pytest.raises(InvalidInput, match=message):
        PartitionRates(bytes_in, bytes_out)


def _file(*entries: str) -> str:
    return '{"version":1,"partitions":[' + ",".join(entries) + "]}"


GOOD = '{"topic":"t","partition":0,"bytes_in_per_second":1}'


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{broken", "not valid JSON for a rates file"),
        ("[]", "a rates file must be a JSON object"),
        ('{"version":2,"partitions":[]}', "unsupported rates file version 2"),
        ('{"version":1,"version":1,"partitions":[]}', "appears twice"),
        ('{"version":1}', '"partitions" must be a JSON array'),
        ('{"version":1,"partitions":[],"brokers":[]}', "unknown key 'brokers'"),
        (_file("7"), r"partitions\[0\] must be an object"),
        (_file(GOOD, '{"partition":0,"bytes_in_per_second":1}'), r"partitions\[1\]\.topic must"),
        (
            _file('{"topic":"t","partition":-1,"bytes_in_per_second":1}'),
            r"partitions\[0\]\.partition must be >= 0",
        ),
        (
            _file('{"topic":"t","partition":"0","bytes_in_per_second":1}'),
            r"partitions\[0\]\.partition must be an integer, got str",
        ),
        (
            _file('{"topic":"t/x","partition":0,"bytes_in_per_second":1}'),
            r"partitions\[0\]: illegal topic name",
        ),
        (
            _file('{"topic":"t","partition":0}'),
            r"partitions\[0\]\.bytes_in_per_second must be a number, got NoneType",
        ),
        (
            _file('{"topic":"t","partition":0,"bytes_in_per_second":"1 MB"}'),
            r"partitions\[0\]\.bytes_in_per_second must be a number, got str",
        ),
        (
            _file('{"topic":"t","partition":0,"bytes_in_per_second":true}'),
            r"partitions\[0\]\.bytes_in_per_second must be a number, got bool",
        ),
        (
            _file('{"topic":"t","partition":0,"bytes_in_per_second":-2.5}'),
            r"partitions\[0\]\.bytes_in_per_second must be >= 0, got -2.5",
        ),
        (
            _file('{"topic":"t","partition":0,"bytes_in_per_second":1e999}'),
            r"partitions\[0\]\.bytes_in_per_second must be a finite number",
        ),
        (
            _file('{"topic":"t","partition":0,"bytes_in_per_second":NaN}'),
            "NaN is not a JSON number",
        ),
        (
            _file('{"topic":"t","partition":0,"bytes_in_per_second":1,"bytes_out_per_second":-1}'),
            r"partitions\[0\]\.bytes_out_per_second must be >= 0",
        ),
        (
            _file('{"topic":"t","partition":0,"bytes_in_per_second":1,"bytes_out_per_second":[]}'),
            r"partitions\[0\]\.bytes_out_per_second must be a number, got list",
        ),
        (
            _file('{"topic":"t","partition":0,"bytes_in_per_second":1,"bytes_out_per_sec":2}'),
            r"partitions\[0\]: unknown key 'bytes_out_per_sec'",
        ),
        (_file(GOOD, GOOD), r"partitions\[1\]: partition t-0 is listed more than once"),
    ],
)
def test_a_malformed_file_is_refused_naming_the_file_and_the_entry(document, message):
    with pytest.raises(MalformedFile, match=message) as caught:
        PartitionRates.from_json(document, source="rates.json")
    assert caught.value.path == "rates.json"
    assert str(caught.value).startswith("rates.json: ")


# -- rates from two readings ---------------------------------------------------------------


def _reading(at, *, end, start=None, size=None, committed=None):
    return RateSample(
        at=at,
        log_end=end,
        log_start=start if start is not None else dict.fromkeys(end, 0),
        leader_bytes=size if size is not None else {},
        committed=committed or {},
    )


def test_bytes_in_is_the_leader_replicas_growth_per_second():
    earlier = _reading(10.0, end={T0: 100}, size={T0: 10_000})
    later = _reading(12.0, end={T0: 150}, size={T0: 16_000})
    rates = PartitionRates.from_samples(earlier, later)
    assert rates.bytes_in_of(T0) == 3000.0
    assert rates.bytes_out == {T0: 0.0}


def test_when_retention_removed_bytes_offsets_times_the_average_message_count():
    # 100 offsets spanning 10,000 bytes: 100 bytes a message; 50 new ones in 2 s
    earlier = _reading(0.0, end={T0: 100}, start={T0: 0}, size={T0: 10_000})
    later = _reading(2.0, end={T0: 150}, start={T0: 100}, size={T0: 5_000})
    assert PartitionRates.from_samples(earlier, later).bytes_in_of(T0) == 50 * 100 / 2


def test_a_log_that_shrank_without_moving_its_start_was_compacted_offsets_count():
    earlier = _reading(0.0, end={T0: 100}, size={T0: 10_000})
    later = _reading(1.0, end={T0: 200}, size={T0: 4_000})
    # the later average (4,000 bytes over 200 offsets) is the one used
    assert PartitionRates.from_samples(earlier, later).bytes_in_of(T0) == 100 * 20.0


def test_a_partition_nothing_was_written_to_receives_0_whatever_its_size_did():
    earlier = _reading(0.0, end={T0: 100}, size={T0: 10_000})
    later = _reading(1.0, end={T0: 100}, start={T0: 50}, size={T0: 5_000})
    assert PartitionRates.from_samples(earlier, later).bytes_in == {T0: 0.0}


def test_a_partition_written_to_whose_size_is_unknown_has_no_rate():
    earlier = _reading(0.0, end={T0: 100, T1: 0}, size={T1: 0})
    later = _reading(1.0, end={T0: 200, T1: 0}, size={T1: 0})
    rates = PartitionRates.from_samples(earlier, later)
    assert T0 not in rates
    assert rates.bytes_in == {T1: 0.0}


def test_partitions_that_only_one_reading_holds_have_no_rate():
    earlier = _reading(0.0, end={T0: 0, T1: 0})
    later = _reading(1.0, end={T0: 0, T2: 0})
    assert list(PartitionRates.from_samples(earlier, later)) == [T0]


def test_bytes_out_sums_every_groups_committed_advance_at_the_average_message_size():
    earlier = _reading(
        0.0,
        end={T0: 1000, T1: 1000},
        size={T0: 100_000, T1: 100_000},
        committed={"a": {T0: 100}, "b": {T0: 500, T1: 900}, "reset": {T0: 900}},
    )
    later = _reading(
        4.0,
        end={T0: 1000, T1: 1000},
        size={T0: 100_000, T1: 100_000},
        committed={
            "a": {T0: 300},  # 200 messages
            "b": {T0: 600, T1: 1000},  # 100 and 100
            "reset": {T0: 0},  # went back: counts 0
            "new": {T0: 1000, T1: 1000},  # committed for the first time: counts 0
        },
    )
    rates = PartitionRates.from_samples(earlier, later)
    assert rates.bytes_out_of(T0) == 300 * 100 / 4
    assert rates.bytes_out_of(T1) == 100 * 100 / 4
    assert rates.bytes_in == {T0: 0.0, T1: 0.0}


def test_the_later_reading_must_come_after_the_earlier_one():
    reading = _reading(5.0, end={T0: 0})
    with pytest.raises(InvalidInput, match="taken after"):
        PartitionRates.from_samples(reading, reading)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"log_end": {T0: -1}}, "partition t-0 has an impossible end offset -1"),
        ({"log_start": {T0: 1.5}}, "impossible start offset 1.5"),
        ({"leader_bytes": {T0: True}}, "impossible leader replica size True"),
        ({"committed": {"g": {T0: -1}}}, r"impossible committed offset \(group 'g'\) -1"),
        ({"at": math.inf}, "at must be a finite time"),
    ],
)
def test_a_reading_refuses_impossible_figures(fields, message):
    values = {"at": 0.0, "log_end": {}, "log_start": {}, "leader_bytes": {}, **fields}
    with pytest.raises(InvalidInput, match=message):
        RateSample(**values)
