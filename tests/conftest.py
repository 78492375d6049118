"""Plugins shared by every test suite: the real servers the tests run against."""

pytest_plugins = ["tests.servers.sqs", "tests.servers.postgres"]
