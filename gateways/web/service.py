"""The ``web`` service: only ``mango dev`` runs it (production uses the load balancer)."""

from __future__ import annotations

from gateways.web.front import WebFront, WebSettings
from mango.service import Service, ServiceContext
from mango.settings import load_settings

__all__ = ["service"]


async def _start(context: ServiceContext) -> None:
    settings = load_settings(WebSettings, prefix="MANGO_WEB_")
    options = context.gateway_options()
    await context.runtime.spawn(lambda: WebFront(settings=settings, **options), name="web-front")


service = Service(
    name="web",
    summary="Dev front door: landing page at /, web app at /app/, APIs at /api/ and /ads/.",
    start=_start,
)
