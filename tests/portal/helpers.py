"""Helpers for driving the portal through plain HTTP (CSRF tokens, signing in) and checking its layout in the
browser (no text overflowing its box)."""

import re
import threading
from typing import Any

from fastapi.testclient import TestClient

from services.catalog.portal.csrf import CSRF_FIELD

_TOKEN = re.compile(rf'name="{CSRF_FIELD}" value="([0-9a-f]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = _TOKEN.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def portal_client(app: object) -> TestClient:
    """A fresh browser-like client (its own cookies) for an already started app."""
    return TestClient(app, follow_redirects=False)  # type: ignore[arg-type]


def sign_in(client: TestClient, login: str, password: str) -> None:
    """Sign in through the portal's form (the session cookie stays in the client)."""
    token = csrf_token(client.get("/login").text)
    r = client.post("/login", data={"login": login, "password": password, "csrf_token": token, "next": ""})
    assert r.status_code == 303, r.text


def finish_imports() -> None:
    """Wait until every background import job of this process has finished writing (joins their threads)."""
    for thread in threading.enumerate():
        if thread.name.startswith("import-"):
            thread.join(timeout=300)  # a bound against hanging, not a speed assertion
            assert not thread.is_alive(), f"{thread.name} did not finish"


def read_pages(client: TestClient, url: str, row: str, *, count: int = 3) -> tuple[list[str], list[list[str]]]:
    """The first `count` pages of a paginated list and the row ids on each (`row`: a regex with one group),
    checked to hold 10 rows a page with none repeated and to link to their neighbours."""
    pages = [client.get(url, params={"page": n}).text for n in range(1, count + 1)]
    ids = [re.findall(row, page) for page in pages]
    assert all(len(x) == 10 for x in ids[:-1]), [len(x) for x in ids]
    assert len({i for x in ids for i in x}) == sum(len(x) for x in ids)
    assert 'rel="next"' in pages[0] and 'rel="prev"' in pages[-1] and 'rel="next"' not in pages[-1]
    return pages, ids


# Run in the page: every visible element holding text of its own whose text spills out of it (cut off by
# overflow hidden/clip, or running past its right edge), or whose box runs past its parent's or the viewport's
# right edge. Inside a deliberately scrolling container (overflow-x auto/scroll: the wide tables) anything goes.
_OVERFLOW_JS = """
() => {
  const viewport = document.documentElement.clientWidth;
  const bad = [];
  const scrolls = (el) => {
    for (let p = el.parentElement; p && p !== document.documentElement; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX;
      if (x === "auto" || x === "scroll") return true;
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (typeof el.className === "string" && el.className.trim() ? "." + el.className.trim().split(/\\s+/).join(".") : "");
  for (const el of document.body.querySelectorAll("*")) {
    if (el.tagName === "text" && el.ownerSVGElement) {  // a chart's text stays inside the chart
      const r = el.getBoundingClientRect(), svg = el.ownerSVGElement.getBoundingClientRect();
      if (r.width > 0 && (r.right > svg.right + 1 || r.left < svg.left - 1)) {
        bad.push("svg text \u201c" + el.textContent.trim().slice(0, 60) + "\u201d: runs out of its chart");
      }
      continue;
    }
    if (["SCRIPT", "STYLE", "OPTION", "TITLE"].includes(el.tagName) || el.closest("svg, select")) continue;
    const own = Array.from(el.childNodes).filter((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own.length) continue;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.visibility === "hidden" || box.width === 0 || box.height === 0) continue;
    if (scrolls(el)) continue;
    const text = el.innerText.trim().slice(0, 60);
    let why = null;
    if (["hidden", "clip"].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
      why = "text cut off (" + el.scrollWidth + " > " + el.clientWidth + " px)";
    } else {
      for (const node of own) {
        const range = document.createRange();
        range.selectNodeContents(node);
        const r = range.getBoundingClientRect();
        if (r.width > 0 && r.right > box.right + 1 && style.overflowX === "visible") {
          why = "text runs " + Math.round(r.right - box.right) + " px past its box"; break;
        }
      }
    }
    const parent = el.parentElement;
    if (!why && parent && style.position !== "absolute" && style.position !== "fixed") {
      const outer = parent.getBoundingClientRect();
      if (box.right > outer.right + 1 && getComputedStyle(parent).overflowX === "visible") {
        why = "box runs " + Math.round(box.right - outer.right) + " px past its parent " + name(parent);
      }
    }
    if (!why && box.right > viewport + 1) why = "box runs " + Math.round(box.right - viewport) + " px past the viewport";
    if (why) bad.push(name(el) + " \u201c" + text + "\u201d: " + why);
  }
  return bad;
}
"""
LAYOUT_WIDTHS = (390, 1440)


def overflowing(page: Any) -> list[str]:
    """Each element of the page at its current width whose text overflows its box, named with its text."""
    return list(page.evaluate(_OVERFLOW_JS))


def assert_no_overflow(page: Any, widths: tuple[int, ...] = LAYOUT_WIDTHS) -> None:
    """Fail naming every element whose text overflows its box, at each of `widths` (the viewport is restored)."""
    before = page.viewport_size
    found = []
    try:
        for width in widths:
            page.set_viewport_size({"width": width, "height": before["height"] if before else 900})
            found += [f"{page.url} at {width} px: {problem}" for problem in overflowing(page)]
    finally:
        if before:
            page.set_viewport_size(before)
    assert not found, "text overflows its box:\n" + "\n".join(found)
