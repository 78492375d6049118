"""mango-healthcheck (docker/healthcheck.py) against a real gateway's /healthz."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest

from tests.deploy.deployfiles import DOCKER, load_script
from tests.servers.sqs import free_port

healthcheck = load_script("healthcheck")

pytest_plugins = ["tests.mango.http.conftest"]


async def run_check(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the script as Docker does: a fresh interpreter, its exit status is the verdict."""
    import asyncio

    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, str(DOCKER / "healthcheck.py"), *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


async def test_healthy_gateway_passes(
    start_gateway: Callable[..., AbstractAsyncContextManager[Any]],
) -> None:
    """A running gateway's /healthz answers 200: exit 0 (the path the image checks exists)."""
    async with start_gateway() as env:
        result = await run_check(env={"MANGO_HEALTH_PORT": str(env.gateway.port)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert f":{env.gateway.port}{healthcheck.DEFAULT_PATH}: 200" in result.stdout


async def test_stuck_poller_fails_the_check(
    start_gateway: Callable[..., AbstractAsyncContextManager[Any]],
) -> None:
    """A probe silent past its limit makes /healthz 503: exit 1, so Swarm replaces the task."""
    async with start_gateway() as env:
        env.liveness.register("consumer:mango-ads", max_silence=0.001)
        result = await run_check("--port", str(env.gateway.port))
    assert result.returncode == 1
    assert "503" in result.stdout
    assert "consumer:mango-ads" in result.stdout


async def test_nothing_listening_fails_the_check() -> None:
    """A process that is gone fails the check (connection refused), within the timeout."""
    result = await run_check("--port", str(free_port()), "--timeout", "2")
    assert result.returncode == 1
    assert "ConnectionRefusedError" in result.stdout or "URLError" in result.stdout


def test_port_comes_from_the_health_port_then_the_gateway_port() -> None:
    """--port wins; then MANGO_HEALTH_PORT; then the gateway's variable or its default."""
    assert healthcheck.resolve_port({"MANGO_HEALTH_PORT": "9090"}, 7000) == 7000
    assert (
        healthcheck.resolve_port({"MANGO_HEALTH_PORT": "9090", "MANGO_SERVICE": "ads-api"}) == 9090
    )
    assert healthcheck.resolve_port({"MANGO_SERVICE": "ads-api"}) == 8081
    assert (
        healthcheck.resolve_port({"MANGO_SERVICE": "ads-api", "MANGO_ADS_API_PORT": "9000"}) == 9000
    )
    with pytest.raises(healthcheck.NoPortError, match="MANGO_HEALTH_PORT"):
        healthcheck.resolve_port({"MANGO_SERVICE": "ads-consumer"})


async def test_without_any_port_the_check_fails_and_says_why() -> None:
    """A consumer container without MANGO_HEALTH_PORT reports it instead of passing."""
    env = {"MANGO_SERVICE": "ads-consumer", "MANGO_HEALTH_PORT": ""}
    result = await run_check(env=env)
    assert result.returncode == 1
    assert "set MANGO_HEALTH_PORT" in result.stderr
