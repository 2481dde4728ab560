"""`ansvar serve --demo` prints a one-time sign-in link per demo person, and the server started
on the same store honours each link once."""

from __future__ import annotations

import re

from litestar.testing import TestClient

from ansvar import cli
from ansvar.web import create_app
from infra.settings import Settings
from tests.api.client import TEST_SECRET


def test_serve_demo_prints_a_link_per_demo_person_that_signs_them_in_once(monkeypatch, capsys, clock, tmp_path):
    monkeypatch.setenv("ANSVAR_AUTH_SECRET", TEST_SECRET)
    monkeypatch.setenv("ANSVAR_DATABASE_URL", f"sqlite:///{tmp_path}/ansvar.db")
    monkeypatch.setattr("uvicorn.run", lambda app, host, port, **kw: None)
    assert cli.main(["serve", "--demo", "--port", "8765"], clock=clock) == 0
    out = capsys.readouterr().out  # the demo's report
    links = re.findall(r"(admin|council|auditor|owner)\s+.*?http://127\.0\.0\.1:8765(/ui/login/code\?code=[\w-]+)", out)
    assert {role for role, _ in links} == {"admin", "council", "auditor", "owner"}, out
    app = create_app(Settings.from_env(), clock=clock, configure_logging=False)
    with TestClient(app) as client:
        for role, link in links:
            signed_in = client.get(link, follow_redirects=False)
            assert signed_in.status_code == 303 and signed_in.headers["location"] == "/ui/", role
            assert "ansvar_session=" in signed_in.headers["set-cookie"]
            assert client.get(link, follow_redirects=False).headers["location"] == "/ui/login?error=code", role
        assert "eyJ" not in "".join(link for _, link in links)  # a code, never a token in the URL
