"""The search page as a daily tool, in headless Chromium: sequences of
actions (filter, type, switch mode, Back) keep the state; slow and failing
requests; phone width; keyboard."""
import re
import threading
import time

import pytest

from tests.test_browser import ARGS, CHROMIUM  # noqa: F401  (same browser setup)
from tests.test_browser import browser  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow
SLOW = 1.5  # seconds a request whose query has "slowpoke" (and no filter) takes


@pytest.fixture(scope="module")
def server(sample_store):
    from werkzeug.serving import make_server

    from archive.web import create_app

    app = create_app({"STORE": str(sample_store.root), "EMBEDDER": "hash", "WARMUP": False})
    inner = app.wsgi_app

    def slow_queries(environ, start_response):
        # A stand-in for a slow search: lets a test click while it is in flight.
        qs = environ.get("QUERY_STRING", "")
        if "slowpoke" in qs and "country=" not in qs and "person=" not in qs:
            time.sleep(SLOW)
        return inner(environ, start_response)

    app.wsgi_app = slow_queries
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


@pytest.fixture
def page(browser):  # noqa: F811
    ctx = browser.new_context(viewport={"width": 1200, "height": 900})
    pg = ctx.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors
    yield pg
    ctx.close()


def settle(page, ms=150):
    """Wait until no htmx request is in flight."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request')", timeout=10000)
    page.wait_for_timeout(ms)


def type_into_box(page, text):
    page.click("#q")
    page.keyboard.press("End")
    page.keyboard.type(text, delay=30)


def url_has(page, *parts, timeout=10000):
    page.wait_for_function(
        "parts => parts.every(p => decodeURIComponent(location.search.replace(/\\+/g, ' ')).includes(p))",
        arg=list(parts), timeout=timeout)


# -- state that never drops --------------------------------------------------
def test_a_filter_survives_typing_and_switching_mode(server, page):
    page.goto(server + "/?q=Putin")
    page.click(".facet-countries a:has-text('Russia')")
    page.wait_for_selector(".chip-country", timeout=10000)
    url_has(page, "country=RU")
    type_into_box(page, " Trump")
    url_has(page, "q=Putin Trump")
    settle(page)
    assert "country=RU" in page.url, "typing kept the filter"
    assert page.locator(".chip-country").count() == 1
    page.click("label[for=mode-keyword]")
    url_has(page, "mode=keyword")
    settle(page)
    assert "country=RU" in page.url and page.locator(".chip-country").count() == 1
    type_into_box(page, " Hungary")
    url_has(page, "q=Putin Trump Hungary")
    settle(page)
    assert "country=RU" in page.url and "mode=keyword" in page.url
    assert page.is_checked("#mode-keyword")
    assert page.errors == []


def test_a_filter_survives_changing_the_sort(server, page):
    page.goto(server + "/?q=the&mode=keyword")
    page.click(".tools a:has-text('Newest first')")
    url_has(page, "sort=newest")
    settle(page)
    page.click(".facet-countries li:first-child a")
    page.wait_for_selector(".chip-country")
    type_into_box(page, " a")
    url_has(page, "q=the a")
    settle(page)
    assert "sort=newest" in page.url and "country=" in page.url


def test_a_facet_clicked_while_a_typed_query_loads_is_not_overwritten(server, page):
    page.goto(server + "/?q=Putin")
    page.fill("#q", "Putin slowpoke")
    page.wait_for_selector("#loading.htmx-request", state="attached", timeout=5000)
    page.click(".facet-countries a:has-text('Russia')")
    page.wait_for_selector(".chip-country", timeout=10000)
    page.wait_for_timeout(SLOW * 1000 + 500)  # the slow answer would have landed by now
    assert page.locator(".chip-country").count() == 1, "the older response did not win"
    assert "country=RU" in page.url
    assert page.input_value("#q") == "Putin slowpoke"
    assert "q=Putin+slowpoke" in page.url, "the facet used the query in the box"


def test_typing_replaces_history_and_back_forward_restore_everything(server, page):
    page.goto(server + "/")
    start = page.evaluate("history.length")
    page.click(".facet-countries a:has-text('Ukraine')")
    url_has(page, "country=UA")
    settle(page)
    assert page.evaluate("history.length") == start + 1, "a facet click pushes"
    for word in ("Put", "in", " Zel"):
        type_into_box(page, word)
        page.wait_for_timeout(500)  # a pause: a request each time
    url_has(page, "q=Putin Zel")
    settle(page)
    assert page.evaluate("history.length") == start + 1, "typing replaces"
    page.click("label[for=mode-keyword]")
    url_has(page, "mode=keyword")
    settle(page)
    assert page.evaluate("history.length") == start + 2, "a mode switch pushes"

    page.go_back()
    page.wait_for_function(
        "() => !location.search.includes('mode=keyword')", timeout=10000)
    settle(page)
    assert page.input_value("#q") == "Putin Zel"
    assert page.is_checked("#mode-hybrid") and not page.is_checked("#mode-keyword")
    assert page.locator(".chip-country").count() == 1
    assert page.locator("#state input[name=country]").get_attribute("value") == "UA"
    page.go_back()
    page.wait_for_function(
        "() => location.search === ''", timeout=10000)
    settle(page)
    assert page.input_value("#q") == "" and page.locator(".chip-country").count() == 0
    assert page.locator("#state input").count() == 0
    page.go_forward()
    url_has(page, "country=UA", "q=Putin Zel")
    settle(page)
    assert page.input_value("#q") == "Putin Zel" and page.locator(".chip-country").count() == 1
    # and the restored page goes on working with its state
    type_into_box(page, "ensky")
    url_has(page, "q=Putin Zelensky")
    settle(page)
    assert "country=UA" in page.url
    assert page.errors == []


def test_enter_pushes_once(server, page):
    page.goto(server + "/")
    start = page.evaluate("history.length")
    type_into_box(page, "Messi")
    url_has(page, "q=Messi")
    settle(page)
    page.press("#q", "Enter")
    settle(page, 400)
    assert page.evaluate("history.length") == start, "Enter on what the URL already says"
    type_into_box(page, " Brazil")
    page.press("#q", "Enter")
    url_has(page, "q=Messi Brazil")
    settle(page, 400)
    assert page.evaluate("history.length") == start + 1


def test_enter_straight_after_typing_pushes_one_entry(server, page):
    page.goto(server + "/?q=Putin")
    start = page.evaluate("history.length")
    type_into_box(page, " slowpoke")  # the submit is still in flight when the pause ends
    page.press("#q", "Enter")
    url_has(page, "q=Putin slowpoke", timeout=15000)
    page.wait_for_timeout(SLOW * 1000 + 800)
    settle(page)
    assert page.evaluate("history.length") == start + 1, "Enter added its entry"
    assert "q=Putin+slowpoke" in page.url


# -- paging ------------------------------------------------------------------
def test_next_keeps_size_and_scrolls_to_the_results(server, page):
    page.set_viewport_size({"width": 1200, "height": 600})
    page.goto(server + "/?size=7")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.click(".pager a[rel=next]")
    url_has(page, "page=2", "size=7")
    settle(page)
    assert page.locator(".count").inner_text().startswith("8–14 of")
    top = page.evaluate("document.getElementById('results').getBoundingClientRect().top")
    assert -5 <= top < 100, f"results start at the top of the view, not {top}px"


def test_past_the_end_offers_the_last_page(server, page):
    page.goto(server + "/?page=9999")
    assert "past the end" in page.locator(".past-end").inner_text()
    page.click(".past-end a")
    url_has(page, "page=4")
    settle(page)
    assert page.locator(".hit").count() == 6


def test_article_back_link_returns_to_the_same_search(server, page):
    page.goto(server + "/?q=Putin&country=RU&mode=keyword")
    page.click(".hit h2 a >> nth=0")
    page.wait_for_selector(".article")
    page.click("a.back")
    page.wait_for_selector(".chip-country")
    assert page.input_value("#q") == "Putin" and page.is_checked("#mode-keyword")


# -- feedback ----------------------------------------------------------------
def test_loading_indicator_shows_on_a_slow_request_only(server, page):
    page.goto(server + "/")
    shown = page.evaluate("getComputedStyle(document.getElementById('loading')).visibility")
    assert shown == "hidden"
    page.fill("#q", "slowpoke")
    page.wait_for_function(
        "() => getComputedStyle(document.getElementById('loading')).visibility === 'visible'"
        " && getComputedStyle(document.getElementById('loading')).opacity === '1'",
        timeout=3000)
    settle(page)
    assert page.evaluate(
        "getComputedStyle(document.getElementById('loading')).visibility") == "hidden"


def test_network_and_server_errors_show_in_the_page_and_recover(server, page):
    page.goto(server + "/?q=Putin")
    page.route(re.compile(r".*/\?.*"), lambda route: route.abort())
    type_into_box(page, " Trump")
    page.wait_for_selector("#net-error:not([hidden])", timeout=5000)
    assert "Could not reach" in page.inner_text("#net-error")
    assert page.input_value("#q") == "Putin Trump"
    page.unroute(re.compile(r".*/\?.*"))
    page.route(re.compile(r".*/\?.*"), lambda route: route.fulfill(
        status=502, body="<html>Bad gateway</html>", content_type="text/html"))
    type_into_box(page, "s")
    page.wait_for_function(
        "() => document.getElementById('net-error').innerText.includes('502')",
                           timeout=5000)
    assert "Bad gateway" not in page.inner_text("#results")
    assert page.input_value("#q") == "Putin Trumps"
    page.unroute(re.compile(r".*/\?.*"))
    page.keyboard.press("Backspace")
    url_has(page, "q=Putin Trump")
    settle(page)
    assert page.locator("#net-error").is_hidden()
    assert page.locator(".hit").count() >= 1


# -- histogram -----------------------------------------------------------------
def test_histogram_month_then_range_then_clear(server, page):
    page.goto(server + "/")
    bars = page.locator(".histogram li a")
    n = bars.count()
    assert n >= 3
    bars.nth(n - 1).click()
    page.wait_for_selector(".chip-date")
    settle(page)
    assert page.locator(".histogram li.selected").count() == 1
    page.locator(".histogram li a").nth(n - 3).click()
    page.wait_for_function(
        "() => document.querySelectorAll('.histogram li.selected').length === 3",
                           timeout=10000)
    settle(page)
    # a longer range: the next click starts over with one month, then clears it
    page.locator(".histogram li a").nth(0).click()
    page.wait_for_function(
        "() => document.querySelectorAll('.histogram li.selected').length === 1",
                           timeout=10000)
    settle(page)
    page.locator(".histogram li.selected a").click()
    page.wait_for_function(
        "() => !location.search.includes('from=')", timeout=10000)
    settle(page)
    assert page.locator(".chip-date").count() == 0
    labels = page.locator(".x-axis").inner_text()
    assert re.search(r"\w{3} \d{4}", labels)


# -- phone width ---------------------------------------------------------------
def test_phone_results_first_filters_behind_a_button_and_big_tap_targets(server, browser):  # noqa: F811
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    pg = ctx.new_page()
    pg.goto(server + "/?q=Putin&country=RU")
    assert pg.evaluate("document.documentElement.scrollWidth") <= 390
    assert pg.locator(".facets").is_hidden(), "facets wait behind the Filters button"
    assert pg.locator(".hit").first.is_visible()
    button = pg.locator(".filters-toggle")
    assert button.is_visible() and button.get_attribute("aria-expanded") == "false"
    small = pg.evaluate("""() => [...document.querySelectorAll(
        '.search label.mode, .search button, .chips a, .tools a, .pager a, .filters-toggle')]
        .filter(e => e.offsetParent)
        .map(e => [e.textContent.trim().slice(0, 20), e.getBoundingClientRect().height])
        .filter(([t, h]) => h < 44)""")
    assert small == [], small
    button.click()
    assert pg.locator(".facets").is_visible() and button.get_attribute("aria-expanded") == "true"
    # A long archive has many months: the chart scrolls inside the panel,
    # which still fits the screen (nothing slides sideways).
    assert pg.evaluate("""() => { const ol = document.querySelector('.facets .histogram');
        const li = ol.querySelector('li');
        for (let i = 0; i < 60; i++) ol.appendChild(li.cloneNode(true));
        return ol.children.length; }""") > 60
    assert pg.evaluate("document.documentElement.scrollWidth") <= 390
    hit_y = pg.locator(".hit").first.bounding_box()["y"]
    small = pg.evaluate("""() => [...document.querySelectorAll('.facet li a')]
        .map(e => [e.textContent.trim().slice(0, 20), e.getBoundingClientRect().height])
        .filter(([t, h]) => h < 44)""")
    assert small == [], small
    pg.click(".facet-people li:first-child a")
    pg.wait_for_selector(".chip-person")
    pg.wait_for_timeout(200)
    assert pg.locator(".facets").is_visible(), "the panel stays open while filtering"
    assert hit_y > 0
    ctx.close()


# -- keyboard --------------------------------------------------------------------
def test_skip_link_slash_and_few_tabs_to_the_facets(server, page):
    page.goto(server + "/?q=Putin")
    first = page.evaluate("""() => [...document.querySelectorAll('a[href], button, input, summary')]
        .find(e => e.tabIndex >= 0).className""")
    assert first == "skip", "the skip link is the first tab stop"
    page.focus("#q")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.locator(".skip").is_visible(), "visible when focused"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#results"
    assert page.evaluate("document.activeElement.id") == "results"
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    assert page.input_value("#q") == "Putin", "the slash was not typed into the box"
    tabs = 0
    while tabs < 60:
        page.keyboard.press("Tab")
        tabs += 1
        if page.evaluate("!!document.activeElement.closest('.facet')"):
            break
    assert tabs < 30, f"{tabs} Tabs from the box to the first facet"
    assert page.locator(".passage a[tabindex='-1']").count() >= 1


def test_enter_on_a_facet_keeps_focus_in_the_facet_list(server, page):
    page.goto(server + "/")
    link = page.locator(".facet-countries a:has-text('Ukraine')")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(".chip-country")
    settle(page)
    assert page.evaluate("!!document.activeElement.closest('.facet-countries')")
    page.keyboard.press("Enter")  # and again: the filter comes off, focus stays
    page.wait_for_function(
        "() => !document.querySelector('.chip-country')", timeout=10000)
    settle(page)
    assert page.evaluate("!!document.activeElement.closest('.facet-countries')")


def test_live_region_announces_the_count_only(server, page):
    page.goto(server + "/")
    assert page.locator("[aria-live]").count() == 1
    type_into_box(page, "Messi")
    url_has(page, "q=Messi")
    settle(page)
    assert page.locator("[aria-live]").count() == 1
    assert re.fullmatch(r"\d+ articles?", page.inner_text("#announce"))
    assert page.title().startswith("Messi – "), "each history entry has its own title"


def test_a_paste_longer_than_the_limit_is_cut_in_the_box_so_box_and_url_agree(server, page):
    """A 20,000-character paste: the server reads only MAX_QUERY characters,
    so the box takes only those and the URL holds what was searched."""
    from urllib.parse import parse_qs, urlsplit

    from archive.web.params import MAX_QUERY

    page.goto(server + "/")
    page.click("#q")
    page.evaluate("""text => {
        const q = document.getElementById('q');
        const data = new DataTransfer();
        data.setData('text', text);
        q.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true}));
    }""", "Putin spoke to Trump by phone about Ukraine. " * 450)
    page.keyboard.insert_text("Putin spoke to Trump by phone about Ukraine. " * 450)
    page.wait_for_function("() => new URLSearchParams(location.search).has('q')",
                           timeout=10000)
    settle(page)
    box = page.input_value("#q")
    assert len(box) == MAX_QUERY
    assert "cut to the first 5,000 characters" in page.inner_text("#q-cut")
    assert parse_qs(urlsplit(page.url).query)["q"][0] == box
    assert page.locator(".hit").count() > 0
    page.reload()
    assert page.input_value("#q") == box
