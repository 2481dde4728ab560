"""The pages in a real browser: headless Chromium (Debian's `chromium` and `chromium-driver`)
against the real app, served by uvicorn in a thread of this process on a free loopback port, with
the demo municipality loaded once per run on the tests' clock (never the calendar).

Everything is shared per session (one server, one demo, one browser) to keep the suite quick, so
each test signs in afresh (`browser` starts with no cookies) and changes only what no other test
reads: each owner test uses its own system or role.

Under CI=true a missing browser FAILS these tests; elsewhere they are skipped, saying why
(ANSVAR_CHROMIUM and ANSVAR_CHROMEDRIVER name other paths than Debian's).
Screenshots go to $ANSVAR_SCREENSHOTS, or to a directory of pytest's (its path is printed).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import httpx
import pytest

from domain.clock import ManualClock
from infra.settings import Auth, Database, Settings
from infra.tokens import issue
from tests.story import TEST_TODAY

#: Debian's `chromium` and `chromium-driver` (.ci/run installs them); elsewhere, say where they are.
CHROMIUM = Path(os.environ.get("ANSVAR_CHROMIUM") or "/usr/bin/chromium")
CHROMEDRIVER = Path(os.environ.get("ANSVAR_CHROMEDRIVER") or "/usr/bin/chromedriver")
SECRET = "browser-tests-secret-long-enough-for-hs256-0123456789"
HERE = Path(__file__).parent
#: axe-core 4.11.4 from the npm registry (MPL-2.0, axe-core-LICENSE.txt); the hash is the one its
#: package publishes in sri-history.json, so a damaged or swapped copy is noticed.
AXE = HERE / "axe.min.js"
AXE_SHA256 = "fb83a4378d978ecb7d2dae48a3a3778a84c971ac692f3afd45d714fba89c0f0d"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")
WAIT = 10.0
#: Roles each demo person signs in with (an owner is an ordinary person: no role).
ROLES = {"admin": ("admin",), "council": ("council",), "auditor": ("auditor",), "owner": ()}


def _under_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_browser() -> None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if not missing:
        return
    why = f"no browser for the browser tests: {', '.join(missing)} missing (apt-get install chromium chromium-driver)"
    if _under_ci():
        pytest.fail(f"{why}; under CI=true the browser tests must run")
    pytest.skip(why)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A module that changes what the others read (`RUNS_LAST = True`: the admin's import of a whole
    inventory into the shared demo) runs after every other browser test; the rest keep their order."""
    items.sort(key=lambda item: bool(getattr(getattr(item, "module", None), "RUNS_LAST", False)))


# ---------------------------------------------------------------------------------- the server


@dataclasses.dataclass
class Site:
    """The served app, its running parts and the demo's people."""

    base: str
    settings: Settings
    clock: ManualClock
    runtime: Any
    users: dict[str, UUID]  # admin, council, auditor, owner -> person id
    names: dict[str, str]  # the same -> their name

    def url(self, path: str) -> str:
        return self.base + path

    def sign_in_link(self, who: str) -> str:
        """A one-time sign-in link for a demo person, as `ansvar serve --demo` prints one."""
        code = self.runtime.ui_sessions.issue_code(self.users[who], ROLES[who])
        return self.url(f"/ui/login/code?code={code}")

    def token(self, who: str) -> str:
        """A bearer token for a demo person, as `ansvar token issue` makes one."""
        return issue(SECRET, self.users[who], ROLES[who], now=self.clock.now())

    def api(self, who: str, path: str, **params: Any) -> Any:
        """The JSON API's answer for the same person: what a page must agree with."""
        response = httpx.get(self.url(path), params=params, headers={"Authorization": f"Bearer {self.token(who)}"},
                             timeout=WAIT)
        assert response.status_code == 200, f"GET {path} -> {response.status_code}: {response.text}"
        return response.json()

    def person_name(self, person_id: UUID) -> str:
        return (self.runtime.directory.get(person_id) or {}).get("name") or ""

    def caught_up(self) -> None:
        catchup = self.runtime.catchup
        head = catchup.head()
        deadline = time.monotonic() + 60
        while min(catchup.positions().values(), default=0) < head:
            assert time.monotonic() < deadline, "the views did not catch up with the demo"
            time.sleep(0.05)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The real app (create_app, its lifespan, the projection worker) on SQLite, with the demo."""
    require_browser()
    import uvicorn

    from ansvar import demo
    from ansvar.web import create_app

    db = tmp_path_factory.mktemp("browser-site") / "ansvar.db"
    settings = dataclasses.replace(Settings(database=Database("sqlite", path=db), log_level="warning"),
                                   auth=Auth(secret=SECRET))
    clock = ManualClock.on(TEST_TODAY)
    app = create_app(settings, clock=clock, configure_logging=False)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False,
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, name="browser-site", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the app did not start"
        time.sleep(0.02)
    try:
        runtime = app.state.runtime
        assert demo.load(runtime.portfolio), "the demo did not load into the fresh store"
        users = demo.demo_users(runtime.portfolio)
        assert set(users) == set(ROLES), users
        found = Site(f"http://127.0.0.1:{port}", settings, clock, runtime, users, {})
        found.names = {who: found.person_name(pid) for who, pid in users.items()}
        found.caught_up()
        yield found
    finally:
        server.should_exit = True
        thread.join(timeout=15)


# ---------------------------------------------------------------------------------- the browser


_SCREENSHOTS = pytest.StashKey[Path]()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Path:
    given = os.environ.get("ANSVAR_SCREENSHOTS")
    path = Path(given) if given else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    pytestconfig.stash[_SCREENSHOTS] = path
    return path


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    path = config.stash.get(_SCREENSHOTS, None)
    if path is not None and any(path.glob("*.png")):
        terminalreporter.write_line(f"browser screenshots: {path}")


@pytest.fixture(scope="session")
def chrome(site: Site) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900",
                "--lang=da-DK", "--disable-gpu", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def browser(chrome: Any, site: Site, screenshots: Path, request: pytest.FixtureRequest) -> Iterator[Browser]:
    """The shared browser, signed out (no cookies), at desktop size; a failing test leaves a screenshot."""
    chrome.get(site.url("/ui/static/ansvar.css"))  # a page of the site, so its cookies can be dropped
    chrome.delete_all_cookies()
    chrome.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    chrome.set_window_size(1280, 900)  # as started: a test that resized the window leaves no trace
    chrome.get_log("browser")  # forget the previous test's console
    b = Browser(chrome, site, screenshots)
    yield b
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        path = b.shot(f"FAILED-{request.node.name}")
        print(f"screenshot of the failure: {path} (at {chrome.current_url})")


def gone(element: Any) -> bool:
    """The element's page has been replaced. Chromium says so as a stale element, or, when it asks
    at the very moment the old document goes, as an inspector error that the node "does not belong
    to the document" (seen in CI): both mean the page it was on is gone."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as exc:
        if "does not belong to the document" in str(exc):
            return True
        raise
    return False


