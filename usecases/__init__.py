"""The use cases that orchestrate: a command, or a job, that also talks to the world outside the
log (SMTP, KITOS, a spreadsheet, the views it plans from). Each is called alike by every entry
point (HTTP in api/, the command line and the daily schedule in ansvar/), so arrows run one way:
entry -> use case -> domain. Their planning is pure and lives in domain/ (import_plan.py,
kitos_plan.py, reminders.py), and their writes are the portfolio's commands (domain/*_commands.py);
what is here is what domain/ may not hold: I/O. It imports domain/, infra/ and projections/, never
an entry point (tests/unit/test_layers.py)."""
