"""The query layer: what a typed or pasted query means, as data.

Each case is a query a user might type or paste and the model it must parse
to; the contract tests (tests/test_contract.py) check that prose of these
kinds (dashes, apostrophes, quotes across sentences, -word, -"phrase", OR,
stop words) finds the articles that contain its words on both stores.
"""
import pytest

from archive.query import LONG_WORDS, parse


def groups(q):
    return [[t.text for t in g] for g in q.groups]


CASES = [
    # (query, required groups, optional, excluded)
    ("oil prices Japan", [["oil"], ["prices"], ["Japan"]], [], []),
    ("revenues - £160m - will rise", [["revenues"], ["£160m"], ["rise"]], ["will"], []),
    ("up 0.1% - and falling", [["up"], ["0.1%"], ["falling"]], ["and"], []),
    ("Trump's call with Putin", [["Trump"], ["call"], ["Putin"]], ["with"], []),
    ("Putin -Trump", [["Putin"]], [], ["Trump"]),
    ('"debt moratorium" Brazil', [["debt moratorium"], ["Brazil"]], [], []),
    ("\u201cdebt moratorium\u201d", [["debt moratorium"]], [], []),
    ('he said "we will. Then" they left', [["left"]], ["he", "said", "we", "will.", "Then", "they"], []),
    ('"unbalanced quote here', [["unbalanced"], ["quote"], ["here"]], [], []),
    ("coffee OR cocoa prices", [["coffee", "cocoa"], ["prices"]], [], []),
    ("OIL OR GAS", [["OIL", "GAS"]], [], []),
    ("NATO OR EU", [["NATO", "EU"]], [], []),
    # An all-caps headline: its OR is a word.
    ("OIL PRICES RISE OR FALL SHARPLY", [["OIL"], ["PRICES"], ["RISE"], ["FALL"], ["SHARPLY"]],
     ["OR"], []),
    # OR binds the word right before it, and only a required one.
    ("prices in OR near Tokyo", [["prices"], ["near"], ["Tokyo"]], ["in", "OR"], []),
    ("oil -gas OR coal", [["oil"], ["coal"]], ["OR"], ["gas"]),
    ("oil OR", [["oil"]], ["OR"], []),
    # A dash attached to a quote excludes the phrase.
    ('oil -"peace talks"', [["oil"]], [], ["peace talks"]),
    ("oil -\u201cpeace talks\u201d", [["oil"]], [], ["peace talks"]),
    ('oil - "peace talks"', [["oil"], ["peace talks"]], [], []),
    # Abbreviations do not end a sentence inside a phrase.
    ('"U.S. dollar" weakness', [["U.S. dollar"], ["weakness"]], [], []),
    ('"Mr. Smith" resigned', [["Mr. Smith"], ["resigned"]], [], []),
    # A quote too long to be a phrase is words, and its closing quote opens nothing.
    ('"one two three four five six seven eight nine" and "interest rates" fell',
     [["one"], ["two"], ["three"], ["four"], ["five"], ["six"], ["seven"], ["eight"],
      ["nine"], ["interest rates"], ["fell"]], ["and"], []),
    # Lucene's English stop words are never required ("no" would match nothing on ES).
    ("no deal", [["deal"]], ["no"], []),
    ("title:foo +bar (baz) AND NOT x", [["title"], ["foo"], ["bar"], ["baz"], ["x"]], ["AND", "NOT"], []),
    ("Heating Oil/Gas Oil", [["Heating"], ["Oil"], ["Gas"]], [], []),
    ("the who", [["the"], ["who"]], [], []),
    ("fell -5% on Monday", [["fell"], ["-5%"], ["Monday"]], ["on"], []),
    ("", [], [], []),
    ("\x00", [], [], []),
]


@pytest.mark.parametrize("text,required,optional,excluded", CASES)
def test_parses_to_the_intended_model(text, required, optional, excluded):
    q = parse(text)
    assert groups(q) == required
    assert [t.text for t in q.optional] == optional
    assert [t.text for t in q.excluded] == excluded
    assert not q.long


@pytest.mark.parametrize("text,meaning", [
    ("Putin -Budapest", "Putin"),
    ('oil OR gas -"peace talks"', "oil gas"),
    ('"phone call" Putin', "phone call Putin"),
])
def test_the_meaning_side_embeds_what_is_looked_for_not_the_syntax(text, meaning):
    assert parse(text).meaning == meaning


def test_joined_words_become_phrases_of_their_parts():
    q = parse("D-Mark U.S. 0.1%")
    assert [g[0].tokens for g in q.groups] == [("d", "mark"), ("u", "s"), ("0", "1")]
    assert all(g[0].phrase for g in q.groups)


def test_a_pasted_paragraph_is_words_with_weights_not_syntax():
    text = ('Revenues - which analysts had put at £160m - will "rise sharply" next year, the '
            'company said on Thursday, adding -strongly it expects margins to OR improve as costs fall.')
    q = parse(text)
    assert q.long and not q.groups and not q.excluded
    texts = {t.text.lower() for t in q.optional}
    assert {"revenues", "analysts", "160m", "rise", "sharply", "margins"} <= texts
    assert "strongly" in texts, "a dash in pasted prose excludes nothing"
    assert 1 < q.min_match() < len(q.optional)


def test_long_means_more_than_the_threshold_of_content_words():
    short = " ".join(f"word{i}" for i in range(LONG_WORDS))
    assert not parse(short).long
    assert parse(short + " another").long


def test_two_thousand_characters_parse_quickly_and_cap_the_terms():
    text = " ".join(f"w{i}x" for i in range(400))[:2000]
    q = parse(text)
    assert q.long and 0 < len(q.optional) <= 400


def test_highlight_terms_are_the_content_stems():
    assert parse("the talks in Moscow").terms() == {"talk", "moscow"}
    assert parse('"peace talks" -war').terms() == {"peac", "talk"}


def test_the_keyword_clauses_both_stores_spell_are_plain_data():
    from archive.query import clauses

    def words(groups):
        return [[t.text for t in g] for g in groups]

    q = parse('"debt moratorium" Brazil OR Mexico the banks -Chile')
    strict, relaxed = clauses(q), clauses(q, relaxed=True)
    assert words(strict.required) == [["debt moratorium"], ["Brazil", "Mexico"], ["banks"]]
    assert [t.text for t in strict.ranking] == ["the"] and not strict.share
    assert words(relaxed.required) == [["debt moratorium"]], "a phrase binds when relaxed"
    assert words(relaxed.share) == [["Brazil", "Mexico"], ["banks"]] and relaxed.share_needs == 1
    assert [t.text for t in strict.excluded] == ["Chile"] == [t.text for t in relaxed.excluded]

    paste = parse("The central bank raised its benchmark interest rate by half a point on "
                  "Thursday, citing stubborn inflation in services and a tight labour market")
    assert len(clauses(paste).required) == len(paste.optional) > 12
    loose = clauses(paste, relaxed=True)
    assert not loose.required and len(loose.share) == len(paste.optional)
    assert loose.share_needs == paste.min_match()

    assert clauses(parse("-football")).everything
    assert clauses(parse("")) is None and clauses(parse("Brazil"), relaxed=True) is None


def test_a_joined_word_does_not_highlight_its_one_letter_pieces():
    assert parse("O'Driscoll injury").terms() == {"driscol", "injuri"}
    assert parse("U.S. dollar").terms() == {"dollar"}
    assert parse("a").terms() == {"a"}, "a one-letter word typed alone still shows"
