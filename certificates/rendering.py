"""Draw a certificate: one layout in points, painted twice — as a PDF (reportlab) and a PNG (Pillow).

The layout is computed once (`layout`) as a list of drawing operations on an A4 landscape page,
so the PDF and the PNG cannot drift apart. The PNG is A4 at 150 dpi (1754 x 1240 px).
Both use the same TrueType files (DejaVu from Debian's fonts-dejavu-core; reportlab's bundled
Bitstream Vera, DejaVu's ancestor, when that package is missing), so text measured for the PDF
fits the PNG too. Nothing here touches the database.
"""

from __future__ import annotations

import io
import math
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from pathlib import Path

import arabic_reshaper
import reportlab
import segno
from bidi import get_display
from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

PAGE_W, PAGE_H = landscape(A4)  # 841.89 x 595.28 pt
PNG_SIZE = (1754, 1240)  # A4 at 150 dpi
PNG_DPI = 150

INK = "#1d2430"
INK_SOFT = "#4a5568"
MUTED = "#6b7280"
ACCENT = "#2456c9"
FRAME = "#c9d3ea"
TINT = "#f2f5fb"
WHITE = "#ffffff"

DEJAVU_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu")]
VERA_DIR = Path(reportlab.__file__).parent / "fonts"
FONT_FILES = {
    # role: (DejaVu file, bundled Vera fallback)
    "serif": ("DejaVuSerif.ttf", "Vera.ttf"),
    "serif-bold": ("DejaVuSerif-Bold.ttf", "VeraBd.ttf"),
    "serif-italic": ("DejaVuSerif-Italic.ttf", "VeraIt.ttf"),
    "sans": ("DejaVuSans.ttf", "Vera.ttf"),
    "sans-bold": ("DejaVuSans-Bold.ttf", "VeraBd.ttf"),
    "mono": ("DejaVuSansMono-Bold.ttf", "VeraBd.ttf"),
}
# Per character, a character the main font lacks is drawn with the first of these that has it:
# Debian's fonts-noto-core (Arabic, Hebrew, and most other scripts) and fonts-droid-fallback
# (Chinese, Japanese, Korean). All are TrueType outlines, which reportlab can embed; the Noto CJK
# fonts are CFF-based .ttc files that it cannot.
NOTO_DIR = Path("/usr/share/fonts/truetype/noto")
CJK_FALLBACK = Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")
FALLBACK_FONTS = {
    # (serif?, bold?): Noto fonts in order; the CJK font goes after the first two
    (True, False): ["NotoNaskhArabic-Regular.ttf", "NotoSerifHebrew-Regular.ttf", "NotoSerif-Regular.ttf"],
    (True, True): ["NotoNaskhArabic-Bold.ttf", "NotoSerifHebrew-Bold.ttf", "NotoSerif-Bold.ttf"],
    (False, False): ["NotoSansArabic-Regular.ttf", "NotoSansHebrew-Regular.ttf", "NotoSans-Regular.ttf"],
    (False, True): ["NotoSansArabic-Bold.ttf", "NotoSansHebrew-Bold.ttf", "NotoSans-Bold.ttf"],
}


@dataclass(frozen=True)
class CertificateData:
    learner_name: str
    course_title: str
    issued_on: date
    score: float  # 0-1
    code: str
    verify_url: str
    site_name: str = "Glassbook"
    hours: str = ""  # e.g. "about 6 hours"; empty when the course gives no estimate
    instructor_name: str = ""


# --- fonts ------------------------------------------------------------------------------

_font_lock = threading.Lock()


@cache
def font_path(role: str) -> Path:
    dejavu, vera = FONT_FILES[role]
    for folder in DEJAVU_DIRS:
        if (folder / dejavu).is_file():
            return folder / dejavu
    return VERA_DIR / vera


def using_dejavu() -> bool:
    return font_path("sans").name.startswith("DejaVu")


