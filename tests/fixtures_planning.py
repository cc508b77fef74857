"""Test fixtures for the planning area (registered in conftest.pytest_plugins)."""
