"""The contenders of the ``sqs`` suite: the same no-op work, published and consumed.

Each contender publishes ``n`` messages to a fresh queue, then consumes and deletes them;
every phase returns a :class:`Measure` (wall time, SQS calls, process CPU time):

- ``mango``: ``QueuePublisher`` (4 instances, asks from 200 concurrent callers) and
  ``QueueConsumer`` dispatching to a no-op actor.
- ``hand-written``: the aiobotocore loop most people write: ``send_message`` one at a
  time; receive up to 10, process and ``delete_message`` one at a time.
- ``dramatiq``: Dramatiq with the ``dramatiq-sqs`` broker (boto3, 8 worker threads).
- ``limit``: bare ``send_message_batch`` loops; bare receive-10 plus
  ``delete_message_batch`` loops, no processing and no decoding, on a stock aiobotocore
  client. With ``wire=True`` it carries mango's wire format (the four ``mango.*`` message
  attributes on every message; receives ask for them and for the two system attributes
  mango reads) on a client configured as mango's ``SqsBroker`` configures its own (no
  client-side parameter validation, a fixed User-Agent), so mango's runtime cost can be
  told apart from its wire format and client settings.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session

from benchmarks.sqs_server import CREDENTIALS, REGION, FauxqsServer
from mango import Actor, Message, MessageCodec, Publish, QueueConsumer, QueuePublisher, Runtime
from mango import handler as mango_handler
from mango.consumer import ConsumerOptions
from mango.messages import message_type_name
from mango.metrics import Metrics
from mango.transport.base import ATTR_SENDER, ATTR_SENT_AT, ATTR_TRACE_ID, ATTR_TYPE, QueueSpec
from mango.transport.sqs import USER_AGENT, SqsBroker

PUBLISHERS = 200  # concurrent callers asking the mango publisher
LOOPS = 4  # concurrent loops of the limit (and receive pollers of mango)


class BenchItem(Message, frozen=True, tag="bench.item"):
    """The one message every contender publishes and handles."""

    key: int


codec = MessageCodec([BenchItem])


@dataclass(frozen=True)
class Measure:
    """One phase of one run."""

    messages: int
    seconds: float
    calls: int
    cpu_seconds: float

    @property
    def rate(self) -> float:
        return self.messages / self.seconds

    @property
    def calls_per_message(self) -> float:
        return self.calls / self.messages


async def _timed(n: int, calls: Callable[[], int], work: Awaitable[None]) -> Measure:
    calls_before, cpu_before = calls(), time.process_time()
    started = time.perf_counter()
    await work
    seconds = time.perf_counter() - started
    return Measure(n, seconds, calls() - calls_before, time.process_time() - cpu_before)


class RawClient:
    """An aiobotocore SQS client that counts its calls (for hand-written and limit)."""

    def __init__(self, server: FauxqsServer, *, validate: bool = True) -> None:
        self.server = server
        self.validate = validate
        self.calls = 0
        self._stack = AsyncExitStack()
        self.client: Any = None

    async def __aenter__(self) -> RawClient:
        options = self.server.client_options()
        if not self.validate:  # as mango's SqsBroker: no parameter validation, fixed User-Agent
            options["config"] = AioConfig(parameter_validation=False, user_agent=USER_AGENT)
        self.client = await self._stack.enter_async_context(
            get_session().create_client("sqs", **options)
        )
        self.client.meta.events.register("before-call.sqs", self._count)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()

    def _count(self, **kwargs: Any) -> None:
        self.calls += 1

    async def create(self, name: str) -> str:
        response = await self.client.create_queue(QueueName=name)
        return str(response["QueueUrl"])

    async def delete(self, url: str) -> None:
        await self.client.delete_queue(QueueUrl=url)


def _body(key: int) -> str:
    return codec.encode(BenchItem(key=key)).decode()


# -- limit -------------------------------------------------------------------------------


def _mango_attributes() -> dict[str, Any]:
    """The message attributes mango's publisher puts on every message."""
    values = {
        ATTR_TYPE: message_type_name(BenchItem),
        ATTR_TRACE_ID: uuid.uuid4().hex,
        ATTR_SENDER: "bench",
        ATTR_SENT_AT: f"{time.time():.3f}",
    }
    return {k: {"DataType": "String", "StringValue": v} for k, v in values.items()}


