"""Every command and file format under generated bad input: the contract holds for each.

See ``conftest.py`` for the contract (``run``) and ``mutations.py`` for how inputs go bad.
These tests need no cluster: commands that would talk to one are pointed at a port nothing
listens on, so that every input is judged before the network (a malformed plan exits 65 and
never 69), and the few that reach the network end within their short ``--timeout``.
"""

from __future__ import annotations

import itertools
import json
import shutil
import tempfile
from pathlib import Path

import pytest
from contract import SETTINGS, run
from hypothesis import given
from hypothesis import strategies as st
from mutations import (
    BOOTSTRAPS,
    HOSTILE_LIST,
    NAMED_NUMBERS,
    NUMBERS,
    PATH_KINDS,
    bad_path,
    byte_mutations,
    file_contents,
    write,
)

from confluent_ops.tls import CertificateAuthority, KeyType, write_authority

NOWHERE = "127.0.0.1:1"
FAST = ["--timeout", "0.5"]

ASSIGNMENT = (
    '{"version":1,"partitions":['
    + ",".join(
        f'{{"topic":"t","partition":{p},"replicas":[{p % 3},{(p + 1) % 3}]}}' for p in range(6)
    )
    + "]}"
)
BROKERS = (
    '{"version":1,"brokers":[' + ",".join(f'{{"id":{b},"rack":null}}' for b in range(4)) + "]}"
)
LOG_DIRS = (
    "Querying brokers for log directories information\n"
    "Received log directory information from brokers 0,1,2\n"
    '{"version":1,"brokers":[{"broker":0,"logDirs":[{"logDir":"/d","error":null,"partitions":['
    + ",".join(
        f'{{"partition":"t-{p}","size":{1000 * p},"offsetLag":0,"isFuture":false}}'
        for p in range(6)
    )
    + "]}]}]}"
)
PROPERTIES = "security.protocol=PLAINTEXT\nclient.id=hostile\n"
VALID = {"assignment": ASSIGNMENT, "brokers": BROKERS, "log_dirs": LOG_DIRS}
REQUESTS = {
    "rebalance": [],
    "leaders": [],
    "add-brokers": ["--new", "3"],
    "remove-brokers": ["--remove", "2"],
    "replication-factor": ["--topic", "t", "--factor", "2"],
}
_counter = itertools.count()


def fresh(tmp_path: Path) -> Path:
    """A new folder per generated example, holding the valid inputs."""
    folder = Path(tempfile.mkdtemp(dir=tmp_path, prefix=f"case-{next(_counter)}-"))
    for name, text in VALID.items():
        write(folder / f"{name}.json", text)
    write(folder / "client.properties", PROPERTIES)
    return folder


def plan_argv(folder: Path, request: str) -> list[str]:
    return [
        "plan",
        request,
        "--assignment",
        str(folder / "assignment.json"),
        "--brokers",
        str(folder / "brokers.json"),
        "--log-dirs",
        str(folder / "log_dirs.json"),
        "--output",
        str(folder / "plan.json"),
        "--summary-json",
        str(folder / "summary.json"),
        *REQUESTS[request],
    ]


@SETTINGS
@given(
    which=st.sampled_from(sorted(VALID)), request=st.sampled_from(sorted(REQUESTS)), data=st.data()
)
def test_plan_with_a_corrupted_input_file(which, request, data, tmp_path, capsys):
    folder = fresh(tmp_path)
    write(folder / f"{which}.json", data.draw(file_contents(VALID[which])))
    run(
        f"plan {request}",
        plan_argv(folder, request),
        capsys,
        workdir=folder,
        outputs=[folder / "plan.json", folder / "summary.json"],
    )


@SETTINGS
@given(
    option=st.sampled_from(
        ["--output", "--summary-json", "--assignment", "--brokers", "--log-dirs"]
    ),
    kind=st.sampled_from(PATH_KINDS),
)
def test_plan_with_an_unusable_path(option, kind, tmp_path, capsys):
    folder = fresh(tmp_path)
    argv = plan_argv(folder, "rebalance")
    argv[argv.index(option) + 1] = bad_path(folder, kind)
    output = option in ("--output", "--summary-json")
    outcome = run(
        "plan rebalance",
        argv,
        capsys,
        workdir=folder,
        outputs=[folder / "plan.json", folder / "summary.json"],
        # an output path that is a symlink loop is replaced, as mv would replace it
        expect=[0, 66] if output and kind == "loop" else [66],
    )
    assert "Errno" not in outcome.stderr


