"""End to end on the real corpus beside the repo (../shared/corpus): WARC → facts → verdicts →
agreement with the human labels. Skips with a reason when the corpus is absent."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.corpus, pytest.mark.slow]


@pytest.fixture(scope="module")
def corpus_result(corpus_dir):
    from govlens.archive import group_sites
    from govlens.assess import assess_site, load_framework, summarize
    from govlens.evaluate import evaluate
    from govlens.extract import extract_site
    from govlens.portfolio import load_portfolio

    pf = load_portfolio(corpus_dir / "portfolio.csv")
    fw = load_framework("nath-2019")
    caps = group_sites(sorted((corpus_dir / "warc").glob("*.warc.gz")), pf)
    ass = [assess_site(extract_site(c), fw) for c in caps]
    return ass, evaluate(ass, corpus_dir / "labels", [c.code for _, c in fw.criteria()]), summarize(pf, ass, fw)


def test_every_label_file_matched(corpus_result):
    _, res, _ = corpus_result
    assert not res.labels_unmatched


def test_decided_verdicts_agree_with_coders(corpus_result):
    _, res, _ = corpus_result
    assert res.overall.agreement >= 0.85, res.overall.as_dict()
    assert res.criteria["K2"].agreement == 1.0
    # the broadcasting criteria are auto: decided everywhere
    for code in ("K1", "K2", "K3", "E1", "E2", "E3", "E4", "E5"):
        assert res.criteria[code].deferred == 0, code


def test_summary_counts(corpus_result):
    ass, _, summ = corpus_result
    assert summ["counts"]["rows"] == len(ass) == summ["counts"]["organisations"]
    assert summ["websites"]["of"] == summ["counts"]["organisations"]
