"""Kafka's own file formats: reassignment JSON, the brokers file, kafka-log-dirs output."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from confluent_ops.errors import DuplicateReplica, InvalidInput, MalformedFile
from confluent_ops.model import (
    Broker,
    BrokerSet,
    ClusterAssignment,
    PartitionMove,
    PartitionSizes,
    ReassignmentPlan,
    Secret,
    TopicPartition,
    java_properties_text,
    read_java_properties,
)

KAFKA_PLAN = (
    '{"version":1,"partitions":[{"topic":"orders","partition":0,"replicas":[2,1],'
    '"log_dirs":["any","any"]},{"topic":"orders","partition":1,"replicas":[1,2],'
    '"log_dirs":["any","any"]}]}'
)

LOG_DIRS_OUTPUT = """Querying brokers for log directories information
Received log directory information from brokers 1,2
{"version":1,"brokers":[{"broker":1,"logDirs":[{"logDir":"/data/k1","error":null,"partitions":[{"partition":"my-topic-0","size":1000,"offsetLag":0,"isFuture":false},{"partition":"my-topic-0","size":99999,"offsetLag":0,"isFuture":true}]}]},{"broker":2,"logDirs":[{"logDir":"/data/k2","error":null,"partitions":[{"partition":"my-topic-0","size":1200,"offsetLag":0,"isFuture":false},{"partition":"my-topic-1","size":5,"offsetLag":0,"isFuture":false}]}]}]}
"""


def test_reassignment_json_reads_kafka_output_including_log_dirs() -> None:
    assignment = ClusterAssignment.from_kafka_json(KAFKA_PLAN)
    assert assignment.replicas(TopicPartition("orders", 0)) == (2, 1)
    assert assignment.leader_counts() == {2: 1, 1: 1}


def test_reassignment_json_writes_kafka_field_names_compactly() -> None:
    assignment = ClusterAssignment({TopicPartition("a-b", 3): (1, 2, 3)})
    text = assignment.to_kafka_json()
    assert text == '{"version":1,"partitions":[{"topic":"a-b","partition":3,"replicas":[1,2,3]}]}\n'
    assert ClusterAssignment.from_kafka_json(text) == assignment


def test_plan_json_holds_only_changed_partitions_and_reorders() -> None:
    current = ClusterAssignment.from_kafka_json(KAFKA_PLAN)
    target = current.with_replicas({TopicPartition("orders", 0): (1, 2)})
    plan = ReassignmentPlan.between(current, target)
    assert [m.partition for m in plan] == [TopicPartition("orders", 0)]
    assert plan.replica_moves == 0
    assert plan.moves[0].changes_leader
    document = json.loads(plan.to_kafka_json())
    assert document == {
        "version": 1,
        "partitions": [{"topic": "orders", "partition": 0, "replicas": [1, 2]}],
    }
    assert ReassignmentPlan.from_kafka_json(plan.to_kafka_json(), current) == plan


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "must be a JSON object"),
        ('{"version":1}', '"partitions" must be a JSON array'),
        ('{"version":2,"partitions":[]}', "unsupported reassignment JSON version"),
        (
            '{"partitions":[{"topic":"t","partition":"0","replicas":[1]}]}',
            "partitions[0].partition",
        ),
        ('{"partitions":[{"topic":"t","partition":0,"replicas":[true]}]}', "replicas[0]"),
        (
            '{"partitions":[{"topic":"t","partition":0,"replicas":[1]},'
            '{"topic":"t","partition":0,"replicas":[2]}]}',
            "t-0 is listed more than once",
        ),
        ('{"partitions":[{"topic":"bad topic","partition":0,"replicas":[1]}]}', "illegal topic"),
    ],
)
def test_malformed_reassignment_json_names_the_offending_item(text: str, message: str) -> None:
    with pytest.raises(MalformedFile, match=re.escape(message)) as caught:
        ClusterAssignment.from_kafka_json(text, source="a.json")
    assert str(caught.value).startswith("a.json: ")


def test_duplicate_replica_is_its_own_error() -> None:
    with pytest.raises(DuplicateReplica) as caught:
        ClusterAssignment.from_kafka_json(
            '{"partitions":[{"topic":"t","partition":4,"replicas":[1,2,1]}]}'
        )
    assert caught.value.partition == "t-4"
    assert caught.value.broker_id == 1


def test_brokers_file_round_trips_with_null_racks() -> None:
    text = '{"version":1,"brokers":[{"id":2,"rack":null},{"id":0,"rack":null}]}'
    brokers = BrokerSet.from_brokers_json(text)
    assert brokers.ids == (0, 2)
    assert not brokers.rack_aware
    assert BrokerSet.from_brokers_json(brokers.to_brokers_json()) == brokers


def test_brokers_file_refuses_a_mix_of_racked_and_unracked_brokers() -> None:
    with pytest.raises(InvalidInput, match="brokers 1 have no rack"):
        BrokerSet.of([Broker(0, "a"), Broker(1)])


def test_brokers_file_refuses_duplicate_ids() -> None:
    with pytest.raises(InvalidInput, match="broker 3 is listed more than once"):
        BrokerSet.from_brokers_json('{"brokers":[{"id":3},{"id":3}]}')


def test_log_dirs_output_with_its_two_text_lines_gives_largest_non_future_size() -> None:
    sizes = PartitionSizes.from_log_dirs_json(LOG_DIRS_OUTPUT)
    assert sizes.size(TopicPartition("my-topic", 0)) == 1200
    assert sizes.size(TopicPartition("my-topic", 1)) == 5
    assert sizes.total == 1205


def test_log_dirs_json_line_alone_is_accepted() -> None:
    json_line = LOG_DIRS_OUTPUT.strip().splitlines()[-1]
    assert PartitionSizes.from_log_dirs_json(json_line) == PartitionSizes.from_log_dirs_json(
        LOG_DIRS_OUTPUT
    )


def test_log_dirs_without_json_is_malformed() -> None:
    with pytest.raises(MalformedFile, match="no JSON line"):
        PartitionSizes.from_log_dirs_json("Querying brokers\n", source="l.json")


@pytest.mark.parametrize(
    ("name", "expected"),
    [("t-0", TopicPartition("t", 0)), ("a-b-c-12", TopicPartition("a-b-c", 12))],
)
def test_partition_names_split_on_the_last_dash(name: str, expected: TopicPartition) -> None:
    assert TopicPartition.parse(name) == expected
    assert str(expected) == name


def test_partition_move_reports_data_moves_and_leader_change() -> None:
    move = PartitionMove(TopicPartition("t", 0), (1, 2, 3), (4, 2, 3))
    assert move.adding == (4,)
    assert move.removing == (1,)
    assert move.changes_leader


def test_secret_never_shows_its_value() -> None:
    secret = Secret("hunter2")
    for shown in (repr(secret), str(secret), f"{secret}", repr([secret])):
        assert "hunter2" not in shown
    assert secret.reveal() == "hunter2"


@given(st.dictionaries(st.text(min_size=1), st.text(), max_size=6))
def test_java_properties_read_back_exactly_what_was_written(values: dict[str, str]) -> None:
    text = java_properties_text(values)
    assert text.isascii()
    assert read_java_properties(text) == values
