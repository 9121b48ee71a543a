"""The search page as a daily tool, through Flask's test client: state that
every request carries, history decisions, counts, names as filters, paging
past the end, sort, export, feeds, warm-up and the error page rules."""
import csv
import io
import json
import time

import pytest

from archive.model import FacetValue, Hit, SearchRequest, SearchResult
from archive.web import create_app, params


@pytest.fixture
def app(sample_store):
    return create_app({"STORE": str(sample_store.root), "EMBEDDER": "hash", "TESTING": True,
                       "WARMUP": False})


@pytest.fixture
def client(app):
    return app.test_client()


HX = {"HX-Request": "true"}


# -- state that never drops --------------------------------------------------
def test_every_partial_carries_the_whole_state_out_of_band(client):
    html = client.get("/?q=peace&mode=keyword&country=UA&person=Donald+Trump&sort=newest"
                      "&size=20&from=2025-10-01&to=2025-10-31", headers=HX).get_data(as_text=True)
    state = html[html.index('<div id="state" hx-swap-oob="true">'):]
    state = state[:state.index("</div>")]
    for name, value in (("person", "Donald Trump"), ("country", "UA"), ("sort", "newest"),
                        ("size", "20"), ("from", "2025-10-01"), ("to", "2025-10-31")):
        assert f'<input type="hidden" name="{name}" value="{value}">' in state, name
    modes = html[html.index('<fieldset id="modes" class="modes" hx-swap-oob="true">'):]
    modes = modes[:modes.index("</fieldset>")]
    assert 'value="keyword" checked' in modes and 'value="hybrid" checked' not in modes


def test_mode_switch_and_typing_send_the_form_with_its_filters(client):
    html = client.get("/?q=peace&country=UA").get_data(as_text=True)
    # The box and each mode radio include the whole form, filters and all.
    q = html[html.index('<input id="q"'):]
    assert 'hx-include="#search"' in q[:q.index(">")]
    radio = html[html.index('id="mode-keyword"'):]
    assert 'hx-include="#search"' in radio[:radio.index(">")]
    form = html[html.index('<form id="search"'):html.index("</form>")]
    assert '<input type="hidden" name="country" value="UA">' in form


def test_typing_replaces_the_url_and_explicit_actions_push_it(client):
    r = client.get("/?q=Putin", headers={**HX, "HX-Trigger": "q",
                                         "HX-Current-URL": "http://localhost/?q=Puti"})
    assert r.headers["HX-Replace-Url"] == "/?q=Putin" and "HX-Push-Url" not in r.headers
    r = client.get("/?q=Putin&country=Ukraine", headers={
        **HX, "HX-Current-URL": "http://localhost/?q=Putin"})
    assert r.headers["HX-Push-Url"] == "/?q=Putin&country=UA", "canonical: the code"
    # Enter on a query the typing already put in the URL adds no second entry.
    r = client.get("/?q=Putin", headers={**HX, "HX-Trigger": "search",
                                         "HX-Current-URL": "http://localhost/?q=Putin"})
    assert r.headers["HX-Push-Url"] == "false"


def test_history_restore_gets_the_full_page_with_the_box_and_mode_filled(client):
    r = client.get("/?q=rates&mode=keyword&country=GB",
                   headers={**HX, "HX-History-Restore-Request": "true"})
    html = r.get_data(as_text=True)
    assert 'id="q" name="q" type="search" value="rates"' in html
    assert 'value="keyword" checked' in html
    assert "HX-Push-Url" not in r.headers and "HX-Replace-Url" not in r.headers


# -- paging ------------------------------------------------------------------
def test_next_keeps_the_page_size(client):
    html = client.get("/?size=5").get_data(as_text=True)
    assert 'href="/?size=5&amp;page=2"' in html and 'rel="next"' in html
    html = client.get("/?size=5&page=2").get_data(as_text=True)
    assert "6–10 of 36 articles" in html


