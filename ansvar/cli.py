"""The `ansvar` command: serve, demo, projections status|rebuild, worker, and (in modules of
their own) import and export (ansvar/cli_inventory.py), token issue, people forget and
access-table (ansvar/cli_access.py). Every command builds the running parts with bootstrap."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import replace

import structlog
from rich.markup import escape
from rich.table import Table

from ansvar import cli_access, cli_inventory, cli_kitos, cli_log, cli_pack, cli_reminders, cli_tenant
from ansvar.console import catch_up, progress, progress_bar, report
from domain.clock import Clock, SystemClock
from infra import logging as app_logging
from infra.local_secret import with_local_secret
from infra.log_read_check import LogBroken
from infra.log_store_checks import Finding
from infra.settings import Settings, SettingsError
from projections import failures
from projections.catchup import REBUILD_BATCH
from projections.rebuild import rebuild

log = structlog.get_logger("ansvar.cli")


def cmd_serve(settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    import uvicorn

    from ansvar.gc_tuning import tune_gc_for_service
    from ansvar.web import create_app
    from api.server import http_protocol

    settings = replace(settings, host=args.host or settings.host, port=args.port or settings.port)
    if args.demo and settings.tenancy.enabled:
        progress.print("[red]--demo loads one municipality:[/red] with several, add one and load it there:"
                       " ansvar tenant add demo --name 'Demo Kommune' && ansvar --tenant demo demo")
        return 2
    if args.demo:
        cmd_demo(settings, clock, args)  # its hint names the address served, so after --host/--port
    progress.print(f"ansvar on {settings.served_at()}  (API docs: {settings.served_at()}/schema,"
                   f" database: {settings.database.kind})", soft_wrap=True)
    app = create_app(settings, clock=clock, configure_logging=False)
    tune_gc_for_service()
    uvicorn.run(app, host=settings.host, port=settings.port, http=http_protocol(), log_config=None, access_log=False)
    return 0


def cmd_demo(settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    from ansvar import demo
    from ansvar.bootstrap import bootstrap

    runtime = bootstrap(settings, clock)
    try:
        with progress_bar() as bar:
            task = bar.add_task("demo municipality", total=None)
            loaded = demo.load(runtime.portfolio, seed=args.seed,
                               progress=lambda done, total: bar.update(task, completed=done, total=total))
        report.print("demo loaded" if loaded else "the store already holds data: demo not loaded again")
        catch_up(runtime)
        cli_access.print_demo_tokens(settings, runtime)
    finally:
        runtime.close()
    return 0


def cmd_projections(settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    from ansvar.bootstrap import bootstrap
    from ansvar.gc_tuning import tune_gc_for_service
    from infra.database import vacuum_analyze

    runtime = bootstrap(settings, clock)
    try:
        if args.action == "rebuild":
            tune_gc_for_service()  # a rebuild of 1M events: 7,701 -> 9,071 events/s (bench/rebuild.py)
            names = [v.name for v in runtime.catchup.views if not args.names or v.name in args.names]
            if unknown := set(args.names) - set(names):
                progress.print(f"[red]no such projection:[/red] {', '.join(sorted(unknown))}")
                return 2
            progress.print(f"rebuilding {', '.join(names)} into new tables; the live views serve until they are swapped in")
            accepted: list[Finding] = []
            try:
                with progress_bar() as bar:
                    task = bar.add_task("rebuild", total=runtime.catchup.head())
                    rebuild(runtime.catchup, names, args.batch or REBUILD_BATCH, lambda n: bar.advance(task, n),
                            on_broken=accepted.append if args.accept_broken_log else None)
            except failures.ViewFailed as failure:
                failures.record(runtime.db, failure)
                progress.print(f"[red]the rebuild stopped:[/red] {failure}; the live views are as they were")
                return 1
            except LogBroken as broken:
                failures.record_log(runtime.db, broken.position, broken.problem)
                progress.print(f"[red]the rebuild stopped:[/red] {broken}; the live views are as they were. `ansvar"
                               " verify` tells what else differs; to rebuild over it knowingly: --accept-broken-log")
                return 1
            if accepted:
                _said_accepted(accepted)
            vacuum_analyze(settings.database, [t for v in runtime.catchup.views if v.name in names for t in v.tables])
        head = runtime.catchup.head()
        failing = {f["name"]: f for f in failures.failing(runtime.db)}
        table = Table("projection", "position", "head", "lag", "failing on")
        for name, position in runtime.catchup.positions().items():
            stopped = failing.get(name)
            table.add_row(name, str(position), str(head), str(max(head - position, 0)),
                          f"position {stopped['position']}: {stopped['error']}" if stopped else "")
        report.print(table)
    finally:
        runtime.close()
    if failing:
        progress.print(f"[red]{len(failing)} view(s) stopped on an event they cannot apply:[/red]")
        for name, stopped in failing.items():
            progress.print(f"  {name} at log position {stopped['position']}: {stopped['error']}", highlight=False)
        return 1
    return 0


def _said_accepted(accepted: list[Finding]) -> None:
    """In the report (what the operator keeps), and in the log: the views now rest on these."""
    log.warning("views rebuilt over a log that does not verify, as the operator asked (--accept-broken-log)",
                events=len(accepted), positions=[f.position for f in accepted[:100]])
    report.print(f"WARNING: rebuilt over {len(accepted)} event(s) that do not match the log's leaves, as asked"
                 " (--accept-broken-log); the views hold what the store holds now:", highlight=False)
    for finding in accepted[:20]:
        report.print(f"  {finding}", highlight=False, soft_wrap=True)
    if len(accepted) > 20:
        report.print(f"  ... and {len(accepted) - 20} more (ansvar verify names the first)", highlight=False)


def cmd_worker(settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    from ansvar.bootstrap import bootstrap
    from ansvar.gc_tuning import tune_gc_for_service

    if settings.tenancy.enabled:
        return _tenants_worker(settings, clock)
    runtime = bootstrap(settings, clock)
    tune_gc_for_service()
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    runtime.start_worker()
    progress.print("projection worker running; Ctrl-C stops it")
    done.wait()
    runtime.close()
    return 0


def _tenants_worker(settings: Settings, clock: Clock) -> int:
    """The projection worker of an installation that serves several municipalities: each one's views
    kept current, in turn when there are more than ANSVAR_TENANTS_OPEN, and each one's reminders."""
    from ansvar.tenancy import TenantHub

    hub = TenantHub(settings, clock, run_projections=True, keep_views=True)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    progress.print("projection worker running for every municipality; Ctrl-C stops it")
    while not done.wait(5.0):
        hub.keep_all()
    hub.close_all()
    return 0


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) == 0:
        raise argparse.ArgumentTypeError(f"a positive whole number, not {text!r}")
    return int(text)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ansvar", description="IT portfolio governance: who is responsible, and why.")
    p.add_argument("--tenant", metavar="SLUG",
                   help="on an installation that serves several municipalities (ANSVAR_TENANCY=schemas): the one"
                        " a command acts on (default: ANSVAR_TENANT)")
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP API (and the projection worker)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--demo", action="store_true", help="load the demo municipality first (once)")
    serve.add_argument("--seed", type=int, default=7)
    serve.set_defaults(run=cmd_serve)
    demo = sub.add_parser("demo", help="load the demo municipality into an empty store")
    demo.add_argument("--seed", type=int, default=7)
    demo.set_defaults(run=cmd_demo)
    proj = sub.add_parser("projections", help="projection status, or rebuild from the event log")
    proj.add_argument("action", choices=["status", "rebuild"])
    proj.add_argument("names", nargs="*", help="projections to rebuild (default: all)")
    proj.add_argument("--batch", type=_positive_int, metavar="N",
                      help="events per transaction while rebuilding (default 5000; smaller holds the views' lock for less)")
    proj.add_argument("--accept-broken-log", action="store_true",
                      help="rebuild even over events that do not match the log's leaves (the stored log was altered);"
                           " each is logged as a warning. Without it the rebuild stops at the first and changes nothing")
    proj.set_defaults(run=cmd_projections)
    worker = sub.add_parser("worker", help="keep the projections current without serving HTTP")
    worker.set_defaults(run=cmd_worker)
    cli_access.register(sub)
    cli_inventory.register(sub)
    cli_log.register(sub)
    cli_reminders.register(sub)
    cli_kitos.register(sub)
    cli_pack.register(sub)
    cli_tenant.register(sub)
    return p


