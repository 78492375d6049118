"""HTTP gateways: an aiohttp application run by an actor, with health, metrics and errors.

Import the public API from here::

    from mango.http import HttpGateway, decode_body, json_response, ProblemError
"""

from mango.http.gateway import DEFAULT_MAX_BODY_SIZE, HttpGateway
from mango.http.health import (
    CheckResult,
    Liveness,
    ProbeStatus,
    Readiness,
    liveness,
    readiness,
)
from mango.http.heap import SERVING_GC_THRESHOLD, tune_gc_for_serving
from mango.http.middleware import REQUEST_ID_HEADER, request_id
from mango.http.problems import (
    PROBLEM_CONTENT_TYPE,
    FieldError,
    ProblemError,
    decode_body,
    json_response,
    problem_response,
    validation_problem,
)

__all__ = [
    "DEFAULT_MAX_BODY_SIZE",
    "PROBLEM_CONTENT_TYPE",
    "REQUEST_ID_HEADER",
    "SERVING_GC_THRESHOLD",
    "CheckResult",
    "FieldError",
    "HttpGateway",
    "Liveness",
    "ProbeStatus",
    "ProblemError",
    "Readiness",
    "decode_body",
    "json_response",
    "liveness",
    "problem_response",
    "readiness",
    "request_id",
    "tune_gc_for_serving",
    "validation_problem",
]
