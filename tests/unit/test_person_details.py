"""The digests a person's events carry: salted, never the text, and committed once by the upgrade."""

from __future__ import annotations

import hashlib
from uuid import uuid4

import pytest

from domain.errors import AlreadyDone
from domain.org import Person
from domain.person_details import Commitment, salted_digest
from domain.record_time import recording_with


def test_a_commitment_salts_each_text_afresh_and_hashes_salt_then_text():
    one, two = Commitment.of("Bente Bro", "bente@k.dk"), Commitment.of("Bente Bro", "bente@k.dk")
    assert one.name_digest != two.name_digest and len(one.salts["name"]) == 16
    assert one.name_digest == "sha256:" + hashlib.sha256(one.salts["name"] + "Bente Bro".encode()).hexdigest()
    assert one.email_digest == salted_digest(one.salts["email"], "bente@k.dk")
    assert Commitment.of("Carl", None).email_digest is None and set(Commitment.of("Carl", None).salts) == {"name"}


def test_the_upgrade_commits_a_person_once_and_never_an_erased_one(clock):
    with recording_with(clock):
        old = Person._create(Person.Registered, org_unit_id=uuid4(), title=None, meta={})  # as registered before
        details = old.commit_details(Commitment.of("Dorte", None), {"actor_role": "upgrade"})
        assert details is not None and (details.version, details.how) == (2, "upgrade")
        assert old.commit_details(Commitment.of("Dorte", None), {}) is None
        erased = Person._create(Person.Registered, org_unit_id=uuid4(), title=None, meta={})
        erased.record_erasure("request 1", {}, erased_now=True)
        assert erased.commit_details(Commitment.of("Eve", None), {}) is None
        with pytest.raises(AlreadyDone, match="erased"):
            erased.correct_details(Commitment.of("Eve", None), {})
        registered, mine = Person.register(uuid4(), None, Commitment.of("Frida", "f@k.dk"), {})
        assert registered.details_committed and registered.commit_details(Commitment.of("Frida", None), {}) is None
        assert (mine.person_id, mine.version, mine.how) == (registered.id, 1, "registered")
