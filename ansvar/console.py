"""Where every command of the command line speaks, in one place: `report` on stdout for what a
command answers (what an operator keeps with `> file` or a script reads with `--json`), and
`progress` on stderr for progress bars, warnings and errors. When stdout is not a terminal the
report is neither wrapped nor coloured: a root hash or a duty name stays whole on its line. Also
here: catching the views up before a command reads them."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from projections.catchup import REBUILD_BATCH

UNWRAPPED = 1_000_000  # columns given to a report that is not on a terminal: nothing wraps or is cut

progress = Console(stderr=True)


class Report:
    """stdout, looked up at each print (so a redirected or captured stdout is the one written to):
    on a terminal a rich console of the terminal's width; otherwise plain, unwrapped lines."""

    def console(self) -> Console:
        out = sys.stdout
        if out.isatty():
            return Console(file=out)
        return Console(file=out, width=UNWRAPPED, soft_wrap=True, color_system=None, highlight=False)

    def print(self, *objects: Any, **options: Any) -> None:
        self.console().print(*objects, **options)

    def json(self, data: Any) -> None:
        """One JSON document of plain values (a script's answer): indented on a terminal, one line
        otherwise."""
        indent = 2 if sys.stdout.isatty() else None
        sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str, indent=indent) + "\n")
        sys.stdout.flush()


report = Report()


def refuse(message: str, *, as_json: bool = False, **facts: Any) -> None:
    """A command that cannot do what was asked: said on stderr; with --json the script gets it as
    its one document on stdout too ({"ok": false, "error": ...})."""
    progress.print(f"[red]{escape(message)}[/red]", highlight=False, soft_wrap=True)
    if as_json:
        report.json({"ok": False, "error": message, **facts})


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=progress,
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
