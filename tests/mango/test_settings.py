"""Typed settings from MANGO_* variables: conversions, files, errors, redaction, reference."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Literal

import msgspec
import pytest
from msgspec import Meta

from mango import SettingsError
from mango.settings import env_var_names, load_settings, redacted_dict, settings_reference


class Region(enum.Enum):
    EU = "eu-west-1"
    US = "us-east-1"


class ExampleSettings(msgspec.Struct, frozen=True, kw_only=True):
    database_url: str
    """PostgreSQL DSN used by every service."""
    port: Annotated[int, Meta(ge=1, le=65535, description="HTTP port to listen on.")] = 8080
    ratio: float = 0.5
    debug: bool = False
    log_format: Literal["auto", "json", "console"] = "auto"
    region: Region = Region.EU
    queues: list[str] = msgspec.field(default_factory=lambda: ["mango-ads"])
    replicas: list[int] = msgspec.field(default_factory=list)
    timeout: float | None = None
    service_name: Annotated[str, Meta(pattern=r"^[a-z][a-z0-9-]*$")] = "ads-api"
    api_token: str = ""
    """Token for the upstream API (a secret)."""


BASE = {"MANGO_DATABASE_URL": "postgres://mango:hunter2@db:5432/mango"}


def load(**env: str) -> ExampleSettings:
    return load_settings(ExampleSettings, {**BASE, **env})


def test_defaults_apply_when_unset():
    """Only the required variable is needed; every other field keeps its default."""
    settings = load()
    assert settings.port == 8080
    assert settings.queues == ["mango-ads"]
    assert settings.timeout is None


@pytest.mark.parametrize(
    ("variable", "raw", "field", "expected"),
    [
        ("MANGO_PORT", " 9000 ", "port", 9000),
        ("MANGO_RATIO", "0.25", "ratio", 0.25),
        ("MANGO_DEBUG", "true", "debug", True),
        ("MANGO_DEBUG", "YES", "debug", True),
        ("MANGO_DEBUG", "1", "debug", True),
        ("MANGO_DEBUG", "on", "debug", True),
        ("MANGO_DEBUG", "false", "debug", False),
        ("MANGO_DEBUG", "No", "debug", False),
        ("MANGO_DEBUG", "0", "debug", False),
        ("MANGO_LOG_FORMAT", "json", "log_format", "json"),
        ("MANGO_REGION", "us-east-1", "region", Region.US),
        ("MANGO_QUEUES", "a, b ,,c", "queues", ["a", "b", "c"]),
        ("MANGO_QUEUES", "", "queues", []),
        ("MANGO_REPLICAS", "1,2", "replicas", [1, 2]),
        ("MANGO_TIMEOUT", "2.5", "timeout", 2.5),
        ("MANGO_TIMEOUT", "", "timeout", None),
        ("MANGO_SERVICE_NAME", "content-consumer", "service_name", "content-consumer"),
    ],
)
def test_each_type_is_converted(variable, raw, field, expected):
    """Strings become ints, floats, booleans, choices, enums, lists and optionals."""
    assert getattr(load(**{variable: raw}), field) == expected


def test_value_can_come_from_a_file(tmp_path: Path):
    """MANGO_X_FILE names a file holding the value (Docker secrets); one newline is cut."""
    secret = tmp_path / "token"
    secret.write_text("s3cr3t\n", encoding="utf-8")
    assert load(MANGO_API_TOKEN_FILE=str(secret)).api_token == "s3cr3t"


def test_required_value_can_come_from_a_file(tmp_path: Path):
    """A required variable is satisfied by its _FILE form alone."""
    dsn = tmp_path / "dsn"
    dsn.write_text("postgres://db/mango", encoding="utf-8")
    settings = load_settings(ExampleSettings, {"MANGO_DATABASE_URL_FILE": str(dsn)})
    assert settings.database_url == "postgres://db/mango"


def test_variable_and_file_together_are_an_error(tmp_path: Path):
    """Setting both MANGO_X and MANGO_X_FILE is ambiguous and refused."""
    path = tmp_path / "port"
    path.write_text("9000", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load(MANGO_PORT="9000", MANGO_PORT_FILE=str(path))
    assert caught.value.problems == [
        "MANGO_PORT: set either MANGO_PORT or MANGO_PORT_FILE, not both"
    ]


def test_unreadable_file_is_an_error(tmp_path: Path):
    """A _FILE variable pointing nowhere is reported by its own name."""
    with pytest.raises(SettingsError) as caught:
        load(MANGO_API_TOKEN_FILE=str(tmp_path / "missing"))
    [problem] = caught.value.problems
    assert problem.startswith("MANGO_API_TOKEN_FILE: cannot read")


def test_one_error_lists_every_problem():
    """Every missing or invalid variable is listed at once, with what it expects."""
    env = {
        "MANGO_PORT": "70000",
        "MANGO_RATIO": "half",
        "MANGO_DEBUG": "maybe",
        "MANGO_LOG_FORMAT": "xml",
        "MANGO_REGION": "mars",
        "MANGO_REPLICAS": "1,two",
        "MANGO_SERVICE_NAME": "Bad Name",
    }
    with pytest.raises(SettingsError) as caught:
        load_settings(ExampleSettings, env)
    problems = caught.value.problems
    assert [problem.split(":")[0] for problem in problems] == [
        "MANGO_DATABASE_URL",
        "MANGO_PORT",
        "MANGO_RATIO",
        "MANGO_DEBUG",
        "MANGO_LOG_FORMAT",
        "MANGO_REGION",
        "MANGO_REPLICAS",
        "MANGO_SERVICE_NAME",
    ]
    assert problems[0] == "MANGO_DATABASE_URL: missing (expected string)"
    assert "'70000'" in problems[1]
    assert "integer, >= 1, <= 65535" in problems[1]
    assert "one of `auto`, `console`, `json`" in problems[4]
    assert "one of `eu-west-1`, `us-east-1`" in problems[5]
    assert "matching `^[a-z][a-z0-9-]*$`" in problems[7]
    assert "8 problem(s)" in str(caught.value)


def test_errors_never_echo_secrets():
    """Invalid secret values and URL passwords are redacted in error messages."""

    class Secrets(msgspec.Struct, frozen=True, kw_only=True):
        db_password: Annotated[str, Meta(min_length=12)]
        broker_url: Annotated[str, Meta(max_length=10)]
        signing_key: Literal["v1", "v2"] = "v1"

    env = {
        "MANGO_DB_PASSWORD": "hunter2",
        "MANGO_BROKER_URL": "amqp://u:hunter2@host/vhost",
        "MANGO_SIGNING_KEY": "hunter2",
    }
    with pytest.raises(SettingsError) as caught:
        load_settings(Secrets, env)
    message = str(caught.value)
    assert "hunter2" not in message
    assert "MANGO_DB_PASSWORD: invalid value <redacted>" in message
    assert "amqp://u:***@host/vhost" in message
    assert "MANGO_SIGNING_KEY: invalid value <redacted>" in message


def test_redacted_dict_hides_secrets_and_url_passwords():
    """redacted_dict is safe to log: secret fields masked, URL passwords masked."""
    data = redacted_dict(load(MANGO_API_TOKEN="tok-123"))
    assert data["api_token"] == "***"
    assert data["database_url"] == "postgres://mango:***@db:5432/mango"
    assert data["port"] == 8080
    assert data["region"] == "eu-west-1"
    assert "hunter2" not in repr(data)


def test_custom_prefix():
    """Another prefix maps the same fields to other variables."""
    settings = load_settings(ExampleSettings, {"APP_DATABASE_URL": "x", "APP_PORT": "1"}, "APP_")
    assert (settings.database_url, settings.port) == ("x", 1)


def test_env_var_names_lists_every_variable():
    """env_var_names gives the variables a settings class reads, in field order."""
    assert env_var_names(ExampleSettings)[:3] == ["MANGO_DATABASE_URL", "MANGO_PORT", "MANGO_RATIO"]


def test_settings_reference_renders_a_markdown_table():
    """The reference has one row per variable with type, default, range and description."""
    reference = settings_reference(ExampleSettings)
    lines = reference.splitlines()
    assert lines[0] == "| Variable | Type | Default | Range / choices | Description |"
    rows = {line.split(" | ")[0].strip("| `"): line for line in lines[2:] if line.startswith("|")}
    assert len(rows) == len(env_var_names(ExampleSettings))
    assert rows["MANGO_DATABASE_URL"] == (
        "| `MANGO_DATABASE_URL` | string | *required* |  | PostgreSQL DSN used by every service. |"
    )
    assert rows["MANGO_PORT"] == (
        "| `MANGO_PORT` | integer | `8080` | >= 1, <= 65535 | HTTP port to listen on. |"
    )
    assert "| choice | `auto` | one of `auto`, `console`, `json` |" in rows["MANGO_LOG_FORMAT"]
    assert "`mango-ads`" in rows["MANGO_QUEUES"]
    assert "comma-separated list of string" in rows["MANGO_QUEUES"]
    assert "`***`" in rows["MANGO_API_TOKEN"]
    assert "| number (empty for none) | `(none)` |" in rows["MANGO_TIMEOUT"]
    assert "| `(empty)` |" in rows["MANGO_REPLICAS"]
    assert "_FILE" in reference


def test_reference_escapes_pipes_and_joins_multiline_docstrings():
    """Cell text cannot break the table: pipes are escaped and lines joined."""

    class Tricky(msgspec.Struct, frozen=True, kw_only=True):
        mode: Annotated[str, Meta(pattern=r"^(a|b)$")] = "a"
        """Either a
        or b."""

    row = settings_reference(Tricky).splitlines()[2]
    assert row == "| `MANGO_MODE` | string | `a` | matching `^(a\\|b)$` | Either a or b. |"


def test_non_struct_class_is_refused():
    """load_settings needs a msgspec.Struct; anything else is a TypeError."""
    with pytest.raises(TypeError, match=r"not a msgspec\.Struct"):
        load_settings(dict, {})  # type: ignore[type-var]


def test_url_passwords_in_lists_are_redacted():
    """Passwords of URLs inside list values are masked too, in errors and in redacted_dict."""
    settings = load(MANGO_QUEUES="sqs://key:hunter2@host/q1,memory://q2")
    assert redacted_dict(settings)["queues"] == ["sqs://key:***@host/q1", "memory://q2"]
    with pytest.raises(SettingsError) as caught:
        load(MANGO_REPLICAS="x,https://u:hunter2@h/")
    assert "hunter2" not in str(caught.value)
