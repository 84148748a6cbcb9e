"""The patient text templates: complete in both languages, filled without gaps, and plain.

Reading level, measured with textstat over each document's whole text (sample values filled in;
headings and list items count as sentences of their own, as they read on paper):
- English: Flesch-Kincaid grade at most 6.
- Spanish: Flesch-Kincaid is calibrated on English syllable counts and means nothing for
  Spanish. textstat's Spanish measures are used instead: the Fernández-Huerta index (the
  Flesch reading ease adapted to Spanish; 70-80 is "fairly easy", a 6th-grade text, so at
  least 70) and the Crawford formula (years of schooling needed, so at most 6).
"""

import io
import re
from collections.abc import Iterator

import pytest
import textstat
from pypdf import PdfReader

from mild_desk.printing import render
from mild_desk.printing.templates import (
    LANGUAGES,
    TEMPLATES,
    Text,
    format_birth_date,
    format_date,
    format_moment,
    format_time,
    placeholders,
    template,
)
from tests.unit.test_printing import START, TZ, make_data

PATIENT_TEMPLATES = ("prep_letter", "discharge")
SAMPLE = {
    "en": {
        "date": "Tuesday, December 1, 2026",
        "arrival": "7:30 AM",
        "start": "8:00 AM",
        "provider": "Dr. Priya Patel",
        "no_solids": "2:00 AM on Tuesday, December 1, 2026",
        "clear_until": "6:00 AM on Tuesday, December 1, 2026",
        "drug": "naproxen",
        "last_dose": "8:00 AM on Friday, November 27, 2026",
        "driver_name": "Maria Lopez",
        "driver_phone": "555-0101",
        "driver_due": "8:00 AM on Monday, November 30, 2026",
        "clinic_phone": "555-0100",
        "levels": "L4-L5",
        "side": "on both sides",
        "restart": "9:00 AM on Wednesday, December 2, 2026",
        "when": "10:00 AM on Tuesday, December 15, 2026",
        "patient_name": "Zoë Martínez",
        "dob": "March 20, 1962",
    },
    "es": {
        "date": "martes 1 de diciembre de 2026",
        "arrival": "7:30 a. m.",
        "start": "8:00 a. m.",
        "provider": "Dra. Priya Patel",
        "no_solids": "martes 1 de diciembre de 2026 a las 2:00 a. m.",
        "clear_until": "martes 1 de diciembre de 2026 a las 6:00 a. m.",
        "drug": "naproxeno",
        "last_dose": "viernes 27 de noviembre de 2026 a las 8:00 a. m.",
        "driver_name": "María López",
        "driver_phone": "555-0101",
        "driver_due": "lunes 30 de noviembre de 2026 a las 8:00 a. m.",
        "clinic_phone": "555-0100",
        "levels": "L4-L5",
        "side": "de los dos lados",
        "restart": "miércoles 2 de diciembre de 2026 a las 9:00 a. m.",
        "when": "martes 15 de diciembre de 2026 a las 10:00 a. m.",
        "patient_name": "Zoë Martínez",
        "dob": "20 de marzo de 1962",
    },
}


@pytest.fixture
def spanish() -> Iterator[None]:
    textstat.set_lang("es")
    yield
    textstat.set_lang("en_US")


def sentences(name: str, lang: str) -> list[str]:
    """Every text of a template, filled with sample values, each ending as a sentence."""
    out = []
    for value in template(name, lang).values():
        for text in (value,) if isinstance(value, str) else value:
            filled = text.format_map(SAMPLE[lang]).strip()
            out.append(filled if filled[-1] in ".:?!" else filled + ".")
    return out


