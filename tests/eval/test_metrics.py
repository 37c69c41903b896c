from eval.calibrate import fit_threshold
from eval.metrics import first_hit, hit_at, mean, ranked_pages, reciprocal_rank


def test_ranks() -> None:
    gold = {("d", 3)}
    groups = [[("d", 1)], [("d", 2), ("d", 3)], [("d", 3)]]
    assert first_hit(groups, gold) == 2
    assert first_hit([[("e", 3)]], gold) is None
    assert hit_at(2, 1) == 0.0 and hit_at(2, 3) == 1.0 and hit_at(None, 5) == 0.0
    assert reciprocal_rank(4) == 0.25 and reciprocal_rank(None) == 0.0
    assert ranked_pages(groups) == [("d", 1), ("d", 2), ("d", 3)]
    assert mean([]) == 0.0


def test_fit_threshold_respects_false_abstention_cap() -> None:
    answerable = [0.9, 0.8, 0.7, 0.6, 0.5, 0.45, 0.85, 0.75, 0.65, 0.95]
    unanswerable = [0.4, 0.3, 0.55]
    cal = fit_threshold(answerable, unanswerable, max_false_abstention=0.1)
    assert cal.false_abstention <= 0.1
    assert (cal.abstain_recall == 1.0 and 0.55 < cal.threshold <= 0.6) or cal.abstain_recall >= 2 / 3
    strict = fit_threshold(answerable, unanswerable, max_false_abstention=0.0)
    assert strict.false_abstention == 0.0 and strict.threshold <= 0.45


def test_fit_threshold_prefers_the_widest_margin_among_equals() -> None:
    # Any cut between 0.3 and 0.7 separates the sets perfectly; the widest gap is 0.4-0.7.
    cal = fit_threshold([0.7, 0.8, 0.9], [0.2, 0.3, 0.4], max_false_abstention=0.0)
    assert cal.abstain_recall == 1.0 and cal.false_abstention == 0.0
    assert abs(cal.threshold - 0.55) < 1e-9
