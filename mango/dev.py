"""``mango dev``: every registered service in one process, on embedded defaults.

Installed packages prepare the laptop environment through the ``mango.dev`` entry-point
group: each entry is a callable taking no arguments that returns a dict of environment
defaults (for example an embedded database's URL) before the settings are read, and may
print what it prepared. Services in the ``mango.dev_services`` group run only here.
"""

from __future__ import annotations

import os
from importlib.metadata import entry_points

from mango.config import RuntimeSettings
from mango.logs import configure_logging
from mango.service import find_services
from mango.settings import load_settings

__all__ = ["DEV_ENTRY_POINT_GROUP", "DEV_SERVICES_ENTRY_POINT_GROUP", "run_dev"]

DEV_ENTRY_POINT_GROUP = "mango.dev"
DEV_SERVICES_ENTRY_POINT_GROUP = "mango.dev_services"
"""Services only ``mango dev`` runs (e.g. a front door that production's load balancer
replaces), on top of every registered service."""


def run_dev() -> int:
    """Prepare the dev environment, then run every registered service in one process."""
    from mango.serve import run_services

    for entry in entry_points(group=DEV_ENTRY_POINT_GROUP):
        defaults = entry.load()()
        for key, value in defaults.items():
            os.environ.setdefault(key, value)
    settings = load_settings(RuntimeSettings)
    services = [service for _, service in sorted(find_services().items())]
    for entry in sorted(entry_points(group=DEV_SERVICES_ENTRY_POINT_GROUP), key=lambda e: e.name):
        services.append(entry.load())
    configure_logging(fmt=settings.log_format, level=settings.log_level, service="dev")
    return run_services(services, settings)