@SETTINGS
@given(
    option=st.sampled_from(["--max-moves", "--throttle", "--concurrency", "--byte-tolerance"]),
    value=NUMBERS,
)
def test_plan_with_a_numeric_option_out_of_range(option, value, tmp_path, capsys):
    folder = fresh(tmp_path)
    run("plan rebalance", [*plan_argv(folder, "rebalance"), option, value], capsys, workdir=folder)


@SETTINGS
@given(action=st.sampled_from(["execute", "verify", "cancel"]), data=st.data())
def test_reassign_with_a_corrupted_plan_is_judged_before_the_network(
    action, data, tmp_path, capsys
):
    folder = fresh(tmp_path)
    plan = write(folder / "plan.json", data.draw(file_contents(ASSIGNMENT)))
    argv = ["reassign", action, "--plan", str(plan), "--bootstrap", NOWHERE, *FAST]
    outcome = run(f"reassign {action}", argv, capsys, workdir=folder)
    if outcome.code == 69:  # only a plan that parses may go as far as the network
        from confluent_ops.model import ClusterAssignment

        ClusterAssignment.from_kafka_json(plan.read_text())


@SETTINGS
@given(
    action=st.sampled_from(["execute", "verify", "cancel"]),
    option_value=st.one_of(
        st.tuples(st.just("--timeout"), NAMED_NUMBERS),  # a random valid timeout is waited out
        st.tuples(st.sampled_from(["--throttle", "--concurrency", "--stall"]), NUMBERS),
    ),
)
def test_reassign_with_a_numeric_option_out_of_range(action, option_value, tmp_path, capsys):
    option, value = option_value
    folder = fresh(tmp_path)
    plan = write(folder / "plan.json", ASSIGNMENT)
    argv = ["reassign", action, "--plan", str(plan), "--bootstrap", NOWHERE, *FAST, option, value]
    outcome = run(f"reassign {action}", argv, capsys, workdir=folder)
    assert outcome.code in (64, 69)


@SETTINGS
@given(
    command=st.sampled_from(["health", "reassign verify", "cluster export", "plan leaders"]),
    text=BOOTSTRAPS,
)
def test_a_malformed_bootstrap_is_a_usage_error_naming_the_entry(command, text, tmp_path, capsys):
    folder = fresh(tmp_path)
    words = command.split()
    extra = {
        "reassign verify": ["--plan", str(write(folder / "p.json", ASSIGNMENT))],
        "cluster export": ["--out", str(folder / "export")],
    }.get(command, [])
    run(command, [*words, "--bootstrap", text, *FAST, *extra], capsys, workdir=folder, expect=[64])


PROPERTY_SETS = st.sampled_from(
    [
        "security.protocol=SSL\nssl.truststore.type=PEM\nssl.truststore.location={garbage}\n",
        "security.protocol=SSL\nssl.truststore.type=PEM\nssl.truststore.location={missing}\n",
        "security.protocol=SSL\nssl.truststore.location={garbage}\nssl.truststore.password=x\n",
        "security.protocol=SSL\nssl.keystore.type=PEM\nssl.keystore.location={garbage}\n",
        "security.protocol=SSL\nssl.keystore.location={garbage}\nssl.keystore.type=JKS\n",
        "security.protocol=SSL\nssl.keystore.type=PEM\nssl.keystore.certificate.chain=x\n"
        "ssl.keystore.key=y\n",
        "security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\nsasl.jaas.config="
        'org.apache.kafka.common.security.plain.PlainLoginModule required username="a" '
        'password="p\\u0000w";\n',
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config=nonsense\n",
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\n",
        "security.protocol=NOPE\n",
        "ssl.truststore.location\n=\n\\\n",
    ]
)


