"""QR codes as a plain module matrix, drawn by the PDF builders and the HTML (as SVG) alike."""

from __future__ import annotations

import qrcode
from qrcode.constants import ERROR_CORRECT_M

QUIET_ZONE = 4  # modules of white border the QR specification asks for


def matrix(data: str, mask: int | None = None) -> list[list[bool]]:
    """The QR code of *data* (error correction M), including its quiet zone. *mask* (0–7) fixes the
    mask pattern instead of trying all eight for the best (any mask scans; a PDF of hundreds of codes
    is built several times faster)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE, mask_pattern=mask)
    code.add_data(data)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def svg(data: str, size: str = "100%") -> str:
    """A standalone SVG of the QR code of *data* (one path; crisp at any size, no script)."""
    rows = matrix(data)
    n = len(rows)
    path = "".join(f"M{x},{y}h1v1h-1z" for y, row in enumerate(rows) for x, dark in enumerate(row) if dark)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}" width="{size}" height="{size}" '
        f'shape-rendering="crispEdges" role="img"><rect width="{n}" height="{n}" fill="#fff"/>'
        f'<path d="{path}" fill="#000"/></svg>'
    )
