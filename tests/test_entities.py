import datetime as dt

import pytest

from indexer.entities import resolve
from indexer.places import country_code
from tests.conftest import SEED, located


def _seed():
    title, body = SEED.read_text().split("\n", 1)
    return title.strip(), body.strip()


@pytest.fixture(scope="module")
def seed_entities(extractor):
    return extractor.extract(*_seed())


def test_seed_people_are_the_five_leaders_and_no_junk(seed_entities):
    people = {e.key for e in seed_entities if e.kind == "person"}
    assert {"Donald Trump", "Vladimir Putin", "Volodymyr Zelensky", "Marco Rubio",
            "Pete Hegseth"} <= people
    for junk in ("Trump", "Putin", "Zelensky", "NATO", "HEGSETH TELLS NATO", "Kremlin",
                 "Cabinet", "Success", "Trade", "WIN"):
        assert junk not in people


def test_seed_countries_and_no_organisations(seed_entities):
    countries = {e.key for e in seed_entities if e.kind == "country"}
    assert {"US", "RU", "UA", "HU"} <= countries
    assert all(len(c) == 2 and c.isupper() for c in countries)
    labels = {e.label for e in seed_entities if e.kind == "country"}
    assert "Hungary" in labels and "NATO" not in labels and "European Union" not in labels


def test_short_and_mislabelled_mentions_count_for_the_full_name(seed_entities):
    title, body = _seed()
    trump = next(e for e in seed_entities if e.key == "Donald Trump")
    # spaCy calls several bare "Trump"s an ORG; they are still his mentions.
    assert len(trump.mentions) == body.count("Trump") + title.count("Trump")
    for m in trump.mentions:
        text = (title if m.field == "title" else body)[m.start:m.end]
        assert text in ("Trump", "Donald Trump")


def test_country_mentions_point_at_the_words(seed_entities):
    title, body = _seed()
    words = set()
    for e in seed_entities:
        if e.kind == "country":
            for m in e.mentions:
                words.add(((title if m.field == "title" else body)[m.start:m.end], e.key))
    assert ("Budapest", "HU") in words
    assert ("Kremlin", "RU") in words
    assert ("Russian", "RU") in words
    assert ("White House", "US") in words
    assert ("Washington", "US") in words


@pytest.mark.parametrize("text,label,code", [
    ("Hungary", "GPE", "HU"), ("U.S.", "GPE", "US"), ("the United States", "GPE", "US"),
    ("Russian", "NORP", "RU"), ("Ukrainian", "NORP", "UA"), ("Kremlin", "ORG", "RU"),
    ("the White House", "FAC", "US"), ("Budapest", "GPE", "HU"), ("Britain", "GPE", "GB"),
    ("Downing Street", "ORG", "GB"), ("Alaska", "GPE", "US"), ("South Korea", "GPE", "KR"),
    ("NATO", "ORG", None), ("the European Union", "ORG", None), ("Europe", "LOC", None),
    ("the Middle East", "LOC", None), ("Cabinet", "ORG", None),
])
def test_country_codes(text, label, code):
    assert country_code(text, label) == code


def test_jordan_the_person_is_not_the_country():
    body = "Michael Jordan scored 40 points. Jordan said the team played well."
    ents = [("body", 0, 14, "Michael Jordan", "PERSON"), ("body", 33, 39, "Jordan", "GPE")]
    out = resolve("", body, ents)
    assert {e.key for e in out if e.kind == "country"} == set()
    assert {e.key for e in out if e.kind == "person"} == {"Michael Jordan"}


def test_all_caps_headlines_are_not_read_for_names(extractor):
    ents = extractor.extract("TRADE TALKS COLLAPSE OVER STEEL TARIFFS",
                             "Talks between Canada and Mexico collapsed on Monday.")
    assert not [e for e in ents if e.kind == "person"]
    assert {e.key for e in ents if e.kind == "country"} == {"CA", "MX"}


