"""The intra-broker copy throttle (JBOD) is owned like the replication throttle."""

from __future__ import annotations

import pytest

from confluent_ops.errors import MalformedFile
from confluent_ops.model import (
    ALTER_LOG_DIRS_RATE,
    LEADER_THROTTLED_RATE,
    ClusterAssignment,
    ConfigChange,
    ConfigSetting,
    ConfigSource,
    ReassignmentPlan,
    TopicPartition,
)
from confluent_ops.planners.throttle_ownership import (
    ThrottleRecord,
    dir_throttle_changes,
    restore_changes,
)

T0 = TopicPartition("t", 0)
CURRENT = ClusterAssignment({T0: (0, 1)})
PLAN = ReassignmentPlan.from_targets({T0: (0, 2)}, CURRENT, target_dirs={T0: ("/a", "/b")})


def layers() -> dict[int, dict[str, list[ConfigSetting]]]:
    dynamic = ConfigSource.DYNAMIC_BROKER_CONFIG
    return {
        0: {ALTER_LOG_DIRS_RATE: [ConfigSetting(ALTER_LOG_DIRS_RATE, "123", dynamic)]},
        1: {LEADER_THROTTLED_RATE: [ConfigSetting(LEADER_THROTTLED_RATE, "5", dynamic)]},
        2: {
            ALTER_LOG_DIRS_RATE: [
                ConfigSetting(ALTER_LOG_DIRS_RATE, "9", ConfigSource.STATIC_BROKER_CONFIG)
            ]
        },
    }


def test_the_record_keeps_each_dir_brokers_own_value() -> None:
    record = ThrottleRecord.observe(layers(), {}, rate=1_000, dir_brokers=[0, 2], dir_rate=50)
    assert record.dir_brokers == {0: "123", 2: None}  # static layers are never changed
    assert record.dir_rate == 50
    assert ALTER_LOG_DIRS_RATE in record.layers[2]
    assert ALTER_LOG_DIRS_RATE not in record.layers[1]


def test_execute_sets_the_dir_rate_on_dir_brokers_only() -> None:
    record = ThrottleRecord.observe(layers(), {}, rate=None, dir_brokers=[0, 2], dir_rate=50)
    changes = dir_throttle_changes(record)
    assert changes.brokers == {
        0: ConfigChange(set={ALTER_LOG_DIRS_RATE: "50"}),
        2: ConfigChange(set={ALTER_LOG_DIRS_RATE: "50"}),
    }
    assert not dir_throttle_changes(ThrottleRecord.observe(layers(), {}, rate=None))


def test_restore_puts_back_what_was_there_beside_the_replication_rates() -> None:
    record = ThrottleRecord.observe(layers(), {}, rate=1_000, dir_brokers=[0, 2], dir_rate=50)
    changes = restore_changes(PLAN, record)
    assert changes.brokers[0].set == {ALTER_LOG_DIRS_RATE: "123"}
    assert ALTER_LOG_DIRS_RATE in changes.brokers[2].delete
    assert LEADER_THROTTLED_RATE in changes.brokers[2].delete  # merged with the rates
    assert changes.brokers[1].set == {LEADER_THROTTLED_RATE: "5"}


def test_without_a_dir_rate_nothing_of_it_is_restored() -> None:
    record = ThrottleRecord.observe(layers(), {}, rate=None, dir_brokers=[0, 2])
    assert not restore_changes(PLAN, record)


def test_the_dir_record_round_trips_and_old_records_read_without_it() -> None:
    record = ThrottleRecord.observe(layers(), {}, rate=7, dir_brokers=[0, 2], dir_rate=50)
    assert ThrottleRecord.from_json(record.to_json()) == record
    old = {"rate": 7, "brokers": {}, "topics": {}}
    assert ThrottleRecord.from_json(old).dir_rate is None
    with pytest.raises(MalformedFile):
        ThrottleRecord.from_json({**old, "dir_rate": "fast"})
