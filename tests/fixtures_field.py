"""Test fixtures for the field area (registered in conftest.pytest_plugins)."""
