"""Throttle ownership: execute sets only what it needs; restore removes only what it added."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from confluent_ops.model import (
    FOLLOWER_THROTTLED_RATE,
    FOLLOWER_THROTTLED_REPLICAS,
    LEADER_THROTTLED_RATE,
    LEADER_THROTTLED_REPLICAS,
    BrokerThrottles,
    ClusterAssignment,
    ConfigSetting,
    ConfigSource,
    ReassignmentPlan,
    TopicPartition,
)
from confluent_ops.planners.throttle_ownership import (
    ThrottleRecord,
    brokers_touched,
    in_flight_changes,
    merge_replica_lists,
    restore_changes,
    subtract_replica_lists,
)

CURRENT = ClusterAssignment({TopicPartition("t", 0): (0, 1), TopicPartition("t", 1): (1, 2)})
PLAN = ReassignmentPlan.between(CURRENT, CURRENT.with_replicas({TopicPartition("t", 0): (0, 3)}))
NOTHING = ReassignmentPlan(())


def setting(name: str, value: str, source: ConfigSource) -> ConfigSetting:
    return ConfigSetting(name, value, source)


def record(rate: int | None = 1000, topic_lists: dict[str, str | None] | None = None):
    layers = {
        0: {
            LEADER_THROTTLED_RATE: [
                setting(LEADER_THROTTLED_RATE, "500", ConfigSource.DYNAMIC_BROKER_CONFIG),
                setting(LEADER_THROTTLED_RATE, "700", ConfigSource.STATIC_BROKER_CONFIG),
            ]
        },
        1: {
            FOLLOWER_THROTTLED_RATE: [
                setting(FOLLOWER_THROTTLED_RATE, "900", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG)
            ]
        },
        3: {},
    }
    lists = topic_lists or {}
    topics = {
        "t": {
            name: (
                None
                if lists.get(name) is None
                else setting(name, str(lists[name]), ConfigSource.DYNAMIC_TOPIC_CONFIG)
            )
            for name in (LEADER_THROTTLED_REPLICAS, FOLLOWER_THROTTLED_REPLICAS)
        }
    }
    return ThrottleRecord.observe(layers, topics, rate=rate)


def test_brokers_touched_are_old_and_new_replicas():
    assert brokers_touched(PLAN) == (0, 1, 3)


def test_record_keeps_only_the_per_broker_layer_for_restoring():
    r = record()
    assert r.brokers[0] == {LEADER_THROTTLED_RATE: "500", FOLLOWER_THROTTLED_RATE: None}
    assert r.brokers[1] == {LEADER_THROTTLED_RATE: None, FOLLOWER_THROTTLED_RATE: None}
    assert (
        r.layers[1][FOLLOWER_THROTTLED_RATE][0].source is ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG
    )


def test_record_round_trips_through_json():
    r = record(topic_lists={LEADER_THROTTLED_REPLICAS: "5:9"})
    assert ThrottleRecord.from_json(r.to_json()) == r


def test_execute_sets_rates_on_touched_brokers_and_merges_lists():
    r = record(topic_lists={LEADER_THROTTLED_REPLICAS: "5:9"})
    changes = in_flight_changes(PLAN, NOTHING, r, {"t": {LEADER_THROTTLED_REPLICAS: "5:9"}})
    assert set(changes.brokers) == {0, 1, 3}
    assert changes.brokers[3].set == {
        LEADER_THROTTLED_RATE: "1000",
        FOLLOWER_THROTTLED_RATE: "1000",
    }
    assert changes.topics["t"].set == {
        LEADER_THROTTLED_REPLICAS: "5:9,0:0,0:1",
        FOLLOWER_THROTTLED_REPLICAS: "0:3",
    }


def test_restore_puts_back_prior_rates_and_removes_only_our_entries():
    r = record(topic_lists={LEADER_THROTTLED_REPLICAS: "5:9,0:0"})
    now = {"t": {LEADER_THROTTLED_REPLICAS: "5:9,0:0,0:1,7:7", FOLLOWER_THROTTLED_REPLICAS: "0:3"}}
    changes = restore_changes(PLAN, r, now)
    assert changes.brokers[0].set == {LEADER_THROTTLED_RATE: "500"}
    assert changes.brokers[0].delete == {FOLLOWER_THROTTLED_RATE}
    assert changes.brokers[3].delete == {LEADER_THROTTLED_RATE, FOLLOWER_THROTTLED_RATE}
    # 0:0 was there before, 7:7 arrived since: both stay; 0:1 and 0:3 were ours.
    assert changes.topics["t"].set == {LEADER_THROTTLED_REPLICAS: "5:9,0:0,7:7"}
    assert changes.topics["t"].delete == {FOLLOWER_THROTTLED_REPLICAS}


def test_unthrottled_execution_changes_and_restores_nothing():
    r = record(rate=None)
    assert not in_flight_changes(PLAN, NOTHING, r, {})
    assert not restore_changes(PLAN, r, {})


TWO_MOVES = ReassignmentPlan.between(
    CURRENT, CURRENT.with_replicas({TopicPartition("t", 0): (0, 3), TopicPartition("t", 1): (1, 4)})
)


def test_lists_cover_only_moves_in_flight_and_keep_entries_found_before():
    """A wave finished (t-0), another in flight (t-1): t-0's entries go, unless prior."""
    first, second = (
        TWO_MOVES.only([TopicPartition("t", 0)]),
        TWO_MOVES.only([TopicPartition("t", 1)]),
    )
    r = record(topic_lists={LEADER_THROTTLED_REPLICAS: "0:0"})
    now = {"t": {LEADER_THROTTLED_REPLICAS: "0:0,0:1", FOLLOWER_THROTTLED_REPLICAS: "0:3"}}
    changes = in_flight_changes(second, first, r, now)
    assert changes.topics["t"].set == {
        LEADER_THROTTLED_REPLICAS: "0:0,1:1,1:2",
        FOLLOWER_THROTTLED_REPLICAS: "1:4",
    }


def test_rates_already_in_force_are_not_set_again():
    r = record()
    rate = str(r.rate)
    in_force = {
        b: BrokerThrottles(
            b,
            setting(LEADER_THROTTLED_RATE, rate, ConfigSource.DYNAMIC_BROKER_CONFIG),
            setting(FOLLOWER_THROTTLED_RATE, rate, ConfigSource.DYNAMIC_BROKER_CONFIG),
        )
        for b in (0, 1)
    }
    changes = in_flight_changes(PLAN, NOTHING, r, {}, in_force)
    assert set(changes.brokers) == {3}


def test_a_star_list_stays_a_star():
    assert merge_replica_lists("*", "0:1") == "*"
    r = record(topic_lists={LEADER_THROTTLED_REPLICAS: "*"})
    now = {"t": {LEADER_THROTTLED_REPLICAS: "*", FOLLOWER_THROTTLED_REPLICAS: "0:3"}}
    assert restore_changes(PLAN, r, now).topics["t"].set == {LEADER_THROTTLED_REPLICAS: "*"}


entries = st.lists(
    st.builds(lambda p, b: f"{p}:{b}", st.integers(0, 5), st.integers(0, 5)), unique=True
)


@given(entries, entries)
def test_merge_then_subtract_what_was_added_gives_back_the_original(before, ours):
    original = ",".join(before)
    merged = merge_replica_lists(original, ",".join(ours))
    added = [e for e in ours if e not in before]
    assert subtract_replica_lists(merged, added) == original
    assert merge_replica_lists(merged, ",".join(ours)) == merged
