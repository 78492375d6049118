"""docker/compose.yml and docker/portainer-stack.yml: valid Compose files, consistent with the code.

Validity is checked by a real Compose-specification validator (check-jsonschema with the
compose-spec schema it ships, offline). Consistency is checked against the code itself:
registered services, the settings classes the code loads, the health routes, the ports.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from mango.cli import build_parser
from mango.config import RuntimeSettings
from mango.errors import SettingsError
from mango.service import find_services
from mango.settings import load_settings
from tests.deploy.deployfiles import (
    COMPOSE,
    DOCKER,
    DOCKERFILE,
    SERVICES,
    STACK,
    dockerfile_stages,
    env_instructions,
    environment,
    interpolation_names,
    load_compose,
    load_script,
    long_running,
    mango_services,
    seconds,
)

FILES = [COMPOSE, STACK]
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")
DRAIN_MARGIN_SECONDS = 5.0
"""Time for the interpreter to exit and the last log lines to flush after the drain."""

reference = load_script("settings_reference")
healthcheck = load_script("healthcheck")


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def registered() -> set[str]:
    return set(find_services())


def runtime_env(path: Path, service: dict[str, Any]) -> dict[str, str]:
    """What the process sees: the image's ENV, then the file's environment."""
    _, stages = dockerfile_stages()
    return {**env_instructions(stages[-1]), **environment(service)}


def with_secret_files(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """Point every ``MANGO_*_FILE`` at a local file holding a plausible value."""
    samples = {"MANGO_DATABASE_URL": "postgresql://mango:secret@db:5432/mango"}
    result = dict(env)
    for key, value in env.items():
        if key.startswith("MANGO_") and key.endswith("_FILE"):
            base = key.removesuffix("_FILE")
            secret = tmp_path / Path(value).name
            secret.write_text(samples.get(base, "sample-secret-value") + "\n")
            result[key] = str(secret)
    return result


# -- validity --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_file_passes_the_compose_spec_validator(path: Path) -> None:
    """check-jsonschema's compose-spec schema accepts the file as written."""
    result = validate(path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_validator_rejects_a_broken_file(tmp_path: Path) -> None:
    """The validator is not vacuous: a misspelt key and a bad type are reported."""
    data = yaml.safe_load(STACK.read_text())
    data["services"]["ads-api"]["stop_grace_periode"] = "45s"
    data["services"]["ads-consumer"]["deploy"]["replicas"] = ["two"]
    broken = tmp_path / "stack.yml"
    broken.write_text(yaml.safe_dump(data))
    result = validate(broken)
    assert result.returncode != 0
    assert "stop_grace_periode" in result.stdout + result.stderr


# -- services and commands -------------------------------------------------------------------


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_the_four_services_are_deployed(path: Path) -> None:
    """Each file runs DESIGN.md's four services, and every registered service."""
    deployed = {environment(s)["MANGO_SERVICE"] for s in long_running(path).values()}
    assert deployed == SERVICES
    assert registered() <= deployed, f"registered but not deployed: {registered() - deployed}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
@pytest.mark.parametrize("service", sorted(SERVICES))
def test_each_service_is_a_registered_mango_service(path: Path, service: str) -> None:
    """`mango run X` for every deployed X finds a service in the mango.services entry points."""
    assert service in registered(), f"{path.name} runs {service!r}, not a registered service"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_one_shot_commands_are_mango_commands(path: Path) -> None:
    """The migration job's commands parse with the real `mango` CLI (or are image scripts)."""
    parser = build_parser()
    jobs = [s for s in mango_services(path).values() if "command" in s]
    assert jobs, "a job that migrates and creates the queues"
    seen = set()
    for job in jobs:
        command = job["command"]
        script = command[-1] if command[:2] == ["sh", "-c"] else shlex.join(command)
        for part in script.split("&&"):
            argv = shlex.split(part)
            if argv[0] == "mango":
                parser.parse_args(argv[1:])  # SystemExit (a test error) if unknown
                seen.add(" ".join(argv[1:3]))
            else:
                assert argv[0] == "mango-dev-bucket", f"unknown command {argv[0]!r}"
                assert (DOCKER / "dev_bucket.py").exists()
    assert {"migrate", "queues create"} <= seen


# -- settings --------------------------------------------------------------------------------


def variables_set() -> list[tuple[str, str, str]]:
    """(where, service, variable) for every MANGO_* variable the files and image set."""
    found = []
    _, stages = dockerfile_stages()
    for name in env_instructions(stages[-1]):
        found.append((DOCKERFILE.name, "image", name))
    for path in FILES:
        for service_name, service in mango_services(path).items():
            service_id = environment(service).get("MANGO_SERVICE", service_name)
            for name in environment(service):
                found.append((path.name, service_id, name))
    return [entry for entry in found if entry[2].startswith("MANGO_")]


def test_every_mango_variable_is_a_known_setting() -> None:
    """Every MANGO_* variable set is read by a settings class the code loads (`_FILE` forms
    count as their base); the image's own MANGO_SERVICE is the one exception."""
    known = reference.known_variables()
    unknown = []
    for where, service, name in variables_set():
        base = name.removesuffix("_FILE")
        if base in known or name in reference.ENTRYPOINT_VARIABLES:
            continue
        unknown.append(f"{where}: {service}: {name}")
    assert not unknown, "not a setting of any settings class:\n" + "\n".join(unknown)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_settings_class_accepts_each_service_environment(path: Path, tmp_path: Path) -> None:
    """Every settings class loads from every service's environment: values in range,
    choices valid, secret files read (a bad value would stop the container at start)."""
    classes = reference.find_settings_classes()
    for service in mango_services(path).values():
        env = with_secret_files(runtime_env(path, service), tmp_path)
        for entry in classes:
            try:
                load_settings(entry.cls, environ=env, prefix=entry.prefix)
            except SettingsError as exc:
                missing_only = all(": missing" in problem for problem in exc.problems)
                if not missing_only:  # a required setting a service may not need
                    raise


def test_stack_secrets_are_files_not_values() -> None:
    """The stack gives secrets as *_FILE paths of mounted Docker secrets, never inline."""
    for name, service in long_running(STACK).items():
        env = environment(service)
        assert "MANGO_DATABASE_URL" not in env, name
        assert not any(key.startswith("AWS_SECRET") for key in env), name
        mounted = {f"/run/secrets/{s['target']}" for s in service["secrets"]}
        files = {v for k, v in env.items() if k.endswith("_FILE")}
        assert files <= mounted, f"{name}: {files - mounted} is not a mounted secret"
        assert env["MANGO_DATABASE_URL_FILE"] in mounted
    declared = load_compose(STACK)["secrets"]
    assert all(secret.get("external") for secret in declared.values())


def test_stack_variables_are_kept_apart_from_settings() -> None:
    """Variables that fill in the stack file are STACK_*, so none passes for a setting."""
    names = interpolation_names(STACK)
    assert names, "the image tag at least comes from the stack's variables"
    assert all(name.startswith("STACK_") for name in names), names


# -- draining --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_stop_grace_period_exceeds_the_drain(path: Path) -> None:
    """Docker's SIGKILL comes after the drain: grace + delay + a margin."""
    for name, service in long_running(path).items():
        settings = load_settings(RuntimeSettings, environ=runtime_env(path, service))
        drain = settings.shutdown_grace_seconds + settings.shutdown_delay_seconds
        assert "stop_grace_period" in service, f"{name}: Docker's default is only 10 s"
        period = seconds(service["stop_grace_period"])
        assert period >= drain + DRAIN_MARGIN_SECONDS, f"{name}: {period} s for a {drain} s drain"


# -- health and ports ------------------------------------------------------------------------


def gateway_port_setting(service: str) -> tuple[str, int]:
    """The gateway's port variable and its default, from the settings classes of the code."""
    variable, _ = healthcheck.GATEWAY_PORTS[service]
    known = reference.known_variables()
    assert variable in known, f"{variable} is not a setting"
    entry = known[variable]
    field = variable.removeprefix(entry.prefix).lower()
    return variable, entry.cls.__struct_defaults__[entry.cls.__struct_fields__.index(field)]


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_gateway_port_table_of_the_healthcheck_matches_the_settings(service: str) -> None:
    """mango-healthcheck's (variable, default) of each gateway is the gateway's real setting."""
    if service not in healthcheck.GATEWAY_PORTS:
        return
    assert gateway_port_setting(service) == healthcheck.GATEWAY_PORTS[service]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
@pytest.mark.parametrize("service", sorted(SERVICES))
def test_healthcheck_probes_the_port_the_service_listens_on(path: Path, service: str) -> None:
    """The image's health check resolves, from the service's environment, the port where
    that service serves /healthz: the gateway's port, or MANGO_HEALTH_PORT for consumers."""
    (definition,) = (
        s for s in long_running(path).values() if environment(s)["MANGO_SERVICE"] == service
    )
    env = runtime_env(path, service=definition)
    probed = healthcheck.resolve_port(env)
    if service in healthcheck.GATEWAY_PORTS:
        variable, default = gateway_port_setting(service)
        listens = int(env.get(variable, default))
    else:
        listens = load_settings(RuntimeSettings, environ=env).health_port
        assert listens, f"{service} has no health port: its container would never be healthy"
    assert probed == listens
    test = definition.get("healthcheck", {}).get("test", ["CMD", "mango-healthcheck"])
    assert test == ["CMD", "mango-healthcheck"], "the image's check, not a copy of it"


def test_stack_publishes_the_gateway_ports_for_the_alb() -> None:
    """Each gateway publishes its own port in ingress mode; consumers publish nothing."""
    for name, service in long_running(STACK).items():
        env = environment(service)
        ports = service.get("ports", [])
        if env["MANGO_SERVICE"] not in healthcheck.GATEWAY_PORTS:
            assert not ports, f"{name}: consumers take no traffic"
            continue
        (port,) = ports
        listens = healthcheck.resolve_port(env)
        assert (port["target"], port["published"], port["mode"]) == (listens, listens, "ingress")


# -- Swarm policies --------------------------------------------------------------------------


def test_stack_rolls_out_safely() -> None:
    """Replicas, start-first rolling updates with rollback, restarts, limits, health checks,
    the overlay network: for every long-running service."""
    stack = load_compose(STACK)
    assert stack["networks"]["mango"]["driver"] == "overlay"
    for name, service in long_running(STACK).items():
        deploy = service["deploy"]
        assert deploy["mode"] == "replicated", name
        assert deploy["replicas"] >= 1, name
        update = deploy["update_config"]
        assert (update["order"], update["failure_action"]) == ("start-first", "rollback"), name
        assert seconds(update["monitor"]) >= 30, name
        assert deploy["rollback_config"]["order"] == "start-first", name
        assert deploy["restart_policy"]["condition"] == "any", name
        limits = deploy["resources"]["limits"]
        assert float(limits["cpus"]) > 0, name
        assert limits["memory"].endswith("M"), name
        assert not service["healthcheck"].get("disable"), name
        assert service["networks"] == ["mango"], name
    migrate = stack["services"]["migrate"]
    assert migrate["deploy"]["mode"] == "replicated-job"
    assert migrate["deploy"]["restart_policy"]["condition"] == "on-failure"


def test_compose_starts_services_after_the_init_job() -> None:
    """On the laptop, services wait for migrations, queues and bucket (exit 0)."""
    compose = load_compose(COMPOSE)
    for name, service in long_running(COMPOSE).items():
        assert service["depends_on"]["init"]["condition"] == "service_completed_successfully"
        assert environment(service)["MANGO_SQS_ENDPOINT_URL"] == "http://aws:5000", name
    init = compose["services"]["init"]
    assert {dep["condition"] for dep in init["depends_on"].values()} == {"service_healthy"}
    assert compose["services"]["proxy"]["build"]["target"] == "proxy"
