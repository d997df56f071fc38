"""Every file format is read strictly: bad bytes, pathological JSON and nonsense values are
refused with a MalformedFile naming the file, never accepted and never a traceback."""

from __future__ import annotations

import json

import pytest

from confluent_ops._files import decode_text
from confluent_ops.errors import InvalidInput, MalformedFile
from confluent_ops.model import (
    BrokerSet,
    ClusterAssignment,
    LogDir,
    LogDirs,
    PartitionSizes,
    TopicPartition,
    parse_bootstrap_servers,
)

ASSIGNMENT = '{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[0,1]}]}'
BROKERS = '{"version":1,"brokers":[{"id":0,"rack":null},{"id":1,"rack":null}]}'
LOG_DIRS = (
    '{"version":1,"brokers":[{"broker":0,"logDirs":[{"logDir":"/d","error":null,'
    '"partitions":[{"partition":"t-0","size":5,"offsetLag":0,"isFuture":false}]}]}]}'
)


def test_the_valid_documents_read():
    assert len(ClusterAssignment.from_kafka_json(ASSIGNMENT)) == 1
    assert BrokerSet.from_brokers_json(BROKERS).ids == (0, 1)
    assert PartitionSizes.from_log_dirs_json(LOG_DIRS).size(TopicPartition("t", 0)) == 5


@pytest.mark.parametrize("version", ["2", "null", "true", "[1]", '"1"', "1.0"])
@pytest.mark.parametrize(
    ("reader", "document"),
    [
        (ClusterAssignment.from_kafka_json, ASSIGNMENT),
        (BrokerSet.from_brokers_json, BROKERS),
        (LogDirs.from_log_dirs_json, LOG_DIRS),
    ],
)
def test_a_version_other_than_1_is_refused(reader, document, version):
    with pytest.raises(MalformedFile, match="version"):
        reader(document.replace('"version":1', f'"version":{version}'), source="f.json")


@pytest.mark.parametrize(
    ("reader", "document"),
    [
        (ClusterAssignment.from_kafka_json, ASSIGNMENT),
        (BrokerSet.from_brokers_json, BROKERS),
        (LogDirs.from_log_dirs_json, LOG_DIRS),
    ],
)
def test_a_duplicate_key_is_refused(reader, document):
    with pytest.raises(MalformedFile, match="appears twice"):
        reader(document.replace('{"version":1,', '{"version":1,"version":1,'), source="f.json")


def test_deep_nesting_and_huge_integers_are_refused_by_name():
    deep = '{"version":1,"partitions":' + "[" * 10_000 + "]" * 10_000 + "}"
    with pytest.raises(MalformedFile, match="nested too deeply"):
        ClusterAssignment.from_kafka_json(deep, source="deep.json")
    huge = ASSIGNMENT.replace('"partition":0', '"partition":' + "9" * 5000)
    with pytest.raises(MalformedFile, match="5000 digits"):
        ClusterAssignment.from_kafka_json(huge, source="huge.json")
    with pytest.raises(MalformedFile, match="NaN is not a JSON number"):
        ClusterAssignment.from_kafka_json(ASSIGNMENT.replace("[0,1]", "[0,NaN]"))


@pytest.mark.parametrize("size", ["-1", str(2**63)])
def test_sizes_out_of_range_are_refused(size):
    with pytest.raises(MalformedFile, match="size"):
        LogDirs.from_log_dirs_json(LOG_DIRS.replace('"size":5', f'"size":{size}'))


def test_ids_beyond_a_java_int_are_refused():
    with pytest.raises(MalformedFile, match="replicas"):
        ClusterAssignment.from_kafka_json(ASSIGNMENT.replace("[0,1]", f"[0,{2**31}]"))
    with pytest.raises(MalformedFile, match="id"):
        BrokerSet.from_brokers_json(BROKERS.replace('"id":1', f'"id":{2**31}'))