def _pdf_font_name(path: Path) -> str:
    """Register ``path`` with reportlab once per process; returns its font name."""
    name = "GB-" + path.stem
    with _font_lock:
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(path)))
    return name


@cache
def _codepoints(path: Path) -> frozenset[int]:
    font = pdfmetrics.getFont(_pdf_font_name(path))
    return frozenset(font.face.charToGlyph)  # type: ignore[attr-defined]


def _fallbacks(font: Path) -> list[Path]:
    serif = "Serif" in font.name
    bold = "Bold" in font.name or font.name.endswith("Bd.ttf")
    chain = [NOTO_DIR / name for name in FALLBACK_FONTS[(serif, bold)]]
    chain.insert(2, CJK_FALLBACK)
    return [path for path in chain if path.is_file()]


_RTL = {"R", "AL"}


@lru_cache(maxsize=1024)
def visual(text: str) -> str:
    """``text`` in drawing order: Arabic shaped into its joined forms, right-to-left runs reversed.

    Both painters then draw the string left to right glyph by glyph, so the PDF and the PNG agree.
    """
    if not any(unicodedata.bidirectional(char) in _RTL for char in text):
        return text
    return str(get_display(arabic_reshaper.reshape(text)))


@lru_cache(maxsize=1024)
def runs(text: str, font: Path) -> tuple[tuple[str, Path], ...]:
    """``text`` (logical order) as drawable runs: (visual-order text, the font that has its glyphs)."""
    chain = [font, *_fallbacks(font)]
    pieces: list[tuple[str, Path]] = []
    current = font
    for char in visual(text):
        code = ord(char)
        # spaces and combining marks stay with the run they are in, if its font has them
        keep = char.isspace() or unicodedata.category(char).startswith("M")
        if not keep or code not in _codepoints(current):
            current = next((path for path in chain if code in _codepoints(path)), font)
        if pieces and pieces[-1][1] == current:
            pieces[-1] = (pieces[-1][0] + char, current)
        else:
            pieces.append((char, current))
    return tuple(pieces)


def missing_glyphs(text: str, font: Path) -> str:
    """The characters of ``text`` no installed font can draw (they would show as boxes)."""
    return "".join(
        char
        for piece, path in runs(text, font)
        for char in piece
        if not char.isspace() and ord(char) not in _codepoints(path)
    )


def text_width(text: str, font: Path, size: float, tracking: float = 0.0) -> float:
    width = sum(pdfmetrics.stringWidth(piece, _pdf_font_name(path), size) for piece, path in runs(text, font))
    return width + tracking * max(0, len(text) - 1)


# --- the layout -------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # baseline, from the top
    text: str
    font: Path
    size: float
    color: str
    align: str = "left"  # left | center | right
    tracking: float = 0.0
    link: str | None = None


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    color: str


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    fill: str | None = None
    stroke: str | None = None
    width: float = 0.0


@dataclass(frozen=True)
class QR:
    x: float
    y: float
    size: float
    modules: tuple[tuple[bool, ...], ...] = field(repr=False)
    link: str | None = None


@dataclass(frozen=True)
class Circle:
    cx: float
    cy: float
    r: float
    fill: str | None = None
    stroke: str | None = None
    width: float = 0.0


@dataclass(frozen=True)
class Polygon:
    points: tuple[tuple[float, float], ...]
    fill: str


Op = Text | Line | Box | QR | Circle | Polygon


def _toothed(cx: float, cy: float, radius: float, teeth: int) -> Polygon:
    points = []
    for step in range(teeth * 2):
        r = radius if step % 2 == 0 else radius * 0.93
        angle = math.pi * step / teeth
        points.append((cx + r * math.sin(angle), cy - r * math.cos(angle)))
    return Polygon(tuple(points), ACCENT)


