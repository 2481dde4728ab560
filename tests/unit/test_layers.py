"""The arrows run one way: entry points (ansvar/ for the command line, the schedule and the
composition root; api/ for HTTP) -> use cases (usecases/) -> projections and infra -> domain.
Read from the source with `ast`, every import counted, those inside functions too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("domain", "infra", "projections", "usecases", "api", "ansvar")
#: What each package may import of the project (itself included).
MAY_IMPORT = {
    "domain": {"domain"},
    "infra": {"domain", "infra"},
    "projections": {"domain", "infra", "projections"},
    "usecases": {"domain", "infra", "projections", "usecases"},
    "api": {"domain", "infra", "projections", "usecases", "api"},
    "ansvar": set(PACKAGES),
}


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}


def imports(module: str) -> set[str]:
    """The project's modules `module` imports, anywhere in it."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(MODULES[module].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in MODULES else node.module
                     for a in node.names]
        else:
            continue
        found.update(n for n in names if n.split(".")[0] in PACKAGES)
    return found


def test_the_walk_sees_what_it_should():
    """Guards the test itself: it reads the lazy import of the schedule inside bootstrap."""
    assert "ansvar.scheduler" in imports("ansvar.bootstrap")
    assert "usecases.kitos_sync" in imports("api.kitos")


@pytest.mark.parametrize("package", PACKAGES)
def test_a_package_imports_only_the_layers_beneath_it(package):
    wrong = sorted(f"{m} imports {i}" for m in MODULES if m.split(".")[0] == package
                   for i in imports(m) if i.split(".")[0] not in MAY_IMPORT[package])
    assert wrong == []


def _cycles(package: str) -> list[list[str]]:
    inside = {m for m in MODULES if m.split(".")[0] == package}
    graph = {m: {i for i in imports(m) if i in inside and i != m} for m in inside}
    cycles, state = [], dict.fromkeys(graph, 0)  # 0 unseen, 1 on the path, 2 done

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for n in sorted(graph[m]):
            if state[n] == 1:
                cycles.append([*path[path.index(n):], n])
            elif state[n] == 0:
                visit(n, [*path, n])
        state[m] = 2

    for m in sorted(graph):
        if state[m] == 0:
            visit(m, [m])
    return cycles


@pytest.mark.parametrize("package", ["ansvar", "usecases"])
def test_no_import_circle_among_a_packages_modules(package):
    assert _cycles(package) == []


def test_the_circle_finder_finds_one(monkeypatch):
    fake = {"ansvar.a": {"ansvar.b"}, "ansvar.b": {"ansvar.a"}}
    monkeypatch.setattr("tests.unit.test_layers.MODULES", {m: Path(m) for m in fake})
    monkeypatch.setattr("tests.unit.test_layers.imports", lambda m: fake[m])
    assert _cycles("ansvar") == [["ansvar.a", "ansvar.b", "ansvar.a"]]
