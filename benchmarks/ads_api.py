"""Suite ``ads_api``: ``POST /v1/creatives`` requests per second (issue 4).

Three servers, each one process (one core) on uvloop, against the same fauxqs server:

- the Ads API (``mango run ads-api``): bearer token checked against PostgreSQL (cached a
  few seconds), msgspec validation, one ``CreativesCollected`` message per request, sent
  through the publisher actor, which coalesces concurrent requests into
  ``SendMessageBatch`` calls of up to 10;
- a FastAPI + uvicorn (httptools) peer written the usual way: a pydantic model with the
  same constraints, a constant-time compare of a static token (no database: this favours
  the peer), one aiobotocore ``send_message`` per request;
- a bare aiohttp handler that answers 202 without reading the body: the limit.

The load comes from a small Node.js client (keep-alive connections, each sending the next
request when the previous answer arrives), one creative of the extension's example per
request. On a 2-CPU machine the client and the server share the CPUs: figures are
comparable with each other, not absolute.
"""

# No ``from __future__ import annotations``: FastAPI reads the peer's annotations at run
# time, and its models are local to ``fastapi_app``.
import asyncio
import hmac
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

from benchmarks.report import Section, SuiteOptions, Table, format_rate, spread

ROOT = Path(__file__).resolve().parents[1]
PAYLOAD = ROOT / "extension" / "test" / "data" / "payload-example.json"
BIN = Path(sys.executable).parent
CONNECTIONS = 64
RUN_SECONDS = 5.0
STATIC_TOKEN = "mm_" + "b" * 43

LOAD_JS = r"""
const http = require("http");
const [url, seconds, connections, token, body] = process.argv.slice(1);
const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(connections) });
const payload = Buffer.from(body);
const statuses = {};
let done = 0;
const latencies = [];
const deadline = Date.now() + Number(seconds) * 1000;
function one() {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const req = http.request({ host: target.hostname, port: target.port, path: target.pathname,
      method: "POST", agent, headers: { "Content-Type": "application/json",
      "Content-Length": payload.length, Authorization: "Bearer " + token } }, (res) => {
      res.resume();
      res.on("end", () => {
        statuses[res.statusCode] = (statuses[res.statusCode] || 0) + 1;
        done += 1;
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        if (latencies.length < 200000) latencies.push(ms);
        resolve();
      });
    });
    req.on("error", () => { statuses.error = (statuses.error || 0) + 1; resolve(); });
    req.end(payload);
  });
}
async function worker() { while (Date.now() < deadline) await one(); }
const t0 = Date.now();
Promise.all(Array.from({ length: Number(connections) }, worker)).then(() => {
  const elapsed = (Date.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (p) => Math.min(latencies.length - 1, Math.floor(p * latencies.length));
  const q = (p) => (latencies.length ? latencies[at(p)] : 0);
  console.log(JSON.stringify({ done, elapsed, statuses, p50: q(0.5), p99: q(0.99) }));
  agent.destroy();
});
"""

BARE_AIOHTTP = """
import sys, uvloop
from aiohttp import web
async def accept(request):
    return web.Response(status=202, body=b'{"accepted":[]}', content_type="application/json")
app = web.Application()
app.router.add_post("/v1/creatives", accept)
uvloop.install()
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
"""


# -- the FastAPI peer (imported by uvicorn as ``benchmarks.ads_api:fastapi_app``) -----------


