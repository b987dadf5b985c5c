"""Which language a request gets: the framework's own code, or a refusal naming the choices."""

from __future__ import annotations

import pytest

from commonground.errors import InvalidInput
from commonground.sdg.framework import framework


@pytest.mark.parametrize(("asked", "code"), [("es", "es"), ("es-ES", "es"), ("es_MX", "es"),
                                              ("ZH", "zh-Hans"), ("zh-Hans", "zh-Hans"),
                                              ("nb", "nb-NO"), ("nb_NO", "nb-NO"),
                                              ("en-GB", "en"), ("zh-Hans-HK", "zh-Hans")])
def test_a_language_resolves_to_the_code_whose_texts_are_shown(asked: str, code: str) -> None:
    assert framework().check_language(asked) == code


@pytest.mark.parametrize(("asked", "message"), [
    ("pt", "has no SDG texts; use one of"),
    ("zh-Hant", "simplified Chinese only; use zh-Hans"),
    ("zh-TW", "simplified Chinese only"),
    ("ar-x y", "is not a language tag"),
    ("", "is not a language tag"),
])
def test_a_language_without_texts_or_no_language_is_refused(asked: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        framework().check_language(asked)


def test_a_text_says_which_language_it_is_in() -> None:
    fw = framework()
    anaemia = fw.target("2.2").indicators[-1]
    assert anaemia.text("ca").startswith("Prevalence of anaemia")  # Catalan lacks it
    assert anaemia.text_language("ca") == "en"
    assert fw.target("6.1").text_language("es-ES") == "es"
