"""A page for each person and country, and its JSON twin, on a real
embedded store built from tests/fixtures/entitypages: Angela Merkel is named
in four articles over three months, three of them with France or Macron;
Mario Draghi in one of them and in one undated article."""
import html
import re
from pathlib import Path

import pytest

from archive.web import create_app
from tests.conftest import make_indexer

FIXTURES = Path(__file__).parent / "fixtures" / "entitypages"
HX = {"HX-Request": "true"}


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory, extractor):
    from archive.embedding import HashEmbedder

    path = tmp_path_factory.mktemp("entitypages") / "store"
    ix = make_indexer(path, HashEmbedder(), extractor)
    summary = ix.index_paths([FIXTURES])
    assert not summary.failed and summary.new == 7
    ix.store.close()
    return path


@pytest.fixture
def client(store_dir):
    app = create_app({"STORE": str(store_dir), "EMBEDDER": "hash", "TESTING": True,
                      "WARMUP": False})
    return app.test_client()


def test_person_json_counts_months_and_who_is_named_with_them(client):
    e = client.get("/api/people/Angela%20Merkel").get_json()
    assert e["kind"] == "person" and e["label"] == "Angela Merkel" and e["total"] == 4
    assert [(b["month"], b["count"]) for b in e["months"]["bars"]] == \
        [("2024-01", 1), ("2024-02", 2), ("2024-03", 1)]
    feb = e["months"]["bars"][1]
    assert feb["url"] == "/?person=Angela+Merkel&from=2024-02-01&to=2024-02-29&scope=mentioned"
    people = {p["key"]: p["count"] for p in e["with"]["people"]}
    assert people == {"Emmanuel Macron": 2, "Mario Draghi": 1}, "herself left out"
    countries = {c["key"]: c["count"] for c in e["with"]["countries"]}
    assert countries["DE"] == 4 and countries["FR"] == 2 and "KE" not in countries
    macron = next(p for p in e["with"]["people"] if p["key"] == "Emmanuel Macron")
    assert macron["page_url"] == "/people/Emmanuel%20Macron"
    assert macron["both_url"] == \
        "/?person=Angela+Merkel&person=Emmanuel+Macron&scope=mentioned&together=1"
    assert [a["id"] for a in e["newest"]] == ["m-4", "m-3", "m-2", "m-1"]
    assert {a["id"] for a in e["relevant"]} == {"m-1", "m-2", "m-3", "m-4"}


def test_undated_articles_are_counted_beside_the_histogram(client):
    """An article without a date is in no month's bar: the page says how many
    such articles there are, so the bars need not add up to the total."""
    e = client.get("/api/people/Mario%20Draghi").get_json()
    assert e["total"] == 2 and sum(b["count"] for b in e["months"]["bars"]) == 1
    assert e["months"]["undated"] == 1
    assert "1 undated article is in no bar" in client.get("/people/Mario%20Draghi").text
    assert client.get("/api/people/Angela%20Merkel").get_json()["months"]["undated"] == 0


def test_a_month_bar_lands_on_exactly_that_months_articles(client):
    e = client.get("/api/people/Angela%20Merkel").get_json()
    feb = e["months"]["bars"][1]["url"]
    found = client.get("/api/search" + feb[1:]).get_json()
    assert sorted(h["id"] for h in found["hits"]) == ["m-2", "m-3"]


def test_person_page_shows_the_histogram_lists_and_escapes_titles(client):
    r = client.get("/people/Angela%20Merkel")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "<title>Angela Merkel – News archive</title>" in html
    assert ('href="/?person=Angela+Merkel&amp;from=2024-02-01&amp;to=2024-02-29'
            '&amp;scope=mentioned"') in html
    assert 'class="bar h10"' in html and 'class="bar h5"' in html
    assert 'href="/people/Emmanuel%20Macron"' in html and 'href="/countries/FR"' in html
    assert "&lt;b&gt;Merkel&lt;/b&gt; visits Paris" in html and "<b>Merkel</b>" not in html
    assert 'href="/?person=Angela+Merkel&amp;scope=mentioned">4 articles</a>' in html


def test_an_htmx_request_gets_the_content_alone(client):
    r = client.get("/people/Angela%20Merkel", headers=HX)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "<html" not in html and 'class="histogram"' in html
    assert "HX-Request" in r.headers["Vary"]


def test_country_page_and_json(client):
    e = client.get("/api/countries/FR").get_json()
    assert e["label"] == "France (FR)" and e["total"] == 3
    assert {p["key"] for p in e["with"]["people"]} == {"Emmanuel Macron", "Angela Merkel"}
    assert {c["key"]: c["count"] for c in e["with"]["countries"]} == {"DE": 2, "CN": 1}
    assert e["newest"][0]["id"] == "m-5"
    html = client.get("/countries/FR").get_data(as_text=True)
    assert "France (FR)" in html
    assert 'href="/?country=FR&amp;from=2024-03-01&amp;to=2024-03-31&amp;scope=mentioned"' in html


