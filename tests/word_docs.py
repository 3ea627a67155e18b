"""Word files built in the tests: python-docx makes a valid package, then its XML is edited to add
what python-docx cannot write (automatic numbering, footnotes, tracked changes, content controls,
fields, a main part named ``word/document2.xml``) — and the crafted "1.4 million empty paragraphs".
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

import docx

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<w:document xmlns:w="{W_NS}" xmlns:r="{_REL}" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
)


def base_docx() -> bytes:
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    return buffer.getvalue()


def p(text: str = "", *, num: tuple[int, int] | None = None, style: str | None = None) -> str:
    """A paragraph; *num* = (numId, ilvl) for Word's automatic numbering."""
    props = ""
    if style:
        props += f'<w:pStyle w:val="{style}"/>'
    if num:
        props += f'<w:numPr><w:ilvl w:val="{num[1]}"/><w:numId w:val="{num[0]}"/></w:numPr>'
    run = f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>' if text else ""
    return f"<w:p>{f'<w:pPr>{props}</w:pPr>' if props else ''}{run}</w:p>"


def r(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def table(rows: list[list[str]]) -> str:
    body = "".join("<w:tr>" + "".join(f"<w:tc>{p(c)}</w:tc>" for c in row) + "</w:tr>" for row in rows)
    return f"<w:tbl><w:tblPr/>{body}</w:tbl>"


def level(ilvl: int, fmt: str, text: str, start: int = 1, suffix: str | None = None) -> str:
    suff = f'<w:suff w:val="{suffix}"/>' if suffix else ""
    return (
        f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>{suff}'
        f'<w:lvlText w:val="{text}"/></w:lvl>'
    )


# Chinese official-document outline: 一、 (一) 1. (1); and a decimal list 1. 1.1 on abstract 2.
CHINESE_OUTLINE = (
    '<w:abstractNum w:abstractNumId="1">'
    + level(0, "chineseCounting", "%1、", suffix="nothing")
    + level(1, "chineseCounting", "(%2)", suffix="nothing")
    + level(2, "decimal", "%3.", suffix="nothing")
    + "</w:abstractNum>"
    + '<w:abstractNum w:abstractNumId="2">'
    + level(0, "decimal", "%1.")
    + level(1, "decimal", "%1.%2")
    + "</w:abstractNum>"
    + '<w:num w:numId="1"><w:abstractNumId w:val="1"/></w:num>'
    + '<w:num w:numId="2"><w:abstractNumId w:val="2"/></w:num>'
    + '<w:num w:numId="3"><w:abstractNumId w:val="2"/>'
    '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'
)


def build_docx(
    body: str,
    *,
    numbering: str | None = None,
    footnotes: list[str] | None = None,
    main_name: str = "word/document.xml",
) -> bytes:
    """A .docx whose body is *body* (WordprocessingML paragraphs/tables), with optional
    ``numbering.xml`` content, footnotes (ids 1, 2, … in order) and another main part name."""
    source = zipfile.ZipFile(io.BytesIO(base_docx()))
    parts = {name: source.read(name) for name in source.namelist()}
    document = f"{_HEAD}<w:body>{body}<w:sectPr/></w:body></w:document>".encode()
    rels = parts.pop("word/_rels/document.xml.rels").decode()
    types = parts["[Content_Types].xml"].decode()
    del parts["word/document.xml"]
    if numbering is not None:
        parts["word/numbering.xml"] = f'<w:numbering xmlns:w="{W_NS}">{numbering}</w:numbering>'.encode()
    if footnotes is not None:
        notes = '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        for i, text in enumerate(footnotes, start=1):
            notes += (
                f'<w:footnote w:id="{i}"><w:p><w:r><w:footnoteRef/></w:r>{r(" " + text)}</w:p></w:footnote>'
            )
        parts["word/footnotes.xml"] = f'<w:footnotes xmlns:w="{W_NS}">{notes}</w:footnotes>'.encode()
        rels = rels.replace(
            "</Relationships>",
            f'<Relationship Id="rId90" Type="{_REL}/footnotes" Target="footnotes.xml"/></Relationships>',
        )
        types = types.replace(
            "</Types>",
            '<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.footnotes+xml"/></Types>',
        )
    base = main_name.rsplit("/", 1)[-1]
    parts[main_name] = document
    parts[f"word/_rels/{base}.rels"] = rels.encode()
    parts["[Content_Types].xml"] = types.replace("/word/document.xml", "/" + main_name).encode()
    parts["_rels/.rels"] = parts["_rels/.rels"].replace(b"word/document.xml", main_name.encode())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def flood_docx(paragraphs: int = 1_400_000) -> bytes:
    """The crafted file of issue 8: ~170 KB that unpacks to millions of empty paragraphs."""
    out = io.BytesIO()
    source = zipfile.ZipFile(io.BytesIO(base_docx()))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in source.namelist():
            if name == "word/document.xml":
                with archive.open(name, "w") as stream:
                    stream.write(_HEAD.encode() + b"<w:body>")
                    chunk = b"<w:p/>" * 10_000
                    for _ in range(paragraphs // 10_000):
                        stream.write(chunk)
                    stream.write(b"<w:sectPr/></w:body></w:document>")
            else:
                archive.writestr(name, source.read(name))
    return out.getvalue()
