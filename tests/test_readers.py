import json

from indexer.readers import Located, Problem, html_to_text, read_paths, stable_id
from tests.conftest import ROOT, SAMPLES, SEED


def _split(items):
    arts = [i for i in items if isinstance(i, Located)]
    probs = [i for i in items if isinstance(i, Problem)]
    return arts, probs


def test_every_sample_format_is_read_with_dates():
    arts, probs = _split(list(read_paths([SAMPLES])))
    assert probs == []
    by_ext = {}
    for a in arts:
        by_ext.setdefault(a.path.rsplit(".", 1)[-1], []).append(a.article)
    assert set(by_ext) == {"txt", "jsonl", "html", "rss", "atom"}
    assert all(a.published for a in (x.article for x in arts)), "every sample is dated"
    assert len(arts) >= 30


def test_txt_headline_is_first_line_and_date_comes_from_file_name():
    (loc,) = [i for i in read_paths([SEED]) if isinstance(i, Located)]
    assert loc.article.title.startswith("Trump and Putin agree to meet in Hungary")
    assert loc.article.body.startswith("President Donald Trump will meet")
    assert str(loc.article.published) == "2025-10-16"


def test_html_main_text_without_navigation_or_footer():
    arts, _ = _split(list(read_paths([SAMPLES / "html" / "2025-03-28-zelensky-drones.html"])))
    a = arts[0].article
    assert a.title == "Ukraine unveils long-range drone programme"
    assert "long-range drones" in a.body
    assert "Subscribe" not in a.body and "Home" not in a.body.split()[0]
    assert a.source == "Harbour Times"
    assert str(a.published) == "2025-03-28"


def test_feed_items_become_articles_with_plain_text():
    arts, _ = _split(list(read_paths([SAMPLES / "feeds" / "world.rss"])))
    assert len(arts) == 4
    a = arts[0].article
    assert "<p>" not in a.body and "Finland" in a.body
    assert a.source == "Northern Courier"
    assert a.id == "https://northerncourier.example/world/arctic-exercise"


def test_ids_are_stable_and_prefer_given_id_then_url():
    assert stable_id("x1", "http://a", "t", "b") == "x1"
    assert stable_id(None, "http://a", "t", "b") == stable_id(None, "http://a", "other", "x")
    assert stable_id(None, None, "t", "b") == stable_id(None, None, "t", "b")
    assert stable_id(None, None, "t", "b") != stable_id(None, None, "t", "c")


def test_bad_input_is_reported_with_file_and_line_and_the_rest_goes_on(tmp_path):
    f = tmp_path / "mixed.jsonl"
    lines = [
        json.dumps({"id": "ok-1", "title": "Fine", "body": "A good article."}),
        "{not json",
        json.dumps({"id": "empty", "title": "No body", "body": "  "}),
        json.dumps({"id": "bad-date", "title": "T", "body": "Text.", "published": "soonish"}),
        json.dumps(["a", "list"]),
        json.dumps({"id": "nested", "title": {"x": 1}, "body": "b"}),
        json.dumps({"id": "ok-2", "title": "Also fine", "body": "Another."}),
    ]
    raw = ("\n".join(lines) + "\n").encode() + '{"id": "latin", "title": "Caf\xe9", "body": "Na\xefve."}\n'.encode("latin-1")
    f.write_bytes(raw)
    arts, probs = _split(list(read_paths([f])))
    assert [a.article.id for a in arts] == ["ok-1", "bad-date", "ok-2", "latin"]
    fatal = {p.line: p.reason for p in probs if p.fatal}
    assert set(fatal) == {2, 3, 5, 6}
    assert "not valid JSON" in fatal[2]
    assert "no body" in fatal[3]
    assert "'title'" in fatal[6]
    warnings = {p.line: p.reason for p in probs if not p.fatal}
    assert "does not parse" in warnings[4]
    assert "not UTF-8" in warnings[8]
    assert arts[-1].article.title == "Café"
    assert all(str(f) in str(p) for p in probs)


def test_missing_and_unsupported_paths_are_problems(tmp_path):
    (tmp_path / "notes.docx").write_bytes(b"x")
    probs = [i for i in read_paths([tmp_path / "nope.txt", tmp_path]) if isinstance(i, Problem)]
    reasons = " | ".join(str(p) for p in probs)
    assert "no such file" in reasons and "unsupported file type .docx" in reasons


def test_broken_feed_and_empty_txt_are_problems(tmp_path):
    (tmp_path / "broken.rss").write_text("<rss><channel><item>")
    (tmp_path / "empty.txt").write_text("\n\n")
    probs = [i for i in read_paths([tmp_path]) if isinstance(i, Problem)]
    assert len(probs) == 2 and all(p.fatal for p in probs)


def test_html_summaries_keep_the_visible_text_and_its_paragraphs():
    text = html_to_text((ROOT / "tests" / "fixtures" / "html" / "summary.html").read_text())
    assert text.split("\n\n") == [
        "Finland and Sweden signed the accord on Tuesday.",
        "Talks resume in Helsinki & Stockholm next week.\nOfficials declined to comment.",
        "First point", "Second point", "Read more at the source."]
    # Scripts, styles, fallbacks, templates and comments are not the article.
    for hidden in ("track", "tracking code", "font-weight", "JavaScript", "card", "editor"):
        assert hidden not in text


def test_html_to_text_reads_plain_text_and_entities():
    assert html_to_text("Tom &amp; Jerry") == "Tom & Jerry"
    assert html_to_text("Tom &amp; <i>Jerry</i> ") == "Tom & Jerry"
    assert html_to_text("<!-- nothing to show -->") == ""


def test_a_feed_item_body_is_what_a_reader_sees(tmp_path):
    import html

    summary = (ROOT / "tests" / "fixtures" / "html" / "summary.html").read_text()
    feed = tmp_path / "news.rss"
    feed.write_text(f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<item><title>Nordic accord &amp;amp; talks</title><link>https://example.org/a</link>
<pubDate>Tue, 25 Nov 2025 10:00:00 GMT</pubDate>
<description>{html.escape(summary)}</description></item></channel></rss>""")
    arts, probs = _split(list(read_paths([feed])))
    assert probs == [] and len(arts) == 1
    a = arts[0].article
    assert a.title == "Nordic accord & talks"
    assert a.body.startswith("Finland and Sweden signed the accord on Tuesday.\n\nTalks resume")
    assert "JavaScript" not in a.body and "track" not in a.body and "font-weight" not in a.body
