"""The ILT pack's PDF: HTML from a Jinja2 template (autoescaped), laid out and tagged by WeasyPrint.

The pack is one HTML document (``templates/pack.html.j2`` and ``templates/pack.css``): a cover,
per hub a page with its map (the PNG of :func:`geo.maps.printmap.hub_map_figure`, placed at the
size it was drawn so its labels print at 8 pt or more), key figures and venues, then its top-10
priority LSOAs and any feature's sections (:mod:`geo.export.providers`), the ward summary, the
study area's sections, and a visit list per hub. WeasyPrint writes it as a tagged PDF (PDF/UA-1:
headings, tables with header cells, figures with alt text, language and title set), with real
text in reading order.

Names are data: every value reaches the page through Jinja2's autoescaping, so a hub called
``<b>x</b>`` or ``{{7*7}}`` prints as those characters; control characters print as U+FFFD.

Examples
--------
>>> css_string('Abbey "Road" <b>')
'"Abbey \\\\22 Road\\\\22  \\\\3c b\\\\3e "'
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from pathlib import Path

import jinja2
import markupsafe

__all__ = ["render_html", "write_pdf", "css_string", "page_sections", "TEMPLATES"]

TEMPLATES = Path(__file__).with_name("templates")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _text(value) -> str:
    """Control characters (no font has a glyph; XML forbids most) as U+FFFD."""
    return _CONTROL.sub("\ufffd", str(value))


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string: anything but letters, digits, spaces and ``.,-·:`` as an escape.

    Examples
    --------
    >>> css_string("Westminster · page")
    '"Westminster · page"'
    """
    return '"' + "".join(ch if ch.isalnum() or ch in " .,-·:" else f"\\{ord(ch):x} " for ch in _text(text)) + '"'


def _finalize(value):
    """Every printed value: markup made by the template itself passes; any other text loses control characters."""
    if isinstance(value, markupsafe.Markup):
        return value
    return _text(value) if isinstance(value, str) else value


def _png_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _png_width(data: bytes) -> str:
    """The width a PNG was drawn at (its pHYs resolution; 96 dpi without one), as a CSS length:
    a chart placed at that width prints its text at the point size it was drawn with."""
    width = int.from_bytes(data[16:20], "big")
    at = data.find(b"pHYs")
    ppm = int.from_bytes(data[at + 4:at + 8], "big") if at > 0 and data[at + 12] == 1 else 0
    dpi = ppm * 0.0254 if ppm else 96.0
    return f"{width / dpi:.3f}in"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=False, lstrip_blocks=False, finalize=_finalize)
    env.filters["png_uri"] = _png_uri
    env.filters["png_width"] = _png_width
    env.globals["zip"] = zip
    return env


def render_html(content: dict) -> str:
    """The pack as HTML (every value escaped) from ``content`` (see :func:`geo.export.pack_pages.pack_content`).

    Examples
    --------
    >>> html = render_html(content)      # doctest: +SKIP
    """
    return _environment().get_template("pack.html.j2").render(**content)


def _stylesheets(footer: str):
    from weasyprint import CSS

    css = (TEMPLATES / "pack.css").read_text(encoding="utf-8")
    page = ("@page { @bottom-right { content: " + css_string(footer) + ' " · page " counter(page) " of " counter(pages); '
            "font-size: 8pt; color: #444; } }")
    return [CSS(string=css), CSS(string=page)]


#: how the template names a file of the pack (``pack-file:maps/<hub>.png``): the same name in every output
#: folder, so the same inputs give the same PDF bytes wherever the pack is written
PACK_FILE = "pack-file:"


def _fetcher(folder: Path):
    """WeasyPrint's URL fetcher: the pack's own files and ``data:`` images only (nothing from a network)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class PackFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith(PACK_FILE):
                path = (folder / url.removeprefix(PACK_FILE)).resolve()
                if not path.is_relative_to(folder.resolve()):
                    raise ValueError(f"{url}: outside the pack folder")
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": "image/png"})
            if url.startswith("data:"):
                return super().fetch(url, headers)
            raise ValueError(f"{url}: the pack reads no file or address but its own maps")

    return PackFetcher(allowed_protocols=("data", "pack-file"), fail_on_errors=True)


def page_sections(document, anchors: list[str]) -> list[str]:
    """The section each page of a laid-out document belongs to (the last section id started by then)."""
    wanted = set(anchors)
    out, current = [], anchors[0] if anchors else ""
    for page in document.pages:
        started = [a for a in page.anchors if a in wanted]
        if started:
            current = max(started, key=anchors.index)
        out.append(current)
    return out


def write_pdf(html: str, path: Path, *, base_url: Path, footer: str, anchors: list[str],
              generated: dt.date) -> list[str]:
    """Lay out ``html`` and write it to ``path`` as a tagged PDF (PDF/UA-1); return each page's section id.

    Parameters
    ----------
    html : str
    path : Path
    base_url : Path
        The pack's folder: ``pack-file:maps/<hub>.png`` images are read from it (nothing else is).
    footer : str
        Printed before "page N of M" at the foot of every page.
    anchors : list of str
        The ids of the document's sections, in order.
    generated : date
        The PDF's creation and modification date (same inputs, same bytes).
    """
    from weasyprint import HTML

    fetch = _fetcher(Path(base_url))
    document = HTML(string=html, url_fetcher=fetch).render(stylesheets=_stylesheets(footer))
    sections = page_sections(document, anchors)
    document.metadata.created = document.metadata.modified = f"{generated.isoformat()}T00:00:00Z"
    document.write_pdf(path, pdf_variant="pdf/ua-1", uncompressed_pdf=False)
    return sections
