"""The API tests' records and role clients, from tests/api/world.py."""
from tests.api.world import api, world  # noqa: F401 (fixtures)
