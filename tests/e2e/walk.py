"""The automated walk: every page a role reaches by following links, at a phone's and a laptop's width.

On each page it records what a user would hit: a server error, a link that leads to a refusal, a JavaScript
error, a page wider than the screen, a table or grid cut off without its own scroll, and the serious or critical
accessibility violations axe-core reports (run once per kind of page and width: the markup is the role's
menu apart the same)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urlsplit

from axe_playwright_python.async_playwright import Axe

WIDTHS = {360: 740, 1280: 800}
# Not pages: leaving, switching language, the service worker, live streams.
SKIPPED = re.compile(r"^/(logout|lang/|scan/sw\.js)|/(changes|stream)$")
FILES = re.compile(r"\.(pdf|ics|csv|svg|png|json|zip|xlsx)$|/(export|download)")
TOKEN = re.compile(r"/[A-Za-z0-9_-]{16,}")
NUMBER = re.compile(r"(?<=[/-])\d+")
EVENT = re.compile(r"^/events/(\d+)$")

# Boxes that are meant to scroll sideways, and what escapes them.
CHECKS = """() => {
  const wide = document.documentElement.scrollWidth > window.innerWidth + 1;
  const clipped = [];
  for (const grid of document.querySelectorAll('table, [role=grid], .grid-scroll, pre')) {
    for (let box = grid.parentElement; box && box !== document.documentElement; box = box.parentElement) {
      const style = getComputedStyle(box);
      if (['auto', 'scroll'].includes(style.overflowX)) break;
      if (['hidden', 'clip'].includes(style.overflowX) && box.scrollWidth > box.clientWidth + 1) {
        clipped.push(grid.outerHTML.slice(0, 100));
        break;
      }
    }
  }
  const links = [...document.querySelectorAll('a[href]:not([download])')].map(a => a.href);
  return {wide, clipped, links};
}"""


@dataclass
class Walk:
    base: str
    kept_apart: set[str] = field(default_factory=set)  # ids kept in a page's kind: one visit per event
    problems: list[str] = field(default_factory=list)
    visits: int = 0
    kinds: set[str] = field(default_factory=set)
    audit_seconds: float = 0.0
    slowest: list[tuple[float, str]] = field(default_factory=list)
    audited: set[tuple[str, int]] = field(default_factory=set)

    def kind(self, path: str) -> str:
        """Pages of one kind share a template: /youths/12 and /youths/40 are one kind, /events/3 and /events/5 are
        two (the demo's events differ by format: each one's page is seen, and what it links to)."""
        event = EVENT.match(path)
        kept = event.group(0) if event and event.group(1) in self.kept_apart else ""
        return kept + NUMBER.sub("{n}", TOKEN.sub("/{token}", path[len(kept) :]))

    def local(self, url: str) -> str | None:
        url = urldefrag(url).url
        parts = urlsplit(url)
        if not url.startswith(self.base) or SKIPPED.search(parts.path):
            return None
        return parts.path + (f"?{parts.query}" if parts.query else "")


async def crawl(walk: Walk, context, role: str, seeds: list[str], *, stay_under: tuple[str, ...] = ("/",)) -> list[str]:
    """Follow links from `seeds` at 1280 px, one page of each kind; the pages visited, files apart."""
    page = await context.new_page()
    errors = _listen(page)
    seen: set[str] = set()
    queue, pages = list(seeds), []
    while queue:
        path = queue.pop(0)
        kind = walk.kind(path.split("?")[0])
        if kind in seen or not path.startswith(stay_under):
            continue
        seen.add(kind)
        walk.kinds.add(kind)
        links = await visit(walk, page, errors, role, path, 1280)
        if links is None:
            continue
        pages.append(path)
        queue.extend(p for p in (walk.local(link) for link in links) if p)
    await page.close()
    return pages


async def revisit(walk: Walk, context, role: str, pages: list[str], width: int) -> None:
    page = await context.new_page()
    await page.set_viewport_size({"width": width, "height": WIDTHS[width]})
    errors = _listen(page)
    for path in pages:
        if not FILES.search(path.split("?")[0]):  # a file is the same at every width
            await visit(walk, page, errors, role, path, width)
    await page.close()


def _listen(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


async def visit(walk: Walk, page, errors: list[str], role: str, path: str, width: int) -> list[str] | None:
    """Check one page; its links (none for a file), or None when it failed."""
    where = f"{role} {width}px {path}"
    walk.visits += 1
    started = time.perf_counter()
    try:
        return await _visit(walk, page, errors, where, path, width)
    finally:
        walk.slowest.append((round(time.perf_counter() - started, 2), where))


async def _visit(walk: Walk, page, errors: list[str], where: str, path: str, width: int) -> list[str] | None:
    if FILES.search(path.split("?")[0]):
        response = await page.context.request.get(walk.base + path)
        if response.status >= 400:
            walk.problems.append(f"{where}: answers {response.status}")
            return None
        return []
    errors.clear()
    try:
        response = await page.goto(walk.base + path, wait_until="load")
    except Exception as error:  # a download starting is not a page
        if "Download is starting" not in str(error):
            walk.problems.append(f"{where}: {error}")
        return None
    if response is None or response.status >= 400:
        walk.problems.append(f"{where}: answers {response.status if response else 'nothing'}")
        return None
    found = await page.evaluate(CHECKS)
    if found["wide"]:
        walk.problems.append(f"{where}: the page is wider than the screen")
    walk.problems.extend(f"{where}: cut off without its own scroll: {html}" for html in found["clipped"])
    walk.problems.extend(f"{where}: JavaScript error: {text}" for text in errors)
    await _audit(walk, page, where, walk.kind(path.split("?")[0]), width)
    return found["links"]


async def _audit(walk: Walk, page, where: str, kind: str, width: int) -> None:
    if (kind, width) in walk.audited:
        return
    walk.audited.add((kind, width))
    started = time.perf_counter()
    results = await Axe().run(page)
    walk.audit_seconds += time.perf_counter() - started
    for violation in results.response["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
            walk.problems.append(f"{where}: axe {violation['id']} ({violation['impact']}): {targets}")
