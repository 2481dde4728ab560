"""Imports and exports from synchronous tests, as the command line runs them: the views caught
up in this process first, then the use case of usecases/registers.py in an event loop of its own."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from ansvar.bootstrap import Runtime
from usecases.registers import export, run_import
from domain.import_plan import Snapshot


def _run(runtime: Runtime, work: Any) -> Any:
    async def run() -> Any:
        try:
            return await work
        finally:
            await runtime.reads.reader.close()  # its pool belongs to this loop

    runtime.catchup.run_until_caught_up()
    return asyncio.run(run())


def import_file(runtime: Runtime, content: bytes, name: str, **options: Any) -> dict[str, Any]:
    return _run(runtime, run_import(runtime.portfolio, runtime.reads, content, name, **options))


def export_file(runtime: Runtime, what: str, kind: str) -> bytes:
    return _run(runtime, export(runtime.reads, what, kind))


def snapshot(runtime: Runtime, today: date) -> Snapshot:
    return _run(runtime, runtime.reads.register.snapshot(today))
