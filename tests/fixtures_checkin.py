"""Test fixtures for the checkin area (registered in conftest.pytest_plugins)."""
