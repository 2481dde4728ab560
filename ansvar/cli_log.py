"""The command line's side of the proof: `ansvar verify` and `ansvar log export`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.markup import escape

from ansvar.console import progress, refuse, report
from domain.clock import Clock
from domain.errors import InvalidValue
from infra import log_key
from infra.checkpoints import Checkpoint, NoteError, VerifierKey
from infra.log_export import ExportProofs, write
from infra.log_proofs import LogProofs
from infra.log_verify import verify
from infra.phrasebook.en.problems import detail
from infra.settings import Settings
from usecases.registers import CHECKPOINT_LABEL, checkpoint_in_minutes


def _open_log(settings: Settings, clock: Clock) -> LogProofs:
    """The stored log as it is: no views, and no leaves given to events without one (that would
    make an inserted event official)."""
    from domain.portfolio import Portfolio
    from infra import recorders
    from infra.database import ensure_schema

    ensure_schema(settings.database)
    portfolio = Portfolio(recorders.with_recorders(settings.eventsourcing_env()), clock=clock)
    proofs = LogProofs(portfolio.recorder)
    proofs.owner = portfolio  # the application owns the recorder's connections: kept open while they are read
    return proofs


def _kept_note(path: Path) -> str:
    """A kept checkpoint: a note as `GET /log/checkpoint` gave it, or the council's minutes (a
    decision-log export, CSV or XLSX) that end with one."""
    content = path.read_bytes()
    minutes = path.suffix.lower() in (".csv", ".xlsx") or content[:4] == b"PK\x03\x04"
    if minutes or CHECKPOINT_LABEL.encode("utf-8") in content:
        note = checkpoint_in_minutes(content, path.name)
        if note is None:
            raise ValueError(f"{path} holds no signed checkpoint: not the decision log's export, or one taken"
                             " without a log key")
        return note
    return content.decode("utf-8")


def cmd_verify(settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    if getattr(args, "pack", None):
        from ansvar.cli_pack import cmd_verify_pack

        return cmd_verify_pack(settings, args)
    try:
        checkpoints = [Checkpoint.parse(_kept_note(Path(f))) for f in args.checkpoint or []]
        if args.export:
            proofs: object = ExportProofs(Path(args.export))
            exported = proofs.described  # type: ignore[attr-defined]
            key_text = args.key or exported.key
            if exported.checkpoint is not None:
                checkpoints.append(exported.checkpoint)
        else:
            proofs = _open_log(settings, clock)
            own = log_key.signing_key(settings) if not args.key else None
            key_text = args.key or (str(own.verifier) if own else None)
        key = VerifierKey.parse(key_text) if key_text else None
    except (OSError, NoteError, ValueError, InvalidValue) as exc:
        refuse(f"cannot verify: {detail(exc) if isinstance(exc, InvalidValue) else exc}", as_json=args.json)
        return 2
    if checkpoints and key is None:
        refuse("cannot verify: no key to check the checkpoints' signatures with (--key)", as_json=args.json)
        return 2
    try:
        result = verify(proofs, sorted(checkpoints, key=lambda c: c.size), key)  # type: ignore[arg-type]
    finally:
        owner = getattr(proofs, "owner", None)
        if owner is not None:
            owner.close()
    if args.json:
        report.json({"ok": result.ok, "size": result.size, "root": result.root.hex(), "checked": list(result.checked),
                     "unverified": list(result.unverified), "findings": [str(f) for f in result.findings]})
        return 0 if result.ok else 1
    for line in result.checked:
        report.print(f"[green]ok[/green] {escape(str(line))}")
    for line in result.unverified:
        report.print(f"[yellow]not verified[/yellow] {escape(str(line))}")
    if result.ok:
        report.print(f"[green]the log verifies[/green]: {result.size} events, root {result.root.hex()}")
        return 0
    for finding in result.findings:
        report.print(f"[red]FAILED[/red] {escape(str(finding))}")
    return 1


def cmd_log(settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    from ansvar.bootstrap import bootstrap

    if args.action == "erase":
        return _erase(settings, clock, args)
    runtime = bootstrap(settings, clock)
    try:
        transparency = runtime.transparency
        assert transparency is not None
        checkpoint = transparency.checkpoint() if transparency.key is not None else None
        key = transparency.verifier_key if transparency.key is not None else None
        if args.output == "-":
            written = write(transparency.proofs, checkpoint, key, sys.stdout)
        else:
            with open(args.output, "w", encoding="utf-8") as out:
                written = write(transparency.proofs, checkpoint, key, out)
        said = f"{written} entries written" + (f", up to the checkpoint of size {checkpoint.size}" if checkpoint else
                                               " (unsigned: no log key)")
        # the export itself on stdout leaves the count to stderr
        (progress if args.output == "-" else report).print(said)
    finally:
        runtime.close()
    return 0


def _erase(settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    from ansvar.bootstrap import bootstrap
    from domain.basis import Basis, BasisCode
    from domain.commands import Actor
    from domain.errors import AlreadyDone, DomainError

    if args.position is None or args.position < 1:
        progress.print("[red]ansvar log erase needs the event's log position[/red] (a timeline shows it)")
        return 2
    runtime = bootstrap(settings, clock)
    try:
        # Recorded as done at the command line by whoever operates the installation (no person id).
        receipt = runtime.portfolio.erase_text(args.position, args.basis, args.field, why=Basis(BasisCode.COMMAND_LINE),
                                                 actor=Actor(role="operator"))
    except AlreadyDone as exc:
        report.print(escape(detail(exc)))
        return 0
    except DomainError as exc:
        progress.print(f"[red]{exc.title}:[/red] {escape(detail(exc))}")
        return 1
    finally:
        runtime.close()
    report.print(f"the text of the event at position {args.position} is erased; every proof stays valid"
                 f" (recorded at log position {receipt.position})")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    check = sub.add_parser("verify", help="check that the stored log is the one its tree and signed checkpoints commit to")
    check.add_argument("--checkpoint", action="append", metavar="FILE",
                       help="a signed checkpoint kept earlier (from GET /log/checkpoint, or a decision-log export that"
                            " ends with one); repeat for several")
    check.add_argument("--export", metavar="FILE", help="verify an export (ansvar log export) instead of the database")
    check.add_argument("--key", metavar="VKEY", help="the verifier key to trust (default: this installation's)")
    check.add_argument("--pack", metavar="FILE.zip", help="verify an auditor's pack (ansvar audit-pack) instead of the log")
    check.add_argument("--json", action="store_true",
                       help="print the result as one JSON document (ok, size, root, checked, findings; with --pack:"
                            " ok, checked, findings)")
    check.set_defaults(run=cmd_verify)
    log = sub.add_parser("log", help="export the log for a third party to verify; erase a free text from an event")
    log.add_argument("action", choices=["export", "erase"])
    log.add_argument("position", nargs="?", type=int, help="erase: the event's log position")
    log.add_argument("-o", "--output", default="-", help="export: file to write (default: standard output)")
    log.add_argument("--field", help="erase: which text (default: the event's one erasable text)")
    log.add_argument("--basis", default=None,
                     help="erase: why (e.g. the request's case number); recorded in the log, so no personal data;"
                     " without it, the log records that it was asked at the command line")
    log.set_defaults(run=cmd_log)
