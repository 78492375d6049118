"""The web front door of ``mango dev``: landing page, web app, and the two APIs on one port."""

from gateways.web.front import WebFront, WebSettings
from gateways.web.service import service

__all__ = ["WebFront", "WebSettings", "service"]
