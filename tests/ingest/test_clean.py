from ingest.clean import (
    clean_document,
    dehyphenate,
    find_margins,
    fix_characters,
    is_toc_page,
    printed_number,
    resolve_labels,
    strip_line_numbers,
    undouble,
    vocabulary,
)


def test_ligatures_and_soft_hyphens() -> None:
    assert fix_characters("ﬁne-tuning ﬀ ﬂ\u00ad x\u00a0y ") == "fine-tuning ff fl x y"


def test_margin_line_numbers_are_removed_only_when_they_count_up() -> None:
    text = "\n".join(f"line {w} of text {i}" for i, w in enumerate("abcdefg", start=1))
    assert strip_line_numbers(text).split("\n")[0] == "line a of text"
    # A glued number after a hyphen ("red-16") is part of the sequence too.
    glued = "a b 14\nc d 15\nsome red-16\nteaming 17\ne f 18\ng h 19"
    assert strip_line_numbers(glued).split("\n")[2] == "some red-"
    # Years ending lines are not a sequence.
    prose = "founded in 2019\nrevised 2021\nsee 7\nand 3\nthen 12\nplus 40"
    assert strip_line_numbers(prose) == prose


def test_undouble_bold_runs() -> None:
    assert undouble("PLAYBOOKPLAYBOOK") == "PLAYBOOK"
    assert undouble("AI RMFAI RMF") == "AI RMF"
    assert undouble("GGOOVVEERRNN 1.1") == "GOVERN 1.1"
    assert undouble("the committee will see") == "the committee will see"


def test_dehyphenate_keeps_compounds_and_joins_broken_words() -> None:
    pages = ["risk-based approach\ncontinuous monitoring", ""]
    words, compounds = vocabulary(pages)
    assert dehyphenate("a risk-\nbased view", words, compounds) == "a risk-based view"
    assert dehyphenate("con-\ntinuous work", words, compounds) == "continuous work"
    assert dehyphenate("fact-\nchecking", words, compounds) == "fact-checking"


def test_running_headers_are_dropped_and_page_numbers_read() -> None:
    topics = ["risk", "bias", "privacy", "safety", "security", "testing", "governance", "impact"]
    pages = [
        f"NIST AI 100-1 AI RMF 1.0\nBody text about {t} here.\nPage {i}" for i, t in enumerate(topics, 1)
    ]
    m = find_margins(pages)
    assert "page #" in m.keys
    cleaned = clean_document(pages)
    assert cleaned[2].text == "Body text about privacy here."
    assert cleaned[2].printed == "3"
    assert printed_number(["12 of 142"]) == "12"
    assert printed_number(["iv"]) == "iv"


def test_resolve_labels_drops_stray_numbers() -> None:
    printed = [None, None, "1", "2", "3", "77", "5"]
    assert resolve_labels(7, printed) == [None, None, "1", "2", "3", None, "5"]


def test_toc_detection() -> None:
    toc = "Table of Contents\n" + "\n".join(f"{i}. Section {i} ........ {i * 3}" for i in range(1, 9))
    assert is_toc_page(toc)
    assert not is_toc_page("Plain prose. More prose.\nAnd a line ending in 2024")


def test_endnote_numbers_are_not_line_numbers() -> None:
    notes = (
        "\n".join(f"{n} Author, Title of work number {n} (2024)." for n in range(35, 42))
        + "\nmore text\nand more"
    )
    assert strip_line_numbers(notes) == notes
    assert undouble("123123") == "123123"