def test_other_spellings_redirect_to_the_one_address(client):
    r = client.get("/people/merkel")
    assert r.status_code == 302 and r.headers["Location"] == "/people/Angela%20Merkel"
    r = client.get("/api/people/merkel")
    assert r.headers["Location"] == "/api/people/Angela%20Merkel"
    r = client.get("/countries/France")
    assert r.status_code == 302 and r.headers["Location"] == "/countries/FR"


@pytest.mark.parametrize("typed,canonical", [
    ("/people/Angela%20Merkel.", "/people/Angela%20Merkel"),
    ("/people/ANGELA%20%20merkel", "/people/Angela%20Merkel"),
    ("/countries/USSR", "/countries/SU"),
    ("/countries/U.S.S.R.", "/countries/SU"),
])
def test_spellings_with_dots_cases_and_former_states_find_the_page(client, typed, canonical):
    r = client.get(typed)
    assert r.status_code == 302 and r.headers["Location"] == canonical, r.status_code


def test_a_name_matches_whatever_its_apostrophe_and_initials():
    from archive.web.names import person_candidates

    people = {"Brian O'Driscoll": 10, "George W Bush": 7}
    assert person_candidates("Brian O\u2019Driscoll", people) == ["Brian O'Driscoll"]
    assert person_candidates("George W. Bush", people) == ["George W Bush"]


