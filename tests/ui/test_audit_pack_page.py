"""The auditors' page for the pack: a form with labelled dates, and the same zip as GET /audit-pack,
under the same rule (council and auditors; an owner is refused)."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import replace

from litestar.testing import TestClient

from ansvar.web import create_app
from infra.settings import Auth, Database, LogSigning, Settings
from tests.api.client import TEST_SECRET, Api, bearer
from tests.api.council_helpers import town
from tests.conftest import TEST_LOG_KEY
from tests.story import on


def test_an_auditor_fills_in_the_form_and_gets_the_pack_an_owner_is_refused(tmp_path, clock):
    settings = replace(Settings(database=Database("sqlite", path=tmp_path / "ansvar.db"), log_level="warning",
                                log=LogSigning(key=str(TEST_LOG_KEY))), auth=Auth(secret=TEST_SECRET))
    app = create_app(settings, clock=clock, configure_logging=False)
    with TestClient(app, base_url="https://ansvar.local") as client:
        client.headers["Authorization"] = bearer()
        api = Api(client)
        t = town(api)
        system = api.system("Omsorgssystem", t.elder)
        api.assign(system, "systemejer", t.chair, on("2025-01-01"))
        runtime = app.state.runtime

        def browser(person: str, *roles: str) -> TestClient:
            b = TestClient(app, base_url="https://ansvar.local")
            code = runtime.ui_sessions.issue_code(person, roles)
            assert b.get(f"/ui/login/code?code={code}", follow_redirects=False).status_code == 303
            return b

        auditor = browser(t.other, "auditor")
        form = auditor.get("/ui/audit-pack")
        assert form.status_code == 200
        for label in ('<label for="from">', '<label for="at">', '<label for="known_at">', 'href="/ui/audit-pack"'):
            assert label in form.text
        got = auditor.get("/ui/audit-pack/download", params={"from": on("2026-01-01"), "at": on("2026-06-30"),
                                                             "known_at": "", "after": api.position})
        assert got.status_code == 200 and got.headers["content-type"] == "application/zip"
        with zipfile.ZipFile(io.BytesIO(got.content)) as z:
            rows = json.loads(z.read("evidence.json"))["rows"]
        assert any(r["system_id"] == system and r["person_id"] == t.chair for r in rows if r["section"] == "Ejere")
        wrong = auditor.get("/ui/audit-pack/download", params={"from": on("2026-07-01"), "at": on("2026-06-30")})
        assert wrong.status_code == 422 and "Ret feltet <strong>Periodens første dag</strong>" in wrong.text and 'role="alert"' in wrong.text
        owner = browser(t.proposer)
        assert owner.get("/ui/audit-pack").status_code == 403
        assert owner.get("/ui/audit-pack/download", params={"from": on("2026-01-01"), "at": on("2026-06-30")}).status_code == 403
        assert 'href="/ui/audit-pack"' not in owner.get("/ui/me").text
