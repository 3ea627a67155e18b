"""A stored file as the API shows it (attachments, training materials, veto evidence)."""

from __future__ import annotations

from pydantic import Field

from evalflow.shared.api.schemas import Output
from evalflow.shared.files.rules import FileKind

CONTENT_TYPES = sorted(kind.content_type for kind in FileKind)


class FileOut(Output):
    id: int
    filename: str = Field(description="the original name, as uploaded")
    size: int
    sha256: str
    content_type: str = Field(json_schema_extra={"enum": CONTENT_TYPES})
    page_count: int | None = Field(
        None, description="pages of a PDF (checked on upload); null for other kinds"
    )