@SETTINGS
@given(template=PROPERTY_SETS, data=st.data(), mangle=st.booleans())
def test_a_hostile_command_config(template, data, mangle, tmp_path, capsys):
    folder = fresh(tmp_path)
    garbage = write(folder / "garbage.pem", b"-----BEGIN CERTIFICATE-----\nnot base64\n")
    text = template.format(garbage=garbage, missing=folder / "missing.pem")
    config = folder / "client.properties"
    write(config, data.draw(byte_mutations(text)) if mangle else text)
    argv = ["health", "--bootstrap", NOWHERE, *FAST, "--command-config", str(config)]
    outcome = run("health --command-config", argv, capsys, workdir=folder)
    assert outcome.code in (64, 65, 66, 69)


@pytest.fixture(scope="module")
def authority_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ca")
    write_authority(
        CertificateAuthority.self_signed("hostile-ca", key_type=KeyType.EC_P256), folder
    )
    return folder


NAMES = st.sampled_from(
    ["é" * 40, "", " ", "a\x00b", "x" * 65, "ok\nnext", "\udcff", "ü" * 32, "名" * 22]
) | st.text(max_size=80)


@SETTINGS
@given(name=NAMES)
def test_certs_ca_with_a_name_x509_refuses(name, tmp_path, capsys):
    folder = fresh(tmp_path)
    argv = ["certs", "ca", "--out", str(folder / "ca"), "--cn", name, "--key-type", "ec-p256"]
    run("certs ca", argv, capsys, workdir=folder, outputs=[folder / "ca"], expect=[0, 64, 65])


@SETTINGS
@given(value=NUMBERS, command=st.sampled_from(["ca", "issue"]))
def test_certs_days_out_of_range(value, command, authority_dir, tmp_path, capsys):
    folder = fresh(tmp_path)
    argv = [
        "certs",
        command,
        "--out",
        str(folder / "out"),
        "--days",
        value,
        "--key-type",
        "ec-p256",
    ]
    if command == "issue":
        argv += ["--ca", str(authority_dir), "--name", "n"]
    run(f"certs {command}", argv, capsys, workdir=folder, outputs=[folder / "out"])


@SETTINGS
@given(
    blocker=st.sampled_from(
        ["keystore.p12", "truststore.jks", "tls.key", "password", "out-is-file", "parent-is-file"]
    ),
)
def test_certs_issue_writes_all_or_nothing(blocker, authority_dir, tmp_path, capsys):
    folder = fresh(tmp_path)
    out = folder / "out"
    if blocker == "out-is-file":
        write(out, "x")
    elif blocker == "parent-is-file":
        write(folder / "file", "x")
        out = folder / "file" / "out"
    else:
        (out / blocker).mkdir(parents=True)
    argv = ["certs", "issue", "--ca", str(authority_dir), "--name", "n", "--out", str(out)]
    run("certs issue", argv, capsys, workdir=folder, expect=[66])
    if out.is_dir():
        assert sorted(p.name for p in out.iterdir()) == [blocker]


@SETTINGS
@given(data=st.data())
def test_certs_issue_with_a_hostile_password_file(data, authority_dir, tmp_path, capsys):
    folder = fresh(tmp_path)
    password = write(folder / "pw", data.draw(byte_mutations("a-store-password-1234")))
    out = folder / "out"
    argv = ["certs", "issue", "--ca", str(authority_dir), "--name", "n", "--out", str(out),
            "--password-file", str(password)]  # fmt: skip
    run("certs issue --password-file", argv, capsys, workdir=folder, outputs=[out])


@SETTINGS
@given(data=st.data())
def test_certs_inspect_of_hostile_files(data, authority_dir, tmp_path, capsys):
    folder = fresh(tmp_path)
    valid = (authority_dir / "ca.crt").read_text()
    target = write(folder / "cert.pem", data.draw(byte_mutations(valid)))
    run("certs inspect", ["certs", "inspect", str(target)], capsys, workdir=folder)


@SETTINGS
@given(kind=st.sampled_from(PATH_KINDS))
def test_cluster_export_to_an_unusable_folder_is_refused_before_the_network(kind, tmp_path, capsys):
    folder = fresh(tmp_path)
    target = bad_path(folder, kind)
    if kind == "directory":
        write(Path(target) / "brokers.json", "x")
        (Path(target) / "assignment.json").mkdir()
    argv = ["cluster", "export", "--bootstrap", NOWHERE, *FAST, "--out", target]
    run(
        "cluster export",
        argv,
        capsys,
        workdir=folder,
        expect=[66, 69] if kind == "missing" else [66],
    )


