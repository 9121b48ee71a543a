"""The search page in real headless Chromium (Debian's), driven by Playwright."""
import json
import os
import shutil
import threading

import pytest

from tests.conftest import SAMPLES, make_indexer, unavailable

pytestmark = pytest.mark.slow
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def server(tmp_path_factory, extractor):
    from werkzeug.serving import make_server

    from archive.embedding import HashEmbedder
    from archive.web import create_app

    tmp = tmp_path_factory.mktemp("browser")
    evil = tmp / "evil.jsonl"
    evil.write_text(json.dumps({
        "id": "evil-1", "title": "Harmless <b>headline</b> about Vladimir Putin",
        "published": "2025-11-25", "source": "Test <i>Source</i>",
        "body": "Vladimir Putin spoke in Moscow. <script>window.__pwned = 1</script> "
                "<img src=x onerror=\"window.__pwned = 2\"> The end."}) + "\n")
    ix = make_indexer(tmp / "store", HashEmbedder(), extractor)
    ix.index_paths([SAMPLES, evil])
    ix.store.close()
    app = create_app({"STORE": str(tmp / "store"), "EMBEDDER": "hash"})
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1200, "height": 900})
    pg = ctx.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.errors = errors
    yield pg
    ctx.close()


def test_typing_a_query_shows_results_without_a_page_load(server, page):
    page.goto(server + "/")
    page.evaluate("window.__same_page = true")
    page.fill("#q", "Messi")
    page.wait_for_selector(".hit h2:has-text('Argentina beat Brazil')", timeout=10000)
    assert page.evaluate("window.__same_page") is True, "htmx swapped, no full reload"
    assert "q=Messi" in page.url
    assert page.locator(".hit").count() >= 1
    assert page.errors == []


def test_clicking_a_person_facet_filters_counts_and_url_then_back_restores(server, page):
    page.goto(server + "/")
    total_before = page.locator(".count").inner_text()
    sources_before = page.locator(".facet-sources li").all_inner_texts()
    putin = page.locator(".facet-people a:has-text('Vladimir Putin')")
    promised = int(putin.locator(".n").inner_text())
    putin.click()
    page.wait_for_selector(".chip-person", timeout=10000)
    assert "person=Vladimir+Putin" in page.url
    assert page.locator(".count").inner_text() != total_before
    assert page.locator(".facet-sources li").all_inner_texts() != sources_before
    # The filter shows exactly the articles the facet counted.
    assert f"of {promised} article" in page.locator(".count").inner_text()
    assert page.locator(".hit").count() == min(promised, 10)
    page.go_back()
    page.wait_for_function("!location.search.includes('person=')", timeout=10000)
    page.wait_for_selector(".facet-people", timeout=10000)
    assert page.locator(".chip-person").count() == 0
    assert page.locator(".count").inner_text() == total_before


def test_a_pasted_url_renders_the_same_state(server, page):
    page.goto(server + "/?q=rates&mode=keyword&country=GB")
    assert page.input_value("#q") == "rates"
    assert page.is_checked("input[name=mode][value=keyword]")
    assert page.locator(".chip-country").inner_text().startswith("United Kingdom")


def test_article_page_highlights_mentions(server, page):
    page.goto(server + "/articles/s-017")
    people = page.locator(".body .ent-person")
    countries = page.locator(".body .ent-country")
    assert people.count() >= 4 and countries.count() >= 3
    color_p = people.first.evaluate("e => getComputedStyle(e).color")
    color_c = countries.first.evaluate("e => getComputedStyle(e).color")
    assert color_p != color_c, "people and countries look different"
    assert page.locator("text=Similar articles").count() == 1


def test_script_in_an_article_does_not_run(server, page):
    page.goto(server + "/articles/evil-1")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    body = page.locator(".body").inner_text()
    assert "<script>window.__pwned = 1</script>" in body
    page.goto(server + "/?q=Harmless&mode=keyword")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    assert "<b>headline</b>" in page.locator(".hit h2").first.inner_text()


def test_works_without_javascript(server, browser):
    ctx = browser.new_context(java_script_enabled=False)
    pg = ctx.new_page()
    pg.goto(server + "/")
    pg.fill("#q", "Messi")
    pg.press("#q", "Enter")
    pg.wait_for_load_state()
    assert "q=Messi" in pg.url and pg.locator(".hit").count() == 1
    ctx.close()


def test_phone_width_and_screenshot(server, browser, tmp_path):
    ctx = browser.new_context(viewport={"width": 390, "height": 844})
    pg = ctx.new_page()
    pg.goto(server + "/?q=peace+talks")
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, "no sideways scrolling on a phone"
    ctx.close()
    ctx = browser.new_context(viewport={"width": 1280, "height": 860})
    pg = ctx.new_page()
    pg.goto(server + "/?q=peace+talks+Ukraine")
    out = tmp_path / "screenshot.png"
    pg.screenshot(path=str(out))
    ctx.close()
    assert out.stat().st_size > 10_000


def test_switching_to_mentioned_then_a_country_then_back(server, page):
    """Search, count every mention instead of what stories are about, pick
    Russia, and go Back twice: each step's counts and URL come back."""
    page.goto(server + "/?q=Russia")
    russia = ".facet-countries a:has-text('Russia')"
    about = int(page.locator(russia).locator(".n").inner_text())
    page.click(".facet-scope a:has-text('Mentioned')")
    page.wait_for_selector(".facet-scope strong:has-text('Mentioned')", timeout=10000)
    assert "scope=mentioned" in page.url and "q=Russia" in page.url
    mentioned = int(page.locator(russia).locator(".n").inner_text())
    assert mentioned > about
    page.locator(russia).first.click()
    page.wait_for_selector(".chip-country", timeout=10000)
    assert "country=RU" in page.url and "scope=mentioned" in page.url
    assert f"of {mentioned} article" in page.locator(".count").inner_text()
    page.go_back()
    page.wait_for_function("!location.search.includes('country=')", timeout=10000)
    page.wait_for_selector(".facet-scope strong:has-text('Mentioned')", timeout=10000)
    assert int(page.locator(russia).locator(".n").inner_text()) == mentioned
    page.go_back()
    page.wait_for_function("!location.search.includes('scope=')", timeout=10000)
    page.wait_for_selector(".facet-scope strong:has-text('About')", timeout=10000)
    assert int(page.locator(russia).locator(".n").inner_text()) == about
    assert page.errors == []
