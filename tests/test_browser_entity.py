"""The person page in headless Chromium, as a reader reaches it: from a
facet on the search page, then on to one month's articles and Back."""
import threading

import pytest

from tests.test_browser import browser  # noqa: F401  (fixture)
from tests.test_browser_daily import page, settle  # noqa: F401  (fixture)
from tests.test_entity_pages import store_dir  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(store_dir):  # noqa: F811
    from werkzeug.serving import make_server

    from archive.web import create_app

    app = create_app({"STORE": str(store_dir), "EMBEDDER": "hash", "WARMUP": False})
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


def test_facet_to_person_page_to_a_month_and_back(server, page):
    page.goto(server + "/")
    page.fill("#q", "talks")
    page.press("#q", "Enter")
    settle(page)
    assert "q=talks" in page.url

    page.click(".facet-people a.page-link[href^='/people/Angela%20Merkel?']")
    page.wait_for_url("**/people/Angela%20Merkel?q=talks")
    assert page.locator("h1").inner_text() == "Angela Merkel"
    bars = page.locator(".entity-months .histogram a")
    assert bars.count() == 3

    bars.nth(1).click()  # February 2024: two articles
    # The entity page counts every article naming her, and so does its link.
    page.wait_for_url("**/?person=Angela+Merkel&from=2024-02-01&to=2024-02-29&scope=mentioned")
    settle(page)
    assert page.locator(".hit").count() == 2
    assert page.locator(".chip-person").inner_text().startswith("Angela Merkel")
    assert page.locator(".chip-date").count() == 1

    page.go_back()
    page.wait_for_url("**/people/Angela%20Merkel?q=talks")
    assert page.locator("h1").inner_text() == "Angela Merkel"
    assert page.locator(".entity-months .histogram a").count() == 3

    page.click("a.back")  # "Back to your search": the search it was opened from
    page.wait_for_url("**/?q=talks")
    settle(page)
    assert page.input_value("#q") == "talks" and page.locator(".hit").count() > 0
    assert page.errors == []


def test_a_long_timeline_scrolls_inside_its_chart_not_the_page(browser, tmp_path, extractor):  # noqa: F811
    """Six years of monthly stories and a long silence: at phone width the
    histograms scroll on their own and the page stays as wide as the screen."""
    import json

    from werkzeug.serving import make_server

    from archive.embedding import HashEmbedder
    from archive.web import create_app
    from tests.conftest import make_indexer

    months = [f"{2001 + i // 12}-{i % 12 + 1:02d}-15" for i in range(0, 72, 2)] + ["2019-06-01"]
    rows = [{"id": f"t{i}", "title": f"Harbour report {i}", "published": day,
             "body": f"Mayor Joan Hartley opened harbour works, stage {i}. Hartley said the "
                     f"port had handled {6891 * (i + 1):,} containers."}
            for i, day in enumerate(months)]
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    ix = make_indexer(tmp_path / "store", HashEmbedder(), extractor)
    assert ix.index_paths([tmp_path / "a.jsonl"]).new == len(rows)
    ix.store.close()
    app = create_app({"STORE": str(tmp_path / "store"), "EMBEDDER": "hash", "WARMUP": False})
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    ctx = browser.new_context(viewport={"width": 390, "height": 800})
    pg = ctx.new_page()
    try:
        for path in ("/", "/people/Joan%20Hartley"):
            pg.goto(f"http://127.0.0.1:{srv.server_port}{path}")
            assert pg.locator(".histogram li").count() > 60, path
            width = pg.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, (path, width)
    finally:
        ctx.close()
        srv.shutdown()