def test_page_size_links_keep_the_filters(client):
    html = client.get("/?country=UA&sort=newest").get_data(as_text=True)
    assert 'href="/?country=UA&amp;sort=newest&amp;size=20"' in html
    assert '<strong aria-current="true">10</strong>' in html
    html = client.get("/?country=UA&size=20", headers=HX).get_data(as_text=True)
    assert '<input type="hidden" name="size" value="20">' in html


def test_paging_stops_at_the_window_and_says_so(client, monkeypatch):
    from archive.web import params

    monkeypatch.setattr(params, "PAGEABLE", 20)  # 36 articles, 20 of them pageable
    html = client.get("/?page=2").get_data(as_text=True)
    assert "Page 2 of 2 (the first 20 matches; export gets them all)" in html
    assert 'rel="next"' not in html
    data = client.get("/api/search?page=7&size=10").get_json()
    assert data["request"]["page"] == 2
    assert any("Only the first 20 matches can be paged" in w for w in data["warnings"])


def test_a_page_past_the_end_says_so_and_links_the_last_page(client):
    html = client.get("/?size=10&page=9999").get_data(as_text=True)
    assert "9991" not in html and "past the end" in html
    assert 'href="/?page=4"' in html and "Go to the last page (4)" in html
    assert 'class="hit"' not in html
    page4 = client.get("/?page=4").get_data(as_text=True)
    assert "31–36 of 36 articles" in page4


def test_paging_scrolls_to_the_top_of_the_results(client):
    html = client.get("/?size=5").get_data(as_text=True)
    nxt = html[html.index('rel="next"') - 300:html.index('rel="next"')]
    assert 'hx-swap="innerHTML show:#results:top"' in nxt


def test_article_back_link_keeps_query_and_filters(client):
    html = client.get("/?q=Putin&mode=keyword&country=RU&sort=newest").get_data(as_text=True)
    start = html.index('<h2><a href="/articles/')
    href = html[start + len('<h2><a href="'):html.index('"', start + 15)].replace("&amp;", "&")
    assert "q=Putin" in href and "country=RU" in href and "mode=keyword" in href
    art = client.get(href).get_data(as_text=True)
    back = art[art.index('class="back"') - 200:art.index('class="back"')]
    for part in ("q=Putin", "mode=keyword", "country=RU", "sort=newest"):
        assert part in back, part


# -- honest counts and why each hit is there ---------------------------------
def _fake_result(req, **kw):
    hit = Hit("s-001", "Central bank holds rates", "2025-10-01", "Desk", "javascript:alert(1)",
              0.5, "Borrowing costs stay where they are.", 0, [], [], [], matched="meaning")
    words = Hit("s-002", "Rates rise", "2025-10-02", "Desk", "https://example.org/a", 0.9,
                "Rates rise again.", 0, [], [], [], matched="words")
    base = dict(total=49, hits=[words, hit], facets={"people": [FacetValue("A B", "A B", 3)]},
                request=req, keyword_total=37, semantic_total=12)
    base.update(kw)
    return SearchResult(**base)


def test_counts_tell_keyword_and_meaning_matches_apart(app, client, monkeypatch):
    from archive.web import views

    with app.app_context():
        store = views.get_store()
    monkeypatch.setattr(store, "search", lambda req: _fake_result(req))
    html = client.get("/?q=interest+rates").get_data(as_text=True)
    assert "37 articles contain your words; 12 more match by meaning." in html
    assert html.count("matched by meaning") == 1, "only the meaning-only hit is marked"
    assert "Fewer than 10 articles have all your words" not in html
    monkeypatch.setattr(store, "search", lambda req: _fake_result(
        req, relaxed=True, keyword_total=3, semantic_total=12))
    html = client.get("/?q=interest+rates+zzz").get_data(as_text=True)
    assert "3 articles contain all your words; 34 more contain some of them; " \
        "12 more match by meaning." in html
    assert "Fewer than 10 articles have all your words, so articles with some of them " \
        "follow." in html


