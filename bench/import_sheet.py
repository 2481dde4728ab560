"""Benchmark 6: importing a 300-row spreadsheet (`ansvar import FILE --apply`), wall time.

    .venv/bin/python -m bench.import_sheet [--source DIR]

The sheet: the rows of ../shared/data/it-systemer.csv (a real-looking municipal inventory,
with its messy owners and dates), repeated with numbered names up to 300 rows. It is imported
into an empty schema `bench_import` (dropped afterwards) by the `ansvar` CLI of this checkout,
or of --source DIR (an exported tree of another branch, run with this virtualenv).
Without an `ansvar import` command it says PENDING: the importer is built on another branch."""

from __future__ import annotations

import argparse
import csv
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import drop_schema, line, load, settings
from infra.settings import Database

SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "it-systemer.csv"


def sheet(rows: int = 300) -> bytes:
    text = SAMPLE.read_bytes().decode("utf-8-sig")
    reader = list(csv.reader(io.StringIO(text), delimiter=";"))
    header, body = reader[0], [r for r in reader[1:] if any(r)]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for i in range(rows):
        row = list(body[i % len(body)])
        if i >= len(body):
            row[0] = f"{row[0]} ({i // len(body) + 1})"
        writer.writerow(row)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--source", default=str(Path(__file__).resolve().parents[1]))
    p.add_argument("--rows", type=int, default=300)
    args = p.parse_args()
    source = Path(args.source)
    base = settings().database
    db = Database("postgres", host=base.host, port=base.port, name=base.name, user=base.user, schema="bench_import")
    env = {**os.environ, "PYTHONPATH": str(source), "ANSVAR_LOG_LEVEL": "warning",
           "ANSVAR_DATABASE_URL": f"postgresql://{db.user}@{db.host}:{db.port}/{db.name}?schema={db.schema}"}
    cli = [sys.executable, "-c", "import sys; from ansvar.cli import main; sys.exit(main())"]
    probe = subprocess.run([*cli, "import", "--help"], cwd=source, env=env, capture_output=True)
    if probe.returncode != 0:
        line(f"6  import of a {args.rows}-row spreadsheet", "PENDING: no `ansvar import` in this checkout",
             "", "(the importer is built on the import branch; see --source)")
        return
    drop_schema(db)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "it-systemer-300.csv"
        path.write_bytes(sheet(args.rows))
        started = time.perf_counter()
        dry = subprocess.run([*cli, "import", str(path), "--json"], cwd=source, env=env, capture_output=True)
        dry_s = time.perf_counter() - started
        started = time.perf_counter()
        done = subprocess.run([*cli, "import", str(path), "--apply", "--json"], cwd=source, env=env, capture_output=True)
        apply_s = time.perf_counter() - started
    drop_schema(db)
    import json

    for run, what in ((dry, "dry run"), (done, "import")):
        if run.returncode != 0:
            print(run.stdout.decode()[-2000:], run.stderr.decode()[-2000:])
            raise SystemExit(f"the {what} failed")
    if json.loads(dry.stdout.decode())["rows_read"] != args.rows:
        raise SystemExit("the dry run did not read every row")
    report = json.loads(done.stdout.decode())
    print(f"   rows read {report['rows_read']}, systems created {report['systems']['to_create']}, "
          f"people {report['people']['to_create']}, org units {report['org_units']['to_create']}, "
          f"problems flagged {len(report['problems'])}, written up to position {report['position']}")
    line(f"6  import of a {args.rows}-row spreadsheet (CLI, wall)", f"{apply_s:.1f} s with --apply",
         f"dry run (check only) {dry_s:.1f} s", f"each includes ~1 s of process start-up  [{load()}]")


if __name__ == "__main__":
    main()
