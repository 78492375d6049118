"""Magic Mango's HTTP gateways: the services that take requests from the outside world.

Each gateway is an :class:`mango.http.HttpGateway` actor in a service of its own
(``mango run ads-api``); business rules live in ``actors/``.
"""
