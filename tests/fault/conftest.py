from tests.api.conftest import api  # noqa: F401  (the same HTTP client fixture as the API tests)
