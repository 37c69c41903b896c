"""A minimal PDF writer for tests: real PDF files with a text layer, pages and bookmarks.

Tests build the small PDFs they need (odd layouts, bad files, a synthetic stand-in for a
document that cannot be downloaded) instead of shipping binary fixtures.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(
    path: Path,
    pages: Sequence[Sequence[str]],
    outline: Sequence[tuple[str, int]] = (),
    font_size: int = 10,
) -> Path:
    """Write ``pages`` (lists of text lines) to ``path``; ``outline`` = (title, 1-based page)."""
    objs: list[bytes] = []

    def add(body: bytes) -> int:
        objs.append(body)
        return len(objs)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    pages_id = len(objs) + 2 * len(pages) + (1 + len(outline) if outline else 0) + 1
    page_ids = []
    for lines in pages:
        y = 760
        ops = [f"BT /F1 {font_size} Tf 14 TL 56 {y} Td".encode()]
        for line in lines:
            ops.append(f"({_escape(line)}) Tj T*".encode("cp1252", errors="replace"))
        ops.append(b"ET")
        stream = b"\n".join(ops)
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        page_ids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (pages_id, content, font)
            )
        )
    outline_id = None
    if outline:
        outline_id = len(objs) + 1
        first = outline_id + 1
        last = outline_id + len(outline)
        add(b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>" % (first, last, len(outline)))
        for i, (title, page) in enumerate(outline):
            me = outline_id + 1 + i
            links = b""
            if i > 0:
                links += b" /Prev %d 0 R" % (me - 1)
            if i < len(outline) - 1:
                links += b" /Next %d 0 R" % (me + 1)
            add(
                b"<< /Title (%s) /Parent %d 0 R /Dest [%d 0 R /XYZ 0 792 0]%s >>"
                % (_escape(title).encode("cp1252"), outline_id, page_ids[page - 1], links)
            )
    kids = b" ".join(b"%d 0 R" % p for p in page_ids)
    assert add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_ids))) == pages_id
    cat = b"<< /Type /Catalog /Pages %d 0 R" % pages_id
    if outline_id:
        cat += b" /Outlines %d 0 R /PageMode /UseOutlines" % outline_id
    catalog = add(cat + b" >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, catalog, xref)
    path.write_bytes(bytes(out))
    return path
