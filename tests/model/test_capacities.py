"""Broker disk capacities: read strictly from their file, or summed from what brokers report."""

from __future__ import annotations

import json

import pytest

from confluent_ops.errors import InvalidInput, MalformedFile
from confluent_ops.model import BrokerCapacities, BrokerSet, LogDir, LogDirs
from confluent_ops.model._json import MAX_INT32, MAX_SIGNED_64

CAPACITIES = '{"version":1,"brokers":[{"id":0,"disk_bytes":1000},{"id":2,"disk_bytes":3000}]}'


def test_a_capacities_file_round_trips():
    capacities = BrokerCapacities.from_json(CAPACITIES, source="c.json")
    assert dict(capacities.disk_bytes) == {0: 1000, 2: 3000}
    assert BrokerCapacities.from_json(capacities.to_json()) == capacities
    assert json.loads(capacities.to_json()) == json.loads(CAPACITIES)


def test_brokers_are_kept_in_id_order_whatever_order_they_come_in():
    capacities = BrokerCapacities({5: 1, 1: 2, 3: 3})
    assert list(capacities) == [1, 3, 5]
    assert [entry["id"] for entry in json.loads(capacities.to_json())["brokers"]] == [1, 3, 5]


def test_a_missing_version_reads_as_1():
    document = CAPACITIES.replace('"version":1,', "")
    assert BrokerCapacities.from_json(document) == BrokerCapacities.from_json(CAPACITIES)


def test_lookups_answer_for_known_brokers_and_none_for_the_others():
    capacities = BrokerCapacities.from_json(CAPACITIES)
    assert capacities.disk(2) == 3000
    assert capacities.disk(1) is None
    assert 0 in capacities
    assert 1 not in capacities
    assert len(capacities) == 2


def test_restricted_to_keeps_only_the_named_brokers():
    capacities = BrokerCapacities({0: 10, 1: 20, 2: 30})
    assert capacities.restricted_to({1, 2, 9}) == BrokerCapacities({1: 20, 2: 30})
    assert capacities.restricted_to(BrokerSet.without_racks([0])) == BrokerCapacities({0: 10})
    assert len(capacities.restricted_to(())) == 0


def test_the_value_is_frozen_and_hashable():
    capacities = BrokerCapacities({0: 10})
    with pytest.raises(TypeError):
        capacities.disk_bytes[0] = 20
    assert hash(capacities) == hash(BrokerCapacities({0: 10}))


@pytest.mark.parametrize(
    ("disk_bytes", "message"),
    [
        ({0: 0}, "impossible disk capacity 0"),
        ({0: -5}, "impossible disk capacity -5"),
        ({0: MAX_SIGNED_64 + 1}, "impossible disk capacity"),
        ({-1: 10}, "broker id must be in"),
        ({MAX_INT32 + 1: 10}, "broker id must be in"),
        ({0: 1.5}, "not an integer"),
        ({0: True}, "not an integer"),
    ],
)
def test_impossible_values_are_refused_at_construction(disk_bytes, message):
    with pytest.raises(InvalidInput, match=message):
        BrokerCapacities(disk_bytes)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{broken", "not valid JSON for a capacities file"),
        ("[]", "a capacities file must be a JSON object"),
        ('{"version":2,"brokers":[]}', "unsupported capacities file version 2"),
        ('{"version":1,"version":1,"brokers":[]}', "appears twice"),
        ('{"version":1}', '"brokers" must be a JSON array'),
        ('{"version":1,"brokers":[]}', "lists no broker"),
        ('{"version":1,"brokers":[7]}', r"brokers\[0\] must be an object"),
        ('{"version":1,"brokers":[{"disk_bytes":5}]}', r"brokers\[0\]\.id must be an integer"),
        ('{"version":1,"brokers":[{"id":-1,"disk_bytes":5}]}', r"brokers\[0\]\.id must be >= 0"),
        (
            f'{{"version":1,"brokers":[{{"id":{MAX_INT32 + 1},"disk_bytes":5}}]}}',
            r"brokers\[0\]\.id must be <=",
        ),
        ('{"version":1,"brokers":[{"id":0}]}', r"brokers\[0\]\.disk_bytes must be an integer"),
        (
            '{"version":1,"brokers":[{"id":0,"disk_bytes":"1TB"}]}',
            r"brokers\[0\]\.disk_bytes must be an integer, got str",
        ),
        (
            '{"version":1,"brokers":[{"id":0,"disk_bytes":1e12}]}',
            r"brokers\[0\]\.disk_bytes must be an integer, got float",
        ),
        (
            '{"version":1,"brokers":[{"id":0,"disk_bytes":0}]}',
            r"brokers\[0\]\.disk_bytes must be >= 1",
        ),
        (
            f'{{"version":1,"brokers":[{{"id":0,"disk_bytes":{MAX_SIGNED_64 + 1}}}]}}',
            r"brokers\[0\]\.disk_bytes must be <=",
        ),
        (
            '{"version":1,"brokers":[{"id":0,"disk_bytes":5},{"id":0,"disk_bytes":6}]}',
            r"brokers\[1\]: broker 0 is listed more than once",
        ),
    ],
)
def test_a_malformed_file_is_refused_naming_the_file_and_the_entry(document, message):
    with pytest.raises(MalformedFile, match=message) as caught:
        BrokerCapacities.from_json(document, source="capacities.json")
    assert caught.value.path == "capacities.json"
    assert str(caught.value).startswith("capacities.json: ")


def _log_dirs(*dirs: LogDir) -> LogDirs:
    return LogDirs(dirs, ())


def test_from_log_dirs_sums_each_brokers_directories():
    capacities = BrokerCapacities.from_log_dirs(
        _log_dirs(
            LogDir(0, "/a", total_bytes=100, usable_bytes=40),
            LogDir(0, "/b", total_bytes=250, usable_bytes=250),
            LogDir(1, "/a", total_bytes=500),
        )
    )
    assert capacities == BrokerCapacities({0: 350, 1: 500})


def test_from_log_dirs_does_not_count_offline_directories():
    capacities = BrokerCapacities.from_log_dirs(
        _log_dirs(
            LogDir(0, "/a", total_bytes=100),
            LogDir(0, "/dead", error="KafkaStorageException", total_bytes=900),
            LogDir(0, "/dead-unknown", error="KafkaStorageException"),
            LogDir(1, "/dead", error="KafkaStorageException", total_bytes=900),
        )
    )
    assert capacities == BrokerCapacities({0: 100})


def test_from_log_dirs_leaves_out_a_broker_with_any_online_directory_of_unknown_size():
    capacities = BrokerCapacities.from_log_dirs(
        _log_dirs(
            LogDir(0, "/a", total_bytes=100),
            LogDir(0, "/b"),
            LogDir(1, "/a", total_bytes=200),
            LogDir(2, "/a", total_bytes=0),
        )
    )
    assert capacities == BrokerCapacities({1: 200})
    assert capacities.disk(0) is None


def test_from_log_dirs_of_kafka_log_dirs_output_is_empty():
    assert len(BrokerCapacities.from_log_dirs(_log_dirs(LogDir(0, "/a"), LogDir(1, "/a")))) == 0
    assert len(BrokerCapacities.from_log_dirs(LogDirs.empty())) == 0
