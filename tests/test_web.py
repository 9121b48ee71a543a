import pytest

from archive.web import create_app


@pytest.fixture
def client(sample_store):
    app = create_app({"STORE": str(sample_store.root), "EMBEDDER": "hash", "TESTING": True})
    return app.test_client()


def test_full_page_and_partial_from_one_url(client):
    full = client.get("/?q=Putin")
    assert full.status_code == 200 and b'id="search"' in full.data and b'id="results"' in full.data
    part = client.get("/?q=Putin", headers={"HX-Request": "true"})
    assert part.status_code == 200 and b'id="search"' not in part.data and b"hit-list" in part.data
    assert "HX-Request" in full.headers["Vary"]


def test_query_words_and_entities_are_marked(client):
    html = client.get("/?q=Budapest&mode=keyword").get_data(as_text=True)
    assert 'title="Country: Hungary (HU)" tabindex="-1"><mark>Budapest</mark></a>' in html
    assert 'class="ent ent-person"' in html


def test_facet_links_toggle_filters(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/?country=US"' in html
    html = client.get("/?country=US").get_data(as_text=True)
    assert 'class="chip chip-country"' in html
    assert 'aria-pressed="true"' in html


def test_json_twin_and_article_api(client):
    data = client.get("/api/search?q=Messi&mode=keyword").get_json()
    assert data["total"] == 1 and data["hits"][0]["id"] == "s-009"
    assert {f["name"] for f in data["facets"]} == {"people", "countries", "sources", "months"}
    a = client.get("/api/articles/s-009").get_json()
    assert a["article"]["title"].startswith("Messi scores twice")
    assert any(e["key"] == "Lionel Messi" for e in a["entities"])
    missing = client.get("/api/articles/nope")
    assert missing.status_code == 404 and missing.get_json()["error"]["status"] == 404


def test_article_page_marks_every_mention(client):
    html = client.get("/articles/s-017").get_data(as_text=True)
    assert html.count('class="ent ent-person"') >= 4
    assert "Similar articles" in html


@pytest.mark.parametrize("url", [
    "/?q=" + "x" * 5000, "/?page=1000000000", "/?page=-3", "/?from=notadate&to=2025-13-45",
    "/?mode=bogus", "/?size=100000", "/?q=%22open", "/api/search?q=((", "/?person=" + "p" * 500,
    "/?facet=unknown&country=ZZ",
])
def test_no_input_makes_a_500(client, url):
    assert client.get(url).status_code < 500


def test_csp_header_and_escaping(client):
    r = client.get("/?q=<script>alert(1)</script>")
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert b"<script>alert(1)</script>" not in r.data
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in r.data


def _counts(data, facet):
    return {v["value"]: v["count"] for f in data["facets"] if f["name"] == facet
            for v in f["results"]}


def test_facets_count_what_articles_are_about_and_switch_to_mentioned(client):
    """Russia is named in more sample stories than are about it; the default
    counts the stories about it, `scope=mentioned` every one naming it, and
    each scope's filter shows exactly the articles its facet counted."""
    about = client.get("/api/search?more=countries").get_json()
    mentioned = client.get("/api/search?scope=mentioned&more=countries").get_json()
    assert about["scope"] == "about" and mentioned["scope"] == "mentioned"
    ru = _counts(about, "countries")["RU"], _counts(mentioned, "countries")["RU"]
    assert 0 < ru[0] < ru[1]
    people = next(f for f in mentioned["facets"] if f["name"] == "people")
    assert people["scope"] == "mentioned"
    assert all("scope=mentioned" in v["toggle_url"] for v in people["results"])
    only_about = client.get("/api/search?country=RU&size=50").get_json()
    every = client.get("/api/search?country=RU&size=50&scope=mentioned").get_json()
    assert (only_about["total"], every["total"]) == ru
    passing = {h["id"] for h in every["hits"]} - {h["id"] for h in only_about["hits"]}
    assert passing, "some stories name Russia only in passing"
    # Such a story still marks every mention of Russia in its text.
    article = client.get(f"/articles/{sorted(passing)[0]}").get_data(as_text=True)
    assert 'title="Country: Russia (RU)' in article


def test_the_scope_rides_along_in_every_link(client):
    html = client.get("/?q=Putin&scope=mentioned").get_data(as_text=True)
    assert '<strong aria-current="true">Mentioned</strong>' in html
    assert '<a href="/?q=Putin" hx-get="/?q=Putin">About</a>' in html
    for link in ('href="/?q=Putin&amp;country=RU&amp;scope=mentioned"',
                 '<input type="hidden" name="scope" value="mentioned">'):
        assert link in html
    assert client.get("/?scope=everything").status_code == 200
    assert "Unknown scope" in client.get("/api/search?scope=everything").get_json()["warnings"][0]


def test_the_histogram_shows_empty_months_and_breaks_long_silences():
    from archive.web.present import timeline

    bars = [{"month": m, "label": m, "count": n, "height": n}
            for m, n in (("2003-11", 2), ("2004-02", 5), ("2019-06", 1))]
    out = timeline(bars)
    assert [b.get("month") for b in out[:4]] == ["2003-11", "2003-12", "2004-01", "2004-02"]
    assert [b["count"] for b in out[:4]] == [2, 0, 0, 5] and out[1]["empty"]
    assert out[4] == {"gap": 15 * 12 + 3, "count": 0, "height": 0,
                      "label": "15 years 3 months without articles"}
    assert out[5]["month"] == "2019-06" and len(out) == 6


def test_both_histograms_draw_empty_months_and_a_long_silence(tmp_path, extractor):
    """Articles in Nov 2003, Feb 2004 and Jun 2019: two empty months, then a
    break of 15 years 3 months, on the search page and the person's page."""
    import json

    from archive.embedding import HashEmbedder
    from archive.web import create_app
    from tests.conftest import make_indexer

    rows = [{"id": f"t{i}", "title": f"Harbour report {i}", "published": day,
             "body": f"Mayor Joan Hartley opened the harbour works on day {i}. Hartley said "
                     "the port would grow."}
            for i, day in enumerate(("2003-11-04", "2004-02-10", "2019-06-21"))]
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    ix = make_indexer(tmp_path / "store", HashEmbedder(), extractor)
    assert ix.index_paths([tmp_path / "a.jsonl"]).new == 3
    ix.store.close()
    client = create_app({"STORE": str(tmp_path / "store"), "EMBEDDER": "hash",
                         "TESTING": True, "WARMUP": False}).test_client()
    for url in ("/", "/people/Joan%20Hartley"):
        html = client.get(url).get_data(as_text=True)
        chart = html[html.index('class="histogram"'):]
        chart = chart[:chart.index("</ol>")]
        assert chart.count("<li") == 6 and chart.count("<a ") == 3, url
        assert chart.count('class="no-articles"') == 2, url
        assert 'class="gap" title="15 years 3 months without articles"' in chart, url


def test_line_breaks_in_a_pasted_url_are_spaces_not_glue(client):
    """A search box cannot hold a line break: read as a space, the words on
    either side stay two words in the box, the URL and the search."""
    data = client.get("/api/search", query_string={"q": "Putin\nTrump"}).get_json()
    assert data["request"]["q"] == "Putin Trump"
    html = client.get("/", query_string={"q": "Putin\r\nTrump"}).get_data(as_text=True)
    assert 'value="Putin Trump"' in html


def test_an_article_without_a_headline_can_still_be_opened(tmp_path, extractor):
    """Wire tables and some feeds have no headline: every list that links to
    the article gives the link words, and the article page a heading."""
    import json
    import re

    from archive.embedding import HashEmbedder
    from archive.web import create_app
    from tests.conftest import make_indexer

    rows = [{"id": "t0", "title": "", "published": "2004-02-10",
             "body": "Mayor Joan Hartley opened the harbour works. Hartley said the port "
                     "would grow."},
            {"id": "t1", "title": "Harbour grows", "published": "2004-03-10",
             "body": "Mayor Joan Hartley said the harbour works were done. Hartley thanked "
                     "the port's staff."}]
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    ix = make_indexer(tmp_path / "store", HashEmbedder(), extractor)
    ix.index_paths([tmp_path / "a.jsonl"])
    ix.store.close()
    client = create_app({"STORE": str(tmp_path / "store"), "EMBEDDER": "hash",
                         "TESTING": True, "WARMUP": False}).test_client()
    for url in ("/?q=harbour", "/people/Joan%20Hartley", "/articles/t1"):
        html = client.get(url).get_data(as_text=True)
        links = re.findall(r'<a href="/articles/t0[?"][^>]*>(.*?)</a>', html, re.S)
        assert links and all(re.sub("<[^>]+>", "", x).strip() for x in links), (url, links)
    page = client.get("/articles/t0").get_data(as_text=True)
    assert re.search(r"<h1>\s*\(no headline\)", page)
    assert "<title>(no headline) – News archive</title>" in page


def test_a_chosen_country_offers_the_former_state_it_was_part_of(client):
    """Stories of 1987 file Moscow and Kyiv under the Soviet Union: a reader
    who filters Ukraine is offered it, and the click keeps Ukraine too."""
    import re

    html = client.get("/?q=Putin&country=UA").get_data(as_text=True)
    links = re.findall(r'<li class="chip-also"><a href="([^"]+)"[^>]*>([^<]+)</a>', html)
    assert links == [("/?q=Putin&amp;country=UA&amp;country=SU", "+ Soviet Union too")]
    both = client.get("/?q=Putin&country=UA&country=SU").get_data(as_text=True)
    assert 'class="chip-also"' not in both
    assert both.count('class="chip chip-country"') == 2
    together = client.get("/?q=Putin&country=UA&country=DE&together=1").get_data(as_text=True)
    assert 'class="chip-also"' not in together, "naming them all together: not either"
