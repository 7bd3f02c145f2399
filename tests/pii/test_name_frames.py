"""Names by their frame (``name_frames``): naming phrases in several languages, titles, vocatives, speech verbs,
lists and pairs, initials without a dot, head lines, lower-case full names, JSON keys; and look-alikes kept."""

from __future__ import annotations

import pytest

from mlsecure.privacy.pii.text_mode import scan_text
from mlsecure.privacy.pii.types import PiiType


def names(text: str) -> set[str]:
    return {text[s.start:s.end] for s in scan_text(text) if s.pii_type is PiiType.NAME}


@pytest.mark.parametrize(("text", "expected"), [
    ("My name is Rubija", {"Rubija"}),
    ("my name is lena andersson.", {"lena andersson"}),
    ("Hallo, ich heiße Jörgen Wachtel und komme morgen.", {"Jörgen Wachtel"}),
    ("Bonjour, je m'appelle Gaëlle et j'ai une question.", {"Gaëlle"}),
    ("Hola, me llamo Ximena.", {"Ximena"}),
    ("Ciao, mi chiamo Ludovica Ferraresi.", {"Ludovica Ferraresi"}),
    ("Здравствуйте, меня зовут Ксения.", {"Ксения"}),
    ("Sometimes people call me Piusz", {"Piusz"}),
    ("What's your last name? Magnusson", {"Magnusson"}),
])
def test_naming_frames(text: str, expected: set[str]) -> None:
    assert expected <= names(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("Can you please ask Mr lan Brody?", {"lan Brody"}),
    ("I'd like to join accounts with ms. Quinzia", {"Quinzia"}),
    ("Leif, can I please speak to your boss?", {"Leif"}),
    ("Don't go to town, Roy!", {"Roy"}),
    ('"Glad to hear it," says Hartvigsson.', {"Hartvigsson"}),
    ("They had 6: Gaetane, Hannah, Anthony, Derek, Anna and Andrew.", {"Gaetane", "Hannah", "Anthony", "Derek"}),
    ("they had 4: silvana, adam, christopher and caleb.", {"silvana", "adam", "christopher", "caleb"}),
    ("Marrero and Murphy were precision engineers.", {"Marrero", "Murphy"}),
    ("Have you been to a Ravil G Yefimov concert before?", {"Ravil G Yefimov"}),
    ("follow up with patricia desrosiers in a couple of months.", {"patricia desrosiers"}),
    ("Julieta S Almeida\n\nStaff development specialist", {"Julieta S Almeida"}),
    ('{"name":"Leo Wang","email":"x"}', {"Leo Wang"}),
    ("Maciej Borkowski directed it, starring Borkowski and friends.", {"Maciej Borkowski", "Borkowski"}),
    ("Julcsa Kárpáthy\nMhealthcoach\n50668 Kiannonkatu 98 Apt. 105", {"Julcsa Kárpáthy"}),
    (">Ella H. Snider\n>Otc Markets\n>228 Ringvej 144\n>Apt. 902", {"Ella H. Snider"}),
    ("Producer Mashuu Samurakami explained to the press.", {"Mashuu Samurakami"}),
    ("Jens spent a year at the lab.", {"Jens"}),
    ("Please change it to Soib K. Kishiev", {"Soib K. Kishiev"}),
    ("Alvir spent a year as the assistant to Alvir D. Pušaver.", {"Alvir", "Alvir D. Pušaver"}),
    ("naomi ryan\nsewer pipe cleaner", {"naomi ryan"}),
])
def test_frames_find_names(text: str, expected: set[str]) -> None:
    assert expected <= names(text)


@pytest.mark.parametrize("text", [
    "Okay, can I change my order?",
    "Great, can you send the invoice?",
    "May I ask a question about my bill?",
    "Will you send it on Monday, June 3?",
    "Bill me later, please.",
    "We sell apples, pears, plums and cherries.",
    "Sales and Marketing were merged last year.",
    "The meeting is in March, April and May.",
    "Use Python, Rust, Java and Kotlin for the backend.",
    "Vitamin D deficiency is common in winter.",
    "Release Notes\n\nVersion 2 fixes the parser.",
    'Thanks, Google!',
    "He said Monday.",
    "Subclasses override the method of the\nbase class when needed.",
    "Opening Hours\n10 Main Street opens at nine.",
])
def test_look_alikes_kept(text: str) -> None:
    assert names(text) == set()


def test_two_word_runs_do_not_spread_their_words() -> None:
    """A confirmed run's words are not names elsewhere (``Magellan Health`` is a company): only a full name with a
    middle initial gives its first and last words."""
    found = names("Magellan Health rose 3%. Health stocks and Magellan funds fell.")
    assert "Health" not in found and "Magellan" not in found
