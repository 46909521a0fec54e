"""Names in every script: Chinese, Japanese, Arabic and Hebrew names print with real glyphs.

A character no installed font has is drawn as the font's .notdef box. So the test draws each
name, then the same layout with the name's letters replaced by a character no font has
(U+10FFFD, private use): where the name is drawn with real glyphs, the two images differ; where
it fell back to boxes, they are the same. The PDF is rasterised with poppler's pdftoppm.
"""

from __future__ import annotations

import dataclasses
import io
import subprocess
import tempfile
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from certificates import rendering
from tests.certificates.helpers import fetch, site_path

NAMES = {
    "Chinese": ("王小明", "DroidSansFallback"),
    "Japanese": ("山田 はなこ", "DroidSansFallback"),
    "Arabic": ("فاطمة الزهراء", "NotoNaskhArabic-Bold"),
    "Hebrew": ("יעל כהן", "NotoSerifHebrew-Bold"),
}
NO_GLYPH = "\U0010fffd"
# The band of the page (in points from the top) where the learner's name is printed.
NAME_BAND = (120, 215, 722, 285)


def data(name: str) -> rendering.CertificateData:
    return rendering.CertificateData(
        learner_name=name,
        course_title="Interpretable Machine Learning",
        issued_on=date(2026, 12, 5),
        score=0.92,
        code="7QXK-3M9D-WZ4P-HT2R-8CNV",
        verify_url="https://glassbook.example/verify/7QXK-3M9D-WZ4P-HT2R-8CNV/",
    )


def band(image: Image.Image) -> Image.Image:
    scale = image.width / rendering.PAGE_W
    return image.convert("L").crop(tuple(round(value * scale) for value in NAME_BAND))


def pdf_image(pdf: bytes) -> Image.Image:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "page.pdf"
        source.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(source), f"{folder}/page"], check=True)
        return Image.open(Path(folder) / "page.png").copy()


def differing_pixels(first: Image.Image, second: Image.Image) -> int:
    return sum(1 for value in ImageChops.difference(first, second).getdata() if value > 64)


@pytest.mark.parametrize("script", NAMES)
def test_a_name_in_every_script_is_drawn_with_real_glyphs(script):
    name, font = NAMES[script]
    # the same words in the same places: right-to-left names are laid out in display order
    boxes = "".join(char if char.isspace() else NO_GLYPH for char in rendering.visual(name))
    real = data(name)
    missing = dataclasses.replace(real, learner_name=boxes)

    png, png_boxes = (Image.open(io.BytesIO(rendering.render_png(item))) for item in (real, missing))
    assert differing_pixels(band(png), band(png_boxes)) > 3000, "the PNG shows boxes"
    pdf = rendering.render_pdf(real)
    assert differing_pixels(band(pdf_image(pdf)), band(pdf_image(rendering.render_pdf(missing)))) > 1000

    # the PDF embeds the script's font, and its text layer holds the name's letters
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert font in fonts
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    letters = unicodedata.normalize("NFKC", text)
    assert all(char in letters for char in name if not char.isspace())


def test_right_to_left_names_are_ordered_and_joined():
    """Arabic letters take their joined forms and both scripts run right to left."""
    arabic = rendering.visual("فاطمة")
    assert arabic == "ﺔﻤﻃﺎﻓ"  # final teh marbuta … initial feh, in drawing (left-to-right) order
    assert rendering.visual("יעל כהן") == "ןהכ לעי"
    assert rendering.visual("Lena Learner") == "Lena Learner"


@pytest.mark.django_db
def test_an_arabic_name_shows_the_same_on_the_page_pdf_and_png(learner, learner_api, tiny_course, complete, client):
    name = "فاطمة الزهراء"
    learner.display_name = name
    learner.save()
    complete(learner_api, tiny_course)
    certificate = learner_api.get("/api/v1/certificates/").json()["results"][0]
    assert certificate["learner_name"] == name
    page = client.get(site_path(certificate["verify_url"])).content.decode()
    assert name in page
    pdf = fetch(client, certificate["pdf_url"])
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert all(char in unicodedata.normalize("NFKC", text) for char in name if not char.isspace())
    png = Image.open(io.BytesIO(fetch(client, certificate["png_url"])))
    expected = Image.open(io.BytesIO(rendering.render_png(rendering.CertificateData(**{
        **dataclasses.asdict(data(name)),
        "course_title": certificate["course_title"],
    }))))  # fmt: skip
    assert differing_pixels(band(png), band(expected)) == 0
