"""Test fixtures for the planning area (registered in conftest.pytest_plugins)."""

from __future__ import annotations

import pytest


@pytest.fixture
def admin(create_user):
    """An admin account."""
    return create_user("admin", full_name="Admin Kota")


@pytest.fixture
def admin_client(client, admin, login):
    """A test client logged in as the admin."""
    login(client, admin)
    return client
