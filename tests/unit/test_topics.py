"""Every aggregate and event has an explicit topic that a fresh process can resolve: the log
names classes by these, so a process that only reads (a worker, `ansvar verify`, a second run of
a command) must find them. The reminder aggregate lacked its own, and its events' topics were
then never registered: found when a second process read them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from eventsourcing.domain import Aggregate

ROOT = Path(__file__).resolve().parents[2]


def aggregates() -> list[type]:
    import domain.portfolio  # noqa: F401  (imports every aggregate)

    found, todo = [], list(Aggregate.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.startswith("domain."):
            found.append(cls)
    return found


def event_topics() -> list[str]:
    topics = []
    for cls in aggregates():
        assert "TOPIC" in cls.__dict__, f"{cls.__qualname__} has no explicit TOPIC: its events' topics go unregistered"
        for obj in vars(cls).values():
            if isinstance(obj, type) and issubclass(obj, Aggregate.Event) and getattr(obj, "TOPIC", None):
                topics.append(obj.TOPIC)
    return sorted(set(topics))


def test_every_event_topic_resolves_in_a_fresh_process():
    topics = event_topics()
    assert len(topics) > 30
    check = subprocess.run([sys.executable, "-c", "import sys, ansvar.bootstrap\nfrom eventsourcing.utils import resolve_topic\n"
                            "[resolve_topic(t) for t in sys.argv[1:]]", *topics], cwd=ROOT, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr[-2000:]