@SETTINGS
@given(
    option_value=st.one_of(
        st.tuples(st.just("--partitions"), NAMED_NUMBERS),  # a million partitions take a while
        st.tuples(st.sampled_from(["--throttle", "--concurrency", "--seed"]), NUMBERS),
    )
)
def test_demo_with_a_numeric_option_out_of_range(option_value, tmp_path, capsys):
    option, value = option_value
    folder = fresh(tmp_path)
    small = [] if option == "--partitions" else ["--partitions", "30"]
    run(
        "demo",
        ["demo", "--plan-only", option, value, *small],
        capsys,
        workdir=folder,
    )


@SETTINGS
@given(
    argv=st.sampled_from(
        [
            ["kafka", "--brokers"],
            ["kafka", "--racks"],
            ["kafka", "--controllers"],
            ["zookeeper", "--servers"],
        ]
    ),
    value=NUMBERS,
)
def test_testbed_with_bad_numbers_starts_nothing(argv, value, tmp_path, capsys):
    folder = fresh(tmp_path)
    ready = folder / "missing" / "ready.json"  # so that even a valid number starts nothing
    command = ["testbed", argv[0], *argv[1:], value, "--ready-file", str(ready)]
    if argv[0] == "kafka" and argv[1] != "--brokers":
        command += ["--brokers", "1"]
    run(f"testbed {argv[0]}", command, capsys, workdir=folder, expect=[64, 66])


# -- drain, roll, upgrade, scale ------------------------------------------------------------

BY_COMMANDS = ["--broker-ids", "0,1,2", "--stop-command", "true", "--start-command", "true"]
STEPS = {
    "drain": ["drain", "--broker", "1"],
    "roll kafka": ["roll", "kafka", *BY_COMMANDS],
    "upgrade kafka": ["upgrade", "kafka", *BY_COMMANDS, "--version", "4.1.1"],
    "scale kafka": ["scale", "kafka", *BY_COMMANDS, "--brokers", "4"],
}
STEP_NUMBERS = {
    "drain": ["--broker", "--stall", "--metrics-port"],
    "roll kafka": ["--batch-limit", "--stall", "--metrics-port"],
    "upgrade kafka": ["--metadata-level", "--stall"],
    "scale kafka": ["--brokers", "--throttle", "--concurrency", "--stall"],
}


def step_argv(folder: Path, command: str, *extra: str) -> list[str]:
    state = ["--state", str(folder / "step.state.json")]
    return [*STEPS[command], "--bootstrap", NOWHERE, *FAST, *state, *extra]


@SETTINGS
@given(
    command_option=st.sampled_from(
        [(command, option) for command, options in STEP_NUMBERS.items() for option in options]
    ),
    value=NUMBERS,
)
def test_a_step_with_a_numeric_option_out_of_range_changes_nothing(
    command_option, value, tmp_path, capsys
):
    command, option = command_option
    folder = fresh(tmp_path)
    argv = step_argv(folder, command, option, value)
    run(command, argv, capsys, workdir=folder, expect=[64, 69])
    assert not (folder / "step.state.json").exists()


READY = json.dumps({"bootstrap": NOWHERE, "control": "/nonexistent/control", "brokers": [0]})


@SETTINGS
@given(command=st.sampled_from(["roll kafka", "upgrade kafka", "scale kafka"]), data=st.data())
def test_a_hostile_testbed_ready_file_is_judged_before_the_network(command, data, tmp_path, capsys):
    folder = fresh(tmp_path)
    ready = write(folder / "ready.json", data.draw(file_contents(READY)))
    words = STEPS[command][:2] + STEPS[command][2 + len(BY_COMMANDS) :]  # no commands given
    argv = [*words, "--testbed", str(ready), "--bootstrap", NOWHERE, *FAST]
    run(command, argv, capsys, workdir=folder, expect=[65, 66, 69])


@SETTINGS
@given(
    command=st.sampled_from(["roll kafka", "upgrade kafka", "scale kafka"]),
    option=st.sampled_from(["--stop-command", "--start-command", "--status-command"]),
    template=st.one_of(
        st.sampled_from(["{", "}", "{nodes}", "{0}", "{node!x}", "{version:>{node}}", ""]),
        st.text(max_size=40),
    ),
)
def test_a_hostile_command_template_is_refused_before_the_network(
    command, option, template, tmp_path, capsys
):
    folder = fresh(tmp_path)
    run(command, step_argv(folder, command, option, template), capsys, workdir=folder)


