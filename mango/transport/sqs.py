"""The ``sqs`` queue transport: aiobotocore against any SQS-compatible endpoint.

One :class:`SqsBroker` per process owns one aiobotocore client, opened by ``__aenter__``
and closed by ``__aexit__``. Whole-call retries (throttling, 5xx, connection errors) are
botocore's own retry modes; this module adds only what botocore cannot know: the failed
entries of a partial batch failure that were not the sender's fault are sent again with
backoff and jitter, a bounded number of times, and reported if they still fail.

When the endpoint cannot be reached after botocore's retries, every operation raises
:class:`~mango.errors.QueueUnavailableError` after a bounded time (attempts times the
connect/read timeouts plus backoff); callers back off and retry, the transport never
spins. A missing queue is reported the same way, since creating it is an operator's fix.
"""

from __future__ import annotations

import asyncio
import json
import platform
from collections import Counter
from collections.abc import Mapping
from contextlib import AsyncExitStack
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self

import aiobotocore
import botocore
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError

from mango.metrics import Metrics
from mango.metrics import metrics as process_metrics
from mango.transport.base import DEFAULT_MAX_BODY_BYTES, QueueSpec
from mango.transport.checks import MAX_WAIT_SECONDS, check_queue_name
from mango.transport.sqs_queue import SqsQueue, counted_call

if TYPE_CHECKING:
    from types_aiobotocore_sqs import SQSClient

__all__ = ["SqsBroker", "SqsQueue"]

MAX_RETENTION_SECONDS = 14 * 24 * 3600
# A fixed User-Agent: botocore otherwise rebuilds (and sanitizes, character by character)
# its default one twice per request, about 0.1 ms of CPU per call, a seventh of a call.
USER_AGENT = (
    f"magic-mango aiobotocore/{aiobotocore.__version__} botocore/{botocore.__version__} "
    f"lang/python#{platform.python_version()}"
)
_QUEUE_EXISTS = {
    "QueueAlreadyExists",
    "QueueNameExists",
    "AWS.SimpleQueueService.QueueNameExists",
}


