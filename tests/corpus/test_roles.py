"""The role taxonomy file and who-is-asking detection (no index needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.roles import ROLE_IDS, RolesError, Taxonomy, load_taxonomy


@pytest.fixture(scope="module")
def tax() -> Taxonomy:
    return load_taxonomy()


def test_the_file_names_the_five_roles_and_maps_every_document(tax: Taxonomy) -> None:
    assert tuple(tax.roles) == ROLE_IDS
    docs = {a.doc for a in tax.actors}
    assert {"nist-ai-100-1", "nist-ai-600-1", "nist-ai-800-1-ipd", "nist-sp-800-218a"} <= docs
    assert len(tax.areas) == 5


@pytest.mark.parametrize(
    ("question", "role"),
    [
        (
            "Our hospital is building a triage assistant on a vendor's foundation model. What now?",
            "ci-owner-operator",
        ),
        (
            "We fine-tune open-weight models downloaded from public model hubs. What should we check?",
            "ai-developer",
        ),
        (
            "I'm a contracting officer at a county government buying a chatbot. What should I ask?",
            "public-sector",
        ),
        (
            "I teach at a community college and study algorithmic bias. Who should we talk to?",
            "civil-society",
        ),
        (
            "We rent out GPU capacity to labs that train large models. How do we isolate tenants?",
            "cloud-compute-provider",
        ),
        (
            "As the CISO of a natural gas utility, what should I do about prompt injection?",
            "ci-owner-operator",
        ),
        # Another sentence's words do not make a name someone else's ("machine? Our county").
        (
            "Must we tell people they are talking to a machine? Our county is launching a chatbot.",
            "public-sector",
        ),
        # A name is read whole: "the AI RMF tell the companies" is no "AI company".
        ("Does the AI RMF tell the companies we regulate what risk is acceptable?", "public-sector"),
        # A document's name is not the asker: "the DHS framework".
        (
            "The DHS framework lists duties for developers. We build vision models sold to utilities.",
            "ai-developer",
        ),
        # Clients and suppliers are other parties: "our hospital clients", "our AI vendor".
        (
            "Our hospital clients want documentation on the sepsis model we make. Which outputs help?",
            "ai-developer",
        ),
        (
            "What should our AI vendor give us? Context: a regional water utility serving 200k people.",
            "ci-owner-operator",
        ),
        # Membership and self-identification: "I'm with …", "Asking as …".
        ("What does AI 600-1 say about CBRN risk? I'm with a biosecurity nonprofit.", "civil-society"),
        ("Which functions come first for a resident chatbot? Asking as a county CIO.", "public-sector"),
        # Whom a product is made for is a customer: "models for grid operators", "… that banks use".
        (
            "We're a startup training small language models for grid operators. What comes first?",
            "ai-developer",
        ),
        (
            "Which Playbook practices cover model limits? We release ML models as APIs that banks plug into.",
            "ai-developer",
        ),
        # Possessives of a document's author, the represented, and contractions.
        (
            "We make maintenance models for utilities. What meets the DHS framework's expectations?",
            "ai-developer",
        ),
        (
            "We're a union representing nurses. What does the guidance say about consulting workers?",
            "civil-society",
        ),
        (
            "Does AI 600-1 cover confabulation testing? The model we're building answers medical questions.",
            "ai-developer",
        ),
        # Negation, pairs, "their", those regulated or served, places.
        (
            "We serve models for others at scale; we don't build models. What applies?",
            "cloud-compute-provider",
        ),
        (
            "We rent out GPU clusters to startups and a few university labs. What checks apply?",
            "cloud-compute-provider",
        ),
        (
            "Customers upload their fine-tuned checkpoints to our hosting platform. What should we log?",
            "cloud-compute-provider",
        ),
        (
            "Our public utility commission regulates the electric utilities. How can we use the framework?",
            "public-sector",
        ),
        (
            "Landlords in our city screen tenants with AI. Our tenants' rights group wants leverage.",
            "civil-society",
        ),
        # A short lead-in before a colon or a dash says who is asking.
        ("Consumer advocacy group here - is a bank told to explain an AI denial?", "civil-society"),
        (
            "PhD student studying AI governance: how does AI 800-1 compare with the EU AI Act?",
            "civil-society",
        ),
        # Context first, then the asker.
        (
            "Hospitals are adding AI rostering. Must workers be consulted? I'm a union rep for nurses.",
            "civil-society",
        ),
        # A preposition breaks a name: "pipeline for a company" is no pipeline company.
        (
            "How do we handle data poisoning? I lead the data pipeline for a company that pretrains models.",
            "ai-developer",
        ),
        # Words that only look like another party's.
        ("I'm at CISA writing guidance for utilities. What should it say?", "public-sector"),
        ("I'm a museum guide. What do the frameworks say about public engagement?", "civil-society"),
        ("Judge my plan: we run a water utility and want AI leak detection.", "ci-owner-operator"),
        ("I'm worried about our hospital's triage model. What should we check?", "ci-owner-operator"),
        # A doing word with a thing it makes or runs ("make" + "sdk", "operate" + "edge node");
        # the banks and carriers are the customers.
        ("We build software for banks. Which practices apply?", "ai-developer"),
        ("We make a speech-to-text SDK for call centres. What goes in a model card?", "ai-developer"),
        ("We operate edge nodes for two mobile carriers. Which duties are ours?", "cloud-compute-provider"),
        # Who the asker is, said at the end: outright, or as a closing description.
        (
            "The framework tells operators to keep humans in the loop. Is that for every model? "
            "(I'm on the controls team at a gas pipeline company)",
            "ci-owner-operator",
        ),
        ("Which MEASURE items cover drift? (ML engineer, foundation model startup)", "ai-developer"),
        ("How is harmful bias defined? PhD student working on fairness audits.", "civil-society"),
        (
            "What counts as an AI incident? Asking for the policy team at a state insurance department.",
            "public-sector",
        ),
        # "I ask" is the asker asking; those required to do something are someone else.
        ("Which GenAI risks are ours? I ask since we're a GPU cloud.", "cloud-compute-provider"),
        (
            "I'm a legislative aide on a bill that would require hospitals to disclose AI use. What applies?",
            "public-sector",
        ),
        # The asker as the object of such words is still the asker.
        ("Does the framework require us as a hospital to report incidents?", "ci-owner-operator"),
        ("Our cloud credits let us train large models. What applies?", "ai-developer"),
        # A later "I'm in …" does not outweigh who the asker first said they are.
        (
            "I'm a journalist. I'm in the middle of a story about a GPU cloud. What should I ask?",
            "civil-society",
        ),
        (
            "We run a water utility. We are on a GPU cloud for our analytics. What applies?",
            "ci-owner-operator",
        ),
        # Plural objects, and a name that only starts like an instruction.
        ("We host VMs for customers. Which duties are ours?", "cloud-compute-provider"),
        ("Focus group facilitator at a civil rights nonprofit. How do we gather input?", "civil-society"),
    ],
)
def test_detects_the_askers_role_from_their_own_words(tax: Taxonomy, question: str, role: str) -> None:
    guess = tax.detect(question)
    assert guess is not None and guess.role == role, guess


@pytest.mark.parametrize(
    "question",
    [
        "What does the GenAI profile say about banks and hospitals?",  # about them, not by them
        "What is confabulation?",
        "Which government agencies does the framework mention?",
        "Which government agencies does the framework mention",  # no "?": still a question
        "Compare the duties of AI developers and cloud providers.",
        "What should US banks do about model risk?",  # the country, not "us"
        # A lead-in that is a topic, not a person.
        "AI developers: what must they disclose?",
        "Banks - what should they disclose?",
        "Question for AI developers: what applies?",
        "Explain MEASURE 2.7 for cloud providers: what is tested?",
        "What does MAP 1.1 mean for a water utility: who decides?",
        # A closing instruction is not a self-description.
        "What should we do? Focus on hospitals.",
        # Parties around the asker, and products made for them.
        "We work with hospitals. What applies to us?",
        "We sell to banks. Which practices apply?",
        # Whom the asker lets do something does it: the banks deploy, not the asker.
        "A platform question: we let banks deploy models in one click. What applies?",
        # A closing sentence about others is not a description of the asker.
        "Do operators need a fallback? Hospitals are deploying triage models.",
        # Closing remarks about the topic are not the asker either.
        "What do AI developers owe users? Especially frontier labs.",
        "How should incidents be reported? Water utilities, mainly.",
        "Who is responsible for monitoring deployed models? The deployer or the developer.",
        "What are the DHS roles? Cloud, developers, operators, civil society, public sector.",
        "Who enforces this? Local news.",
        "Asking for a friend who runs a GPU cloud: what applies?",
        # Idioms and buying are not making or hosting.
        "We want to make sure our chatbot is compliant. What applies?",
        "We're trying to build trust in the AI system. How?",
        "We rent a GPU from a cloud provider. What applies?",
        "We host our website on a VM. Does this apply?",
        # Those the asker asks are someone else.
        "We ask hospitals to report AI incidents to us. What does the framework say?",
        "What do the documents say about bias? I ask because hospitals in my state use these tools.",
    ],
)
def test_no_role_when_the_asker_does_not_describe_themselves(tax: Taxonomy, question: str) -> None:
    assert tax.detect(question) is None


def test_the_document_vocabulary_tags_passages(tax: Taxonomy) -> None:
    assert "ai-developer" in tax.addressed("nist-sp-800-218a", "AI model producers should track provenance.")
    assert tax.addressed("nist-sp-800-218a", "Nothing about anyone here.") == ()


def test_a_bad_file_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "roles.toml"
    bad.write_text('[[role]]\nid = "astronaut"\nname = "x"\ndescription = "y"\n')
    with pytest.raises(RolesError, match="ids must be exactly"):
        Taxonomy.load(bad)
    bad.write_text('[[role]]\nid = "ai-developer"\nname = "x"\n')
    with pytest.raises(RolesError, match="field 'description'"):
        Taxonomy.load(bad)
    bad.write_text("[[role]\n")
    with pytest.raises(RolesError, match="cannot read"):
        Taxonomy.load(bad)
    bad.write_text(
        '[[role]]\nid = "ai-developer"\nname = "x"\ndescription = "y"\nactivity_verbs = ["make"]\n'
    )
    with pytest.raises(
        RolesError, match="'ai-developer': give 'activity_verbs' and 'activity_objects' together"
    ):
        Taxonomy.load(bad)


def test_without_identity_keeps_what_is_asked() -> None:
    t = load_taxonomy()
    q = "I run IT at a regional water utility. How do we vet an AI vendor's model?"
    out = t.without_identity(q)
    assert "water utility" not in out and "vet an AI vendor's model" in out
    assert t.without_identity("What is confabulation?") == "What is confabulation?"


def test_self_description_after_the_question_and_relative_where() -> None:
    t = load_taxonomy()
    g = t.detect("Which fairness metrics apply? Asking as the CISO of a regional hospital.")
    assert g is not None and g.role == "ci-owner-operator"
    g = t.detect("We provide hosted generative AI endpoints to businesses. What should we log?")
    assert g is not None and g.role == "cloud-compute-provider"
    # "a service where customers deploy models": the customers deploy, not the asker.
    g = t.detect("We run a service where customers deploy their AI models. What applies?")
    assert g is None or g.role != "ci-owner-operator"


def test_speaks_of_self(tax: Taxonomy) -> None:
    assert tax.speaks_of_self("What should we test before deploying?")
    assert tax.speaks_of_self("Hospital CISO here - what now?")
    assert not tax.speaks_of_self("What is confabulation?")
    assert not tax.speaks_of_self("Compare the duties of AI developers and cloud providers.")