def test_a_bare_name_joins_the_full_name_known_in_the_archive():
    from archive.model import Entity, Mention
    from indexer.entities import NameBook

    book = NameBook({"Luiz Inacio Lula da Silva": 3, "George Bush": 1, "Laura Bush": 1,
                     "Vladimir Putin": 10})
    ents = [Entity("person", "Lula", "Lula", [Mention("body", 0, 4)]),
            Entity("person", "Bush", "Bush", [Mention("body", 10, 14)]),
            Entity("person", "Putin", "Putin", [Mention("body", 20, 25)]),
            Entity("person", "Vladimir Putin", "Vladimir Putin", [Mention("body", 30, 44)])]
    out = {e.key: e for e in book.resolve(ents)}
    assert "Luiz Inacio Lula da Silva" in out and "Lula" not in out
    assert "Bush" in out, "two Bushes: too ambiguous to guess"
    assert len(out["Vladimir Putin"].mentions) == 2 and "Putin" not in out


def test_samples_have_one_facet_value_per_person(sample_store):
    from archive.model import SearchRequest

    every = SearchRequest(facet_size=500, scope="mentioned")
    people = {v.value: v.count for v in sample_store.search(every).facets["people"]}
    assert "Lula" not in people and people["Luiz Inacio Lula da Silva"] == 2
    assert not [p for p in people if p.isupper()]


def test_full_names_known_to_the_archive_are_found_where_the_model_missed_them():
    from indexer.entities import NameBook

    book = NameBook({"Pete Sampras": 3, "Rare Person": 1})
    body = "Pete Sampras beat Rare Person in Paris. PETE SAMPRAS WINS"
    out = {e.key: e for e in book.resolve([], "PETE SAMPRAS WINS", body)}
    spans = [(m.field, m.start, m.end) for m in out["Pete Sampras"].mentions]
    assert ("body", 0, 12) in spans and ("title", 0, 12) in spans
    assert "Rare Person" not in out, "one sighting elsewhere is not enough"


def test_a_rebuild_finds_again_only_names_the_model_finds_in_it():
    # The old index of a rebuild counts names its rules found where the model
    # did not: left to vouch, such a name would find itself in every rebuild.
    from archive.model import Entity, Mention
    from indexer.entities import NameBook

    body = "Dealers said Caisse Vallon bought bonds."
    rebuild = NameBook({"Caisse Vallon": 9}, {}, vouch=False)
    assert rebuild.resolve([], "", body) == []
    live = NameBook({"Caisse Vallon": 9})
    assert [e.key for e in live.resolve([], "", body)] == ["Caisse Vallon"]
    # What the model finds in the rebuild's own articles vouches as before.
    seen = Entity("person", "Caisse Vallon", "Caisse Vallon", [Mention("body", 0, 13)])
    rebuild.add([[seen], [seen]])
    assert [e.key for e in rebuild.resolve([], "", body)] == ["Caisse Vallon"]


def test_results_lists_name_people_with_their_country():
    body = "Pete Sampras ( U.S. ) beat Mikael Tillstrom ( Sweden ) 6-4 6-2. Real Madrid ( Spain ) won."
    club = body.index("Real Madrid")
    ents = resolve("", body, [("body", club, club + 11, "Real Madrid", "ORG")])
    people = {e.key for e in ents if e.kind == "person"}
    assert people == {"Pete Sampras", "Mikael Tillstrom"}, "the club the model calls ORG is not one"


def _person(text, body, field="body"):
    start = body.index(text)
    return (field, start, start + len(text), text, "PERSON")


def test_a_line_up_names_everyone_once_two_are_known():
    body = ("Teams :\nFrance - 1 - Bernard Lama ; 2 - Lilian Thuram ( 14 - Sabri Lamouchi 87th ) , "
            "5 - Laurent Blanc\nAttendance : 30,000")
    ents = [_person("Bernard Lama", body), _person("Laurent Blanc", body)]
    people = {e.key for e in resolve("", body, ents) if e.kind == "person"}
    assert people == {"Bernard Lama", "Laurent Blanc", "Lilian Thuram", "Sabri Lamouchi"}