def _star(cx: float, cy: float, radius: float, color: str) -> Polygon:
    points = []
    for step in range(10):
        r = radius if step % 2 == 0 else radius * 0.42
        angle = math.pi * step / 5
        points.append((cx + r * math.sin(angle), cy - r * math.cos(angle)))
    return Polygon(tuple(points), color)


def qr_modules(url: str) -> tuple[tuple[bool, ...], ...]:
    # Level Q survives a quarter of the symbol being smudged or folded on a printout.
    qr = segno.make(url, error="q", micro=False, boost_error=False)
    return tuple(tuple(bool(bit) for bit in row) for row in qr.matrix_iter(scale=1, border=0))


def _fit(text: str, font: Path, size: float, min_size: float, max_width: float) -> tuple[str, float]:
    """Shrink to fit one line; below ``min_size`` cut with an ellipsis instead."""
    while size > min_size and text_width(text, font, size) > max_width:
        size = max(min_size, size - 1)
    if text_width(text, font, size) <= max_width:
        return text, size
    while text and text_width(text + "…", font, size) > max_width:
        text = text[:-1]
    return text.rstrip() + "…", size


def _wrap(text: str, font: Path, size: float, max_width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and text_width(candidate, font, size) > max_width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def _fit_lines(
    text: str, font: Path, size: float, min_size: float, max_width: float, max_lines: int
) -> tuple[list[str], float]:
    """Wrap onto at most ``max_lines`` lines, shrinking first; the last line is cut if still too long."""
    while True:
        lines = _wrap(text, font, size, max_width)
        fits = len(lines) <= max_lines and all(text_width(line, font, size) <= max_width for line in lines)
        if fits or size <= min_size:
            break
        size -= 1
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
    lines = [_fit(line, font, size, size, max_width)[0] for line in lines]
    return lines, size


def format_date(day: date) -> str:
    months = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
    return f"{day.day} {months[day.month - 1]} {day.year}"


def layout(data: CertificateData) -> list[Op]:
    cx = PAGE_W / 2
    sans, sans_bold, mono = font_path("sans"), font_path("sans-bold"), font_path("mono")
    serif_italic = font_path("serif-italic")
    ops: list[Op] = [
        # A tinted margin around a white sheet with a fine frame: reads as "document", prints cleanly.
        Box(0, 0, PAGE_W, PAGE_H, fill=TINT),
        Box(22, 22, PAGE_W - 44, PAGE_H - 44, fill=WHITE, stroke=FRAME, width=0.8),
        Box(30, 30, PAGE_W - 60, PAGE_H - 60, stroke=ACCENT, width=1.6),
        Box(30, 30, PAGE_W - 60, 6, fill=ACCENT),  # a bolder head band gives the page a top
        Text(cx, 92, f"◧ {data.site_name.upper()}", sans_bold, 13, ACCENT, "center", tracking=3.2),
        Text(cx, 146, "Certificate of Completion", font_path("serif"), 34, INK, "center"),
        Line(cx - 28, 166, cx + 28, 166, 2, ACCENT),
        Text(cx, 206, "This certifies that", sans, 12.5, MUTED, "center"),
    ]
    name_font = font_path("serif-bold")
    # A name is never shortened if it can be helped: one line down to 28 pt, then two lines.
    name, name_size = _fit(data.learner_name, name_font, 46, 28, 660)
    if name == data.learner_name:
        ops.append(Text(cx, 262, name, name_font, name_size, INK, "center"))
    else:
        names, name_size = _fit_lines(data.learner_name, name_font, 28, 18, 660, 2)
        leading = name_size * 1.15
        top = 268 - (len(names) - 1) * leading
        for index, line in enumerate(names):
            ops.append(Text(cx, top + index * leading, line, name_font, name_size, INK, "center"))
    ops.append(Line(cx - 250, 282, cx + 250, 282, 0.6, FRAME))
    ops.append(Text(cx, 310, "has successfully completed the course", sans, 12.5, MUTED, "center"))

    title_font = font_path("sans-bold")
    lines, title_size = _fit_lines(data.course_title, title_font, 23, 14, 640, 2)
    leading = title_size * 1.25
    first = 346 if len(lines) == 1 else 340
    for index, line in enumerate(lines):
        ops.append(Text(cx, first + index * leading, line, title_font, title_size, ACCENT, "center"))
    after_title = first + (len(lines) - 1) * leading
    ops.append(Text(cx, after_title + 34, _achievement_line(data), sans, 12.5, INK_SOFT, "center"))

    # Bottom row: signature (left), date and code (middle), QR code (right).
    left, right, base = 88, PAGE_W - 88, 500
    ops += [
        *_signature(data, left + 100, base, serif_italic, sans, sans_bold),
        Text(cx, base - 34, "DATE OF ISSUE", sans_bold, 7.5, MUTED, "center", tracking=1.4),
        Text(cx, base - 16, format_date(data.issued_on), sans, 13, INK, "center"),
        Text(cx, base + 8, "CERTIFICATE ID", sans_bold, 7.5, MUTED, "center", tracking=1.4),
        Text(cx, base + 26, data.code, mono, 13, INK, "center", tracking=0.6),
    ]
    qr_size = 96
    qr_x, qr_y = right - qr_size, base - 70
    ops += [
        QR(qr_x, qr_y, qr_size, qr_modules(data.verify_url), link=data.verify_url),
        Text(qr_x + qr_size / 2, qr_y + qr_size + 14, "SCAN TO VERIFY", sans_bold, 7.5, ACCENT, "center", tracking=1.4),
    ]
    ops += seal_ops(PAGE_W - 118, 118, 50, data.site_name)
    url_font = sans
    url, url_size = _fit(data.verify_url, url_font, 7.5, 5.5, 300)
    ops.append(Text(cx, base + 48, url, url_font, url_size, MUTED, "center", link=data.verify_url))
    return ops


def _achievement_line(data: CertificateData) -> str:
    line = f"with a score of {round(data.score * 100)}%"
    return f"{line}  ·  {data.hours} of study" if data.hours else line


def _signature(data: CertificateData, x: float, base: float, script: Path, sans: Path, bold: Path) -> list[Op]:
    """Above the line: the instructor when the course has one, else the issuer; the role below it."""
    ops: list[Op] = []
    if data.instructor_name:
        name, size = _fit(data.instructor_name, script, 22, 12, 230)
        ops.append(Text(x, base - 8, name, script, size, INK, "center"))
        ops.append(Text(x, base + 20, "COURSE INSTRUCTOR", bold, 7.5, MUTED, "center", tracking=1.4))
        ops.append(Text(x, base + 33, data.site_name, sans, 8.5, MUTED, "center"))
    else:
        ops.append(Text(x, base - 8, data.site_name, script, 27, INK, "center"))
        ops.append(Text(x, base + 20, "CERTIFICATE ISSUER", bold, 7.5, MUTED, "center", tracking=1.4))
    return [Line(x - 115, base + 4, x + 115, base + 4, 0.8, INK_SOFT), *ops]


def _left(op: Text) -> float:
    width = text_width(op.text, op.font, op.size, op.tracking)
    return op.x - {"left": 0.0, "center": width / 2, "right": width}[op.align]


# --- PDF --------------------------------------------------------------------------------


def render_pdf(data: CertificateData) -> bytes:
    buffer = io.BytesIO()
    # invariant: no random document id or timestamp, so the same certificate gives the same bytes.
    pdf = canvas.Canvas(buffer, pagesize=(PAGE_W, PAGE_H), invariant=1, pageCompression=1)
    pdf.setTitle(f"Certificate of Completion — {data.course_title} — {data.learner_name}")
    pdf.setAuthor(data.site_name)
    pdf.setSubject(f"Verify at {data.verify_url}")
    pdf.setCreator(data.site_name)
    pdf.setKeywords(data.code)
    _paint_pdf(pdf, layout(data))
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _paint_pdf(pdf: canvas.Canvas, ops: Iterable[Op]) -> None:
    for op in ops:
        if isinstance(op, Box):
            if op.fill:
                pdf.setFillColor(op.fill)
            if op.stroke:
                pdf.setStrokeColor(op.stroke)
                pdf.setLineWidth(op.width)
            pdf.rect(op.x, PAGE_H - op.y - op.h, op.w, op.h, stroke=int(bool(op.stroke)), fill=int(bool(op.fill)))
        elif isinstance(op, Line):
            pdf.setStrokeColor(op.color)
            pdf.setLineWidth(op.width)
            pdf.line(op.x1, PAGE_H - op.y1, op.x2, PAGE_H - op.y2)
        elif isinstance(op, Text):
            pdf.setFillColor(op.color)
            x = start = _left(op)
            for piece, path in runs(op.text, op.font):
                pdf.setFont(_pdf_font_name(path), op.size)
                pdf.drawString(x, PAGE_H - op.y, piece, charSpace=op.tracking)
                x += pdfmetrics.stringWidth(piece, _pdf_font_name(path), op.size) + op.tracking * len(piece)
            if op.link:
                pdf.linkURL(op.link, (start, PAGE_H - op.y - 2, x, PAGE_H - op.y + op.size), relative=0)
        elif isinstance(op, Circle):
            if op.fill:
                pdf.setFillColor(op.fill)
            if op.stroke:
                pdf.setStrokeColor(op.stroke)
                pdf.setLineWidth(op.width)
            pdf.circle(op.cx, PAGE_H - op.cy, op.r, stroke=int(bool(op.stroke)), fill=int(bool(op.fill)))
        elif isinstance(op, Polygon):
            pdf.setFillColor(op.fill)
            path = pdf.beginPath()
            first, *rest = op.points
            path.moveTo(first[0], PAGE_H - first[1])
            for x, y in rest:
                path.lineTo(x, PAGE_H - y)
            path.close()
            pdf.drawPath(path, stroke=0, fill=1)
        elif isinstance(op, QR):
            n = len(op.modules)
            unit = op.size / n
            pdf.setFillColor(INK)
            for row_index, row in enumerate(op.modules):
                # One rectangle per run of dark modules: fewer operators, no hairline seams.
                col = 0
                while col < n:
                    if row[col]:
                        start = col
                        while col < n and row[col]:
                            col += 1
                        top = PAGE_H - op.y - (row_index + 1) * unit
                        pdf.rect(op.x + start * unit, top, (col - start) * unit, unit, stroke=0, fill=1)
                    else:
                        col += 1
            if op.link:
                pdf.linkURL(op.link, (op.x, PAGE_H - op.y - op.size, op.x + op.size, PAGE_H - op.y), relative=0)


# --- PNG --------------------------------------------------------------------------------

_SCALE = PNG_SIZE[0] / PAGE_W


@lru_cache(maxsize=64)
def _pil_font(path: Path, size_px: float) -> ImageFont.FreeTypeFont:
    # BASIC: no shaping or reordering by Pillow; ``visual`` already did it, as for the PDF.
    return ImageFont.truetype(str(path), size=size_px, layout_engine=ImageFont.Layout.BASIC)


def render_png(data: CertificateData) -> bytes:
    image = Image.new("RGB", PNG_SIZE, WHITE)
    _paint_png(ImageDraw.Draw(image), layout(data))
    info = PngInfo()
    info.add_text("Title", f"Certificate of Completion — {data.course_title}")
    info.add_text("Author", data.site_name)
    info.add_text("URL", data.verify_url)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", pnginfo=info, dpi=(PNG_DPI, PNG_DPI), compress_level=6)
    return buffer.getvalue()


def _paint_png(draw: ImageDraw.ImageDraw, ops: Iterable[Op], scale: float = _SCALE) -> None:
    def _px(value: float) -> int:
        return round(value * scale)

    for op in ops:
        if isinstance(op, Circle):
            box = (op.cx - op.r, op.cy - op.r, op.cx + op.r, op.cy + op.r)
            width = max(1, round(op.width * scale)) if op.stroke else 0
            draw.ellipse(tuple(v * scale for v in box), fill=op.fill, outline=op.stroke, width=width)
            continue
        if isinstance(op, Polygon):
            draw.polygon([(x * scale, y * scale) for x, y in op.points], fill=op.fill)
            continue
        if isinstance(op, Box):
            width = max(1, _px(op.width)) if op.stroke else 0
            draw.rectangle(
                (_px(op.x), _px(op.y), _px(op.x + op.w) - 1, _px(op.y + op.h) - 1),
                fill=op.fill,
                outline=op.stroke,
                width=width,
            )
        elif isinstance(op, Line):
            width = max(1, _px(op.width))
            # Pillow centres a thick line on its coordinates like PDF does; keep the ends square.
            if op.y1 == op.y2:
                top = op.y1 * scale - width / 2
                draw.rectangle((_px(op.x1), round(top), _px(op.x2) - 1, round(top) + width - 1), fill=op.color)
            else:
                draw.line((_px(op.x1), _px(op.y1), _px(op.x2), _px(op.y2)), fill=op.color, width=width)
        elif isinstance(op, Text):
            pieces = [(piece, _pil_font(path, op.size * scale)) for piece, path in runs(op.text, op.font)]
            track = op.tracking * scale
            span = sum(font.getlength(piece) + track * len(piece) for piece, font in pieces) - track
            x = op.x * scale - {"left": 0.0, "center": span / 2, "right": span}[op.align]
            y = op.y * scale
            for piece, font in pieces:
                if not track:
                    draw.text((x, y), piece, font=font, fill=op.color, anchor="ls")
                    x += font.getlength(piece)
                    continue
                for char in piece:
                    draw.text((x, y), char, font=font, fill=op.color, anchor="ls")
                    x += font.getlength(char) + track
        elif isinstance(op, QR):
            n = len(op.modules)
            # Whole-pixel modules keep the code sharp and easy to decode from the image.
            unit = max(1, int(op.size * scale // n))
            offset_x = _px(op.x) + (_px(op.size) - unit * n) // 2
            offset_y = _px(op.y) + (_px(op.size) - unit * n) // 2
            for row_index, row in enumerate(op.modules):
                for col, dark in enumerate(row):
                    if dark:
                        x0, y0 = offset_x + col * unit, offset_y + row_index * unit
                        draw.rectangle((x0, y0, x0 + unit - 1, y0 + unit - 1), fill=INK)


# --- the seal ---------------------------------------------------------------------------


def seal_ops(cx: float, cy: float, radius: float, site_name: str) -> list[Op]:
    """A round seal: toothed rim, two rings, the site's name and a star; also the badge image."""
    bold = font_path("sans-bold")
    return [
        _toothed(cx, cy, radius, 40),
        Circle(cx, cy, radius * 0.84, stroke=WHITE, width=radius * 0.03),
        Circle(cx, cy, radius * 0.76, fill=WHITE),
        Circle(cx, cy, radius * 0.70, stroke=ACCENT, width=radius * 0.025),
        Text(cx, cy - radius * 0.2, site_name.upper(), bold, radius * 0.16, ACCENT, "center", radius * 0.012),
        _star(cx, cy + radius * 0.08, radius * 0.2, ACCENT),
        Text(cx, cy + radius * 0.5, "CERTIFIED", bold, radius * 0.12, ACCENT, "center", radius * 0.015),
    ]


def seal_png(site_name: str, size: int = 512) -> bytes:
    """The seal alone on a transparent square (the credential's and the issuer's image)."""
    image = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    _paint_png(ImageDraw.Draw(image), seal_ops(50, 50, 48, site_name), size / 100)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