async def limit(
    server: FauxqsServer, n: int, loops: int = LOOPS, *, wire: bool = False
) -> tuple[Measure, Measure]:
    """Bare batch send, then bare batch receive + batch delete, ``loops`` at a time.

    With ``wire``, every message carries mango's four attributes and receives ask for
    them, the two system attributes and the visibility timeout, as mango's do; and the
    client skips botocore's parameter validation and sends a fixed User-Agent, as
    mango's does.
    """
    receive_options: dict[str, Any] = {}
    if wire:
        receive_options = {
            "VisibilityTimeout": 30,
            "MessageSystemAttributeNames": ["ApproximateReceiveCount", "SentTimestamp"],
            "MessageAttributeNames": ["All"],
        }

    def entry(key: int) -> dict[str, Any]:
        request: dict[str, Any] = {"Id": str(key), "MessageBody": _body(key)}
        if wire:
            request["MessageAttributes"] = _mango_attributes()
        return request

    async with RawClient(server, validate=not wire) as raw:
        url = await raw.create(f"limit-{uuid.uuid4().hex[:8]}")
        client = raw.client
        keys = iter(range(n))
        lock = asyncio.Lock()

        async def send_loop() -> None:
            while True:
                async with lock:
                    batch = [k for _, k in zip(range(10), keys, strict=False)]
                if not batch:
                    return
                await client.send_message_batch(
                    QueueUrl=url,
                    Entries=[entry(k) for k in batch],
                )

        async def publish() -> None:
            await asyncio.gather(*(send_loop() for _ in range(loops)))

        published = await _timed(n, lambda: raw.calls, publish())
        received = 0
        done = asyncio.Event()

        async def receive_loop() -> None:
            nonlocal received
            while True:
                response = await client.receive_message(
                    QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, **receive_options
                )
                messages = response.get("Messages", [])
                if not messages:
                    continue
                received += len(messages)
                await client.delete_message_batch(
                    QueueUrl=url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                        for i, m in enumerate(messages)
                    ],
                )
                if received >= n:
                    done.set()

        async def consume() -> None:
            # Stop when the last delete is done; loops still in a long poll are cancelled.
            tasks = [asyncio.ensure_future(receive_loop()) for _ in range(loops)]
            await done.wait()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        consumed = await _timed(n, lambda: raw.calls, consume())
        await raw.delete(url)
    return published, consumed


# -- hand-written ------------------------------------------------------------------------


async def hand_written(server: FauxqsServer, n: int) -> tuple[Measure, Measure]:
    """send_message one at a time; receive 10, decode, delete_message one at a time."""
    async with RawClient(server) as raw:
        url = await raw.create(f"hand-{uuid.uuid4().hex[:8]}")
        client = raw.client

        async def publish() -> None:
            for key in range(n):
                await client.send_message(QueueUrl=url, MessageBody=_body(key))

        published = await _timed(n, lambda: raw.calls, publish())

        async def consume() -> None:
            done = 0
            while done < n:
                response = await client.receive_message(
                    QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1
                )
                for message in response.get("Messages", []):
                    json.loads(message["Body"])  # the "processing": decode, nothing else
                    await client.delete_message(
                        QueueUrl=url, ReceiptHandle=message["ReceiptHandle"]
                    )
                    done += 1

        consumed = await _timed(n, lambda: raw.calls, consume())
        await raw.delete(url)
    return published, consumed


# -- mango -------------------------------------------------------------------------------


class NoopWorker(Actor):
    """A handler that does nothing."""

    @mango_handler
    async def item(self, message: BenchItem) -> None:
        """Do nothing."""
        return None


def mango_options(*, pollers: int = LOOPS, wait_seconds: float = 1.0) -> ConsumerOptions:
    """The consumer options of the mango contender."""
    return ConsumerOptions(
        concurrency=100, pollers=pollers, wait_seconds=wait_seconds, depth_sample_interval=0
    )


def _broker(server: FauxqsServer) -> SqsBroker:
    return SqsBroker(
        endpoint_url=server.endpoint_url,
        region=REGION,
        metrics=Metrics(process_collectors=False),
        **CREDENTIALS,
    )


