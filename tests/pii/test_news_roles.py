"""A person introduced by a role noun of news or by an owner's ``'s`` (``news_roles``): known answers, the
look-alikes that must stay (organisations, everyday words), and the redaction of a column. The names are made
up; the shapes are those of wire copy."""

from __future__ import annotations

import re

import polars as pl
import pytest

from mlsecure.privacy.pii.anonymize import Method, transform_text
from mlsecure.privacy.pii.news_roles import (
    OWNED_NAME,
    ROLE_AFTER,
    ROLE_APPOSITION,
    ROLE_NAME,
    apposed_name,
    owned_name,
    role_after,
    role_name,
)

EN = ("en",)


def read(pattern: str, reader: object, text: str) -> list[str]:
    assert callable(reader)
    return [n for m in re.finditer(pattern, text) for n in reader(m.group(0), EN)]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Brazilian defender Kowalczyk scored twice.", ["Kowalczyk"]),  # one word that a name list holds
        ("Education Minister Nagumbe Yamassako was held for four hours.", ["Nagumbe Yamassako"]),
        ("his Armenian counterpart Andries Joubertson met him", ["Andries Joubertson"]),
        ("Prime Minister Glavinski Woszniak's office said", ["Glavinski Woszniak"]),  # the possessive is not the name
        ("coach Justus Swartling Monday", ["Justus Swartling"]),  # the longest run of name words from the first
    ],
)
def test_role_names(text: str, names: list[str]) -> None:
    assert read(ROLE_NAME, role_name, text) == names


@pytest.mark.parametrize(
    "text",
    [
        "the rebel leader Hamas said",  # one word that no name list holds
        "off-spinner Such had scuttled their hopes",  # an everyday word
        "a vote in the General Assembly",
        "the defender Real Madrid signed",
    ],
)
def test_role_look_alikes_stay(text: str) -> None:
    assert read(ROLE_NAME, role_name, text) == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Cuba's Jose Ribaltez lost on points.", ["Jose Ribaltez"]),
        ("Atlanta's Tom Glavinski (13-8) won.", ["Tom Glavinski"]),
        ("Clinton's White House denied it.", []),  # ``House``: an everyday word no name list ranks
        ("Britain's Office of Fair Trading", []),  # one word, and no given name
        ("China's State Council met", []),
    ],
)
def test_owned_names(text: str, names: list[str]) -> None:
    assert read(OWNED_NAME, owned_name, text) == names


def test_column_redaction() -> None:
    texts = [
        "Their other marksmen were Brazilian defender Kowalczyk and Belgian striker Andries Joubertson.",
        "The rebel leader Hamas said no, and off-spinner Such bowled on.",
    ]
    out = transform_text(pl.Series("text", texts), Method.REDACT, key=None).to_list()
    assert "Kowalczyk" not in out[0] and "Joubertson" not in out[0]
    assert out[1] == texts[1]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("With his second wife, Karen, he has two children.", ["Karen"]),
        ("Mongolia's state copyright official, Nagumbe Yamassako, said", ["Nagumbe Yamassako"]),
        ("the producer, Hindustan Copper Ltd, said", []),  # an everyday word no list ranks: no person
    ],
)
def test_role_in_apposition(text: str, names: list[str]) -> None:
    assert read(ROLE_APPOSITION, apposed_name, text) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("formed in 1994 with Baron (guitar), Thomas (bass) and Ronald (drum).", ["Baron", "Thomas", "Ronald"]),
        ("Australia - Kuznetsov Wijeratne (captain), Michael Bevan", ["Kuznetsov Wijeratne"]),
        ("Ticket sales (manager) rose", []),  # everyday words
    ],
)
def test_role_after_the_name(text: str, names: list[str]) -> None:
    assert read(ROLE_AFTER, role_after, text) == names
