"""The event log stays where an installation already has it: on PostgreSQL the application's name
fixes the tables' names (`ansvar_events`), whatever the code's classes are called (SQLite's are
the library's fixed `stored_events`)."""

from __future__ import annotations

from ansvar.bootstrap import bootstrap
from domain.portfolio import Portfolio


def test_the_log_is_written_to_the_ansvar_tables(settings, clock):
    assert Portfolio.name == "ansvar"
    runtime = bootstrap(settings, clock)
    try:
        recorder = runtime.portfolio.recorder
        if settings.database.kind == "postgres":
            assert recorder.events_table_name.split(".")[-1].strip('"') == "ansvar_events"
        runtime.portfolio.establish_org_unit("Kommune", "kommune", None)
        assert recorder.max_notification_id() == 1
    finally:
        runtime.close()
