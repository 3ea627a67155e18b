"""Decode, check and re-encode an uploaded photo with Pillow in a separate, resource-limited process.

A crafted image can make a decoder allocate or loop for a long time (a PNG that inflates to
gigabytes, a JPEG claiming 65 535 × 65 535 pixels), so the web worker never decodes one itself:
:func:`process` runs this file as a script (``python -I imageprobe.py SRC FULL THUMB``) with a
CPU-time and address-space limit set by the child and a wall-clock timeout, as
``shared/files/pdfprobe.py`` does for PDFs. The child:

1. opens the file with only the JPEG and PNG decoders (anything else is ``not_image``; an HEIC/HEIF
   photo is recognised by its ``ftyp`` box and named, so the message can say what to do);
2. refuses more than :data:`MAX_PIXELS` pixels *before* decoding (Pillow's ``MAX_IMAGE_PIXELS``, its
   bomb warning raised as an error, and our own check of the header's size);
3. reads the capture time (``DateTimeOriginal`` and its offset) and the GPS position from EXIF —
   the only metadata kept, as fields, never in the file;
4. decodes at a reduced scale where JPEG allows it (``draft``), turns it upright (EXIF orientation),
   flattens transparency onto white and writes a fresh JPEG without any metadata (at most
   :data:`FULL_EDGE` pixels on its long side) and a thumbnail (:data:`THUMB_EDGE`).

It answers one JSON line: ``{"status": "ok", "width", "height", "taken_at", "offset", "gps"}`` or
``{"status": "heic" | "not_image" | "too_many_pixels" | "damaged"}``. Any failure, a timeout or a
kill is ``damaged``. This module imports nothing from evalflow: the child starts with only the
standard library and Pillow.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

CPU_SECONDS = 8
WALL_SECONDS = 20
MEMORY_BYTES = 1024 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 48-megapixel phone photo passes; 8 000 × 8 000 does not
FULL_EDGE = 2048
THUMB_EDGE = 320
HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif")


@dataclass(frozen=True)
class PhotoFacts:
    status: str  # ok | heic | not_image | too_many_pixels | damaged
    width: int | None = None
    height: int | None = None
    taken_at: str | None = None  # EXIF "YYYY:MM:DD HH:MM:SS"
    offset: str | None = None  # EXIF "+08:00"
    gps: tuple[float, float] | None = None  # latitude, longitude in degrees


def is_heif(head: bytes) -> bool:
    """An ISO-BMFF ``ftyp`` box naming an HEIF (or AVIF) brand: what an iPhone camera saves."""
    return len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS


def process(source: Path, full: Path, thumb: Path) -> PhotoFacts:
    """Check *source* and write its re-encoded copy to *full* and its thumbnail to *thumb*."""
    with source.open("rb") as stream:
        if is_heif(stream.read(16)):
            return PhotoFacts("heic")
    try:
        out = subprocess.run(
            [sys.executable, "-I", str(Path(__file__).resolve()), str(source), str(full), str(thumb)],
            capture_output=True,
            timeout=WALL_SECONDS,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (subprocess.TimeoutExpired, OSError):
        return PhotoFacts("damaged")
    try:
        facts = json.loads(out.stdout.decode("utf-8").strip().splitlines()[-1])
        gps = facts.get("gps")
        return PhotoFacts(
            str(facts["status"]),
            facts.get("width"),
            facts.get("height"),
            facts.get("taken_at"),
            facts.get("offset"),
            (float(gps[0]), float(gps[1])) if gps else None,
        )
    except (ValueError, KeyError, IndexError, TypeError, UnicodeDecodeError):
        return PhotoFacts("damaged")


# --- the child ----------------------------------------------------------------------------------

EXIF_IFD, GPS_IFD = 0x8769, 0x8825
DATETIME_ORIGINAL, OFFSET_ORIGINAL, DATETIME = 0x9003, 0x9011, 0x0132


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return value.strip("\x00 ")[:40] if isinstance(value, str) else None


def _degrees(value: object, ref: object) -> float | None:
    try:
        d, m, s = (float(part) for part in value)  # type: ignore[union-attr]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    sign = -1 if _text(ref) in ("S", "W") else 1
    return sign * (d + m / 60 + s / 3600)


def _metadata(image: object) -> dict[str, object]:
    exif = image.getexif()  # type: ignore[attr-defined]
    inner = exif.get_ifd(EXIF_IFD)
    gps = exif.get_ifd(GPS_IFD)
    lat, lon = _degrees(gps.get(2), gps.get(1)), _degrees(gps.get(4), gps.get(3))
    ok = lat is not None and lon is not None and abs(lat) <= 90 and abs(lon) <= 180
    return {
        "taken_at": _text(inner.get(DATETIME_ORIGINAL) or exif.get(DATETIME)),
        "offset": _text(inner.get(OFFSET_ORIGINAL)),
        "gps": [round(lat, 6), round(lon, 6)] if ok else None,  # type: ignore[arg-type]
    }


def _flat(image: object) -> object:
    from PIL import Image

    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):  # type: ignore[attr-defined]
        rgba = image.convert("RGBA")  # type: ignore[attr-defined]
        white = Image.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):  # type: ignore[attr-defined]
        return image.point(lambda v: v / 256).convert("L").convert("RGB")  # type: ignore[attr-defined]
    return image.convert("RGB")  # type: ignore[attr-defined]


def _check(source: str, full: str, thumb: str) -> dict[str, object]:
    import warnings

    from PIL import Image, ImageOps, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    warnings.simplefilter("error", Image.DecompressionBombWarning)
    try:
        image = Image.open(source, formats=["JPEG", "PNG"])
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        return {"status": "not_image" if isinstance(exc, UnidentifiedImageError) else "too_many_pixels"}
    if image.width * image.height > MAX_PIXELS or min(image.size) < 1:
        return {"status": "too_many_pixels"}
    facts = _metadata(image)
    if image.format == "JPEG":
        image.draft("RGB", (FULL_EDGE, FULL_EDGE))
    image.load()
    upright = _flat(ImageOps.exif_transpose(image))
    upright.thumbnail((FULL_EDGE, FULL_EDGE), Image.Resampling.LANCZOS)  # type: ignore[attr-defined]
    upright.save(full, "JPEG", quality=85)  # type: ignore[attr-defined]
    small = upright.copy()  # type: ignore[attr-defined]
    small.thumbnail((THUMB_EDGE, THUMB_EDGE), Image.Resampling.LANCZOS)
    small.save(thumb, "JPEG", quality=75)
    width, height = upright.size  # type: ignore[attr-defined]
    return {"status": "ok", "width": width, "height": height, **facts}


def _main(argv: list[str]) -> int:
    import resource

    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    try:
        result = _check(argv[1], argv[2], argv[3])
    except Exception:  # MemoryError, a truncated or corrupt stream, a decoder's own error
        result = {"status": "damaged"}
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