def test_a_lone_capitalised_run_on_a_line_is_not_promoted():
    body = "Bernard Lama met Real Madrid officials on Monday.\nLaurent Blanc , Real Madrid"
    ents = [_person("Bernard Lama", body)]
    people = {e.key for e in resolve("", body, ents) if e.kind == "person"}
    assert people == {"Bernard Lama"}


def test_most_names_with_a_country_are_people_even_where_the_model_says_org():
    body = ("1. Carla Sacramento ( Portugal ) 4:08.96\n2. Yekaterina Podkopayeva ( Russia ) 4:09.25\n"
            "3. Leah Pells ( Canada ) 4:09.95\n4. Gabriela Szabo ( Romania ) 4:10.01\n"
            "Scorers : Romania - Cosmin Contra ( 31st )")
    ents = [_person("Carla Sacramento", body), _person("Gabriela Szabo", body),
            ("body", body.index("Yekaterina"), body.index("Yekaterina") + 22, "Yekaterina Podkopayeva", "ORG")]
    people = {e.key for e in resolve("", body, ents) if e.kind == "person"}
    assert {"Yekaterina Podkopayeva", "Leah Pells", "Cosmin Contra"} <= people


def test_bylines_and_sign_offs_name_the_reporter():
    body = "Adrian Warner\nBERLIN 1996-08-30\nMarkets rose.\n-- Luli Popescu , Bucharest Newsroom 40-1\n-- Warsaw Newsroom +48 22"
    people = {e.key for e in resolve("", body, []) if e.kind == "person"}
    assert people == {"Adrian Warner", "Luli Popescu"}


def test_a_common_word_opening_a_line_is_not_a_name():
    body = "Attendance : 2,000\nDeath is natural , he said .\nWang was jailed .\nPolice detained Wang ."
    ents = [_person("Attendance", body), _person("Death", body), _person("Wang", body)]
    people = {e.key for e in resolve("", body, ents) if e.kind == "person"}
    assert people == {"Wang"}


def test_particles_the_model_leaves_out_belong_to_the_name():
    body = "A penalty from Van der Westhuizen set up the try, and de Silva scored."
    ents = [("body", body.index("Westhuizen"), body.index("Westhuizen") + 10, "Westhuizen", "PERSON"),
            ("body", body.index("Silva"), body.index("Silva") + 5, "Silva", "PERSON")]
    spans = {body[m.start:m.end] for e in resolve("", body, ents) if e.kind == "person"
             for m in e.mentions}
    assert spans == {"Van der Westhuizen", "de Silva"}


def test_initials_of_an_organisation_or_a_place_are_not_a_name():
    body = "The U.N. Security Council met. S. Korea and N. Korea talked. G.W. Bush spoke."
    people = {e.key for e in resolve("", body, []) if e.kind == "person"}
    assert people == {"G.W. Bush"}


def _sample_articles():
    from indexer.readers import read_paths
    from tests.conftest import SAMPLES

    return [(x.article.title, x.article.body) for x in read_paths([SAMPLES])
            if hasattr(x, "article")]


def _keys(results):
    return [sorted((e.kind, e.key, len(e.mentions)) for e in ents) for ents in results]


def test_helper_processes_find_the_same_entities(extractor):
    from indexer.entities import EntityExtractor

    items = _sample_articles()
    assert len(items) >= EntityExtractor.MIN_SPLIT
    split = EntityExtractor(workers=2)
    try:
        assert _keys(split.extract_many(items)) == _keys(extractor._extract_here(items))
        assert split._pool is not None, "the batch was split across processes"
    finally:
        split.close()


def test_a_dead_helper_loses_no_article(extractor, caplog):
    from indexer.entities import EntityExtractor

    items = _sample_articles()
    split = EntityExtractor(workers=2)
    split.extract_many(items[:EntityExtractor.MIN_SPLIT])
    split._pool.procs[0].kill()
    split._pool.procs[0].wait()
    out = split.extract_many(items)
    assert _keys(out) == _keys(extractor._extract_here(items))
    assert split.workers == 1 and "entity helper failed" in caplog.text