def test_counts_fall_back_to_the_total_when_the_store_does_not_split_them(app, client,
                                                                          monkeypatch):
    from archive.web import views

    with app.app_context():
        store = views.get_store()
    monkeypatch.setattr(store, "search", lambda req: _fake_result(
        req, keyword_total=0, semantic_total=0))
    html = client.get("/?q=interest+rates").get_data(as_text=True)
    assert "of 49 articles" in html and "contain your words" not in html


# -- names as filters --------------------------------------------------------
def test_country_by_name_or_code(client):
    by_code = client.get("/api/search?country=UA").get_json()
    by_name = client.get("/api/search?country=Ukraine").get_json()
    lower = client.get("/api/search?country=ukraine").get_json()
    assert by_code["total"] > 0
    assert by_name["total"] == by_code["total"] == lower["total"]
    assert by_name["request"]["countries"] == ["UA"]
    bad = client.get("/api/search?country=Atlantis").get_json()
    assert bad["total"] == 0 and any("Atlantis" in w for w in bad["warnings"])


def test_person_by_surname_when_unambiguous(client):
    full = client.get("/api/search?person=Vladimir+Putin").get_json()
    short = client.get("/api/search?person=Putin").get_json()
    assert full["total"] > 0 and short["total"] == full["total"]
    assert short["request"]["people"] == ["Vladimir Putin"]


def test_a_bare_surname_kept_as_a_person_offers_the_full_names(monkeypatch):
    from archive.web import names

    people = {"Ronald Reagan": 511, "Reagan": 4, "Nancy Reagan": 9, "James Baker": 219}
    monkeypatch.setattr(names, "known_people", lambda store: people)
    warnings, notes = [], []
    assert names.resolve_people(["Reagan"], None, warnings, notes) == ["Reagan"]
    assert [c["name"] for c in notes[0]["candidates"]] == ["Ronald Reagan", "Nancy Reagan"]
    assert "you may mean Ronald Reagan (511)" in warnings[0]
    warnings, notes = [], []
    assert names.resolve_people(["Ronald Reagan"], None, warnings, notes) == ["Ronald Reagan"]
    assert warnings == notes == []


def test_ambiguous_person_lists_the_candidates(client):
    data = client.get("/api/search?person=Silva").get_json()
    names = {c["name"] for c in data["candidates"][0]["candidates"]}
    assert names == {"Luiz Inacio Lula da Silva", "Marina Silva"}
    assert any("could be several people" in w for w in data["warnings"])
    html = client.get("/?person=Silva").get_data(as_text=True)
    assert "Did you mean" in html and 'href="/?person=Marina+Silva"' in html


def test_known_people_are_read_once_per_store_generation(app, client, monkeypatch):
    from archive.web import views

    with app.app_context():
        store = views.get_store()
    from archive.web import names

    names._people_cache.clear()
    calls = []
    real = type(store).known_people
    monkeypatch.setattr(store, "known_people", lambda: calls.append(1) or real(store))
    for _ in range(3):
        data = client.get("/api/search?person=Putin").get_json()
        assert data["request"]["people"] == ["Vladimir Putin"]
    assert len(calls) == 1


# -- API ---------------------------------------------------------------------
def test_api_facet_links_point_to_the_api(client):
    data = client.get("/api/search?q=Putin&mode=keyword").get_json()
    urls = [v["toggle_url"] for f in data["facets"] for v in f["results"]]
    assert urls and all(u.startswith("/api/search?") for u in urls)


def test_size_above_the_maximum_says_it_was_clamped(client):
    data = client.get("/api/search?size=500").get_json()
    assert data["request"]["size"] == 100
    assert any("maximum of 100" in w for w in data["warnings"])
    html = client.get("/?size=500").get_data(as_text=True)
    assert "maximum of 50" in html


