"""Pytest plugins that start real servers for the test suites and stop them afterwards."""
