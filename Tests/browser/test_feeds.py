"""The news feeds (docs/news.md) read by real feed parsers: every Atom feed by feedparser, every
JSON Feed by jsonfeed-util, on the sites `make test` built at SOH_TEST_NOW."""
import glob
import json
import os
import re

import feedparser
import jsonfeed
import pytest

from conftest import PUBLIC

FORCES = ["kent", "gwent", "national"]


def feeds(force, suffix):
    return sorted(glob.glob(os.path.join(PUBLIC, force, "**", "feed." + suffix), recursive=True))


def page_exists(force, url, base):
    assert url.startswith(base + "/"), url
    path = url[len(base):]
    return os.path.isfile(os.path.join(PUBLIC, force, path.lstrip("/"), "index.html"))


def base_url(force):
    html = open(os.path.join(PUBLIC, force, "index.html"), encoding="utf-8").read()
    return re.search(r'<link rel="canonical" href="([^"]+)/">', html).group(1)


@pytest.mark.parametrize("force", FORCES)
def test_every_atom_feed_parses_and_links_live_pages(force):
    base = base_url(force)
    found = feeds(force, "xml")
    # All items and each of the six kinds, in each language the force publishes.
    assert len(found) == (7 if force == "kent" else 14), found
    for path in found:
        parsed = feedparser.parse(open(path, "rb").read())
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert parsed.version == "atom10", path
        assert parsed.feed.title and parsed.feed.updated_parsed, path
        assert parsed.feed.link.startswith(base), path
        ids = [entry.id for entry in parsed.entries]
        assert len(ids) == len(set(ids)), path
        dates = [entry.published_parsed for entry in parsed.entries]
        assert dates == sorted(dates, reverse=True), "newest first: " + path
        for entry in parsed.entries:
            assert entry.title and entry.summary and entry.tags, path
            assert page_exists(force, entry.link, base), (path, entry.link)
            page = open(os.path.join(PUBLIC, force, entry.link[len(base):].lstrip("/"), "index.html"), encoding="utf-8").read()
            assert "This appeal has closed" not in page and "Mae&#39;r apêl hon wedi cau" not in page, entry.link


@pytest.mark.parametrize("force", FORCES)
def test_every_json_feed_parses_and_matches_its_atom_twin(force):
    base = base_url(force)
    for path in feeds(force, "json"):
        raw = json.load(open(path, encoding="utf-8"))
        parsed = jsonfeed.Feed.parse(raw)
        assert raw["version"] == "https://jsonfeed.org/version/1.1"
        assert parsed.feed_url == base + path[len(os.path.join(PUBLIC, force)):], path
        for item in raw["items"]:
            # JSON Feed 1.1: every item has an id and content_html or content_text.
            assert item["id"] and (item.get("content_text") or item.get("content_html")), path
            assert page_exists(force, item["url"], base), (path, item["url"])
        atom = feedparser.parse(open(path[:-5] + ".xml", "rb").read())
        assert [item["url"] for item in raw["items"]] == [entry.link for entry in atom.entries], path


def test_kent_feeds_hold_its_own_and_national_items_but_not_closed_appeals():
    atom = feedparser.parse(open(os.path.join(PUBLIC, "kent", "news", "feed.xml"), "rb").read())
    links = [entry.link for entry in atom.entries]
    assert "https://kent.soh.example/news/maidstone-burglary-appeal/" in links
    assert "https://kent.soh.example/news/winter-driving/" in links, "national news is syndicated"
    assert not any("missing-man-gravesend" in link or "wanted-dartford" in link for link in links)
    appeals = feedparser.parse(open(os.path.join(PUBLIC, "kent", "news", "kind", "appeal", "feed.xml"), "rb").read())
    assert [entry.link for entry in appeals.entries] == ["https://kent.soh.example/news/maidstone-burglary-appeal/"]
    assert appeals.entries[0].enclosures[0].href.startswith("https://kent.soh.example/assets/news/maidstone-cctv.")


def test_welsh_feeds_are_in_welsh_and_linked_from_their_pages():
    feed = feedparser.parse(open(os.path.join(PUBLIC, "gwent", "cy", "newyddion", "feed.xml"), "rb").read())
    assert feed.feed.language == "cy"
    assert any(entry.link.endswith("/cy/newyddion/beiciau-wedi-eu-dwyn-casnewydd/") for entry in feed.entries)
    assert all("/cy/" in entry.link for entry in feed.entries)
    listing = open(os.path.join(PUBLIC, "gwent", "cy", "newyddion", "index.html"), encoding="utf-8").read()
    assert '<link rel="alternate" type="application/atom+xml" title="Newyddion ac apeliadau" href="/cy/newyddion/feed.xml">' in listing
    assert '<link rel="alternate" type="application/feed+json" title="Newyddion ac apeliadau" href="/cy/newyddion/feed.json">' in listing
    home = open(os.path.join(PUBLIC, "gwent", "cy", "index.html"), encoding="utf-8").read()
    assert 'href="/cy/newyddion/feed.xml"' in home