# -- sort --------------------------------------------------------------------
def test_sort_is_a_url_parameter_in_page_and_api(client):
    data = client.get("/api/search?sort=newest&q=Putin").get_json()
    assert data["request"]["sort"] == "newest"
    html = client.get("/?q=Putin&sort=newest").get_data(as_text=True)
    assert '<strong aria-current="true">Newest first</strong>' in html
    assert 'href="/?q=Putin"' in html  # back to relevance
    bad = client.get("/api/search?sort=sideways").get_json()
    assert bad["request"]["sort"] == "relevance" and bad["warnings"]


def test_a_query_sorted_newest_is_in_date_order(client):
    rel = client.get("/api/search?q=the&mode=keyword&size=50").get_json()
    data = client.get("/api/search?q=the&mode=keyword&size=50&sort=newest").get_json()
    assert data["total"] == rel["total"] > 3
    dates = [h["published"] for h in data["hits"] if h["published"]]
    assert dates == sorted(dates, reverse=True)


# -- export ------------------------------------------------------------------
def test_export_csv_has_every_match_not_just_the_page(client):
    r = client.get("/export.csv?mode=keyword&q=the&size=5")
    assert r.is_streamed and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    total = client.get("/api/search?mode=keyword&q=the").get_json()["total"]
    assert total > 5 and len(rows) == total
    assert list(rows[0]) == ["id", "headline", "date", "source", "url", "people", "countries",
                             "score"]


def test_export_jsonl_keeps_the_filters(client):
    r = client.get("/export.jsonl?country=Ukraine")
    lines = [json.loads(x) for x in r.get_data(as_text=True).splitlines()]
    assert lines and all("UA" in x["countries"] for x in lines)
    assert len(lines) == client.get("/api/search?country=UA").get_json()["total"]
    assert {"id", "headline", "date", "source", "url", "people", "countries", "score"} == set(lines[0])


def test_export_streams_in_batches(app, client, monkeypatch):
    """The response is produced while the store is still being read."""
    from archive.web import views

    with app.app_context():
        store = views.get_store()
    seen = []
    real = type(store).iter_results

    def spy(req, batch=500):
        for item in real(store, req, batch):
            seen.append(item[0].article.id)
            yield item

    monkeypatch.setattr(store, "iter_results", spy)
    r = client.get("/export.jsonl")
    chunks = iter(r.response)
    first = next(chunks)
    assert first and len(seen) < 36, "the first bytes leave before every row is read"
    rest = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
    assert (first if isinstance(first, bytes) else first.encode()).count(b"\n") + \
        rest.count(b"\n") == 36


# -- feeds -------------------------------------------------------------------
def test_every_search_has_a_valid_atom_feed(client):
    import feedparser

    r = client.get("/feed?country=UA")
    assert r.mimetype == "application/atom+xml"
    f = feedparser.parse(r.data)
    assert not f.bozo, f.get("bozo_exception")
    assert f.version == "atom10"
    assert "Ukraine" in f.feed.title
    n = client.get("/api/search?country=UA").get_json()["total"]
    assert len(f.entries) == min(n, 50) and n > 0
    dates = [e.updated for e in f.entries]
    assert dates == sorted(dates, reverse=True), "newest first"
    assert all(e.link.startswith("http://localhost/articles/") for e in f.entries)
    page = client.get("/?country=UA").get_data(as_text=True)
    assert 'type="application/atom+xml"' in page and 'href="/feed?country=UA"' in page


def test_feed_escapes_text(client):
    import feedparser

    f = feedparser.parse(client.get("/feed?q=%3Cscript%3E%26").data)
    assert not f.bozo and "<script>&" in f.feed.title


