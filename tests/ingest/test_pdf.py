from pathlib import Path

import pytest
from pypdf import PdfWriter

from ingest.pdf import BadPdf, read_pdf
from tests.pdfmaker import make_pdf


def test_reads_text_outline(tmp_path: Path) -> None:
    p = make_pdf(
        tmp_path / "a.pdf",
        [["1. Introduction", "Hello world."], ["2. Scope", "More."]],
        outline=[("1. Introduction", 1), ("2. Scope", 2)],
    )
    d = read_pdf(p)
    assert "Hello world." in d.pages[0]
    assert [(e.title, e.page) for e in d.outline] == [("1. Introduction", 1), ("2. Scope", 2)]
    assert d.labels is None


def test_not_a_pdf(tmp_path: Path) -> None:
    p = tmp_path / "x.pdf"
    p.write_text("<html>not found</html>")
    with pytest.raises(BadPdf, match="not a PDF"):
        read_pdf(p)


def test_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "x.pdf"
    p.write_bytes(b"")
    with pytest.raises(BadPdf, match="empty file"):
        read_pdf(p)


def test_corrupt_pdf(tmp_path: Path) -> None:
    p = tmp_path / "x.pdf"
    p.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage")
    with pytest.raises(BadPdf):
        read_pdf(p)


def test_encrypted_pdf(tmp_path: Path) -> None:
    src = make_pdf(tmp_path / "plain.pdf", [["Secret text on a page."]])
    w = PdfWriter(clone_from=str(src))
    w.encrypt(user_password="s3cret", owner_password="o")
    p = tmp_path / "enc.pdf"
    with p.open("wb") as f:
        w.write(f)
    with pytest.raises(BadPdf, match="encrypted"):
        read_pdf(p)


def test_no_text_layer(tmp_path: Path) -> None:
    w = PdfWriter()
    for _ in range(3):
        w.add_blank_page(612, 792)
    p = tmp_path / "scan.pdf"
    with p.open("wb") as f:
        w.write(f)
    with pytest.raises(BadPdf, match="no text layer"):
        read_pdf(p)
