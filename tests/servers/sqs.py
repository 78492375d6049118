"""Session fixtures that run real SQS-compatible servers on free loopback ports.

``moto_server`` (from ``moto[server]``; it scans a queue on every call, so keep queues
small) and ``fauxqs`` (npm, ``tools/node_modules``; fast enough for load). Both keep their
state in memory: a restarted server has no queues. Each fixture yields a
:class:`SqsServer` whose :meth:`~SqsServer.stop` and :meth:`~SqsServer.start` reuse the
same port, for tests of an endpoint that goes away and comes back.

Clients get dummy credentials explicitly (:meth:`SqsServer.broker_options`), never the
user's own.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import pytest

ROOT = Path(__file__).resolve().parents[2]
FAUXQS_CLI = ROOT / "tools" / "node_modules" / "fauxqs" / "dist" / "cli.js"
MOTO_SERVER = Path(sys.executable).parent / "moto_server"
DUMMY_CREDENTIALS = {
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
    "aws_session_token": "testing",
}
REGION = "us-east-1"

ServerKind = Literal["moto", "fauxqs"]


def worker_env(server: SqsServer, *, prefix: str, **settings: str) -> dict[str, str]:
    """The environment of a ``mango run`` process consuming from ``server``'s queues.

    ``settings`` are further ``MANGO_*`` variables by their suffix
    (``consumer_concurrency="10"`` sets ``MANGO_CONSUMER_CONCURRENCY``).
    """
    return {
        **os.environ,
        **{key.upper(): value for key, value in DUMMY_CREDENTIALS.items()},
        "PYTHONPATH": str(ROOT),
        "MANGO_QUEUE_BACKEND": "sqs",
        "MANGO_SQS_ENDPOINT_URL": server.endpoint_url,
        "MANGO_SQS_REGION": REGION,
        "MANGO_QUEUE_PREFIX": prefix,
        "MANGO_LOG_FORMAT": "json",
        **{f"MANGO_{name.upper()}": value for name, value in settings.items()},
    }


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unique_queue_name(prefix: str = "t") -> str:
    """Return a queue name no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


class SqsServer:
    """One SQS-compatible server process on a fixed loopback port.

    Args:
        kind: ``"moto"`` or ``"fauxqs"``.
        log_path: File receiving the server's output (shown when start-up fails).
    """

    def __init__(self, kind: ServerKind, *, log_path: Path) -> None:
        self.kind = kind
        self.port = free_port()
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint_url(self) -> str:
        """The server's HTTP endpoint."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._process is not None and self._process.poll() is None

    def broker_options(self, **overrides: Any) -> dict[str, Any]:
        """Keyword arguments for ``SqsBroker`` that reach this server quickly.

        Few attempts and short connect timeouts, so an unreachable server is reported
        within seconds; override any of them.
        """
        options: dict[str, Any] = {
            "endpoint_url": self.endpoint_url,
            "region": REGION,
            **DUMMY_CREDENTIALS,
            "max_attempts": 2,
            "connect_timeout": 2.0,
            "read_timeout": 25.0,
        }
        options.update(overrides)
        return options

    def _command(self) -> tuple[list[str], dict[str, str]]:
        env = {**os.environ, **{key.upper(): value for key, value in DUMMY_CREDENTIALS.items()}}
        env["AWS_DEFAULT_REGION"] = REGION
        if self.kind == "moto":
            return [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(self.port)], env
        node = shutil.which("node") or "node"
        env.update(FAUXQS_PORT=str(self.port), FAUXQS_LOGGER="false", FAUXQS_HOST="127.0.0.1")
        return [node, str(FAUXQS_CLI)], env

    def start(self, timeout: float = 30.0) -> None:
        """Start the server on its port and wait until it answers HTTP.

        Raises:
            RuntimeError: The server exited or did not answer within ``timeout``.
        """
        if self.running:
            return
        command, env = self._command()
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            if self._answers():
                return
            time.sleep(0.05)
        self.stop()
        output = self.log_path.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{self.kind} server did not start on {self.endpoint_url}:\n{output}")

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.endpoint_url, timeout=1):
                return True
        except urllib.error.HTTPError:
            return True  # any HTTP answer means it is serving
        except OSError:
            return False

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 10 s); its queues are lost."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def restart(self) -> None:
        """Stop and start the server on the same port."""
        self.stop()
        self.start()


def _skip_if_missing(kind: ServerKind) -> None:
    if kind == "moto" and not MOTO_SERVER.exists():
        pytest.skip(f"moto_server not found next to {sys.executable}; run `make install`")
    if kind == "fauxqs" and not FAUXQS_CLI.exists():
        pytest.skip("fauxqs is not installed in tools/node_modules; run `make install`")


def _server(kind: ServerKind, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqsServer]:
    _skip_if_missing(kind)
    server = SqsServer(kind, log_path=tmp_path_factory.mktemp(kind) / "server.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqsServer]:
    """A moto server shared by the session; keep its queues small and uniquely named."""
    yield from _server("moto", tmp_path_factory)


@pytest.fixture(scope="session")
def fauxqs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqsServer]:
    """A fauxqs server shared by the session; queues uniquely named per test."""
    yield from _server("fauxqs", tmp_path_factory)


@pytest.fixture
def dedicated_sqs_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[ServerKind], SqsServer]]:
    """A factory of servers owned by one test (to stop or restart); stopped at its end."""
    servers: list[SqsServer] = []

    def start(kind: ServerKind) -> SqsServer:
        _skip_if_missing(kind)
        server = SqsServer(kind, log_path=tmp_path_factory.mktemp(f"{kind}-own") / "server.log")
        servers.append(server)
        server.start()
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()