async def mango(server: FauxqsServer, n: int, *, pollers: int = LOOPS) -> tuple[Measure, Measure]:
    """QueuePublisher asks from 200 callers; QueueConsumer into a no-op actor."""
    async with _broker(server) as broker:
        spec = QueueSpec(name=f"mango-{uuid.uuid4().hex[:8]}")
        await broker.create_queue(spec)
        queue = await broker.open_queue(spec)

        def calls() -> int:
            return sum(queue.calls.values())

        async with Runtime(name="bench") as runtime:
            publisher = await runtime.spawn(
                lambda: QueuePublisher(transport=queue, codec=codec, sender="bench"),
                instances=4,
            )
            keys = iter(range(n))

            async def caller() -> None:
                for key in keys:
                    await publisher.ask(Publish(BenchItem(key=key)), timeout=None)

            async def publish() -> None:
                await asyncio.gather(*(caller() for _ in range(PUBLISHERS)))

            published = await _timed(n, calls, publish())

            worker = await runtime.spawn(NoopWorker, instances=100)
            consumers: list[QueueConsumer] = []

            def make() -> QueueConsumer:
                consumers.append(
                    QueueConsumer(
                        transport=queue,
                        codec=codec,
                        target=worker,
                        options=mango_options(pollers=pollers),
                    )
                )
                return consumers[-1]

            async def consume() -> None:
                await runtime.spawn(make)
                # The consumer has no "n deleted" event to wait on: poll its delete counter.
                while consumers[0]._deletes is None or consumers[0]._deletes.deleted < n:  # noqa: ASYNC110
                    await asyncio.sleep(0.005)

            consumed = await _timed(n, calls, consume())
    async with _broker(server) as broker:
        await broker.client.delete_queue(QueueUrl=queue.url)
    return published, consumed


async def mango_idle_cpu(server: FauxqsServer, seconds: float) -> tuple[float, Counter[str]]:
    """CPU seconds of a default mango consumer on an empty queue, and the calls it made."""
    async with _broker(server) as broker:
        spec = QueueSpec(name=f"idle-{uuid.uuid4().hex[:8]}")
        await broker.create_queue(spec)
        queue = await broker.open_queue(spec)
        async with Runtime(name="idle") as runtime:
            worker = await runtime.spawn(NoopWorker, instances=16)
            options = ConsumerOptions(concurrency=16)  # defaults: 20 s long polls
            await runtime.spawn(
                lambda: QueueConsumer(transport=queue, codec=codec, target=worker, options=options),
                # As mango's services do: the stop lets a 20 s long poll in flight finish,
                # longer than the default 10 s an actor gets to stop.
                stop_timeout=options.shutdown_grace + 10.0,
            )
            await asyncio.sleep(0.5)  # start-up is not idling
            queue.calls.clear()
            cpu_before = time.process_time()
            await asyncio.sleep(seconds)
            cpu = time.process_time() - cpu_before
            calls = Counter(queue.calls)
        await broker.client.delete_queue(QueueUrl=queue.url)
    return cpu, calls


# -- dramatiq ----------------------------------------------------------------------------


def dramatiq_run(server: FauxqsServer, n: int) -> tuple[Measure, Measure]:
    """Dramatiq + dramatiq-sqs: ``actor.send`` per message, a Worker with 8 threads."""
    import dramatiq
    from dramatiq_sqs import SQSBroker

    options = server.client_options()
    broker = SQSBroker(
        namespace=f"dramatiq{uuid.uuid4().hex[:8]}",
        endpoint_url=options["endpoint_url"],
        region_name=options["region_name"],
        **CREDENTIALS,
    )
    calls = Counter[str]()
    lock = threading.Lock()

    def count(event_name: str, **kwargs: Any) -> None:
        with lock:
            calls[event_name.rsplit(".", 1)[-1]] += 1

    broker.sqs.meta.client.meta.events.register("before-call.sqs", count)
    handled = [0]

    def noop(key: int) -> None:
        with lock:
            handled[0] += 1

    actor = dramatiq.actor(noop, broker=broker, queue_name="work", max_retries=0)
    broker.declare_queue("work")
    broker.consume("work").close()  # creates the queue (not measured)

    def total() -> int:
        return sum(calls.values())

    def timed(work: Callable[[], None]) -> Measure:
        calls_before, cpu_before = total(), time.process_time()
        started = time.perf_counter()
        work()
        seconds = time.perf_counter() - started
        return Measure(n, seconds, total() - calls_before, time.process_time() - cpu_before)

    def publish() -> None:
        for key in range(n):
            actor.send(key)

    published = timed(publish)
    worker = dramatiq.Worker(broker, worker_threads=8)
    deletes_before = calls["DeleteMessage"]

    def consume() -> None:
        worker.start()
        while calls["DeleteMessage"] - deletes_before < n:
            time.sleep(0.005)

    consumed = timed(consume)
    worker.stop()
    broker.sqs.meta.client.delete_queue(QueueUrl=broker.queues["work"].url)
    return published, consumed