#: Commands that act on the installation, not on one of its municipalities.
INSTALLATION_COMMANDS = frozenset({"serve", "tenant", "access-table", "worker"})


def for_tenant(settings: Settings, clock: Clock, args: argparse.Namespace) -> Settings:
    """With many municipalities, the settings of the one the command acts on (--tenant or
    ANSVAR_TENANT); a command for the installation, or a national auditor's token, names none."""
    from infra.tenants import TenantRegistry, settings_for

    if not settings.tenancy.enabled or args.command in INSTALLATION_COMMANDS or getattr(args, "tenants", None):
        return settings
    if args.command == "verify" and (getattr(args, "export", None) or getattr(args, "pack", None)):
        return settings  # a file is checked, not a municipality's database
    slug = args.tenant or settings.tenancy.tenant
    if not slug:
        raise SettingsError("this installation serves several municipalities: name one with --tenant SLUG"
                            " (or ANSVAR_TENANT); 'ansvar tenant list' lists them")
    return settings_for(settings, TenantRegistry(settings.database, clock).require(slug))


def main(argv: Sequence[str] | None = None, *, clock: Clock | None = None) -> int:
    """Run one command. `clock` defaults to the wall clock (tests hand in their own)."""
    args = parser().parse_args(argv)
    from infra.tenants import TenantError

    clock = clock or SystemClock()
    try:
        settings = for_tenant(with_local_secret(Settings.from_env()), clock, args)
    except (SettingsError, TenantError) as exc:
        progress.print(f"[red]configuration error:[/red] {escape(str(exc))}")
        return 2
    app_logging.configure(settings.log_level, settings.log_format)
    return args.run(settings, clock, args)


if __name__ == "__main__":
    sys.exit(main())