# -- warm-up ------------------------------------------------------------------
def test_model_warms_up_in_the_background_and_the_first_query_does_not_hang(
        sample_store, monkeypatch):
    import archive.embedding as embedding
    from archive.embedding import HashEmbedder

    loaded = []

    def slow_load(kind=None):
        if not loaded:
            time.sleep(1.5)
            loaded.append(HashEmbedder())
        return loaded[0]

    monkeypatch.setattr(embedding, "load_embedder", slow_load)
    app = create_app({"STORE": str(sample_store.root), "EMBEDDER": "hash-warm"})
    c = app.test_client()
    assert c.get("/api/status").get_json()["model"] == "warming up"
    started = time.perf_counter()
    data = c.get("/api/search?q=Putin").get_json()
    assert time.perf_counter() - started < 1.0, "answered with keywords, not stuck on the model"
    assert data["total"] > 0 and any("warming up" in w for w in data["warnings"])
    html = c.get("/?q=Putin", headers=HX).get_data(as_text=True)
    assert 'class="warming-poll"' in html, "the page asks again once the model is there"
    assert app.extensions["warmup"].done.wait(10)
    assert c.get("/api/status").get_json()["model"] == "ready"
    data = c.get("/api/search?q=Putin").get_json()
    assert not any("warming up" in w for w in data["warnings"])
    assert data["request"]["mode"] == "hybrid"


# -- errors, headers, links ----------------------------------------------------
def test_internal_error_text_is_never_shown(app, client, monkeypatch):
    from archive.web import views

    with app.app_context():
        store = views.get_store()

    def boom(req):
        raise ValueError("Schema error: field 'secret' internal detail")

    monkeypatch.setattr(store, "search", boom)
    for url, headers in (("/?q=x", {}), ("/?q=x", HX), ("/api/search?q=x", {})):
        r = client.get(url, headers=headers)
        assert r.status_code == 500
        assert b"Schema error" not in r.data and b"secret" not in r.data


def test_referrer_policy_and_allow_on_405(client):
    r = client.get("/")
    assert r.headers["Referrer-Policy"] in ("same-origin", "no-referrer",
                                           "strict-origin-when-cross-origin")
    r = client.post("/?q=x")
    assert r.status_code == 405 and "GET" in r.headers["Allow"]


def test_only_http_urls_become_links(tmp_path, extractor):
    from archive.embedding import HashEmbedder
    from tests.conftest import make_indexer

    src = tmp_path / "bad.jsonl"
    src.write_text("\n".join(json.dumps(d) for d in [
        {"id": "js-1", "title": "Script link story", "body": "Nothing to see here at all.",
         "url": "javascript:alert(document.cookie)", "published": "2025-10-01"},
        {"id": "ok-1", "title": "Plain link story", "body": "Nothing to see here either.",
         "url": "https://example.org/ok", "published": "2025-10-02"}]) + "\n")
    ix = make_indexer(tmp_path / "store", HashEmbedder(), extractor)
    ix.index_paths([src])
    ix.store.close()
    c = create_app({"STORE": str(tmp_path / "store"), "EMBEDDER": "hash",
                    "WARMUP": False}).test_client()
    for url in ("/articles/js-1", "/?q=story", "/feed?q=story"):
        body = c.get(url).get_data(as_text=True)
        assert "javascript:" not in body, url
    assert 'href="https://example.org/ok"' in c.get("/articles/ok-1").get_data(as_text=True)


# -- month histogram ------------------------------------------------------------
def test_month_clicks_select_clear_and_make_a_range():
    import datetime as dt

    req = SearchRequest()
    assert params.month_click(req, "2025-10") == {"from": "2025-10-01", "to": "2025-10-31"}
    one = SearchRequest(date_from=dt.date(2025, 10, 1), date_to=dt.date(2025, 10, 31))
    assert params.month_click(one, "2025-10") == {"from": None, "to": None}
    assert params.month_click(one, "2025-07") == {"from": "2025-07-01", "to": "2025-10-31"}
    assert params.month_click(one, "2026-02") == {"from": "2025-10-01", "to": "2026-02-28"}
    span = SearchRequest(date_from=dt.date(2025, 7, 1), date_to=dt.date(2025, 10, 31))
    assert params.month_click(span, "2025-08") == {"from": "2025-08-01", "to": "2025-08-31"}


