from pathlib import Path

import pytest

from core.types import DocumentInfo
from corpus.manifest import ManifestError, State, check, load_manifest, sha256_file


def test_real_manifest_has_fixed_ids_and_dhs_framework() -> None:
    docs = {d.id: d for d in load_manifest()}
    for i in [
        "nist-ai-100-1",
        "nist-ai-600-1",
        "nist-ai-800-1-ipd",
        "nist-sp-800-218a",
        "nist-ai-rmf-playbook",
    ]:
        assert docs[i].sha256 and docs[i].bytes and docs[i].pages
    dhs = docs["dhs-ai-roles-framework"]
    assert dhs.sha256 == "3705514fc151b00d775d4b7c0ad97ff4d87742cddf945466bcd16c6f0df077ca"
    assert dhs.bytes == 3966993
    assert all(d.url.startswith("https://") for d in docs.values())


def test_bad_manifest_names_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "m.toml"
    bad.write_text('[[document]]\nid = "x-doc"\ntitle = "t"\npublisher = "p"\ndate = "d"\nurl = "ftp://x"\n')
    with pytest.raises(ManifestError, match=r"document #1 field 'url'"):
        load_manifest(bad)
    bad.write_text("[[document]\n")
    with pytest.raises(ManifestError, match="cannot read manifest"):
        load_manifest(bad)


def test_states(tmp_path: Path) -> None:
    f = tmp_path / "d-one.pdf"
    f.write_bytes(b"%PDF-1.4 hello")
    digest = sha256_file(f)
    doc = DocumentInfo("d-one", "T", "P", "2024", "https://x/y.pdf", sha256=digest)
    assert check(doc, tmp_path).state is State.PRESENT
    assert (
        check(DocumentInfo("d-one", "T", "P", "2024", "https://x", sha256="0" * 64), tmp_path).state
        is State.MISMATCH
    )
    assert check(DocumentInfo("d-one", "T", "P", "2024", "https://x"), tmp_path).state is State.UNVERIFIED
    assert check(DocumentInfo("d-two", "T", "P", "2024", "https://x"), tmp_path).state is State.MISSING
