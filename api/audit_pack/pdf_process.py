"""The pack's PDF rendered in a process of its own, beside the rest of the pack (issue 28 part 3).

WeasyPrint's import and its layout are most of a municipality's pack (~3 s of ~6 s of CPU); on a
machine with two CPUs they need not wait for the rows, the workbook and the proofs. So `build`
starts a child at once (`python -P pdf_process.py HTML PDF`: a plain program, not `multiprocessing`
and not `fork`, since the server making packs has threads and an event loop); it imports
WeasyPrint while the parent reads, then waits on its stdin. Once the rows and the checkpoint are
known the parent writes the HTML to a file and says `render`; the child writes the PDF to a file
while the parent writes evidence.json, and the parent adds the PDF to the zip when the child has
exited 0. The child renders exactly what `pdf.render` would (the same HTML, the same call).

A child that fails (exit status not 0, or no PDF) raises `PdfFailed` with the end of its stderr:
the pack is not finished (the caller removes the partial file). The child is always waited for,
and killed if the parent gives up first: no zombie, no orphan rendering on.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import IO

GO = b"render\n"
TIMEOUT = 600.0  # seconds to wait for the PDF once asked: the national pack's takes ~15 s of CPU


class PdfFailed(RuntimeError):
    """The PDF could not be rendered: the pack is not made."""


class PdfProcess:
    """One child rendering one PDF: `start` (at once), `render(html)` (when the HTML is known),
    `wait()` (the PDF's path), `close()` (always; kills a child still running)."""

    def __init__(self, folder: Path) -> None:
        self.html, self.pdf, self.err = folder / "pack.html", folder / "pack.pdf", folder / "pdf-stderr.txt"
        self._stderr: IO[bytes] = open(self.err, "wb")
        self.proc = subprocess.Popen([sys.executable, "-P", __file__, str(self.html), str(self.pdf)],
                                     stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._stderr)

    def render(self, html: str) -> None:
        self.html.write_text(html, encoding="utf-8")
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(GO)
            self.proc.stdin.close()
        except BrokenPipeError:  # it died at start: wait() says why
            pass

    def wait(self, timeout: float = TIMEOUT) -> Path:
        try:
            status = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise PdfFailed(f"the PDF was not rendered within {timeout:.0f} s") from None
        if status != 0 or not self.pdf.is_file():
            self._stderr.flush()
            tail = self.err.read_bytes()[-2000:].decode("utf-8", "replace").strip()
            raise PdfFailed(f"rendering the PDF failed (exit status {status}): {tail or 'no message'}")
        return self.pdf

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
        self._stderr.close()


# A page like the pack's, rendered and thrown away while the parent reads: the first rendering in a
# process loads the fonts and imports the PDF writer's parts (fontTools among them), ~0.4-0.5 s that
# then no longer wait for the rows (the real PDF's rendering: 4.8 -> 4.2 s of CPU, mean of five, loaded).
WARM_UP = """<!doctype html><html lang="da"><head><style>
@page { size: A4 landscape; @bottom-right { content: "Side " counter(page) " af " counter(pages); font-size: 8pt; } }
html { font-family: "DejaVu Sans", sans-serif; } .note { font-family: "DejaVu Sans Mono", monospace; }
</style></head><body><h1>Revisionspakke</h1><p><strong>Ejere</strong> · Lønsystem (Økonomi): besat</p>
<table><tr><th>System</th><td>1</td></tr></table><div class="note">ansvar.example/log 1 ÆØÅ</div></body></html>"""


def _child(html: Path, pdf: Path) -> int:
    from weasyprint import HTML  # the import is what this process is started early for

    HTML(string=WARM_UP).write_pdf()
    if sys.stdin.buffer.readline() != GO:  # the parent gave up before the rows were read
        return 0
    HTML(string=html.read_text(encoding="utf-8")).write_pdf(pdf)
    return 0


if __name__ == "__main__":
    sys.exit(_child(Path(sys.argv[1]), Path(sys.argv[2])))
