"""The auditor's pack (issue 28): a period's responsibility, proven, in one zip.

`sections.py` asks the read store the API's own questions (accountability at D as known at K, the
timeline's facts, the gaps, the decision log) and turns each answer into a row; `files.py` writes
the workbook (`workbook.py`, a sheet's rows to a file as they come), evidence.json with the rows'
inclusion proofs, VERIFY.md and verify.py (infra/pack_verify.py) into the zip; `pdf.py` makes the same rows into a Danish HTML page, which `pdf_process.py` has WeasyPrint render
to a PDF in a child process, beside the rest of the pack.
"""