class SqsBroker:
    """A :class:`~mango.transport.base.QueueBroker` for SQS and SQS-compatible servers.

    Args:
        endpoint_url: The SQS endpoint; ``None`` uses the AWS chain (``AWS_ENDPOINT_URL_SQS``,
            config files, then the regional AWS endpoint).
        region: AWS region; ``None`` uses the AWS chain, or ``us-east-1`` for a custom
            endpoint when the chain has none.
        aws_access_key_id: Explicit credentials; ``None`` uses the standard AWS chain.
        aws_secret_access_key: See ``aws_access_key_id``.
        aws_session_token: See ``aws_access_key_id``.
        use_localstack: Resolve the endpoint with ``localstack-client``
            (``LOCALSTACK_HOST`` / ``AWS_ENDPOINT_URL``, default ``http://localhost:4566``)
            when ``endpoint_url`` is not given.
        retry_mode: botocore's retry mode, ``"standard"`` or ``"adaptive"``.
        max_attempts: Attempts per call including the first (botocore ``total_max_attempts``).
        connect_timeout: Seconds to open a connection.
        read_timeout: Seconds to wait for a response; must exceed the 20 s long poll.
        max_pool_connections: HTTP connections kept open (one per concurrent long poll).
        max_body_bytes: The largest message (body plus attributes) queues accept.
        send_attempts: Attempts for batch entries that failed through no fault of ours.
        metrics: Where the ``sqs_calls`` counter goes; the process-wide registry by default.
    """

    scheme = "sqs"

    def __init__(
        self,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        aws_session_token: str | None = None,
        use_localstack: bool = False,
        retry_mode: Literal["standard", "adaptive"] = "standard",
        max_attempts: int = 5,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        max_pool_connections: int = 50,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        send_attempts: int = 5,
        metrics: Metrics | None = None,
    ) -> None:
        if read_timeout <= MAX_WAIT_SECONDS:
            raise ValueError(f"read_timeout must exceed the {MAX_WAIT_SECONDS} s long poll")
        if endpoint_url is None and use_localstack:
            from localstack_client.config import get_service_endpoint

            endpoint_url = get_service_endpoint("sqs")
        self.endpoint_url = endpoint_url
        self.region = region
        self.max_body_bytes = max_body_bytes
        self.send_attempts = max(1, send_attempts)
        self._access_key_id = aws_access_key_id
        self._secret_access_key = aws_secret_access_key
        self._session_token = aws_session_token
        self._config = AioConfig(
            retries={"mode": retry_mode, "total_max_attempts": max_attempts},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            max_pool_connections=max_pool_connections,
            # botocore's client-side parameter validation walks every request (for a
            # batch of ten messages with attributes, a sixth of the publisher's CPU).
            # Every request is built here and in sqs_queue from checked values
            # (mango.transport.checks enforces the SQS rules first), so it is skipped.
            parameter_validation=False,
            user_agent=USER_AGENT,
        )
        self.calls: Counter[str] = Counter()
        """Calls made to the endpoint by every queue of this broker, by SQS operation."""
        self._sqs_calls = (metrics or process_metrics).sqs_calls
        # labels() looks the child up (and validates) on every call: keep the children.
        self._sqs_call_children: dict[tuple[str, str, str], Any] = {}
        self._stack: AsyncExitStack | None = None
        self._client: SQSClient | None = None
        self._urls: dict[str, str] = {}

    async def __aenter__(self) -> Self:
        session = get_session()
        region = self.region or session.get_config_variable("region")
        if region is None and self.endpoint_url is not None:
            region = "us-east-1"  # emulators ignore it, but botocore needs one to sign
        async with AsyncExitStack() as stack:
            self._client = await stack.enter_async_context(
                session.create_client(
                    "sqs",
                    region_name=region,
                    endpoint_url=self.endpoint_url,
                    config=self._config,
                    aws_access_key_id=self._access_key_id,
                    aws_secret_access_key=self._secret_access_key,
                    aws_session_token=self._session_token,
                )
            )
            self._stack = stack.pop_all()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        stack, self._stack, self._client = self._stack, None, None
        if stack is not None:
            await stack.aclose()

    def count_call(self, queue: str, operation: str, outcome: str) -> None:
        """Record one call to the endpoint (``outcome`` is ``"ok"`` or ``"error"``)."""
        self.calls[operation] += 1
        key = (queue, operation, outcome)
        child = self._sqs_call_children.get(key)
        if child is None:
            child = self._sqs_calls.labels(queue=queue, operation=operation, outcome=outcome)
            self._sqs_call_children[key] = child
        child.inc()

    @property
    def client(self) -> SQSClient:
        """The open aiobotocore client.

        Raises:
            RuntimeError: The broker is not open (use ``async with``).
        """
        if self._client is None:
            raise RuntimeError("SqsBroker is not open; use `async with SqsBroker(...)`")
        return self._client

    async def queue_url(self, name: str) -> str:
        """Return the URL of queue ``name``, asking the endpoint only the first time.

        Raises:
            QueueUnavailableError: The queue does not exist or the endpoint is unreachable.
        """
        url = self._urls.get(name)
        if url is None:
            with counted_call(self, "GetQueueUrl", name):
                url = (await self.client.get_queue_url(QueueName=name))["QueueUrl"]
            self._urls[name] = url
        return url

    async def create_queue(self, spec: QueueSpec) -> None:
        """Create the dead-letter queue, then the queue with its redrive policy.

        Idempotent: an existing queue gets the spec's attributes (SetQueueAttributes).

        Raises:
            ValueError: The queue name is not valid for SQS.
            QueueUnavailableError: The endpoint is unreachable.
        """
        check_queue_name(spec.name)
        dead_letter_url = await self._create_or_update(
            spec.dead_letter, {"MessageRetentionPeriod": str(MAX_RETENTION_SECONDS)}
        )
        with counted_call(self, "GetQueueAttributes", spec.dead_letter):
            response = await self.client.get_queue_attributes(
                QueueUrl=dead_letter_url, AttributeNames=["QueueArn"]
            )
        redrive = {
            "deadLetterTargetArn": response["Attributes"]["QueueArn"],
            "maxReceiveCount": spec.max_receive_count,
        }
        await self._create_or_update(
            spec.name,
            {
                "VisibilityTimeout": str(spec.visibility_timeout),
                "ReceiveMessageWaitTimeSeconds": str(spec.wait_seconds),
                "MessageRetentionPeriod": str(spec.retention_seconds),
                "RedrivePolicy": json.dumps(redrive),
            },
        )

    async def _create_or_update(self, name: str, attributes: Mapping[str, str]) -> str:
        with counted_call(self, "CreateQueue", name):
            try:
                url = (
                    await self.client.create_queue(QueueName=name, Attributes=dict(attributes))  # type: ignore[arg-type]
                )["QueueUrl"]
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in _QUEUE_EXISTS:
                    raise
                url = (await self.client.get_queue_url(QueueName=name))["QueueUrl"]
                await self.client.set_queue_attributes(QueueUrl=url, Attributes=dict(attributes))  # type: ignore[arg-type]
        self._urls[name] = url
        return url

    async def open_queue(self, spec: QueueSpec) -> SqsQueue:
        """Return the transport of an existing queue (its URL resolved once).

        Raises:
            QueueUnavailableError: The queue does not exist or the endpoint is unreachable.
        """
        check_queue_name(spec.name, room_for_suffix=False)
        return SqsQueue(self, spec, await self.queue_url(spec.name))

    async def ping(self, *, timeout: float = 3.0) -> bool:
        """Return whether the endpoint answers within ``timeout`` seconds (for readiness)."""
        try:
            async with asyncio.timeout(timeout):
                await self.client.list_queues(QueueNamePrefix="mango-ping", MaxResults=1)
        except (TimeoutError, BotoCoreError, ClientError):
            self.count_call("", "ListQueues", "error")
            return False
        self.count_call("", "ListQueues", "ok")
        return True
