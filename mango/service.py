"""Services: named sets of actors that ``mango run NAME`` starts in one process.

A service is registered in the ``mango.services`` entry-point group of ``pyproject.toml``::

    [project.entry-points."mango.services"]
    ads-consumer = "actors.ads.service:service"

and defined as a :class:`Service`: ``configure`` registers resources before the runtime
starts (a database pool, say), ``start`` spawns actors once it runs. ``mango dev`` runs
every registered service in one process; resources registered under the same key are
then shared (one queue broker, one database pool).
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, TypeVar

from mango.config import RuntimeSettings
from mango.consumer import ConsumerOptions, QueueConsumer
from mango.http.health import Liveness, Readiness
from mango.messages import MessageCodec
from mango.metrics import Metrics
from mango.metrics import metrics as process_metrics
from mango.publisher import QueuePublisher
from mango.ref import ActorRef
from mango.runtime import Resource, Runtime
from mango.transport.base import QueueBroker, QueueSpec, QueueTransport

__all__ = ["ENTRY_POINT_GROUP", "Service", "ServiceContext", "find_services", "load_service"]

ENTRY_POINT_GROUP = "mango.services"

T = TypeVar("T")


async def _nothing_to_start(context: ServiceContext) -> None:
    return None


def _nothing_to_configure(context: ServiceContext) -> None:
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Service:
    """A deployable unit: one container runs one service.

    Attributes:
        name: The name ``mango run`` takes (and the log's ``service`` field).
        summary: One line for ``mango --help`` and the docs.
        queues: Names of the queues it consumes or publishes to (``mango queues create``).
        configure: Registers resources before the runtime starts.
        start: Spawns the service's actors once the runtime runs.
    """

    name: str
    summary: str
    queues: tuple[str, ...] = ()
    configure: Callable[[ServiceContext], None] = _nothing_to_configure
    start: Callable[[ServiceContext], Awaitable[None]] = _nothing_to_start


@dataclass(slots=True)
class ServiceContext:
    """What a service's ``configure`` and ``start`` get: the runtime and shared resources.

    Args:
        runtime: The process's runtime.
        settings: The runtime settings.
        broker_factory: Makes the queue broker resource (memory or SQS, from settings).
    """

    runtime: Runtime
    settings: RuntimeSettings
    broker_factory: Callable[[], AbstractAsyncContextManager[QueueBroker]]
    services: list[str] = field(default_factory=list)
    liveness: Liveness = field(default_factory=Liveness)
    readiness: Readiness = field(default_factory=Readiness)
    metrics: Metrics = field(default_factory=lambda: process_metrics)
    _shared: dict[str, Resource[Any]] = field(default_factory=dict)
    _publishers: dict[str, ActorRef[Any]] = field(default_factory=dict)
    consumers: list[ActorRef[Any]] = field(default_factory=list)
    _singletons: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Every process gets its broker before the runtime starts (registration freezes).
        _ = self.broker

    def shared(
        self, key: str, factory: Callable[[], AbstractAsyncContextManager[T]]
    ) -> Resource[T]:
        """Register a resource once per process under ``key`` (before the runtime starts)."""
        if key not in self._shared:
            self._shared[key] = self.runtime.add_resource(key, factory)
        resource: Resource[T] = self._shared[key]
        return resource

    def singleton(self, key: str, factory: Callable[[], T]) -> T:
        """Return one object per process under ``key`` (e.g. a metrics registry)."""
        if key not in self._singletons:
            self._singletons[key] = factory()
        value: T = self._singletons[key]
        return value

    @property
    def broker(self) -> Resource[QueueBroker]:
        """The process's queue broker (registered on first use, before start)."""
        return self.shared("mango.queue_broker", self.broker_factory)

    def gateway_options(self) -> dict[str, Any]:
        """Keyword arguments for an ``HttpGateway`` that follow the settings.

        The gateway then shares this process's health registries and metrics.
        """
        return {
            "host": self.settings.http_host,
            "max_body_size": self.settings.http_max_body_bytes,
            "drain_delay": self.settings.shutdown_delay_seconds,
            "liveness": self.liveness,
            "readiness": self.readiness,
            "metrics": self.metrics,
        }

    def queue_spec(self, name: str) -> QueueSpec:
        """The spec of queue ``name`` from the settings (prefix, visibility, redrive)."""
        return queue_spec(self.settings, name)

    async def queue(self, name: str) -> QueueTransport:
        """Open queue ``name`` (after start)."""
        return await self.broker.value.open_queue(self.queue_spec(name))

    async def consume(
        self,
        queue: str,
        *,
        codec: MessageCodec[Any],
        target: ActorRef[Any],
        options: ConsumerOptions | None = None,
    ) -> ActorRef[Any]:
        """Spawn a consumer of ``queue`` that dispatches to ``target``."""
        settings = self.settings
        transport = await self.queue(queue)
        opts = options or ConsumerOptions(
            concurrency=settings.consumer_concurrency,
            pollers=settings.consumer_pollers,
            wait_seconds=settings.consumer_wait_seconds,
            visibility_timeout=settings.queue_visibility_timeout,
            retry_backoff_min=settings.retry_backoff_min,
            retry_backoff_max=settings.retry_backoff_max,
            shutdown_grace=settings.shutdown_grace_seconds,
        )
        consumer = await self.runtime.spawn(
            lambda: QueueConsumer(
                transport=transport,
                codec=codec,
                target=target,
                options=opts,
                liveness=self.liveness,
                metrics=self.metrics,
            ),
            name=f"consumer:{transport.name}",
            stop_timeout=opts.shutdown_grace + 10.0,  # the drain needs its grace period
        )
        self.consumers.append(consumer)
        return consumer

    async def publisher(
        self,
        queue: str,
        *,
        codec: MessageCodec[Any],
        sender: str,
        linger: float | None = None,
    ) -> ActorRef[Any]:
        """Return the process's publisher for ``queue``, spawning it on first use.

        ``linger`` (seconds a batch waits to fill; the publisher's default when None) is
        the first caller's: a service that coalesces messages itself passes 0, so that
        its messages do not wait a second time.
        """
        if queue not in self._publishers:
            transport = await self.queue(queue)
            options: dict[str, Any] = {} if linger is None else {"linger": linger}
            self._publishers[queue] = await self.runtime.spawn(
                lambda: QueuePublisher(
                    transport=transport,
                    codec=codec,
                    sender=sender,
                    metrics=self.metrics,
                    **options,
                ),
                name=f"publisher:{transport.name}",
                instances=4,  # up to four batches in flight at once
            )
        return self._publishers[queue]


def queue_spec(settings: RuntimeSettings, name: str) -> QueueSpec:
    """Build the spec of queue ``name`` from the runtime settings."""
    return QueueSpec(
        name=settings.queue_prefix + name,
        visibility_timeout=settings.queue_visibility_timeout,
        max_receive_count=settings.queue_max_receive_count,
    )


def find_services() -> dict[str, Service]:
    """Every service registered in the ``mango.services`` entry-point group, by name."""
    found: dict[str, Service] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        service = entry.load()
        if not isinstance(service, Service):
            raise TypeError(f"entry point {entry.name!r} ({entry.value}) is not a mango Service")
        found[entry.name] = service
    return found


def load_service(name: str) -> Service:
    """Find a registered service by name, or import one given as ``module:attribute``.

    Raises:
        LookupError: No such service; the message lists the registered ones.
    """
    if ":" in name:
        module_name, _, attribute = name.partition(":")
        # Like uvicorn: an import path resolves from the current directory too, which a
        # console script does not put on sys.path by itself.
        if os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        try:
            service = getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError) as exc:
            raise LookupError(f"cannot import service {name!r}: {exc}") from None
        if not isinstance(service, Service):
            raise LookupError(f"{name!r} is not a mango Service")
        return service
    services = find_services()
    if name not in services:
        known = ", ".join(sorted(services)) or "none registered"
        raise LookupError(f"unknown service {name!r}; known services: {known}")
    return services[name]
