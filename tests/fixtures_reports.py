"""Test fixtures for the reports area (registered in conftest.pytest_plugins)."""