@SETTINGS
@given(
    command_option=st.sampled_from(
        [
            ("roll kafka", "--config"),
            ("roll kafka", "--only"),
            ("roll kafka", "--batch"),
            ("roll kafka", "--broker-ids"),
            ("upgrade kafka", "--version"),
            ("scale kafka", "--controller-ids"),
        ]
    ),
    value=st.one_of(st.sampled_from([str(v) for v in HOSTILE_LIST]), st.text(max_size=40)),
)
def test_a_step_with_hostile_words_is_judged_before_anything_changes(
    command_option, value, tmp_path, capsys
):
    command, option = command_option
    folder = fresh(tmp_path)
    run(command, step_argv(folder, command, option, value), capsys, workdir=folder)
    assert not (folder / "step.state.json").exists()


@SETTINGS
@given(command=st.sampled_from(sorted(STEPS)), kind=st.sampled_from(PATH_KINDS))
def test_a_step_with_an_unusable_state_path_is_refused_before_the_network(
    command, kind, tmp_path, capsys
):
    folder = fresh(tmp_path)
    target = bad_path(folder, kind)
    argv = [*STEPS[command], "--bootstrap", NOWHERE, *FAST, "--state", target]
    run(command, argv, capsys, workdir=folder, expect=[66, 69] if kind == "missing" else [64, 66])


# -- render and certs platform: the platform spec and its material --

EXAMPLE_SPEC = Path(__file__).resolve().parents[2] / "examples" / "platform.yaml"
PLAIN_SPEC = (
    "name: cp\nnamespace: confluent\nkraft: {authentication: plain}\n"
    "schema_registry: {}\nconnect: {}\n"
    "security: {material: material}\n"
    "kafka:\n  listeners:\n    internal: {port: 9071, tls: true, authentication: scram-sha-512}\n"
    "    external: {type: nodeport, host: nodes.example.com}\n"
)


def _spec_as_json(text: str) -> str:
    import yaml

    return json.dumps(yaml.safe_load(text))


@pytest.fixture(scope="module")
def platform_material(authority_dir, tmp_path_factory):
    """The material of PLAIN_SPEC, made once by `certs platform`."""
    folder = tmp_path_factory.mktemp("platform")
    write(folder / "platform.yaml", PLAIN_SPEC)
    argv = ["certs", "platform", "--spec", str(folder / "platform.yaml"),
            "--ca", str(authority_dir), "--out", str(folder / "material")]  # fmt: skip
    from confluent_ops.cli.main import main

    assert main(argv) == 0
    return folder / "material"


def render_case(tmp_path: Path, material: Path, spec: bytes | str) -> tuple[Path, list[str]]:
    folder = fresh(tmp_path)
    shutil.copytree(material, folder / "material")
    write(folder / "platform.yaml", spec)
    argv = ["render", "--spec", str(folder / "platform.yaml"), "--out", str(folder / "out")]
    return folder, argv


@SETTINGS
@given(data=st.data(), structural=st.booleans())
def test_render_of_a_corrupted_spec_writes_nothing(
    data, structural, platform_material, tmp_path, capsys
):
    valid = _spec_as_json(PLAIN_SPEC) if structural else PLAIN_SPEC
    spec = data.draw(file_contents(valid) if structural else byte_mutations(valid))
    folder, argv = render_case(tmp_path, platform_material, spec)
    outcome = run(
        "render", argv, capsys, workdir=folder, outputs=[folder / "out"], expect=[0, 65, 66]
    )
    if outcome.code == 0:
        assert all(
            p.stat().st_mode & 0o777 == 0o600 for p in (folder / "out").glob("*-secret-*.yaml")
        )


@SETTINGS
@given(
    data=st.data(),
    target=st.sampled_from(
        ["ca.crt", "kafka/tls.crt", "kafka/tls.key", "users/kafka.password", "connect/tls.crt"]
    ),
)
def test_render_with_corrupted_material_writes_nothing(
    data, target, platform_material, tmp_path, capsys
):
    folder, argv = render_case(tmp_path, platform_material, PLAIN_SPEC)
    valid = (folder / "material" / target).read_text()
    write(folder / "material" / target, data.draw(byte_mutations(valid)))
    run("render", argv, capsys, workdir=folder, outputs=[folder / "out"], expect=[0, 65, 66])


