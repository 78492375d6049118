"""`make run` (`mango dev`) on embedded defaults: a newcomer can save a creative at once."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

MANGO = str(Path(sys.executable).with_name("mango"))
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_mango_dev_starts_everything_and_the_printed_curl_example_saves_a_creative(
    tmp_path: Path,
) -> None:
    """With no settings at all, `mango dev` starts an embedded PostgreSQL, applies the
    migrations, prints a token, and the printed example request is stored by the consumer."""
    ads_port = _free_port()
    web_port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("MANGO_") and not key.startswith("AWS_")
    }
    env |= {
        "MANGO_DEV_DIR": str(tmp_path / "dev"),
        "MANGO_ADS_API_PORT": str(ads_port),
        "MANGO_BACKEND_API_PORT": str(_free_port()),
        "MANGO_WEB_PORT": str(web_port),
        "MANGO_LOG_FORMAT": "json",
    }
    log_path = tmp_path / "dev.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [MANGO, "dev"], env=env, stdout=subprocess.PIPE, stderr=log, text=True
        )
    try:
        assert process.stdout is not None
        banner = ""
        for line in process.stdout:
            banner += line
            if "-d '" in line:
                break
        token = re.search(r"Bearer (mm_[A-Za-z0-9_-]+)", banner)
        assert token, banner
        body = re.search(r"-d '(.+)'", banner)
        assert body, banner
        deadline = time.monotonic() + 60
        while '"service.started"' not in log_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"http://127.0.0.1:{ads_port}/v1/creatives",
                data=body.group(1),
                headers={
                    "Authorization": f"Bearer {token.group(1)}",
                    "Content-Type": "application/json",
                },
            ) as response,
        ):
            assert response.status == 202, await response.text()
            assert (await response.json())["accepted"] == ["123456789012345"]
        async with (
            aiohttp.ClientSession() as http,
            http.get(
                f"http://127.0.0.1:{web_port}/ads/v1/whoami",
                headers={"Authorization": f"Bearer {token.group(1)}"},
            ) as response,
        ):
            # The front door forwards /ads/ to the Ads API, as the load balancer does.
            assert response.status == 200, await response.text()
            assert (await response.json())["email"] == "dev@localhost"
        while '"creatives.stored"' not in log_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert '"creatives.stored"' in log_path.read_text()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    assert process.returncode == 0, log_path.read_text()[-3000:]