def test_histogram_has_an_axis_and_a_visible_selected_month(client):
    html = client.get("/?from=2025-10-01&to=2025-10-31").get_data(as_text=True)
    hist = html[html.index('class="facet facet-months"'):]
    assert 'class="x-axis"' in hist and 'class="y-axis"' in hist
    assert "Articles per month" in hist
    sel = hist[hist.index('<li class="selected">'):]
    sel = sel[:sel.index("</li>")]
    assert 'aria-pressed="true"' in sel and "click to clear" in sel
    assert 'href="/"' in sel, "the selected month's link clears the dates"


# -- keyboard and screen readers (markup side) ---------------------------------
def test_live_region_is_the_count_only(client):
    html = client.get("/?q=Putin").get_data(as_text=True)
    assert 'id="results" aria-live' not in html
    live = html[html.index('aria-live="polite"') - 80:]
    live = live[:live.index("</p>")]
    assert 'id="announce"' in live and "article" in live and "<a" not in live
    part = client.get("/?q=Putin", headers=HX).get_data(as_text=True)
    assert '<p id="announce" hx-swap-oob="innerHTML">' in part


def test_names_in_passages_are_not_tab_stops(client):
    html = client.get("/?q=Putin&mode=keyword").get_data(as_text=True)
    passages = html.split('<p class="passage">')[1:]
    assert passages and any('class="ent' in p for p in passages)
    for p in passages:
        p = p[:p.index("</p>")]
        assert p.count("<a ") == p.count('tabindex="-1"')


def test_a_pasted_page_is_not_echoed_whole_in_the_count_line_or_title(client):
    pasted = "Oil prices rose sharply as traders weighed the supply outlook. " * 30
    html = client.get("/", query_string={"q": pasted}).get_data(as_text=True)
    title = html.split("<title>")[1].split("</title>")[0]
    assert len(title) < 100 and "…" in title
    echoed = html.split("for “")[1].split("”")[0]
    assert len(echoed) <= 81 and echoed.endswith("…")


def test_a_pasted_paragraph_is_not_said_to_contain_every_word(client):
    pasted = ("Prime Minister Viktor Orban hosted the leaders of Slovakia, the Czech "
              "Republic and Poland in Budapest to discuss energy prices and migration policy")
    data = client.get("/api/search", query_string={"q": pasted, "mode": "keyword"}).get_json()
    assert data["total"] > 0
    html = client.get("/", query_string={"q": pasted, "mode": "keyword"}).get_data(as_text=True)
    assert "at least 30% of your words" in html and "contain your words" not in html


def test_a_paste_found_only_by_meaning_is_not_said_to_have_more():
    from archive.model import SearchRequest, SearchResult
    from archive.web.present import counts

    paste = ("Prime Minister Viktor Orban hosted the leaders of Slovakia, the Czech "
             "Republic and Poland in Budapest to discuss energy prices and migration policy")
    r = SearchResult(7, [], {}, SearchRequest(paste), keyword_total=0, semantic_total=7)
    assert counts(r)["summary"] == "7 articles match by meaning"


def test_meaning_mode_says_its_hundred_are_the_closest_not_all_that_match():
    from archive.fusion import SEMANTIC_K
    from archive.model import SearchRequest, SearchResult
    from archive.web.present import counts

    full = SearchResult(SEMANTIC_K, [], {}, SearchRequest("ODriscoll", mode="semantic"))
    assert counts(full)["summary"] == f"the {SEMANTIC_K} articles closest in meaning"
    few = SearchResult(7, [], {}, SearchRequest("ODriscoll", mode="semantic"))
    assert counts(few)["summary"] == "7 articles match by meaning"
