"""The KITOS client against the stand-in (tests/kitos_standin.py): paging until a short page,
organisation scoping, 429 and 5xx retried, a lapsed token fetched anew, and the refusals
(wrong password, no API access, wrong organisation) as errors naming the URL and status."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from infra.kitos import KitosClient, KitosError, check_url
from tests.kitos_standin import StandIn, usage

ORG, OTHER = "c0ffee00-2222-4b3c-9d4e-5f6a7b8c9d0e", "0ddba11e-2222-4b3c-9d4e-5f6a7b8c9d0e"


@pytest.fixture
def kitos():
    standin = StandIn()
    standin.usages[ORG] = [usage(n, ORG) for n in range(600)]
    standin.usages[OTHER] = [usage(n + 10_000, OTHER) for n in range(3)]
    yield standin
    standin.close()


def client(kitos, **kwargs) -> tuple[KitosClient, list[float]]:
    slept: list[float] = []
    return KitosClient(kitos.url, kitos.email, kitos.password, sleep=slept.append, **kwargs), slept


def test_every_usage_of_the_organisation_comes_page_by_page_until_a_short_page(kitos):
    c, _ = client(kitos)
    got = list(c.usages(ORG))
    assert len(got) == 600 and len({u["uuid"] for u in got}) == 600
    pages = [q for method, path, q in kitos.log if path == "/api/v2/it-system-usages"]
    assert [(q["page"], q["pageSize"], q["organizationUuid"]) for q in pages] == [
        (["0"], ["250"], [ORG]), (["1"], ["250"], [ORG]), (["2"], ["250"], [ORG])]
    assert all(u["organizationContext"]["uuid"] == ORG for u in got)  # never another organisation's


def test_an_exact_multiple_of_the_page_size_ends_with_an_empty_page(kitos):
    kitos.usages[ORG] = kitos.usages[ORG][:500]
    c, _ = client(kitos)
    assert len(list(c.usages(ORG))) == 500
    assert len([p for _, p, _ in kitos.log if p == "/api/v2/it-system-usages"]) == 3


def test_429_waits_as_told_and_5xx_backs_off_and_nothing_is_lost(kitos):
    c, slept = client(kitos)
    it = c.usages(ORG)
    first = [next(it) for _ in range(250)]
    kitos.fail("/api/v2/it-system-usages", 429, **{"Retry-After": "7"})
    kitos.fail("/api/v2/it-system-usages", 503)
    rest = list(it)
    assert len(first) + len(rest) == 600 and slept == [7.0, 1.0]  # as told, then 0.5 s doubled on the second try


def test_a_retry_after_date_is_honoured(kitos):
    now = datetime(2026, 12, 2, 12, 0, 0, tzinfo=timezone.utc)
    c, slept = client(kitos, now=lambda: now)
    kitos.fail("/api/v2/it-system-usages", 429, **{"Retry-After": "Wed, 02 Dec 2026 12:00:30 GMT"})
    assert len(list(c.usages(OTHER))) == 3 and slept == [30.0]


def test_a_lapsed_token_is_fetched_again_once(kitos):
    c, _ = client(kitos)
    assert len(list(c.usages(OTHER))) == 3
    kitos.revoke_tokens()
    assert len(list(c.usages(OTHER))) == 3
    assert [p for m, p, _ in kitos.log if m == "POST"] == ["/api/authorize/GetToken"] * 2


@pytest.mark.parametrize(("change", "status", "says"), [
    ("password", 401, "ANSVAR_KITOS_PASSWORD"), ("access", 403, "API access"), ("organisation", 404, "organisation"),
])
def test_refusals_name_the_url_and_status(kitos, change, status, says):
    c = KitosClient(kitos.url, kitos.email, "forkert" if change == "password" else kitos.password, sleep=lambda s: None)
    kitos.api_access = change != "access"
    org = "deadbeef-0000-4000-8000-000000000000" if change == "organisation" else ORG
    with pytest.raises(KitosError) as caught:
        list(c.users(org)) if change == "organisation" else list(c.usages(org))
    assert caught.value.status == status and says in str(caught.value) and kitos.url in str(caught.value)


def test_changed_since_is_sent_in_utc_and_filters(kitos):
    kitos.usages[OTHER][1]["lastModified"] = "2026-01-05T10:00:00.000Z"
    c, _ = client(kitos)
    since = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert [u["uuid"] for u in c.usages(OTHER, since)] == [kitos.usages[OTHER][1]["uuid"]]
    sent = [q for _, p, q in kitos.log if p == "/api/v2/it-system-usages"][-1]
    assert sent["changedSinceGtEq"] == ["2026-01-01T00:00:00.000000Z"]


def test_plain_http_only_on_the_loopback_address():
    assert check_url("https://kitos.dk/") == "https://kitos.dk"
    assert check_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080"
    with pytest.raises(ValueError):
        check_url("http://kitos.dk")
