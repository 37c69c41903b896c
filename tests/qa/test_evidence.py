from qa.evidence import (
    asks_for_actions,
    asks_penalty,
    asks_quantity,
    has_number,
    is_directive,
    mentions_penalty,
    unknown_instruments,
    unknown_names,
    vocabulary,
)
from qa.lexical import Idf, overlap, terms


def test_quantity_questions_need_a_quantity_near_the_unit() -> None:
    q = "How many hours does a developer have to report an incident?"
    assert asks_quantity(q)
    assert not has_number(["Report incidents to the appropriate authorities. GOVERN 4.3 applies."], q)
    assert has_number(["Incidents are reported within 72 hours."], q)
    assert asks_quantity("What is the maximum dollar fine for non-compliance?")
    assert not asks_quantity("What is confabulation?")


def test_unknown_names_are_those_no_passage_mentions() -> None:
    vocab = vocabulary(["The AI RMF and the NIST Cybersecurity Framework."])
    assert unknown_names("Does Colorado's law accept the AI RMF?", vocab) == ["Colorado's"]
    assert unknown_names("What does the Cybersecurity Framework say?", vocab) == []
    # Singular and plural are one name; a job title says who asks; a mixed-case name counts.
    vocab |= vocabulary(["Service level agreements (SLAs) in vendor contracts."])
    assert unknown_names("I'm the CISO. What belongs in our SLA?", vocab) == []
    assert unknown_names("What FedRAMP impact level does the AI RMF require?", vocab) == ["FedRAMP"]


def test_a_name_of_several_words_is_known_only_as_the_passages_write_it() -> None:
    vocab = vocabulary(["The EU AI Act and the AI RMF.", "Journal of the University of Colorado."])
    q = "Which sections of the Colorado AI Act does the AI RMF map to?"
    assert unknown_names(q, vocab) == ["Colorado AI Act"]
    assert unknown_instruments(unknown_names(q, vocab)) == ["Colorado AI Act"]  # a law: what it hinges on
    assert unknown_names("Does the EU AI Act apply to us?", vocab) == []
    assert unknown_instruments(unknown_names("Does NIST GenAI Challenge data count?", vocab)) == []


def test_a_named_schemes_level_is_a_figure() -> None:
    assert asks_quantity("Which SLSA build level does SP 800-218A require for pipelines?")
    assert asks_quantity("What FedRAMP impact level is needed?")
    assert not asks_quantity("What level of access should a fine-tuning API grant?")


def test_action_questions_and_directives() -> None:
    assert asks_for_actions("What should we do about model theft?")
    assert asks_for_actions("How can we monitor drift?")
    assert not asks_for_actions("What is a threat profile?")
    # Asked through what a document says: "tell us to do", "say we should do".
    assert asks_for_actions("What does the AI 800-1 draft tell us to do about insider threats?")
    assert asks_for_actions("What does SP 800-218A say we should do about prompts?")
    assert asks_for_actions("What does the draft say developers should put in place for researchers?")
    assert not asks_for_actions("What does the draft say about developers?")
    sec = "3. Suggested Actions to Manage GAI Risks > MS-2.5"
    assert is_directive("MS-2.5-003 Review and verify sources and citations in GAI system outputs.", sec)
    assert not is_directive("The AI system is evaluated regularly.", sec)
    # A table row or note is read past its label: an SSDF task, "High R1:", "C1:".
    ssdf = "3. SSDF Community Profile > PS.1.3: Protect all model weights"
    assert is_directive("PS.1.3: Protect all model weights and configuration parameter data.", ssdf)
    assert is_directive("High R1: Keep model weights and configuration parameters separate.", ssdf)
    assert is_directive("C1: Consider preventing all human access to model weights.", ssdf)
    assert not is_directive("N1: The provenance of training data may not be known.", ssdf)
    assert not is_directive("It should be consistent with other approaches.", "Appendix D: Attributes")


def test_idf_weighted_overlap_favours_rare_terms() -> None:
    idf = Idf(["manage risk here", "manage risk there", "manage risk again", "confabulation is rare"])
    q = set(terms("How do we manage confabulation risk?"))
    rare = overlap(q, "confabulation happens", idf)
    common = overlap(q, "manage the risk", idf)
    assert rare > common
    assert overlap(set(), "anything") == 0.0


def test_fine_tuning_is_not_a_fine() -> None:
    assert not asks_penalty("We fine-tune and release LLMs. How independent should red-teamers be?")
    assert not asks_penalty("How do we fine tune safely?") and not asks_penalty("fine‑tuning (U+2011)")
    assert asks_penalty("What fines can a developer face?")
    assert not mentions_penalty(["Re-evaluate models that were fine-tuned on third-party data."])
    assert not mentions_penalty(["energy used for fine tuning"])
    assert mentions_penalty(["Operators may be fined for late reports."])
    # Protection from being sued is spoken of as legal action or a safe harbor.
    assert mentions_penalty(["Publish a safe harbor policy that commits to not pursuing legal action."])
    assert mentions_penalty(["Practice 6.4: Provide safe harbors for third-party safety research."])


def test_a_unit_named_after_in_must_come_with_the_figure() -> None:
    q = "What training-compute threshold, in FLOPs, puts a model in scope?"
    assert not has_number(["Models with at least tens of billions of parameters are in scope."], q)
    assert has_number(["Models trained with more than 10^26 FLOPs are in scope."], q)