class Browser:
    """The driver with the few verbs the tests speak in."""

    def __init__(self, driver: Any, site: Site, screenshots: Path) -> None:
        self.driver, self.site, self.screenshots = driver, site, screenshots

    # navigation -----------------------------------------------------------------------------
    def open(self, path: str) -> None:
        self.driver.get(self.site.url(path))

    def sign_in(self, who: str, then: str | None = None) -> None:
        self.driver.get(self.site.sign_in_link(who) + (f"&next={then}" if then else ""))
        self.wait(lambda d: "/ui/login" not in d.current_url, f"{who} was not signed in")

    @property
    def path(self) -> str:
        url = urlsplit(self.driver.current_url)
        return url.path + (f"?{url.query}" if url.query else "")

    def wait(self, condition: Any, message: str = "", timeout: float = WAIT) -> Any:
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, timeout).until(condition, message)

    def submit(self, element: Any) -> None:
        """Click a submit button and wait for the page it leads to (a redirect after POST)."""
        html = self.driver.find_element("tag name", "html")
        element.click()
        self.wait(lambda _: gone(html), "the form did not lead to another page")

    def paste(self, css: str, text: str) -> None:
        """Put `text` into a field at once, as pasting does (typing a long token key by key is slow)."""
        field = self.find(css)
        self.driver.execute_script(
            "arguments[0].focus(); arguments[0].value = arguments[1];"
            " arguments[0].dispatchEvent(new Event('input', {bubbles: true}));", field, text)

    # reading --------------------------------------------------------------------------------
    def find(self, css: str) -> Any:
        return self.driver.find_element("css selector", css)

    def find_all(self, css: str) -> list[Any]:
        return self.driver.find_elements("css selector", css)

    def text(self, css: str = "main") -> str:
        return self.find(css).text

    def notice(self) -> str:
        return self.text("main [role=status].notice")

    def console_errors(self) -> list[str]:
        """Errors in the console, but for an error page's own status (a 404 page is meant to be one)."""
        page = self.driver.current_url.split("#")[0]
        return [e["message"] for e in self.driver.get_log("browser")
                if e.get("level") == "SEVERE" and not e["message"].startswith(f"{page} - Failed to load resource")]

    def shot(self, name: str) -> Path:
        path = self.screenshots / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def full_shot(self, name: str) -> Path:
        """The whole page, not only the window (Chromium's own full-page capture)."""
        import base64

        data = self.driver.execute_cdp_cmd("Page.captureScreenshot", {"captureBeyondViewport": True, "format": "png"})
        path = self.screenshots / f"{name}.png"
        path.write_bytes(base64.b64decode(data["data"]))
        return path

    # accessibility --------------------------------------------------------------------------
    def axe(self) -> list[dict[str, Any]]:
        """axe-core's WCAG 2.0/2.1 A and AA violations on the page as it is now."""
        if not self.driver.execute_script("return typeof window.axe === 'object'"):
            self.driver.execute_script(_axe_source())
        result = self.driver.execute_async_script(
            """
            const done = arguments[arguments.length - 1];
            axe.run(document, {runOnly: arguments[0], resultTypes: ['violations']}).then(
              r => done({violations: r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary}))}))}),
              e => done({error: String(e)}));
            """,
            AXE_TAGS,
        )
        assert "error" not in result, f"axe failed on {self.path}: {result['error']}"
        return result["violations"]

    def assert_accessible(self) -> None:
        blocking = [v for v in self.axe() if v["impact"] in BLOCKING]
        assert not blocking, f"accessibility violations on {self.path}:\n" + describe(blocking)


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            lines += [f"      {line}" for line in (node["summary"] or "").splitlines()]
        if len(v["nodes"]) > 5:
            lines.append(f"    ... and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


_axe_text: str | None = None


def _axe_source() -> str:
    global _axe_text
    if _axe_text is None:
        data = AXE.read_bytes()
        assert hashlib.sha256(data).hexdigest() == AXE_SHA256, f"{AXE} is not axe-core 4.11.4 as published"
        _axe_text = data.decode()
    return _axe_text
