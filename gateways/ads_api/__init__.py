"""The Ads API: takes the creatives the browser extension captures onto the ``mango-ads`` queue.

``mango run ads-api`` runs :data:`service`; :class:`AdsApi` is the gateway actor.
"""

from gateways.ads_api.auth import Principal, TokenAuthenticator
from gateways.ads_api.gateway import AdsApi
from gateways.ads_api.intake import CreativesAccepted, WhoAmI
from gateways.ads_api.operations import ads_api_document
from gateways.ads_api.ratelimit import TokenBucketLimiter
from gateways.ads_api.service import service
from gateways.ads_api.settings import AdsApiSettings

__all__ = [
    "AdsApi",
    "AdsApiSettings",
    "CreativesAccepted",
    "Principal",
    "TokenAuthenticator",
    "TokenBucketLimiter",
    "WhoAmI",
    "ads_api_document",
    "service",
]
