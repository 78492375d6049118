"""Reading the deployment files the way Docker does, for the tests of ``tests/deploy``.

The helpers of ``docker/`` are scripts, not a package (``import docker`` would be the
Docker SDK's name), so they are loaded from their paths.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
DOCKERFILE = DOCKER / "Dockerfile"
COMPOSE = DOCKER / "compose.yml"
STACK = DOCKER / "portainer-stack.yml"
DOC = ROOT / "docs" / "operations.md"
MANGO_IMAGE_NAME = re.compile(r"(^|/)magic-mango:")

SERVICES = {"ads-api", "backend-api", "ads-consumer", "content-consumer"}
"""The four services of DESIGN.md, each deployed by both files."""

# What a Portainer user would fill in, to read the stack as Docker would.
STACK_VARIABLES = {
    "STACK_IMAGE": "registry.example.com/magic-mango:1.0.0",
    "STACK_MEDIA_BUCKET": "magic-mango-media-test",
}


def load_script(name: str) -> ModuleType:
    """Import ``docker/<name>.py`` as module ``mango_docker_<name>``."""
    module_name = f"mango_docker_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, DOCKER / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


_INTERPOLATION = re.compile(
    r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
)


def interpolate(text: str, variables: dict[str, str]) -> str:
    """Substitute ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?error}`` as Compose does."""

    def substitute(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        value = variables.get(name)
        if value:
            return value
        if op in (":-", "-"):
            return arg
        if op in (":?", "?"):
            raise KeyError(f"{name} is required: {arg}")
        return ""

    return _INTERPOLATION.sub(substitute, text)


def interpolation_names(path: Path) -> set[str]:
    """Every ``${VAR}`` name a Compose file uses."""
    return {match["name"] for match in _INTERPOLATION.finditer(path.read_text())}


@cache
def load_compose(path: Path) -> dict[str, Any]:
    """The Compose file as Docker reads it: anchors merged, stack variables filled in."""
    data: dict[str, Any] = yaml.safe_load(interpolate(path.read_text(), STACK_VARIABLES))
    return data


def environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment as a dict of strings (mapping or list form)."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(key): "" if value is None else str(value) for key, value in env.items()}


def mango_services(path: Path) -> dict[str, dict[str, Any]]:
    """The Compose services that run the mango image, by Compose service name."""
    services: dict[str, dict[str, Any]] = load_compose(path)["services"]
    return {
        name: service
        for name, service in services.items()
        if MANGO_IMAGE_NAME.search(str(service.get("image", "")))
    }


def long_running(path: Path) -> dict[str, dict[str, Any]]:
    """The mango services that run a service (``MANGO_SERVICE``), not a one-shot command."""
    return {
        name: service
        for name, service in mango_services(path).items()
        if "MANGO_SERVICE" in environment(service) and "command" not in service
    }


_DURATION = re.compile(r"(?P<value>\d+(?:\.\d+)?)(?P<unit>h|m|s|ms|us)")
_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, "us": 0.000001}


def seconds(duration: str) -> float:
    """Parse a Compose duration such as ``45s`` or ``1m30s``."""
    text = str(duration).strip()
    parts = list(_DURATION.finditer(text))
    if not parts or "".join(part.group(0) for part in parts) != text:
        raise ValueError(f"not a Compose duration: {duration!r}")
    return sum(float(part["value"]) * _UNITS[part["unit"]] for part in parts)


@dataclass
class Stage:
    """One ``FROM`` stage of a Dockerfile and its instructions, continuation lines joined."""

    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def arguments(self, keyword: str) -> list[str]:
        """The argument text of every instruction ``keyword`` (upper case) of the stage."""
        return [text for key, text in self.instructions if key == keyword]


def dockerfile_stages(path: Path = DOCKERFILE) -> tuple[dict[str, str], list[Stage]]:
    """Parse a Dockerfile: its global ``ARG`` defaults, and its stages in order."""
    lines: list[str] = []
    pending = ""
    for raw in path.read_text().splitlines():
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in lines:
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        rest = rest.strip()
        if keyword == "FROM":
            words = rest.split()
            words = [word for word in words if not word.startswith("--")]
            base = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m[1], m[0]), words[0])
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base=base, name=name))
        elif keyword == "ARG" and not stages:
            name, _, default = rest.partition("=")
            args[name] = default
        else:
            stages[-1].instructions.append((keyword, rest))
    return args, stages


def env_instructions(stage: Stage) -> dict[str, str]:
    """The variables a stage's ``ENV`` instructions set (``KEY=VALUE`` form)."""
    result: dict[str, str] = {}
    for text in stage.arguments("ENV"):
        for word in shlex.split(text):
            key, _, value = word.partition("=")
            result[key] = value
    return result
