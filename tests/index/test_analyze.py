from corpus.thesaurus import Thesaurus
from index.analyze import QueryAnalyzer

A = QueryAnalyzer(
    {
        "nist-ai-100-1": ["AI RMF 1.0", "AI RMF"],
        "nist-ai-rmf-playbook": ["AI RMF Playbook", "Playbook"],
        "nist-sp-800-218a": ["SSDF", "SP 800-218A"],
    }
)


def test_longest_alias_wins() -> None:
    assert A.run("What does the AI RMF Playbook suggest?").docs == ("nist-ai-rmf-playbook",)
    assert A.run("Compare the AI RMF with the SSDF").docs == ("nist-ai-100-1", "nist-sp-800-218a")
    assert A.run("nist-sp-800-218a p.12").docs == ("nist-sp-800-218a",)


def test_pages_and_physical() -> None:
    a = A.run("What's on page 19 of the AI RMF?")
    assert a.pages == (19,) and not a.physical
    assert A.run("page 59 of the Playbook PDF").physical
    assert A.run("the page numbered 47 of the SSDF").pages == (47,)
    ordinal = A.run("What is on the 56th page of the Playbook?")
    assert ordinal.pages == (56,) and ordinal.physical  # counting the file's pages


def test_quotes_double_and_single_not_apostrophes() -> None:
    assert A.run('Where does it say "highly accurate systems can cause harm"?').quotes == (
        "highly accurate systems can cause harm",
    )
    assert A.run("Where does it say 'risk is the composite measure'?").quotes == (
        "risk is the composite measure",
    )
    assert A.run("It's the user's job to check the model's output, isn't it?").quotes == ()


def test_definition_intent() -> None:
    assert A.run("What does 'residual risk' mean?").definition
    assert A.run("How does the SSDF define a model producer?").definition
    assert A.run("What is a capability of concern?").definition
    assert not A.run("How should we test a dosing model before deployment?").definition


def test_definition_terms_quoted_or_not() -> None:
    assert A.run("How does the AI RMF define risk?").terms == ("risk",)
    assert A.run("What does the Playbook mean by effective challenge?").terms == ("effective challenge",)
    assert A.run("What is meant by TEVV?").terms == ("TEVV",)
    assert A.run("Give the definition of red-teaming in the GenAI profile.").terms == ("red-teaming",)
    assert A.run("What does 'residual risk' mean?").terms == ("residual risk",)
    assert A.run("How should we test a dosing model before deployment?").terms == ()
    a = A.run("What is a capability of concern?")
    assert a.terms == ("capability of concern",) and not a.terms_quoted
    assert A.run("What does 'residual risk' mean?").terms_quoted
    # How-to questions and pronouns are no definition requests.
    assert A.run("What is the best way to define roles and responsibilities for AI?").terms == ()
    assert A.run("What is a good plan for AI incidents at a hospital and who owns it?").terms == ()
    assert A.run("What do they mean by that?").terms == ()


def test_thesaurus_reads_neither_document_names_nor_removed_words() -> None:
    t = Thesaurus([("generative AI", ["GenAI"]), ("third-party", ["vendor"]), ("compute", ["GPUs"])])
    a = QueryAnalyzer({"nist-ai-600-1": ["GenAI profile"]}, thesaurus=t)
    q = "We rent GPUs. What does the GenAI profile say about vendors?"
    assert [x.term for x in a.run(q).expansions] == ["third-party", "compute"]
    assert [x.term for x in a.run(q, expand_from="What does it say about vendors?").expansions] == [
        "third-party"
    ]
