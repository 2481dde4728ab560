"""Each municipality's reads are statements of their own on the shared connections: a prepared
statement's plan is for the schema it was made in, so one text shared by all would be planned
again on every change of municipality."""

from __future__ import annotations

from infra.shared_pools import TenantReader


def test_the_same_read_in_two_municipalities_is_two_statements_each_kept() -> None:
    a, b = TenantReader(None, "tenant_aarhus"), TenantReader(None, "tenant_odense")  # type: ignore[arg-type]
    sql = "SELECT name FROM systems WHERE id = ? AND role = ?"
    assert a._sql(sql) == "/* tenant_aarhus */ SELECT name FROM systems WHERE id = $1 AND role = $2"
    assert b._sql(sql) == "/* tenant_odense */ SELECT name FROM systems WHERE id = $1 AND role = $2"
    assert a._sql(sql) is a._sql(sql)  # made once


def test_texts_made_per_call_do_not_grow_without_bound() -> None:
    reader = TenantReader(None, "tenant_aarhus")  # type: ignore[arg-type]
    for n in range(2000):
        reader._sql("SELECT 1 WHERE id IN (" + ", ".join("?" for _ in range(n % 700 + 1)) + ")")
    assert len(reader._statements) <= 512
