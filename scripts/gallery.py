"""Remake the README's gallery (docs/gallery/*.png) from the demo network's bid document.

Loads the demo into a fresh SQLite file with the command line, renders bid 1 to PDF and turns the pages that start
the gallery's sections into PNG with poppler's pdftoppm. Run after changing the document: `python scripts/gallery.py`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
GALLERY = ROOT / "docs" / "gallery"
# Picture name: the bookmark (PDF outline entry) of the section it shows; None for the cover.
PAGES = {
    "cover": None,  # the first page
    "summary": "Executive summary",
    "eligibility": "Eligibility statement",
    "coverage-map": "Where the money goes",
    "partner-schedule": "Partner schedule",
}


PDFTOPPM = shutil.which("pdftoppm") or "pdftoppm"  # poppler-utils, installed by scripts/system-deps.sh


def _consortium(database: Path, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "PICCOLO_CONF": "consortium.piccolo_conf"}
    subprocess.run([sys.executable, "-m", "consortium", *args], env=env, check=True, cwd=ROOT)  # noqa: S603


def _page_number(reader: PdfReader, bookmark: str | None) -> int:
    if bookmark is None:
        return 1
    entries = list(reader.outline)
    while entries:  # the outline nests: chapters under the title, sections under chapters
        entry = entries.pop(0)
        if isinstance(entry, list):
            entries[:0] = entry
        elif bookmark.casefold() in str(entry.title).casefold():
            return reader.get_destination_page_number(entry) + 1
    raise SystemExit(f"The demo document has no bookmark {bookmark!r}: update PAGES in {__file__}")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="consortium-gallery-") as directory:
        database, pdf = Path(directory) / "demo.sqlite3", Path(directory) / "demo.pdf"
        _consortium(database, "migrate")
        _consortium(database, "demo")
        _consortium(database, "render", "1", "--out", str(pdf))
        reader = PdfReader(pdf)
        for name, words in PAGES.items():
            number = _page_number(reader, words)
            target = GALLERY / name
            subprocess.run(  # noqa: S603 - our own arguments
                [PDFTOPPM, "-png", "-r", "80", "-f", str(number), "-l", str(number), "-singlefile", pdf, target],
                check=True,
            )
            print(f"{target}.png: page {number}")


if __name__ == "__main__":
    main()
