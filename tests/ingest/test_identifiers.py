from ingest.identifiers import find_identifiers, normalise, own_identifier, task_items


def test_find_identifiers_normalises() -> None:
    text = "See Govern 1.2, MS-2.5-003, PW.3.1 and PO.1.2.R1; Practice 4.2 of Objective 4."
    assert find_identifiers(text) == [
        "GOVERN 1.2",
        "MS-2.5-003",
        "PW.3.1",
        "PO.1.2.R1",
        "Practice 4.2",
        "Objective 4",
    ]


def test_normalise_whole_query_only() -> None:
    assert normalise("govern 1.2") == "GOVERN 1.2"
    assert normalise("GOVERN 1.2:") == "GOVERN 1.2"
    assert normalise("what does GOVERN 1.2 say about legal requirements") is None


def test_own_identifier_and_task_items() -> None:
    assert own_identifier("Measure > MEASURE 3.3 > About") == "MEASURE 3.3"
    assert own_identifier("1. Introduction") is None
    assert task_items("PO.1.2", "R1: Do this. C2: Consider that. N1: Note.") == [
        "PO.1.2.R1",
        "PO.1.2.C2",
        "PO.1.2.N1",
    ]
