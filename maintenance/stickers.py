"""The gear sticker's QR code: inline SVG drawn by segno, so the page makes no image request and needs no
inline style (the Content-Security-Policy stays strict)."""

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(url: str) -> SafeString:
    # Medium error correction survives a scuffed sticker; the SVG holds only path data, never the text itself.
    svg = segno.make(url, error="m").svg_inline(scale=4, omitsize=True, svgclass="qr-code-svg", lineclass=None)
    return mark_safe(svg)  # noqa: S308 (segno's own markup: path data only)
