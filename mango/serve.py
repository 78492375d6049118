"""Running services in a process: settings, logging, runtime, signals and exit status."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager

import structlog

from mango.config import RuntimeSettings
from mango.errors import EscalationError
from mango.service import Service, ServiceContext
from mango.signals import shutdown_on_signals
from mango.transport.base import QueueBroker

__all__ = ["EXIT_FAILURE", "EXIT_OK", "broker_factory", "run_services", "serve"]

EXIT_OK = 0
EXIT_FAILURE = 1

log = structlog.get_logger("mango.serve")


def broker_factory(
    settings: RuntimeSettings,
) -> Callable[[], AbstractAsyncContextManager[QueueBroker]]:
    """Return a factory of the queue broker the settings select."""
    if settings.queue_backend == "sqs":
        from mango.transport.sqs import SqsBroker

        return lambda: SqsBroker(
            endpoint_url=settings.sqs_endpoint_url,
            region=settings.sqs_region,
            use_localstack=settings.sqs_use_localstack,
            max_body_bytes=settings.queue_max_body_bytes,
        )
    from mango.transport.memory import MemoryBroker

    return lambda: MemoryBroker(auto_create=True, max_body_bytes=settings.queue_max_body_bytes)


async def serve(
    services: Sequence[Service],
    settings: RuntimeSettings,
    *,
    on_started: Callable[[ServiceContext], None] | None = None,
) -> None:
    """Run ``services`` in one runtime until a signal or a fatal error stops them.

    Raises:
        EscalationError: An actor or task failed past its supervision policy.
    """
    from mango.http.heap import tune_gc_for_serving
    from mango.runtime import Runtime

    names = [service.name for service in services]
    runtime = Runtime(name="+".join(names))
    context = ServiceContext(runtime, settings, broker_factory(settings), services=names)
    for service in services:
        service.configure(context)
    # Signals stay ours until the runtime has closed: a second one during a stuck
    # shutdown must still force the exit.
    with shutdown_on_signals(runtime):
        async with runtime:
            context.readiness.add_check("queues", context.broker.value.ping)
            for service in services:
                await service.start(context)
                log.info("service.started", service=service.name)
            if settings.health_port is not None:
                await _serve_health(context, settings.health_port)
            # Everything long-lived exists now (pools, SQS clients, applications).
            tune_gc_for_serving()
            if on_started is not None:
                on_started(context)
            await runtime.wait_stopped()
            log.info("service.stopping", services=names)
    log.info("service.stopped", services=names)


async def _serve_health(context: ServiceContext, port: int) -> None:
    """A gateway with only /healthz, /readyz and /metrics, for consumer-only services."""
    from mango.http import HttpGateway

    options = context.gateway_options()
    gateway = await context.runtime.spawn(
        lambda: HttpGateway(port=port, **options), name="health-gateway"
    )
    log.info("health.serving", port=port, actor=gateway.name)


def run_services(services: Sequence[Service], settings: RuntimeSettings) -> int:
    """Run ``serve`` on a fresh event loop (uvloop when installed); return the exit status."""
    try:
        import uvloop

        runner: Callable[..., None] = uvloop.run
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux
        runner = asyncio.run
    try:
        runner(serve(services, settings))
    except EscalationError as exc:
        log.critical("service.failed", error=str(exc))
        return EXIT_FAILURE
    except Exception as exc:
        log.critical("service.crashed", error=repr(exc), exc_info=exc)
        return EXIT_FAILURE
    except KeyboardInterrupt:  # pragma: no cover - signals are handled in the loop
        print("interrupted", file=sys.stderr)
        return 130
    return EXIT_OK