def test_log_dirs_round_trip_in_kafkas_layout():
    dirs = LogDirs.from_log_dirs_json("Querying brokers...\nReceived...\n" + LOG_DIRS)
    again = LogDirs.from_log_dirs_json(dirs.to_log_dirs_json())
    assert again == dirs
    assert json.loads(dirs.to_log_dirs_json()) == json.loads(LOG_DIRS)


def test_log_dirs_keep_the_volume_sizes_brokers_report_through_a_round_trip():
    with_sizes = LOG_DIRS.replace(
        '"error":null,', '"error":null,"totalBytes":900,"usableBytes":400,'
    )
    dirs = LogDirs.from_log_dirs_json(with_sizes)
    assert dirs.dirs == (LogDir(0, "/d", None, 900, 400),)
    assert LogDirs.from_log_dirs_json(dirs.to_log_dirs_json()) == dirs
    assert json.loads(dirs.to_log_dirs_json()) == json.loads(with_sizes)


def test_log_dirs_write_only_the_volume_sizes_they_know():
    dirs = LogDirs((LogDir(0, "/a", None, 900, None), LogDir(1, "/a", None, None, 5)), ())
    written = json.loads(dirs.to_log_dirs_json())
    first, second = (broker["logDirs"][0] for broker in written["brokers"])
    assert first["totalBytes"] == 900
    assert "usableBytes" not in first
    assert second["usableBytes"] == 5
    assert "totalBytes" not in second
    assert LogDirs.from_log_dirs_json(dirs.to_log_dirs_json()) == dirs


def test_null_volume_sizes_read_as_unknown():
    null = LOG_DIRS.replace('"error":null,', '"error":null,"totalBytes":null,"usableBytes":null,')
    assert LogDirs.from_log_dirs_json(null) == LogDirs.from_log_dirs_json(LOG_DIRS)


@pytest.mark.parametrize("key", ["totalBytes", "usableBytes"])
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", "must be >= 0"),
        ('"900"', "must be an integer, got str"),
        ("9.5", "must be an integer, got float"),
        ("true", "must be an integer, got bool"),
        (str(2**63), "must be <="),
    ],
)
def test_impossible_volume_sizes_are_refused_naming_the_log_dir(key, value, message):
    bad = LOG_DIRS.replace('"error":null,', f'"error":null,"{key}":{value},')
    with pytest.raises(MalformedFile, match=rf"brokers\[0\]\.logDirs\[0\]\.{key} {message}"):
        LogDirs.from_log_dirs_json(bad, source="l.json")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("Größe".encode("latin-1"), "byte 0xf6 at offset 2"),
        (b"\x00\x01\x02binary", "NUL character"),
        (b"\xff\xfe" + "{}".encode("utf-16-le")[:-1], "starts like UTF-16"),
    ],
)
def test_text_that_is_not_utf8_is_refused_with_the_offset(data, message):
    with pytest.raises(MalformedFile, match=message):
        decode_text(data, source="f.json", what="assignment")


def test_utf8_with_a_bom_and_utf16_with_a_bom_are_read():
    assert decode_text(b"\xef\xbb\xbf{}", source=None, what="x") == "{}"
    assert decode_text("{}".encode("utf-16"), source=None, what="x") == "{}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (":9092", "needs a host"),
        ("127.0.0.1", "needs a port"),
        ("[::1", "closing ]"),
        ("a:1,", "empty entry"),
        ("a:1,,b:2", "empty entry"),
        ("a:0", "1..65535"),
        ("a:99999", "1..65535"),
        ("host name:9092", "not a host name"),
        ("::1:9092", r"\[addr\]:port"),
        ("", "empty"),
    ],
)
def test_malformed_bootstrap_strings_name_the_bad_entry(text, message):
    with pytest.raises(InvalidInput, match=message):
        parse_bootstrap_servers(text)


def test_good_bootstrap_strings_are_normalised():
    assert parse_bootstrap_servers(" a:1 , [::1]:2,SSL://b.example:3 ") == (
        "a:1,[::1]:2,SSL://b.example:3"
    )
