"""What a phone downloads: the bytes of a first (cold) and a repeat (warm) visit to the public pages.

Run against the running demo (`make demo` in another terminal), or any address:

    .venv/bin/python bench/page_weight.py [http://127.0.0.1:8000] [/login/ /shop/ /p/ ...]

For each page it fetches the HTML, then every stylesheet, script, preloaded font and icon the page links,
and the fonts and images those stylesheets point to, as a browser would: `Accept-Encoding: br, gzip`, so a
compressed variant is counted where the server has one. Bytes are what came over the wire (body as sent plus
response headers). A warm visit re-fetches only what the response did not allow to be cached for at least a
day (the HTML itself, normally). The budget (issue 10): cold <= 150 KB, warm <= 30 KB.
"""

from __future__ import annotations

import re
import sys
import urllib.request
from html.parser import HTMLParser
from urllib.parse import urljoin

COLD_BUDGET, WARM_BUDGET = 150_000, 30_000
DAY = 24 * 3600


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.urls.append(a["src"] or "")
        elif tag == "link" and a.get("href") and set((a.get("rel") or "").split()) & {"stylesheet", "preload",
                                                                                         "icon"}:
            self.urls.append(a["href"] or "")
        elif tag == "img" and a.get("src") and not (a.get("src") or "").startswith("data:"):
            self.urls.append(a["src"] or "")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None  # a redirect is counted as what it is: a small response


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(url: str) -> tuple[int, bytes, str, int]:
    """(bytes on the wire, body as sent, content encoding, cacheable seconds)."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "br, gzip", "User-Agent": "page-weight"})
    try:
        response = _OPENER.open(request, timeout=30)
    except urllib.error.HTTPError as error:  # 3xx/4xx still cost their bytes
        response = error
    body = response.read()
    headers = response.headers
    header_bytes = sum(len(k) + len(v) + 4 for k, v in headers.items()) + 17
    match = re.search(r"max-age=(\d+)", headers.get("Cache-Control", ""))
    max_age = int(match.group(1)) if match and "no-store" not in headers.get("Cache-Control", "") else 0
    return len(body) + header_bytes, body, headers.get("Content-Encoding", "identity"), max_age


def decoded(body: bytes, encoding: str) -> str:
    if encoding == "gzip":
        import gzip

        body = gzip.decompress(body)
    elif encoding == "br":
        import brotli

        body = brotli.decompress(body)
    return body.decode("utf-8", "replace")


def weigh(base: str, path: str) -> tuple[int, int, list[tuple[str, int, str, int]]]:
    page_url = urljoin(base, path)
    rows: list[tuple[str, int, str, int]] = []
    wire, body, encoding, max_age = fetch(page_url)
    rows.append((path, wire, encoding, max_age))
    parser = _Links()
    parser.feed(decoded(body, encoding))
    queue = [urljoin(page_url, u) for u in parser.urls]
    seen: set[str] = set()
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        wire, body, encoding, max_age = fetch(url)
        rows.append((url.removeprefix(base.rstrip("/")), wire, encoding, max_age))
        if url.split("?")[0].endswith(".css"):
            for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)", decoded(body, encoding)):
                if not ref.startswith("data:"):
                    queue.append(urljoin(url, ref))
    cold = sum(r[1] for r in rows)
    warm = sum(r[1] for r in rows if r[3] < DAY)
    return cold, warm, rows


def main(argv: list[str]) -> int:
    base = argv[0] if argv and argv[0].startswith("http") else "http://127.0.0.1:8000"
    paths = [a for a in argv if not a.startswith("http")] or ["/login/", "/shop/", "/p/"]
    over = False
    print("| page | cold | warm | files (bytes on the wire, encoding, cache) |\n| --- | --- | --- | --- |")
    for path in paths:
        cold, warm, rows = weigh(base, path)
        over |= cold > COLD_BUDGET or warm > WARM_BUDGET
        detail = "; ".join(f"{name.rsplit('/', 1)[-1] or name} {size / 1000:.1f} KB {enc} "
                           f"{'1 y' if age >= 365 * DAY else f'{age} s'}" for name, size, enc, age in rows)
        print(f"| {path} | {cold / 1000:.1f} KB | {warm / 1000:.1f} KB | {detail} |")
    print(f"\nbudget: cold <= {COLD_BUDGET // 1000} KB, warm <= {WARM_BUDGET // 1000} KB: "
          f"{'MISSED' if over else 'met'}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
