"""Check an uploaded PDF with pypdf in a separate, resource-limited process.

pypdf is pure Python and a crafted PDF can make it loop or allocate for a long time, so the web
worker never parses a PDF itself: :func:`probe` runs this file as a script
(``python -I pdfprobe.py PATH``) with a CPU-time and address-space limit set by the child itself
and a wall-clock timeout, and reads one JSON line back:

``{"status": "ok", "pages": N}`` · ``{"status": "encrypted"}`` · ``{"status": "damaged"}``

This module imports nothing from evalflow, so the child starts with only the standard library and
pypdf.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

CPU_SECONDS = 3
WALL_SECONDS = 8
MEMORY_BYTES = 768 * 1024 * 1024


MAX_OBJECTS = 50_000  # a 500-page report holds a few thousand


@dataclass(frozen=True)
class PdfFacts:
    status: str  # ok | encrypted | damaged | too_complex
    pages: int | None = None


def probe(path: Path | str) -> PdfFacts:
    """What pypdf finds in the PDF at *path*; 'damaged' when the child fails, times out or is
    killed; 'too_complex' (before any parsing) when it holds more than ``MAX_OBJECTS`` objects."""
    if _object_count(Path(path)) > MAX_OBJECTS:
        return PdfFacts("too_complex")
    try:
        out = subprocess.run(
            [sys.executable, "-I", str(Path(__file__).resolve()), str(path)],
            capture_output=True,
            timeout=WALL_SECONDS,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (subprocess.TimeoutExpired, OSError):
        return PdfFacts("damaged")
    try:
        facts = json.loads(out.stdout.decode("utf-8").strip().splitlines()[-1])
        pages = facts.get("pages")
        return PdfFacts(str(facts["status"]), int(pages) if pages is not None else None)
    except (ValueError, KeyError, IndexError, TypeError, UnicodeDecodeError):
        return PdfFacts("damaged")


def _object_count(path: Path) -> int:
    """Top-level objects, counted at byte level: every ``obj`` keyword that is not an ``endobj``
    (``bytes.count`` runs at memory speed: a few ms for 20 MB)."""
    with path.open("rb") as stream:
        data = stream.read()
    return data.count(b"obj") - data.count(b"endobj")


def _check(path: str) -> dict[str, object]:
    import logging
    import warnings

    logging.disable(logging.CRITICAL)  # pypdf logs every repair it makes
    warnings.simplefilter("ignore")
    from pypdf import PdfReader

    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):  # an owner password only still opens in any viewer
                    return {"status": "encrypted"}
            except Exception:  # AES without a crypto library, broken encryption dictionary
                return {"status": "encrypted"}
        pages = _page_count(reader)
        if pages is None or pages < 1:
            return {"status": "damaged"}
        return {"status": "ok", "pages": pages}
    except Exception:  # RecursionError included
        # pypdf cannot even open an AES-256 file without a crypto library: call it what it is.
        return {"status": "encrypted" if _has_encryption_dictionary(path) else "damaged"}


MAX_DEPTH = 64


def _page_count(reader: object) -> int | None:
    """The page tree's /Count, once its first page is reached down the first kids (O(depth), where
    pypdf's ``len(reader.pages)`` flattens the whole tree); a loop or a dead end is damage."""
    node = reader.root_object["/Pages"].get_object()  # type: ignore[attr-defined]
    count = node.get("/Count")
    for _ in range(MAX_DEPTH):
        if "/Kids" not in node:
            break
        kids = node["/Kids"].get_object()
        if not kids:
            return None
        node = kids[0].get_object()
    else:
        return None
    if "/Kids" in node or node.get("/Type", "/Page") != "/Page":
        return None
    try:
        pages = int(count)
    except (TypeError, ValueError):
        return len(reader.pages)  # type: ignore[attr-defined]
    return pages if 0 < pages <= 1_000_000 else None


def _has_encryption_dictionary(path: str) -> bool:
    with open(path, "rb") as stream:
        stream.seek(0, 2)
        size = stream.tell()
        stream.seek(max(0, size - 64 * 1024))  # the trailer (or the xref stream) is at the end
        return b"/Encrypt" in stream.read()


def _main(argv: list[str]) -> int:
    import resource

    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    sys.setrecursionlimit(5000)
    try:
        result = _check(argv[1])
    except MemoryError:
        result = {"status": "damaged"}
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