def fastapi_app() -> Any:
    """Build the FastAPI peer: pydantic validation and one ``send_message`` per request."""
    from contextlib import asynccontextmanager

    from aiobotocore.session import get_session
    from fastapi import FastAPI, Header, HTTPException
    from pydantic import BaseModel, Field, StringConstraints

    url_type = Annotated[str, StringConstraints(pattern=r"^https?://[^\s\x00]+$", max_length=4096)]
    short = Annotated[str, StringConstraints(max_length=1000)]
    long = Annotated[str, StringConstraints(max_length=20000)]
    ident = Annotated[str, StringConstraints(max_length=64, pattern=r"^[A-Za-z0-9_.:-]*$")]

    class PageModel(BaseModel):
        id: ident | None = None
        name: short | None = None
        profile_uri: url_type | None = None
        profile_picture_url: url_type | None = None
        like_count: int | None = Field(default=None, ge=0)

    class CardModel(BaseModel):
        body: long | None = None
        title: short | None = None
        caption: short | None = None
        link_url: url_type | None = None
        link_description: long | None = None
        cta_text: short | None = None
        cta_type: short | None = None
        image_url: url_type | None = None
        video_hd_url: url_type | None = None
        video_sd_url: url_type | None = None
        video_preview_url: url_type | None = None

    class MediaModel(BaseModel):
        kind: str = Field(pattern="^(image|video)$")
        url: url_type
        fallback_url: url_type | None = None
        poster_url: url_type | None = None
        card_index: int | None = Field(default=None, ge=0, le=100)

    class CreativeModel(BaseModel):
        library_id: str = Field(pattern=r"^[0-9]{15,17}$")
        source: str = "facebook_ads_library"
        collation_id: ident | None = None
        collation_count: int | None = Field(default=None, ge=0)
        is_active: bool | None = None
        page: PageModel = Field(default_factory=PageModel)
        creator_page: PageModel | None = None
        branded_content: bool = False
        display_format: str | None = Field(default=None, max_length=40)
        platforms: list[str] = Field(default_factory=list, max_length=10)
        start_date: int | None = Field(default=None, ge=0)
        end_date: int | None = Field(default=None, ge=0)
        total_active_time: int | None = Field(default=None, ge=0)
        body: long | None = None
        title: short | None = None
        caption: short | None = None
        link_url: url_type | None = None
        link_description: long | None = None
        cta_text: short | None = None
        cta_type: short | None = None
        has_templates: bool = False
        cards: list[CardModel] = Field(default_factory=list, max_length=50)
        media: list[MediaModel] = Field(default_factory=list, max_length=60)
        page_url: url_type | None = None
        captured_at: int | None = Field(default=None, ge=0)
        board_id: ident | None = None

    class BatchModel(BaseModel):
        creatives: list[CreativeModel] = Field(min_length=1, max_length=50)

    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        session = get_session()
        async with session.create_client(
            "sqs",
            region_name="us-east-1",
            endpoint_url=os.environ["BENCH_SQS_ENDPOINT"],
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ) as client:
            state["client"] = client
            state["url"] = (await client.get_queue_url(QueueName=os.environ["BENCH_QUEUE"]))[
                "QueueUrl"
            ]
            yield

    app = FastAPI(lifespan=lifespan)

    @app.post("/v1/creatives", status_code=202)
    async def collect(
        batch: BatchModel, authorization: str = Header(default="")
    ) -> dict[str, list[str]]:
        if not hmac.compare_digest(authorization, f"Bearer {STATIC_TOKEN}"):
            raise HTTPException(status_code=401)
        body = json.dumps({"user_id": "u", "creatives": batch.model_dump(mode="json")})
        await state["client"].send_message(QueueUrl=state["url"], MessageBody=body)
        return {"accepted": [c.library_id for c in batch.creatives]}

    return app


# -- harness -------------------------------------------------------------------------------


def _free_port() -> int:
    from tests.servers.sqs import free_port

    return free_port()


