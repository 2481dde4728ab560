"""`LogProofs.proofs_of` (the auditor's pack's proofs, read in batches) gives for every position
what `proof_of` gives for it alone, and each proof leads to the checkpoint's root; a position not
in the tree is refused. SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import date

import pytest

from ansvar.bootstrap import bootstrap
from infra import merkle as M
from infra.log_proofs import NotInLog

pytestmark = pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)


def test_proofs_read_in_one_batch_equal_each_read_alone(settings, clock):
    runtime = bootstrap(settings, clock)
    app = runtime.portfolio
    unit = app.establish_org_unit("Kommune", "kommune", None).id
    person = app.register_person("Bente Bro", unit, None, None).id
    positions = []
    for n in range(13):  # a tree of an odd size: paths of several lengths, a right edge not complete
        system = app.register_system(f"System {n}", "KMD", unit, "high", False, "in_operation", date(2020, 1, 1)).id
        positions.append(app.assign_role(system, "systemejer", person, date(2021, 1, 1)).position)
    checkpoint = runtime.transparency.checkpoint()
    proofs = runtime.transparency.proofs
    wanted = [positions[5], positions[0], positions[-1], positions[5], 1]
    batched = proofs.proofs_of(wanted, checkpoint.size)
    assert [p for p, _, _ in batched] == wanted
    for position, entry, path in batched:
        alone, size, alone_path = proofs.proof_of(position, checkpoint.size)
        assert (entry, path) == (alone, alone_path) and size == checkpoint.size
        assert M.verify_inclusion(entry.idx, size, M.leaf_hash(entry.leaf), path, checkpoint.root)
    smaller = proofs.proofs_of(positions[:3], checkpoint.size - 4)  # against an older tree size
    for position, entry, path in smaller:
        assert (entry, path) == proofs.proof_of(position, checkpoint.size - 4)[::2]
    with pytest.raises(NotInLog):
        proofs.proofs_of([positions[-1]], positions[0])
    with pytest.raises(NotInLog):
        proofs.proofs_of([10**9], checkpoint.size)
    runtime.close()
