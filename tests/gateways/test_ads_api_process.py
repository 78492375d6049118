"""`mango run ads-api` as a real process: serves, queues, and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from actors.accounts import create_api_token, create_user
from actors.ads.messages import ADS_QUEUE
from mango.config import RuntimeSettings
from mango.service import queue_spec
from mango.transport.sqs import SqsBroker
from tests.gateways.conftest import decode_messages, example_payload
from tests.servers.sqs import DUMMY_CREDENTIALS, REGION, free_port

MANGO = Path(sys.executable).parent / "mango"


async def wait_ready(session: aiohttp.ClientSession, url: str, process, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()[-3000:]
        try:
            async with session.get(url + "/readyz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError("ads-api did not become ready:\n" + log.read_text()[-3000:])


@pytest.mark.slow
async def test_mango_run_ads_api_process(ads_database, moto_server, tmp_path):
    """The `ads-api` entry point runs as its own process: ready with database and queue,
    a POST with the extension's payload is 202 and on the queue, SIGTERM exits 0."""
    prefix = f"p{uuid.uuid4().hex[:10]}-"
    spec = queue_spec(RuntimeSettings(queue_prefix=prefix), ADS_QUEUE)
    port = free_port()
    env = {
        **os.environ,
        **{key.upper(): value for key, value in DUMMY_CREDENTIALS.items()},
        "AWS_DEFAULT_REGION": REGION,
        "MANGO_QUEUE_BACKEND": "sqs",
        "MANGO_SQS_ENDPOINT_URL": moto_server.endpoint_url,
        "MANGO_QUEUE_PREFIX": prefix,
        "MANGO_DATABASE_URL": ads_database,
        "MANGO_ADS_API_PORT": str(port),
        "MANGO_LOG_FORMAT": "json",
    }
    pool = await asyncpg.create_pool(ads_database, min_size=1, max_size=2)
    user_id = await create_user(pool, f"proc-{uuid.uuid4().hex[:8]}@example.com")
    _, token = await create_api_token(pool, user_id, "process test")
    await pool.close()
    log = tmp_path / "ads-api.log"
    async with SqsBroker(**moto_server.broker_options()) as broker:
        await broker.create_queue(spec)
        queue = await broker.open_queue(spec)
        with log.open("wb") as out:
            process = subprocess.Popen(
                [str(MANGO), "run", "ads-api"], env=env, stdout=out, stderr=subprocess.STDOUT
            )
        try:
            url = f"http://127.0.0.1:{port}"
            async with aiohttp.ClientSession() as session:
                await wait_ready(session, url, process, log)
                async with session.post(
                    url + "/v1/creatives",
                    json=example_payload(),
                    headers={"Authorization": f"Bearer {token}"},
                ) as response:
                    assert response.status == 202, await response.text()
                async with session.get(url + "/openapi.json") as response:
                    assert response.status == 200
            received = await queue.receive(max_messages=10, wait_seconds=5)
            [message] = decode_messages(received)
            assert message.user_id == user_id
            assert len(message.creatives) == len(example_payload()["creatives"])
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert token not in log.read_text()
