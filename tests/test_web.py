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