@pytest.mark.parametrize("name", TEMPLATES)
def test_both_languages_have_the_same_keys_and_placeholders(name: str) -> None:
    en, es = template(name, "en"), template(name, "es")
    assert set(en) == set(es)
    for key, value in en.items():
        other = es[key]
        assert isinstance(value, str) == isinstance(other, str), key
        en_fields = {
            f for t in ((value,) if isinstance(value, str) else value) for f in placeholders(t)
        }
        es_fields = {
            f for t in ((other,) if isinstance(other, str) else other) for f in placeholders(t)
        }
        assert en_fields == es_fields, key


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", PATIENT_TEMPLATES)
def test_every_placeholder_is_one_the_program_fills(name: str, lang: str) -> None:
    for text in sentences(name, lang):
        assert "{" not in text, text
        assert "}" not in text, text


@pytest.mark.parametrize("name", PATIENT_TEMPLATES)
def test_english_templates_read_at_6th_grade_or_below(name: str) -> None:
    text = " ".join(sentences(name, "en"))
    grade = textstat.flesch_kincaid_grade(text)
    assert grade <= 6, f"{name}: Flesch-Kincaid grade {grade}"


@pytest.mark.usefixtures("spanish")
@pytest.mark.parametrize("name", PATIENT_TEMPLATES)
def test_spanish_templates_read_at_6th_grade_or_below(name: str) -> None:
    text = " ".join(sentences(name, "es"))
    ease = textstat.fernandez_huerta(text)
    years = textstat.crawford(text)
    assert ease >= 70, f"{name}: Fernández-Huerta {ease}"
    assert years <= 6, f"{name}: Crawford {years} years of schooling"


def test_the_printed_documents_read_at_6th_grade_or_below() -> None:
    """The whole printed pages (names, dates and all), not only the templates."""
    data = make_data(first="Rosa", last="Nguyen")
    for pdf in (render.prep_letter_pdf(data, "en"), render.discharge_pdf(data, "en", ())):
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.pdf)).pages)
        grade = textstat.flesch_kincaid_grade(re.sub(r"\s+", " ", text))
        assert grade <= 6, f"{pdf.kind}: Flesch-Kincaid grade {grade}"


@pytest.mark.usefixtures("spanish")
def test_the_printed_spanish_documents_read_at_6th_grade_or_below() -> None:
    data = make_data(first="Rosa", last="Nguyen")
    for pdf in (render.prep_letter_pdf(data, "es"), render.discharge_pdf(data, "es", ())):
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.pdf)).pages)
        text = re.sub(r"\s+", " ", text)
        assert textstat.fernandez_huerta(text) >= 70
        assert textstat.crawford(text) <= 6


def test_dates_and_times_in_each_language() -> None:
    """Times keep a no-break space before AM/PM (shown here as "_") so they never split."""
    day = START.astimezone(TZ)

    def shown(text: str) -> str:
        return text.replace("\u00a0", "_")

    assert format_date(day.date(), "en") == "Tuesday, December 1, 2026"
    assert format_date(day.date(), "es") == "martes 1 de diciembre de 2026"
    assert format_birth_date(day.date(), "es") == "1 de diciembre de 2026"
    assert shown(format_time(day, "en")) == "8:00_AM"
    assert shown(format_time(day.replace(hour=0, minute=5), "en")) == "12:05_AM"
    assert shown(format_time(day.replace(hour=12), "es")) == "12:00_p._m."
    assert shown(format_moment(START, TZ, "en")) == "8:00_AM on Tuesday, December 1, 2026"
    assert shown(format_moment(START, TZ, "es")) == (
        "martes 1 de diciembre de 2026 a las 8:00_a._m."
    )
    one = START.replace(hour=19)  # 13:00 in Chicago
    assert shown(format_moment(one, TZ, "es")) == "martes 1 de diciembre de 2026 a la 1:00_p._m."


def test_a_value_that_ends_a_sentence_brings_its_own_full_stop() -> None:
    t = Text("discharge", "es")
    line = t("med_restart", drug="warfarina", restart="martes 1 a las 3:00 p. m.")
    assert line.endswith("3:00 p. m.")
    assert not line.endswith("..")


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="fr"):
        template("discharge", "fr")
