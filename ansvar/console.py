"""What every command of the command line shares: where it talks to the operator (stderr,
so stdout stays for what a command prints to be piped), its progress bars, and catching the
views up before a command reads them."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from projections.catchup import REBUILD_BATCH

console = Console(stderr=True)


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console,
        transient=False,
    )


def catch_up(runtime: Any, batch: int | None = None) -> None:
    """Bring every view to the log's head in this process, with a progress bar."""
    catchup = runtime.catchup
    head = catchup.head()
    behind = head - min(catchup.positions().values(), default=0)
    if behind <= 0:
        return
    with progress_bar() as bar:
        task = bar.add_task("projections", total=behind)
        catchup.run_until_caught_up(lambda n: bar.advance(task, n), batch=batch or REBUILD_BATCH)