def test_a_bare_name_enters_the_people_only_as_a_full_name_or_a_known_mononym():
    from archive.model import Entity, Mention
    from indexer.entities import NameBook

    book = NameBook({"Richard Lyng": 2, "George Bush": 1, "Laura Bush": 1})

    def keys(*names):
        ents = [Entity("person", n, n, [Mention("body", 10 * i, 10 * i + len(n))])
                for i, n in enumerate(names)]
        return {e.key for e in book.resolve(ents)}

    assert keys("Lyng") == {"Richard Lyng"}, "the archive knows the full name"
    assert keys("Surrey", "Abdulaziz", "Avg") == set(), "half names, teams, table words"
    assert keys("Pele", "Suharto", "Madonna") == {"Pele", "Suharto", "Madonna"}
    assert keys("Bush") == {"Bush"}, "a surname of known people, just not one certain person"
    book.full["Energy Suharto"] += 5  # a title the model glued on, elsewhere in the archive
    assert keys("Suharto") == {"Suharto"}, "a known mononym is a whole name"
    assert keys("Margaret Olsen") == {"Margaret Olsen"}, "full names are not affected"


def test_an_article_a_helper_cannot_read_fails_its_batch_and_the_helper_stays(extractor):
    from indexer.entities import EntityExtractor
    from indexer.nerworker import ReplyError

    items = _sample_articles()[:EntityExtractor.MIN_SPLIT]
    broken = items[:-1] + [("A headline", 12345)]  # the second half goes to the helper
    split = EntityExtractor(workers=2)
    try:
        with pytest.raises(ReplyError):
            split.extract_many(broken)
        helper = split._pool.procs[0]
        # The next batch is split across the same helper, and its answer is
        # this batch's (no reply to the failed request was left in the pipe).
        assert _keys(split.extract_many(items)) == _keys(extractor._extract_here(items))
        assert split.workers == 2 and split._pool.procs[0] is helper and helper.poll() is None
    finally:
        split.close()


# What the article is about, one row per salience rule: (headline, body, the
# model's mentions, countries about, countries mentioned but not about).
ABOUT = {
    # A US-listed company in the headline: the story is about the US even
    # where the copy names no place.
    "US listing in the headline": (
        "HARROWGATE TOOLS <HGT> BUYS MACHINE MAKER",
        "Harrowgate Tools Inc said it agreed to buy a maker of milling machines for "
        "12 mln dlrs in cash.", [], {"US"}, set()),
    "Nasdaq listing": (
        "WEMBLY SYSTEMS <WMBY.O> SEES LOSS",
        "Wembly Systems Inc said it expects a loss for the quarter.", [], {"US"}, set()),
    # Another market's suffix is not a US listing.
    "Tokyo listing": (
        "KASUMI TRADING <KSMI.T> RAISES DIVIDEND",
        "Kasumi Trading Co said it would raise its dividend.", [], set(), set()),
    # A word of English in a capitals headline is not read as a country
    # through country_converter's patterns, which match inside words.
    "English word in a capitals headline": (
        "BANK BUYS BILLS FOR CUSTOMER",
        "The central bank bought bills for a customer account, a spokesman said.",
        [], set(), set()),
    "foreign name in a capitals headline": (
        "BANCA DI ROMAGNA D'ITALIA RESULTS", "Net profit rose.", [], {"IT"}, set()),
    # Named three times in a story plainly about another country: in passing.
    "in passing beside the top country": (
        "U.S. wine exports rose",
        "WASHINGTON, March 3 - U.S. wine exports rose 15 pct last year, the U.S. trade "
        "group said.\n    Growers in the U.S. shipped more to Canada, Japan and Sweden.\n"
        "    Japan took more red wine. Sales to Japan were the largest since 1980, and "
        "the U.S. group expects more.",
        [("U.S.", "GPE"), ("U.S.", "GPE"), ("U.S.", "GPE"), ("Canada", "GPE"), ("Japan", "GPE"),
         ("Sweden", "GPE"), ("Japan", "GPE"), ("Japan", "GPE"), ("U.S.", "GPE")],
        {"US"}, {"CA", "JP", "SE"}),
    # A second country the story is also about keeps its share of the top's.
    "two countries": (
        "Japan and U.S. trade talks",
        "TOKYO, March 3 - Japan and the United States opened talks on chips.\n"
        "    The United States wants Japan to buy more.",
        [("Japan", "GPE"), ("the United States", "GPE"), ("The United States", "GPE"),
         ("Japan", "GPE")],
        {"JP", "US"}, set()),
    # The country a feature names most, twice or more, though never in the
    # headline or the lead.
    "the place a feature names most": (
        "Singer's claim dismissed",
        "A judge has thrown out a claim against the singer's estate.\n\n"
        "The case was heard by a court in Los Angeles, in the United States.\n\n"
        "Her US label said it was pleased, as did fans in Brazil.",
        [("Los Angeles", "GPE"), ("the United States", "GPE"), ("US", "GPE"), ("Brazil", "GPE")],
        {"US"}, {"BR"}),
    "named once, after the lead": (
        "Exports rise", "Exports rose in March.\n\nShipments to France rose too.",
        [("France", "GPE")], set(), {"FR"}),
    # A company named for a place, by its company form or its listing code,
    # is no mention of the place.
    "company named for a place": (
        "CAYMAN SUN <CSN> CHARTERS SHIP",
        "Cayman Sun Cruises Inc said it chartered a ship. The ship was built in Norway.",
        [("Cayman", "GPE"), ("Norway", "GPE")], {"US"}, {"NO"}),
}