def _wait_http(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@contextmanager
def _process(command: list[str], env: dict[str, str], probe: str) -> Iterator[None]:
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_http(probe, process)
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _load(url: str, seconds: float, token: str, body: bytes) -> dict[str, Any]:
    node = shutil.which("node") or "node"
    out = subprocess.run(
        [node, "-e", LOAD_JS, url, str(seconds), str(CONNECTIONS), token, body.decode()],
        capture_output=True,
        check=True,
        timeout=seconds + 60,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def _sqs_send_calls(metrics_url: str) -> float:
    with urllib.request.urlopen(metrics_url, timeout=5) as response:
        text = response.read().decode()
    pattern = r'^mango_sqs_calls_total\{[^}]*operation="SendMessageBatch"[^}]*\} (\S+)$'
    return sum(float(value) for value in re.findall(pattern, text, re.MULTILINE))


async def _database(dsn_admin: str) -> tuple[str, str]:
    import asyncpg

    from actors.accounts import create_api_token, create_user
    from actors.db import apply_migrations

    name = f"mango_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(dsn_admin)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    dsn = dsn_admin.rsplit("/", 1)[0] + "/" + name
    await apply_migrations(dsn)
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=1)
    user = await create_user(pool, "bench@example.com")
    _, token = await create_api_token(pool, user, "bench")
    await pool.close()
    return dsn, token


def run(options: SuiteOptions) -> Section:
    """Measure the three contenders, interleaved, ``options.repeats`` times."""
    from tests.servers.postgres import LOCAL_DSN
    from tests.servers.sqs import SqsServer

    seconds = RUN_SECONDS if options.scale >= 1 else max(0.5, RUN_SECONDS * options.scale * 100)
    one = {"creatives": [json.loads(PAYLOAD.read_text())["creatives"][0]]}
    body = json.dumps(one).encode()
    dsn, token = asyncio.run(_database(os.environ.get("MANGO_BENCH_DATABASE_URL", LOCAL_DSN)))
    log = Path(os.environ.get("TMPDIR", "/tmp")) / "bench-fauxqs.log"
    sqs = SqsServer("fauxqs", log_path=log)
    sqs.start()
    prefix = f"b{uuid.uuid4().hex[:8]}-"
    queue = prefix + "mango-ads"
    base_env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    subprocess.run(
        [str(BIN / "mango"), "queues", "create"],
        env={
            **base_env,
            "MANGO_QUEUE_BACKEND": "sqs",
            "MANGO_SQS_ENDPOINT_URL": sqs.endpoint_url,
            "MANGO_QUEUE_PREFIX": prefix,
        },
        check=True,
        capture_output=True,
    )
    results: dict[str, list[dict[str, Any]]] = {"mango": [], "fastapi": [], "bare": []}
    calls: list[float] = []
    try:
        for _ in range(options.repeats):
            port = _free_port()
            env = {
                **base_env,
                "MANGO_QUEUE_BACKEND": "sqs",
                "MANGO_SQS_ENDPOINT_URL": sqs.endpoint_url,
                "MANGO_QUEUE_PREFIX": prefix,
                "MANGO_DATABASE_URL": dsn,
                "MANGO_ADS_API_PORT": str(port),
                "MANGO_ADS_API_RATE_LIMIT_BURST": "1000000",
                "MANGO_ADS_API_RATE_LIMIT_PER_MINUTE": "1000000",
                "MANGO_LOG_LEVEL": "warning",
            }
            url = f"http://127.0.0.1:{port}"
            with _process([str(BIN / "mango"), "run", "ads-api"], env, url + "/healthz"):
                before = _sqs_send_calls(url + "/metrics")
                outcome = _load(url + "/v1/creatives", seconds, token, body)
                results["mango"].append(outcome)
                sent = outcome["statuses"].get("202", 0)
                calls.append((_sqs_send_calls(url + "/metrics") - before) * 1000 / max(sent, 1))
            port = _free_port()
            env = {**base_env, "BENCH_SQS_ENDPOINT": sqs.endpoint_url, "BENCH_QUEUE": queue}
            uvicorn = [
                str(BIN / "uvicorn"),
                "--factory",
                "benchmarks.ads_api:fastapi_app",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--no-access-log",
                "--loop",
                "uvloop",
                "--http",
                "httptools",
            ]
            url = f"http://127.0.0.1:{port}"
            with _process(uvicorn, env, url + "/docs"):
                results["fastapi"].append(_load(url + "/v1/creatives", seconds, STATIC_TOKEN, body))
            port = _free_port()
            url = f"http://127.0.0.1:{port}"
            with _process([sys.executable, "-c", BARE_AIOHTTP, str(port)], base_env, url):
                results["bare"].append(_load(url + "/v1/creatives", seconds, token, body))
    finally:
        sqs.stop()
    return _section(options, results, calls, seconds)


def _rate(outcome: dict[str, Any]) -> float:
    return float(outcome["statuses"].get("202", 0)) / float(outcome["elapsed"])


def _section(
    options: SuiteOptions,
    results: dict[str, list[dict[str, Any]]],
    calls: list[float],
    seconds: float,
) -> Section:
    labels = {
        "mango": "Ads API (`mango run ads-api`)",
        "fastapi": "FastAPI + uvicorn, pydantic, `send_message` per request",
        "bare": "bare aiohttp handler, 202 without work",
    }
    rows = []
    for key, label in labels.items():
        rates = [_rate(outcome) for outcome in results[key]]
        median, low, high = spread(rates)
        p50 = sorted(o["p50"] for o in results[key])[len(rates) // 2]
        p99 = sorted(o["p99"] for o in results[key])[len(rates) // 2]
        other: dict[str, int] = {}
        for outcome in results[key]:
            for status, count in outcome["statuses"].items():
                if status != "202":
                    other[status] = other.get(status, 0) + count
        rows.append(
            [
                label,
                format_rate(median),
                f"{low:,.0f} - {high:,.0f}",
                f"{p50:.1f}",
                f"{p99:.1f}",
                ", ".join(f"{k}: {v}" for k, v in sorted(other.items())) or "none",
            ]
        )
    mango = [_rate(o) for o in results["mango"]]
    ratios_fastapi = [
        m / max(_rate(f), 1e-9) for m, f in zip(mango, results["fastapi"], strict=True)
    ]
    ratios_bare = [m / max(_rate(b), 1e-9) for m, b in zip(mango, results["bare"], strict=True)]
    goals = []
    for label, ratios, goal in (
        ("Ads API / FastAPI peer", ratios_fastapi, 5.0),
        ("Ads API / bare handler", ratios_bare, 0.5),
    ):
        median, low, high = spread(ratios)
        met = "yes" if median >= goal else "**no**"
        goals.append([label, f"≥ {goal:g}x", f"{median:.2f}x", f"{low:.2f}x - {high:.2f}x", met])
    median_calls, low_calls, high_calls = spread(calls)
    return Section(
        suite="ads_api",
        title="ads_api: POST /v1/creatives, one creative per request",
        command=options.command,
        packages=("aiohttp", "msgspec", "fastapi", "pydantic", "uvicorn", "httptools", "uvloop"),
        code_paths=("mango", "gateways", "actors"),
        tables=[
            Table(
                title="Goals",
                columns=["ratio", "goal", "median", "min - max", "met"],
                rows=goals,
            ),
            Table(
                title=f"Requests per second ({CONNECTIONS} keep-alive connections, "
                f"{seconds:g} s per run, {options.repeats} runs each)",
                columns=["contender", "median 202/s", "min - max", "p50 ms", "p99 ms", "non-202"],
                rows=rows,
            ),
            Table(
                title="SQS calls per 1,000 creatives (Ads API, from its /metrics)",
                columns=["median", "min - max"],
                rows=[[f"{median_calls:.1f}", f"{low_calls:.1f} - {high_calls:.1f}"]],
            ),
        ],
        notes=[
            "Each server is one process on uvloop against one fauxqs server; the Node.js "
            "load client runs on the same machine, so on few cores it competes with the "
            "server for CPU (the bare handler's figure is partly the client's limit).",
            "The FastAPI peer checks a static token without a database; the Ads API checks "
            "its token in PostgreSQL, cached for a few seconds.",
            "The Ads API sends one message per request; its publisher coalesces concurrent "
            "requests into SendMessageBatch calls of up to 10 messages, hence fewer than "
            "1,000 SQS calls per 1,000 creatives at one creative per request.",
            "End-to-end creatives per second from POST to a row in PostgreSQL (with the Ads "
            "Consumer) is not measured by this suite yet.",
        ],
    )
