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
