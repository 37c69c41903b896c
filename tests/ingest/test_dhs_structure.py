"""The DHS Framework's structure mapped onto roles and responsibility areas.

The real PDF cannot be downloaded on these machines, so this test builds a SYNTHETIC
stand-in: the documented outline and headings (dhs-framework-structure.md) with invented
sentences. It checks the mapping logic only; the real file is verified when a user fetches it.
"""

from __future__ import annotations

import pytest

from corpus.roles import load_taxonomy
from index.build import ingest
from index.embed import HashEmbedder
from index.retrieve import ROLE_BONUS, Query, Retriever
from ingest.pipeline import Source
from qa.obligations import Obligations
from tests.pdfmaker import make_pdf

HEADER = "Artificial Intelligence Roles and Responsibilities Framework"
PAGES = [
    [
        "Executive Summary",
        "SYNTHETIC TEST DOCUMENT mirroring the documented outline; not the DHS text.",
        "The framework proposes voluntary duties for five kinds of entities in the AI supply chain.",
    ],
    [
        "IV. Roles and Responsibilities for the Safe and Secure Deployment of AI in Critical Infrastructure",
        "C. The Framework",
        "Each role below carries responsibilities grouped into five areas.",
    ],
    [
        "I. Cloud and Compute Infrastructure Providers",
        "Securing Environments",
        "Providers should vet the hardware and software suppliers of their data centers.",
        "Monitoring Performance and Impact",
        "Providers should watch hosted workloads for anomalous activity and report it.",
    ],
    [
        "II. AI Developers",
        "Responsible Model and System Design",
        "Developers should evaluate models for dangerous capabilities before release.",
        "Data Governance",
        "Developers should record where each training dataset comes from.",
    ],
    [
        "III. Critical Infrastructure Owners and Operators",
        "Safe and Secure Deployment",
        "Owners and operators should keep manual fallbacks for control systems that use AI.",
    ],
    ["IV. Civil Society", "Universities and advocacy groups should take part in developing AI standards."],
    [
        "V. Public Sector",
        "Agencies should require vendors to disclose the risks of AI they sell to government.",
    ],
    [
        "Appendix A: AI Roles and Responsibilities Matrix",
        "The matrix marks which of the five areas applies to each role.",
    ],
    [
        "Appendix B: Glossary",
        "AI platforms: a subcategory of developers that offer access to models through an interface.",
    ],
]
OUTLINE = [
    ("Executive Summary", 1),
    ("IV. Roles and Responsibilities for the Safe and Secure Deployment of AI in Critical Infrastructure", 2),
    ("C. The Framework", 2),
    ("I. Cloud and Compute Infrastructure Providers", 3),
    ("II. AI Developers", 4),
    ("III. Critical Infrastructure Owners and Operators", 5),
    ("IV. Civil Society", 6),
    ("V. Public Sector", 7),
    ("Appendix A: AI Roles and Responsibilities Matrix", 8),
    ("Appendix B: Glossary", 9),
]


@pytest.fixture(scope="module")
def dhs(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    folder = tmp_path_factory.mktemp("dhs")
    pdf = make_pdf(
        folder / "dhs-ai-roles-framework.pdf",
        [[HEADER, *p, str(n)] for n, p in enumerate(PAGES, 1)],
        outline=OUTLINE,
    )
    data = folder / "data"
    report = ingest(
        [Source("dhs-ai-roles-framework", "DHS Roles and Responsibilities Framework", pdf)],
        data,
        HashEmbedder(),
    )
    assert not report.failures
    return Retriever(data, HashEmbedder())


def _passage(r: Retriever, words: str):  # type: ignore[no-untyped-def]
    return next(c for c in r.catalog.chunks.values() if words in c.text)


def test_role_sections_tag_their_passages(dhs: Retriever) -> None:
    expect = {
        "vet the hardware": "cloud-compute-provider",
        "dangerous capabilities": "ai-developer",
        "manual fallbacks": "ci-owner-operator",
        "developing AI standards": "civil-society",
        "require vendors": "public-sector",
    }
    for words, role in expect.items():
        assert role in _passage(dhs, words).roles, words


def test_area_lines_tag_the_passages_under_them(dhs: Retriever) -> None:
    assert "securing-environments" in _passage(dhs, "vet the hardware").areas
    assert "responsible-design" in _passage(dhs, "dangerous capabilities").areas
    assert "safe-deployment" in _passage(dhs, "manual fallbacks").areas


def test_obligations_come_from_the_role_section(dhs: Retriever) -> None:
    items = Obligations(dhs, load_taxonomy()).run("ai-developer")
    quotes = [o.quote for o in items]
    assert any("dangerous capabilities" in q for q in quotes)
    assert not any("manual fallbacks" in q or "require vendors" in q for q in quotes)
    assert all(o.verified for o in items)


def test_the_askers_role_lifts_its_passages(dhs: Retriever) -> None:
    q = "What should we do?"
    plain = {h.chunk.id: h.score for h in dhs.run(Query(q, k=20))}
    lifted = 0
    for h in dhs.run(Query(q, k=20, role="ci-owner-operator")):
        lift = round(h.score - plain[h.chunk.id], 6)
        assert lift == (ROLE_BONUS if "ci-owner-operator" in h.chunk.roles else 0.0)
        lifted += lift > 0
    assert lifted >= 1


def test_role_tags_are_chroma_filters(dhs: Retriever) -> None:
    vec = dhs.embed_query("What should we do?")
    hits = dhs.dense.query(vec, 20, role="public-sector")
    assert hits and all("public-sector" in dhs.catalog.chunks[h.id].roles for h in hits)