@SETTINGS
@given(option=st.sampled_from(["--spec", "--out", "--material"]), kind=st.sampled_from(PATH_KINDS))
def test_render_with_an_unusable_path(option, kind, platform_material, tmp_path, capsys):
    folder, _ = render_case(tmp_path, platform_material, PLAIN_SPEC)
    paths = {
        "--spec": str(folder / "platform.yaml"),
        "--out": str(folder / "out"),
        "--material": str(folder / "material"),
    }
    paths[option] = bad_path(folder, kind)
    argv = ["render", *itertools.chain.from_iterable(paths.items())]
    outcome = run("render", argv, capsys, workdir=folder, outputs=[folder / "out"])
    assert outcome.code in (65, 66) or (option == "--out" and outcome.code == 0)
    assert "Errno" not in outcome.stderr


@SETTINGS
@given(data=st.data())
def test_certs_platform_with_a_corrupted_spec_writes_nothing(data, authority_dir, tmp_path, capsys):
    folder = fresh(tmp_path)
    write(folder / "platform.yaml", data.draw(byte_mutations(PLAIN_SPEC)))
    argv = ["certs", "platform", "--spec", str(folder / "platform.yaml"),
            "--ca", str(authority_dir), "--out", str(folder / "material")]  # fmt: skip
    run("certs platform", argv, capsys, workdir=folder, outputs=[folder / "material"])


def test_the_example_spec_renders_from_the_command_line(authority_dir, tmp_path, capsys):
    folder = fresh(tmp_path)
    shutil.copy(EXAMPLE_SPEC, folder / "platform.yaml")
    material = folder / "platform-secrets"
    argv = ["certs", "platform", "--spec", str(folder / "platform.yaml"),
            "--ca", str(authority_dir), "--out", str(material)]  # fmt: skip
    assert run("certs platform", argv, capsys, workdir=folder).code == 0
    refused = run("render", ["render", "--spec", str(folder / "platform.yaml"), "--out",
                             str(folder / "out")], capsys, workdir=folder,
                  outputs=[folder / "out"], expect=[65])  # fmt: skip
    assert "replicator-source/ca.crt, replicator-source/password" in refused.stderr
    (material / "replicator-source").mkdir()
    shutil.copy(authority_dir / "ca.crt", material / "replicator-source" / "ca.crt")
    write(material / "replicator-source" / "password", "a-source-password-42\n")
    argv = ["render", "--spec", str(folder / "platform.yaml"), "--out", str(folder / "out")]
    done = run("render", argv, capsys, workdir=folder, expect=[0])
    assert done.stdout.startswith("wrote 64 objects to ")


@SETTINGS
@given(data=st.data())
def test_provision_of_a_corrupted_spec_is_judged_before_the_network(data, tmp_path, capsys):
    folder = fresh(tmp_path)
    write(folder / "platform.yaml", data.draw(byte_mutations(PLAIN_SPEC)))
    write(folder / "kubeconfig", _KUBECONFIG)
    argv = ["provision", "--spec", str(folder / "platform.yaml"),
            "--kubeconfig", str(folder / "kubeconfig")]  # fmt: skip
    run("provision", argv, capsys, workdir=folder, expect=[65, 66])


_KUBECONFIG = json.dumps(
    {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "x",
    }
)


@SETTINGS
@given(kind=st.sampled_from(PATH_KINDS), data=st.data())
def test_provision_with_an_unusable_or_hostile_kubeconfig(kind, data, tmp_path, capsys):
    folder = fresh(tmp_path)
    write(folder / "platform.yaml", "name: cp\nnamespace: x\nkraft: {}\n")
    if data.draw(st.booleans()):
        kubeconfig = bad_path(folder, kind)
        expect = [65, 66]
    else:
        kubeconfig = str(write(folder / "kubeconfig", data.draw(byte_mutations(_KUBECONFIG))))
        expect = [65, 66, 69]
    argv = ["provision", "--spec", str(folder / "platform.yaml"), "--kubeconfig", kubeconfig]
    outcome = run("provision", argv, capsys, workdir=folder, expect=expect)
    assert "Errno" not in outcome.stderr