def test_unknown_names_are_404_with_a_clear_escaped_message(client):
    r = client.get("/people/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    html = r.get_data(as_text=True)
    assert r.status_code == 404 and "No person called" in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    r = client.get("/api/people/Nobody%20Here")
    assert r.status_code == 404
    assert r.get_json()["error"]["message"] == "No person called 'Nobody Here' in the archive."
    r = client.get("/countries/ZZ")
    assert r.status_code == 404 and "No country called &#39;ZZ&#39;" in r.get_data(as_text=True)
    r = client.get("/api/countries/CL")
    assert r.status_code == 404
    assert r.get_json()["error"]["message"] == "No article in the archive mentions Chile (CL)."


def test_search_facets_link_to_the_entity_pages_and_the_filter(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/?person=Angela+Merkel"' in html
    assert 'class="page-link" href="/people/Angela%20Merkel"' in html
    assert 'class="page-link" href="/countries/DE"' in html
    api = client.get("/api/search").get_json()
    people = next(f for f in api["facets"] if f["name"] == "people")
    assert people["results"][0]["page_url"] == "/people/Angela%20Merkel"


def test_article_mentions_open_the_page_and_the_side_list_offers_the_filter(client):
    html = client.get("/articles/m-4").get_data(as_text=True)
    body = html[html.index('<div class="body">'):html.index("</article>")]
    assert 'href="/people/Mario%20Draghi"' in body and 'href="/countries/IT"' in body
    side = html[html.index('<aside class="article-side">'):]
    assert 'href="/people/Angela%20Merkel"' in side and 'href="/?person=Angela+Merkel"' in side


def test_elasticsearch_gives_the_same_profiles(store_dir, es_alias, es_url, extractor):
    from archive.embedded import EmbeddedStore
    from archive.embedding import HashEmbedder
    from archive.web import profile
    from indexer.pipeline import Indexer
    from tests.conftest import open_test_store

    emb = HashEmbedder()
    es = open_test_store("elasticsearch", None, emb, es_alias, es_url)
    assert Indexer(es, emb, extractor).index_paths([FIXTURES]).new == 7
    embedded = EmbeddedStore(store_dir, embedder=lambda: emb)
    for build, key in ((profile.person, "Angela Merkel"), (profile.country, "FR")):
        a, b = build(embedded, key), build(es, key)
        # BM25 scores differ between the two engines; the articles do not.
        a["relevant"] = sorted(x["id"] for x in a["relevant"])
        b["relevant"] = sorted(x["id"] for x in b["relevant"])
        assert a == b, key


def test_a_person_page_opened_from_a_search_leads_back_to_it(client):
    search = client.get("/?q=talks&country=DE").get_data(as_text=True)
    link = re.search(r'href="(/people/Angela%20Merkel\?[^"]*)"', search).group(1)
    page = client.get(html.unescape(link)).get_data(as_text=True)
    back = re.search(r'href="([^"]*)" class="back">← Back to your search', page).group(1)
    assert html.unescape(back) in ("/?q=talks&country=DE", "/?country=DE&q=talks")
    plain = client.get("/people/Angela%20Merkel").get_data(as_text=True)
    assert 'href="/" class="back">← Search' in plain


def test_often_mentioned_with_opens_the_pages_and_offers_the_filter(client):
    html = client.get("/articles/m-4").get_data(as_text=True)
    related = html[html.index("Often mentioned with"):]
    related = related[:related.index("</section>")]
    pages = re.findall(r'class="ent ent-(?:person|country)" href="(/(?:people|countries)/[^"]+)"',
                       related)
    searches = re.findall(r'class="filter-link" href="(/\?(?:person|country)=[^"]+)"', related)
    assert pages and len(pages) == len(searches)


@pytest.mark.parametrize("url,param", [("/api/people/Angela%20Merkel", "person=Angela+Merkel"),
                                       ("/api/countries/DE", "country=DE"),
                                       ("/api/countries/CN", "country=CN")])
def test_a_page_counts_every_article_naming_it_and_links_those_about_it(client, url, param):
    """The page is about every article that names the entity; how many are
    about it is the search's default scope, one link away."""
    e = client.get(url).get_json()
    assert e["search_url"] == f"/?{param}&scope=mentioned"
    assert e["about_url"] == f"/?{param}"
    named = client.get(f"/api/search?{param}&scope=mentioned").get_json()["total"]
    about = client.get(f"/api/search?{param}").get_json()["total"]
    assert (e["total"], e["about_total"]) == (named, about) and about <= named
    html = client.get(url.replace("/api", "")).get_data(as_text=True)
    assert "Counts on this page are of every article that names" in html


def test_a_page_lists_the_spellings_merged_into_the_name(client):
    """Bare "Merkel" in a headline and in later sentences is the same person
    as "Angela Merkel": the page says how the articles write her."""
    e = client.get("/api/people/Angela%20Merkel").get_json()
    written = {v["text"]: v["count"] for v in e["variants"]["names"]}
    assert written == {"Angela Merkel": 4, "Merkel": 3}
    assert e["variants"]["over"] == 4 and not e["variants"]["only_label"]
    page = client.get("/people/Angela%20Merkel").get_data(as_text=True)
    line = page[page.index('class="variants"'):]
    line = line[:line.index("</p>")]
    assert '<span class="variant">Merkel</span>' in line and "newest 4 articles" in line


@pytest.mark.parametrize("other", ["people", "countries"])
def test_n_together_opens_exactly_the_n_articles_naming_both(client, other):
    """Two people (or two countries) are alternatives in a search's facet;
    the page's "2 together" link asks for both, and lands on those 2."""
    e = client.get("/api/people/Angela%20Merkel").get_json()
    for r in e["with"][other]:
        found = client.get("/api/search" + r["both_url"][1:]).get_json()
        assert found["total"] == r["count"], (r["key"], found["total"], r["count"])
    macron = next(r for r in e["with"]["people"] if r["key"] == "Emmanuel Macron")
    page = client.get(macron["both_url"]).get_data(as_text=True)
    assert "naming them all together" in page
    either = client.get("/api/search?person=Angela+Merkel&person=Emmanuel+Macron"
                        "&scope=mentioned").get_json()
    assert either["total"] > macron["count"], "without together, either will do"


def test_a_page_opened_from_a_search_counts_that_searchs_articles_about_it(client):
    e = client.get("/api/people/Angela%20Merkel?q=talks&country=DE").get_json()
    narrowed = e["in_search"]["url"]
    assert narrowed == "/?q=talks&person=Angela+Merkel&country=DE"
    found = client.get("/api/search" + narrowed[1:]).get_json()
    assert e["in_search"]["total"] == found["total"] > 0
    assert client.get("/api/people/Angela%20Merkel").get_json()["in_search"] is None
    page = client.get("/people/Angela%20Merkel?q=talks&country=DE").get_data(as_text=True)
    assert f'{found["total"]} article' in page and "of your search" in page
    # Opened from a search filtered by another person: the narrowed search needs both.
    e = client.get("/api/people/Angela%20Merkel?person=Emmanuel+Macron").get_json()
    assert "together=1" in e["in_search"]["url"]
    # Beside alternatives ("France or Kenya"), "together" would bind them too: no count.
    e = client.get("/api/people/Angela%20Merkel?person=Emmanuel+Macron&country=FR"
                   "&country=KE").get_json()
    assert e["in_search"] is None
    # Opened from a search that chose it among alternatives: about it, not either.
    e = client.get("/api/people/Angela%20Merkel?person=Angela+Merkel"
                   "&person=Mario+Draghi").get_json()
    alone = client.get("/api/search?person=Angela+Merkel").get_json()
    either = client.get("/api/search?person=Angela+Merkel&person=Mario+Draghi").get_json()
    assert e["in_search"]["total"] == alone["total"] < either["total"]


def test_together_counts_are_of_every_article_when_the_newest_choose_who(client, monkeypatch):
    """Who is listed with a person comes from the newest articles; the count
    beside them is of every article, so the link opens that many."""
    from archive.web import profile

    monkeypatch.setattr(profile, "MAX_SIZE", 2)  # only the two newest articles choose
    e = client.get("/api/people/Angela%20Merkel").get_json()
    assert e["counted_over"] == 2 and any(r["count"] == 2 for r in e["with"]["people"])
    for r in e["with"]["people"]:
        found = client.get("/api/search" + r["both_url"][1:]).get_json()
        assert found["total"] == r["count"], r