@pytest.mark.parametrize("case", sorted(ABOUT))
def test_what_an_article_is_about(case):
    title, body, spans, about, passing = ABOUT[case]
    out = {e.key: e for e in resolve(title, body, located(body, spans)) if e.kind == "country"}
    assert {k for k, e in out.items() if e.about} == about
    assert {k for k, e in out.items() if not e.about} == passing


# Whether a person fills the people facet: a full name or a known mononym
# can; a bare name no full name owns is marked but lists no one, however
# often the article names it.
PERSON_ABOUT = {
    "full name": ("Tobias Wrenfield", True),
    "known mononym": ("Suharto", True),
    "bare surname": ("Wrenfield", False),
}


@pytest.mark.parametrize("case", sorted(PERSON_ABOUT))
def test_only_a_whole_name_fills_the_people_facet(case):
    from archive.model import Entity, Mention
    from indexer.entities import score

    name, about = PERSON_ABOUT[case]
    title = f"{name} resigns"
    body = f"{name} said on Monday he would resign. {name} said he was tired. {name} left."
    mentions = [Mention("title", 0, len(name))] + [
        Mention("body", i, i + len(name)) for i in range(len(body)) if body.startswith(name, i)]
    [e] = score([Entity("person", name, name, mentions)], title, body)
    assert e.about is about


@pytest.mark.parametrize("bare,published,expected", [
    ("Bush", dt.date(1987, 3, 2), "George Bush"),  # his son is not yet in the news
    ("Bush", dt.date(2004, 11, 3), "George W Bush"),
    ("Bush", None, "Bush"),  # undated: two Bushes, too ambiguous to guess
    ("Phelps", dt.date(1987, 3, 2), "Phelps"),  # the 2004 swimmer is of another era
    ("Phelps", dt.date(2004, 8, 20), "Michael Phelps"),
])
def test_a_bare_name_resolves_only_to_people_of_its_time(bare, published, expected):
    from archive.model import Entity, Mention
    from indexer.entities import NameBook

    book = NameBook({"George Bush": 3, "George W Bush": 4, "Michael Phelps": 5},
                    {"George Bush": (dt.date(1986, 5, 1), dt.date(1988, 11, 9)),
                     "George W Bush": (dt.date(2003, 1, 1), dt.date(2005, 12, 1)),
                     "Michael Phelps": (dt.date(2004, 8, 14), dt.date(2004, 8, 21))})
    ents = [Entity("person", bare, bare, [Mention("body", 0, len(bare))])]
    assert [e.key for e in book.resolve(ents, "", bare, published)] == [expected]


