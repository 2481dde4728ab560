"""The phrasebook: every sentence a person or a client reads is made here, from codes and their
parameters, one place per language.

- `da/`: Danish, for people: pages, mails, exports, printed reports. Labels of the domain's values
  (`da.labels`), dates, times and numbers through Babel (`da.dates`), the accountability answer
  (`da.explanation`), the problems a page shows (`da.problems`), the import's findings (`da.imports`).
- `en/`: English, for the API's problem details and the command line (`en.explanation`).

The case analysis behind an explanation is one pure function (domain/explanation.py); each language
only says its result.
"""
