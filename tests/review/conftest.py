"""Review reproductions reuse the handler and transport fixtures (real endpoint, real databases)."""
from tests.handlers.conftest import parser, router  # noqa: F401  (fixtures)
from tests.transport.conftest import fake_api, make_client, settings  # noqa: F401  (fixtures)
