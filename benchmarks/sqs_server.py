"""A fauxqs server for the ``sqs`` suite, started on a free loopback port.

A small copy of the idea of ``tests/servers/sqs.py`` (benchmarks do not import tests):
``FAUXQS_PORT=<port> FAUXQS_LOGGER=false node tools/node_modules/fauxqs/dist/cli.js``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any, Self

ROOT = Path(__file__).resolve().parents[1]
FAUXQS_CLI = ROOT / "tools" / "node_modules" / "fauxqs" / "dist" / "cli.js"
REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench"}


class FauxqsServer:
    """``with FauxqsServer() as server:`` runs fauxqs until the block ends."""

    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for a boto3 / aiobotocore SQS client of this server."""
        return {"endpoint_url": self.endpoint_url, "region_name": REGION, **CREDENTIALS}

    def __enter__(self) -> Self:
        if not FAUXQS_CLI.exists():
            raise RuntimeError(f"fauxqs is not installed ({FAUXQS_CLI}); run `make install`")
        env = {
            **os.environ,
            "FAUXQS_PORT": str(self.port),
            "FAUXQS_HOST": "127.0.0.1",
            "FAUXQS_LOGGER": "false",
        }
        node = shutil.which("node") or "node"
        self.process = subprocess.Popen(
            [node, str(FAUXQS_CLI)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with urllib.request.urlopen(self.endpoint_url, timeout=1):
                    return self
            except urllib.error.HTTPError:
                return self
            except OSError:
                time.sleep(0.05)
        self.__exit__(None, None, None)
        raise RuntimeError(f"fauxqs did not start on {self.endpoint_url}")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
