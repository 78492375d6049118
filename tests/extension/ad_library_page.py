"""A recorded Ads Library page for the browser tests, built from the recorded fixtures.

The page has what the real one has for the extension: the first page of results as
JSON inside ``<script type="application/json">``, result cards with obfuscated class
names showing "Library ID: ...", and "see more" buttons that fetch the next page from
``/api/graphql/`` (one by ``fetch``, one by ``XMLHttpRequest``) and render its cards, as
the page's own code would.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "extension" / "test" / "data"
LIBRARY_URL = (
    "https://www.facebook.com/ads/library/?active_status=all&ad_type=all&country=BR&q=cozinha"
)
GUARD = "for (;;);"
# Meta's media hosts (scontent-*.xx.fbcdn.net, video-*.xx.fbcdn.net), with JSON's optional
# escaped slashes.
CDN_URL = re.compile(r"https:(\\?/)\\?/((?:scontent|video)[a-z0-9.-]*\.fbcdn\.net)")


def ids_in(text: str) -> list[str]:
    """Library IDs of a fixture, in order, as the page renders them (valid ones only)."""
    ids = re.findall(r'"ad_archive_id":\s*"(\d+)"', text)
    return [i for i in dict.fromkeys(ids) if 15 <= len(i) <= 17]


def on_cdn(text: str, cdn_url: str | None) -> str:
    """``text`` with Meta's media URLs moved to ``cdn_url`` (a local CDN stand-in): the
    host becomes the first segment of the path, e.g. ``{cdn_url}/video-gru1-1.xx.fbcdn.net/...``."""
    if cdn_url is None:
        return text
    return CDN_URL.sub(lambda m: cdn_url.replace("/", m[1]) + m[1] + m[2], text)


def ssr_text(cdn_url: str | None = None) -> str:
    return on_cdn((DATA / "ssr-first-page.json").read_text(), cdn_url)


def graphql_body(name: str, cdn_url: str | None = None) -> str:
    """A GraphQL response body, with Meta's guard prefix."""
    return GUARD + on_cdn((DATA / name).read_text(), cdn_url)


CARD_JS = """
function cardHtml(id) {
  return '<div class="x1plvlek xryxfnj x1gzqxud x178xt8z xm81vs4">'
    + '<div class="x78zum5 xdt5ytf"><span class="x8t9es0 x1fvot60">Active</span></div>'
    + '<div class="x3nfvp2"><span class="x8t9es0 xw23nyj">Library ID: ' + id + '</span>'
    + '<span>Started running on 14 Feb 2026</span></div>'
    + '<div class="x1cy8zhl"><div class="xh8yej3">Sponsored</div></div></div>';
}
function renderIds(ids) {
  document.getElementById('grid').insertAdjacentHTML('beforeend', ids.map(cardHtml).join(''));
}
function render(text) {
  renderIds([...new Set([...text.matchAll(/"ad_archive_id":\\s*"(\\d{15,17})"/g)].map(m => m[1]))]);
}
document.getElementById('more-fetch').addEventListener('click', async () => {
  const body = 'fb_api_req_friendly_name=AdLibrarySearchPaginationQuery&page=2';
  const response = await fetch('/api/graphql/', {method: 'POST', body});
  render(await response.text());
});
document.getElementById('more-xhr').addEventListener('click', () => {
  const xhr = new XMLHttpRequest();
  xhr.open('POST', '/api/graphql/');
  xhr.addEventListener('load', () => render(xhr.responseText));
  xhr.send('fb_api_req_friendly_name=AdLibrarySearchPaginationQuery&page=3');
});
renderIds(INITIAL_IDS);
"""


def page_html(*, meta_changed: bool = False, cdn_url: str | None = None) -> str:
    """The first page. ``meta_changed`` renames the key the extension looks for, as a
    change of Meta's page would: the cards still show, but no ad data can be found."""
    ssr = ssr_text(cdn_url)
    if meta_changed:
        ssr = ssr.replace('"search_results_connection"', '"search_results_connection_v2"')
    # `</` inside a script would end it; `<\\/` is the same JSON string.
    embedded = ssr.replace("</", "<\\/")
    script = CARD_JS.replace("INITIAL_IDS", json.dumps(ids_in(ssr)))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ad Library</title>
<script type="application/json" data-sjs>{embedded}</script>
</head><body>
<div class="x9f619 x1n2onr6 x1ja2u2z"><div role="main" class="xw2csxc x1odjw0f">
<div id="grid" class="x1dr75xp xh8yej3 x16md763"></div>
<button id="more-fetch" class="x1i10hfl xjbqb8w">See more</button>
<button id="more-xhr" class="x1i10hfl xjbqb8w">See more (older)</button>
</div></div>
<script>{script}</script>
</body></html>"""
