"""What a test is allowed to touch, read from its marks and fixtures."""

import pytest

DB_FIXTURES = frozenset({"db", "transactional_db", "live_server"})


def may_use_db(request: pytest.FixtureRequest) -> bool:
    """Whether the test may use the database (a django_db mark or a fixture that allows it)."""
    marked = request.node.get_closest_marker("django_db") is not None
    return marked or bool(DB_FIXTURES & set(request.fixturenames))
