"""Small helpers for self-contained HTML pages: escaping, the page shell, QR codes.

The pages use no external assets (no fonts, scripts or images from elsewhere), print in
black and white, and let the printer choose the paper: ``@page`` sets margins only.
"""

from __future__ import annotations

from html import escape

import segno

from playlist_tui.model.safetext import safe_text

BASE_CSS = """\
@page { size: auto; margin: 12mm; }
* { box-sizing: border-box; }
html { color: #000; background: #fff; }
body { font: 11pt/1.35 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue",
       Arial, sans-serif; margin: 0 auto; max-width: 190mm; padding: 8mm 0; }
h1 { font-size: 18pt; margin: 0 0 2mm; }
h2 { font-size: 13pt; margin: 5mm 0 2mm; border-bottom: 1.5pt solid #000; }
h3 { font-size: 11.5pt; margin: 3mm 0 1mm; }
p { margin: 1mm 0; }
.muted { color: #333; }
.small { font-size: 9pt; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 0.75pt solid #000; padding: 1mm 2mm; text-align: left; vertical-align: top; }
th { background: #eee; }
a { color: #000; }
@media print {
  body { padding: 0; max-width: none; }
  a { text-decoration: none; }
  h2, h3 { break-after: avoid; }
}
"""


def e(text: object) -> str:
    """Escape text for HTML (quotes too, so it is safe in attributes); control characters
    from the class files are shown as visible escapes."""
    return escape(safe_text(text), quote=True)


def page(title: str, body: str, css: str = "", lang: str = "en") -> str:
    """A complete HTML document with the base print CSS and ``css`` added."""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{e(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(title)}</title>\n<style>\n{BASE_CSS}{css}</style>\n</head>\n"
        f"<body>\n{body}</body>\n</html>\n"
    )


def is_web_link(link: str | None) -> bool:
    return bool(link) and str(link).lower().startswith(("http://", "https://"))


def qr_svg(data: str, css_class: str = "qr") -> str:
    """A QR code as inline SVG (black on white, sized by CSS through its viewBox)."""
    code = segno.make(data, error="l", micro=False)
    svg: str = code.svg_inline(scale=1, border=2, omitsize=True, svgclass=css_class,
                               lineclass=None, dark="#000", light="#fff", title=data)
    return svg
