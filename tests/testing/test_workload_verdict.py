"""The workload's verdict on crafted records: each breach is named, and only breaches are."""

from __future__ import annotations

from confluent_ops.testing import Acknowledged, Consumed, judge


def _acked(*records: tuple[int, int, int]) -> list[Acknowledged]:
    return [
        Acknowledged(seq, partition, offset, latency=0.01 * seq)
        for seq, partition, offset in records
    ]


def _read(*records: tuple[int, int, int]) -> list[Consumed]:
    return [Consumed(seq, partition, offset) for seq, partition, offset in records]


def test_everything_acknowledged_and_read_in_order_is_ok() -> None:
    records = ((0, 0, 0), (1, 1, 0), (2, 0, 1), (3, 1, 1))
    verdict = judge(_acked(*records), _read(*records))
    assert verdict.ok
    assert (verdict.acknowledged, verdict.consumed) == (4, 4)
    assert verdict.max_produce_latency == 0.03


def test_acknowledged_but_never_read_is_lost() -> None:
    verdict = judge(_acked((0, 0, 0), (1, 0, 1), (2, 0, 2)), _read((0, 0, 0), (2, 0, 2)))
    assert verdict.lost == (1,)
    assert not verdict.ok


def test_reading_one_offset_twice_is_not_a_duplicate_but_two_offsets_are() -> None:
    reread = judge(_acked((0, 0, 0)), _read((0, 0, 0), (0, 0, 0)))
    assert reread.ok
    stored_twice = judge(_acked((0, 0, 0)), _read((0, 0, 0), (0, 0, 1)))
    assert stored_twice.duplicates == (0,)
    assert not stored_twice.ok


def test_a_smaller_sequence_after_a_larger_one_in_a_partition_is_reordering() -> None:
    verdict = judge(
        _acked((5, 0, 0), (4, 0, 1), (1, 1, 0)),
        _read((5, 0, 0), (4, 0, 1), (1, 1, 0)),
    )
    assert verdict.reordered == ((0, 1),)
    assert not verdict.ok


def test_order_across_partitions_is_not_judged() -> None:
    verdict = judge(_acked((5, 0, 0), (4, 1, 0)), _read((4, 1, 0), (5, 0, 0)))
    assert verdict.ok


def test_produce_errors_are_reported_without_counting_as_loss() -> None:
    verdict = judge(
        _acked((0, 0, 0)), _read((0, 0, 0)), ["sequence 1: Broker: Not enough replicas"]
    )
    assert verdict.ok
    assert verdict.produce_errors == ("sequence 1: Broker: Not enough replicas",)
    assert "produce errors 1" in verdict.summary()


def test_an_acknowledgement_without_an_offset_counts_by_its_sequence() -> None:
    """A retried batch the broker already stored is acknowledged with no offset."""
    acked = [*_acked((0, 0, 0)), Acknowledged(1, 0, None)]
    assert judge(acked, _read((0, 0, 0), (1, 0, 1))).ok
    assert judge(acked, _read((0, 0, 0))).lost == (1,)
