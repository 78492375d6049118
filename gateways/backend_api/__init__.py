"""The Backend API: the web application's accounts, library, boards and content tasks.

``mango run backend-api`` runs :data:`service`; :class:`BackendApi` is the gateway actor.
The endpoints are described in ``docs/backend-api.md`` and served at ``/openapi.json``.
"""

from gateways.backend_api.gateway import BackendApi
from gateways.backend_api.operations import backend_api_document
from gateways.backend_api.service import service
from gateways.backend_api.settings import BackendApiSettings

__all__ = ["BackendApi", "BackendApiSettings", "backend_api_document", "service"]
