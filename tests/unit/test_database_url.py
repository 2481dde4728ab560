"""ANSVAR_DATABASE_URL in libpq's multi-host form: every server, in order, and the session
attributes, for every path that connects (psycopg's URI, asyncpg's lists, the event store's)."""

from __future__ import annotations

import pytest
from psycopg.conninfo import conninfo_to_dict

from infra.settings import Database, Settings, SettingsError


def test_given_one_host_then_the_url_is_as_before():
    db = Database.from_url("postgresql://ansvar:secret@db.example:5433/ansvar?schema=kommune")
    assert (db.host, db.port, db.name, db.user, db.password, db.schema) == ("db.example", 5433, "ansvar", "ansvar",
                                                                           "secret", "kommune")
    assert db.servers == (("db.example", 5433),) and db.target_session_attrs is None
    assert db.dsn == "postgresql://ansvar:secret@db.example:5433/ansvar"


def test_given_several_hosts_then_each_is_tried_in_order_and_the_primary_is_wanted():
    db = Database.from_url("postgresql://ansvar@h1:5432,h2,[::1]:5441/ansvar")
    assert db.servers == (("h1", 5432), ("h2", 5432), ("::1", 5441))
    assert (db.host, db.port) == ("h1", 5432)  # the first, for what names one server
    assert db.target_session_attrs == "read-write"  # ansvar writes: a standby is never the one
    parsed = conninfo_to_dict(db.dsn)
    assert parsed["host"] == "h1,h2,::1" and parsed["port"] == "5432,5432,5441"
    assert parsed["target_session_attrs"] == "read-write" and parsed["dbname"] == "ansvar"


def test_given_session_attributes_then_they_are_kept_and_a_wrong_one_is_named():
    db = Database.from_url("postgresql://u@h1,h2/d?target_session_attrs=primary&schema=s")
    assert db.target_session_attrs == "primary" and db.schema == "s"
    with pytest.raises(SettingsError, match="target_session_attrs must be one of"):
        Database.from_url("postgresql://u@h1,h2/d?target_session_attrs=master")


@pytest.mark.parametrize("hosts", ["h1:notaport", "h1:0,h2", ",h2", "h1:70000"])
def test_given_a_bad_host_list_then_the_setting_is_refused(hosts):
    with pytest.raises(SettingsError, match="ANSVAR_DATABASE_URL"):
        Database.from_url(f"postgresql://u@{hosts}/d")


def test_given_a_password_with_url_characters_then_psycopg_reads_it_back():
    db = Database.from_url("postgresql://an%40svar:p%3Aw%2Fd%40x@h1:5432,h2:5433/ansvar")
    assert (db.user, db.password) == ("an@svar", "p:w/d@x")
    parsed = conninfo_to_dict(db.dsn)
    assert (parsed["user"], parsed["password"]) == ("an@svar", "p:w/d@x")


def test_given_several_hosts_then_the_event_store_gets_them_as_libpq_lists():
    env = Settings(database=Database.from_url("postgresql://u@h1:5440,h2:5441/d")).eventsourcing_env()
    assert env["POSTGRES_HOST"] == "h1,h2" and env["POSTGRES_PORT"] == "5440,5441"
    assert env["POSTGRES_TARGET_SESSION_ATTRS"] == "read-write"
