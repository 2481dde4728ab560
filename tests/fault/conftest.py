from tests.api.conftest import api, settings  # noqa: F401  (the HTTP client fixture with test tokens)
