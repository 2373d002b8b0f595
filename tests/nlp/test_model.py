"""The learned intent model (bot/nlp/model.py) and how the parser fuses it with the rules."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.nlp import Parser
from bot.nlp import model as m
from bot.nlp.intents import ACTION_INTENTS
from bot.nlp.normalise import prepare
from tests.nlp.conftest import CATALOGUE
from tests.nlp.scoring import read_jsonl

DEV = Path(__file__).resolve().parents[2].parent / "shared" / "nlu" / "dev.jsonl"


@pytest.fixture(scope="module")
def subset() -> tuple[list[str], list[str]]:
    """Every fourth training message: enough for every intent, quick to fit."""
    texts, labels = m.training_data()
    return texts[::4], labels[::4]


def test_training_is_deterministic(subset: tuple[list[str], list[str]]) -> None:
    a = m.IntentModel.train(*subset)
    b = m.IntentModel.train(*subset)
    assert a.labels == b.labels and a.vocabulary == b.vocabulary and a.temperature == b.temperature
    assert np.array_equal(a.weights, b.weights) and np.array_equal(a.bias, b.bias)


def test_the_fast_scores_are_sklearns(subset: tuple[list[str], list[str]]) -> None:
    texts, labels = subset
    vectorizer, svm = m._fit(texts, labels)
    model = m.IntentModel.train(texts, labels, calibrate=False)
    probe = [prepare(t) for t in ("续借第2本", "S30211借了什么", "图书馆几点开门", "😀", "")]
    want = svm.decision_function(vectorizer.transform([m.model_text(t) for t in probe]))
    got = np.array([model.scores(t) for t in probe])
    assert np.allclose(got, want, atol=1e-9)


def test_probabilities_cover_every_intent_and_sum_to_one() -> None:
    model = m.load_model()
    assert model is not None
    assert set(model.labels) >= {"renew", "search", "unknown", "mark_damaged", "more", "class_stats"}
    for text in ("续借第2本", "孩子借的书什么时候到期", "", "😀😀"):
        p = model.proba(prepare(text))
        assert p.shape == (len(model.labels),) and abs(p.sum() - 1.0) < 1e-9 and (p >= 0).all()
    probs = model.probabilities(prepare("续借第2本"))
    assert max(probs, key=probs.__getitem__) == "renew" and probs["renew"] > 0.9


def test_a_saved_model_loads_the_same(tmp_path: Path, subset: tuple[list[str], list[str]]) -> None:
    model = m.IntentModel.train(*subset, calibrate=False)
    model.save(tmp_path / "m.npz")
    again = m.IntentModel.load(tmp_path / "m.npz")
    text = prepare("帮我查一下《草房子》还有没有")
    assert again.labels == model.labels and np.allclose(again.proba(text), model.proba(text))


def test_codes_and_isbns_are_features_not_numbers() -> None:
    assert m.model_text("损坏 10000003") == m.model_text("损坏 20001234") == "损坏 Ⓒ"
    assert m.model_text("书号9787532473014") == "书号Ⓘ"
    assert m.model_text("续借第2本") == "续借第0本"


def test_it_never_trains_on_held_out_or_judging_sentences() -> None:
    """The packaged not_trained.txt alone keeps them out (an install has no heldout.jsonl to read)."""
    assert not m.HELDOUT_FILE.is_relative_to(m.CORPUS)
    texts = set(m.training_data()[0])
    held_out = {prepare(g["text"]) for g in read_jsonl(m.HELDOUT_FILE)}
    assert not texts & held_out
    if DEV.exists():
        assert not texts & {prepare(g["text"]) for g in read_jsonl(DEV)}


class _Says:
    """A stand-in model that is sure of one intent."""

    def __init__(self, intent: str, p: float = 0.98) -> None:
        self.intent, self.p = intent, p

    def probabilities(self, prepared: str) -> dict[str, float]:
        others = [i for i in ("search", "rules", "unknown", "my_loans") if i != self.intent]
        return {**{i: (1 - self.p) / len(others) for i in others}, self.intent: self.p}


def test_the_model_alone_never_turns_a_title_into_an_action() -> None:
    parser = Parser(catalogue_terms=CATALOGUE, model=_Says("renew"))  # type: ignore[arg-type]
    assert parser.parse("草房子").intent == "search"        # a title: the rules say search


def test_an_action_only_the_model_reads_is_asked_first() -> None:
    """"孩子的证从我手机上撤下来": no rule reads unbind; a model that sure may name it, and the bot asks."""
    sure = Parser(catalogue_terms=CATALOGUE, model=_Probs(unbind=0.98, unknown=0.02))  # type: ignore[arg-type]
    result = sure.parse("孩子的证从我手机上撤下来")
    assert result.intent == "unbind" and result.needs_confirmation
    unsure = Parser(catalogue_terms=CATALOGUE, model=_Probs(unbind=0.9, unknown=0.1))  # type: ignore[arg-type]
    assert unsure.parse("孩子的证从我手机上撤下来").intent not in ACTION_INTENTS
    how = Parser(catalogue_terms=CATALOGUE, model=_Probs(unbind=0.99, help=0.01))  # type: ignore[arg-type]
    assert how.parse("怎么解绑").intent == "help"          # a how-question is never acted on


def test_an_action_needs_the_models_agreement() -> None:
    disagree = Parser(catalogue_terms=CATALOGUE, model=_Says("rules"))  # type: ignore[arg-type]
    assert disagree.parse("续借草房子").intent == "rules"   # the best non-action reading
    agree = Parser(catalogue_terms=CATALOGUE, model=_Says("renew"))  # type: ignore[arg-type]
    assert agree.parse("续借草房子").to_dict() == {"intent": "renew", "slots": {"query": "草房子"}}


def test_the_librarians_coded_commands_are_the_rules_call() -> None:
    parser = Parser(catalogue_terms=CATALOGUE, model=_Says("search"))  # type: ignore[arg-type]
    assert parser.parse("损坏 10000003").to_dict() == {"intent": "mark_damaged", "slots": {"barcode": "10000003"}}


def test_without_a_model_the_rules_still_answer() -> None:
    parser = Parser(catalogue_terms=CATALOGUE, model=None)
    assert parser.parse("续借第2本").to_dict() == {"intent": "renew", "slots": {"indexes": [2]}}


def test_the_model_alone_never_reads_more_or_a_librarian_command() -> None:
    """"查 草房子 还有别的书吗还有别的书吗…" is a search, however sure the model is of "more"; without a
    code no librarian command is read."""
    assert Parser(catalogue_terms=CATALOGUE, model=_Says("more")).parse(  # type: ignore[arg-type]
        "查 草房子 " + "还有别的书吗" * 50).intent == "search"
    assert Parser(catalogue_terms=CATALOGUE, model=_Says("reader_loans")).parse(  # type: ignore[arg-type]
        "我的借阅").intent == "my_loans"


class _Probs:
    """A stand-in model with fixed probabilities (the rest of the intents at 0)."""

    def __init__(self, **probs: float) -> None:
        self.probs = probs

    def probabilities(self, prepared: str) -> dict[str, float]:
        return dict(self.probs)


def test_a_librarian_command_the_model_reads_as_another_is_not_done() -> None:
    """"催归还 10000092": the rules say recall, a model sure of checkin vetoes both; nothing is done."""
    sure_checkin = Parser(catalogue_terms=CATALOGUE, model=_Probs(checkin=0.9, recall=0.05, rules=0.05))  # type: ignore[arg-type]
    assert sure_checkin.parse("催还 10000003").intent not in ACTION_INTENTS
    unsure = Parser(catalogue_terms=CATALOGUE, model=_Probs(checkin=0.6, recall=0.3, rules=0.1))  # type: ignore[arg-type]
    assert unsure.parse("催还 10000003").to_dict() == {"intent": "recall", "slots": {"barcode": "10000003"}}


def test_without_a_code_the_librarians_readings_do_not_count() -> None:
    """"报失" written like the librarian's 丢失: with no barcode in it only the reader's reading applies."""
    model = _Probs(mark_lost=0.7, report_lost_card=0.2, history=0.1)
    parser = Parser(catalogue_terms=CATALOGUE, model=model)  # type: ignore[arg-type]
    assert parser.parse("报失").intent == "report_lost_card"


def test_a_vetoed_action_with_no_clear_other_reading_is_unknown() -> None:
    """The model doubts the reservation and nothing else stands out: the bot says what it can do."""
    parser = Parser(catalogue_terms=CATALOGUE, model=_Probs(bind=0.9, ranking=0.05, search=0.05))  # type: ignore[arg-type]
    assert parser.parse("预约草房子").to_dict() == {"intent": "unknown", "slots": {}}
    strong = Parser(catalogue_terms=CATALOGUE, model=_Probs(rules=0.9, reserve=0.1))  # type: ignore[arg-type]
    assert strong.parse("预约草房子").intent == "rules"


def test_a_push_setting_the_model_reads_as_its_opposite_is_not_done() -> None:
    """"之前全退订了 现在全部订回来"-like: off or on? Neither is done when the model is sure of the other."""
    parser = Parser(catalogue_terms=CATALOGUE, model=_Probs(resubscribe=0.9, unsubscribe=0.05, help=0.05))  # type: ignore[arg-type]
    assert parser.parse("退订到期提醒").intent not in ACTION_INTENTS
    agree = Parser(catalogue_terms=CATALOGUE, model=_Probs(unsubscribe=0.9, help=0.1))  # type: ignore[arg-type]
    assert agree.parse("退订到期提醒").intent == "unsubscribe"


def test_unknown_never_replaces_a_keyword_reading() -> None:
    parser = Parser(catalogue_terms=CATALOGUE, model=_Probs(unknown=0.97, help=0.03))  # type: ignore[arg-type]
    assert parser.parse("使用说明").intent == "help"