def test_the_book_learns_each_names_dates_as_it_reads():
    from archive.model import Entity, Mention
    from indexer.entities import NameBook

    book = NameBook()
    phelps = [Entity("person", "Michael Phelps", "Michael Phelps", [Mention("body", 0, 14)])]
    book.add([phelps, phelps], published=[dt.date(2004, 8, 14), dt.date(2004, 8, 21)])
    assert book.dates["Michael Phelps"] == (dt.date(2004, 8, 14), dt.date(2004, 8, 21))
    bare = [Entity("person", "Phelps", "Phelps", [Mention("body", 0, 6)])]
    assert [e.key for e in book.resolve(bare, "", "Phelps", dt.date(1987, 3, 2))] == ["Phelps"]
    assert [e.key for e in book.resolve(bare, "", "Phelps", dt.date(2004, 9, 1))] == \
        ["Michael Phelps"]


def test_a_name_known_only_from_undated_articles_owns_no_dated_bare_name():
    """The shared corpus's BBC stories are undated: Michael Phelps written out
    there must not claim the "Phelps" of a dated 1987 story."""
    from archive.model import Entity, Mention
    from indexer.entities import NameBook

    book = NameBook({"Michael Phelps": 5})
    bare = [Entity("person", "Phelps", "Phelps", [Mention("body", 0, 6)])]
    assert [e.key for e in book.resolve(bare, "", "Phelps", dt.date(1987, 3, 2))] == ["Phelps"]
    assert [e.key for e in book.resolve(bare, "", "Phelps", None)] == ["Michael Phelps"]


def test_a_rebuild_dates_names_only_where_they_are_written_out():
    from archive.model import Article, Entity, Mention
    from archive.store import StoredArticle
    from indexer.pipeline import written_dates

    def stored(body, day, start, end):
        a = Article("x", "T", body, day)
        e = Entity("person", "Michael Phelps", "Michael Phelps", [Mention("body", start, end)])
        return StoredArticle(a, [e], [], "h", "m")

    merged = stored("Duff and Phelps rated the bonds.", dt.date(1987, 3, 2), 9, 15)
    written = stored("Michael Phelps won again.", dt.date(2004, 8, 20), 0, 14)
    undated = stored("Michael Phelps won again.", None, 0, 14)
    assert written_dates([merged, written, undated]) == \
        {"Michael Phelps": (dt.date(2004, 8, 20), dt.date(2004, 8, 20))}


def test_spellings_of_a_name_merge_only_within_an_era():
    from indexer.entities import NameBook

    book = NameBook({"George Bush": 26, "George W Bush": 18, "James Wright": 5,
                     "Jim Wright": 9},
                    {"George Bush": (dt.date(1987, 1, 5), dt.date(1987, 11, 2)),
                     "James Wright": (dt.date(1987, 2, 1), dt.date(1987, 3, 1)),
                     "Jim Wright": (dt.date(1987, 1, 1), dt.date(1987, 12, 1))})
    assert book.spelling("George W Bush") == "George W Bush", "the son is of another era"
    assert book.spelling("James Wright") == "Jim Wright"


@pytest.mark.parametrize("written,usual", [
    ("A. William Reynolds", "William Reynolds"),
    ("J. Hugh Liedtke", "Hugh Liedtke"),
    # Undated (BBC 2004) against dated 1987: the era guard, not the middle
    # initial, keeps the two apart (within an era they are one spelling).
    ("George W Bush", "George W Bush"),
])
def test_a_leading_initial_is_the_same_person_as_the_name_without_it(written, usual):
    from indexer.entities import NameBook

    book = NameBook({"William Reynolds": 6, "A. William Reynolds": 2, "Hugh Liedtke": 5,
                     "J. Hugh Liedtke": 3, "George Bush": 9, "George W Bush": 4},
                    {"George Bush": (dt.date(1987, 1, 5), dt.date(1987, 11, 2))})
    assert book.spelling(written) == usual
