"""Plugins shared by every test suite."""

pytest_plugins = ["tests.servers.sqs"]
