"""Names in free text after the verbs whose object is a person (issue 15, session 7): ``ran into X``, ``talked
to X``, ``assigned to X Y``. The names below are in no list of the top 2000 names of any country (or in one of
another script), beside look-alikes after the same verbs that must stay: products, teams, places before a
noun they qualify, closed-class words."""

from __future__ import annotations

import polars as pl
import pytest

from mlsecure.privacy.pii import PiiType
from mlsecure.privacy.pii.spans import confirmed_strings


def names_in(*texts: str) -> set[str]:
    found = confirmed_strings(pl.Series(list(texts)))
    return {value for value, kind in found.items() if kind is PiiType.NAME}


@pytest.mark.parametrize(("text", "name"), [
    ("Yesterday I bumped into Arnketil at the bakery.", "Arnketil"),  # Old Norse, unlisted
    ("We ran into Sighborgh on the way home", "Sighborgh"),
    ("I talked to Καλλίστρατος.", "Καλλίστρατος"),  # Greek
    ("She spoke with Бұрхан about the lease.", "Бұрхан"),  # Kazakh Cyrillic
    ("He met لهراسب in the lobby.", "لهراسب"),  # Persian
    ("Last week we met ヨウコ at the airport.", "ヨウコ"),  # katakana
    ("I caught up with Güçkan yesterday.", "Güçkan"),  # Turkish
    ("Ticket assigned to Hellmuth Güldemeister (owner).", "Hellmuth Güldemeister"),
    ("The outage was escalated to Jórlaug Gaddason after an hour.", "Jórlaug Gaddason"),
    ("Case forwarded to Дүрия Нарымбаев for review.", "Дүрия Нарымбаев"),
    ("Ticket assigned to وهومن شریعتمداری (owner)", "وهومن شریعتمداری"),
    ("Ich habe gestern Walpurgis getroffen, aber traf Zdirad nicht.", "Zdirad"),
    ("Hier j'ai parlé avec Floransz de la réunion.", "Floransz"),
])
def test_a_person_after_a_verb_that_takes_one(text: str, name: str) -> None:
    assert name in names_in(text)


@pytest.mark.parametrize("text", [
    "I ran into Python errors after the upgrade.",  # a word qualifying the noun after it
    "We met Monday at noon.",  # a weekday
    "The ticket was assigned to Support Team (owner).",  # a team
    "The ticket was escalated to Legal today.",  # one unlisted word after a handing verb
    "The bug was assigned to Infrastructure.",
    "She asked The Guardian for a comment on it",  # closed-class first word
    "I talked to the manager about it.",
])
def test_no_person_after_those_verbs(text: str) -> None:
    assert names_in(text) == set()


@pytest.mark.parametrize(("text", "name"), [
    ("Arnketil will send the slides tonight.", "Arnketil"),
    ("Notes are ready. Holmgærdh can present them on Monday.", "Holmgærdh"),
    ("Καλλίστρατος will call you back.", "Καλλίστρατος"),  # Greek
    ("زامیاد will send the slides tonight.", "زامیاد"),  # Persian
    ("彬子 will bring the keys.", "彬子"),  # Japanese
    ("Süalp promised to answer by Friday.", "Süalp"),  # Turkish
    ("We asked twice. Xylia replied at once.", "Xylia"),
])
def test_a_sentence_subject_doing_what_people_do(text: str, name: str) -> None:
    assert name in names_in(text)


@pytest.mark.parametrize("text", [
    "Students will present their projects.",  # a plural noun
    "Everyone will send a short note.",
    "Staff can call the front desk.",
    "Tomorrow will bring rain.",  # a closed-class word
    "The server will send a reply.",  # an article first
    "Support will call you back.",
])
def test_no_person_as_such_a_subject(text: str) -> None:
    assert names_in(text) == set()


@pytest.mark.parametrize(("text", "name"), [
    ("Referred by Dr. van Erde. Callback tomorrow.", "van Erde"),  # a Dutch surname opening with its particle
    ("Dear Ms. ten Hincamp,\nyour application is under review.", "ten Hincamp"),
    ("Ticket reviewed by Riley op Kreijl; questions to the desk.", "Riley op Kreijl"),
    ("Honorius will send the slides tonight.", "Honorius"),  # -us: a Latin name, not a plural
])
def test_particles_and_latin_endings(text: str, name: str) -> None:
    assert name in names_in(text)


@pytest.mark.parametrize("text", [
    "Wir gehen in den Park. Dann essen wir.",
    "Le chat de la voisine dort.",
    "Teachers will present the results.",
])
def test_particles_alone_are_no_name(text: str) -> None:
    assert names_in(text) == set()


@pytest.mark.parametrize(("text", "name"), [
    ("赫琳 / +86 139 1234 5678 / helin@example.cn", "赫琳"),  # a surname outside the lists' commonest
    ("김주원 / 010-1234-5678 / jw@example.kr", "김주원"),  # a given name ending in 원 after the surname 김
])
def test_a_caseless_name_heading_a_contact_record(text: str, name: str) -> None:
    assert name in names_in(text)


@pytest.mark.parametrize("text", ["서울역 / 02-123-4567 / info@example.kr", "北京市 / 010 6512 3456"])
def test_a_place_heading_a_record_is_no_name(text: str) -> None:
    assert names_in(text) == set()


@pytest.mark.parametrize(("text", "name"), [
    ("Ticket reviewed by Una Slezak; questions to the desk.", "Una Slezak"),  # una: Spanish/Italian article
    ("Ticket assigned to Hai Bradford (owner).", "Hai Bradford"),  # hai: Italian verb
    ("Sincerely,\nAugust Dunlap", "August Dunlap"),  # a month
])
def test_a_common_word_that_is_a_common_name_in_a_persons_slot(text: str, name: str) -> None:
    assert name in names_in(text)


@pytest.mark.parametrize("text", ["Kind regards,\nThe Management", "This was reviewed by The Guardian; see page 2.",
                                  "Written by May June."])
def test_common_words_without_a_listed_name_beside_them(text: str) -> None:
    assert names_in(text) == set()


@pytest.mark.parametrize(("text", "name"), [
    ("Delivery address: 서울 강남구 테헤란로 152. Recipient: 손채원", "손채원"),
    ("Contact: 조채원, tel. 010-1234-5678", "조채원"),
])
def test_a_korean_given_name_ending_in_won_after_a_person_label(text: str, name: str) -> None:
    assert name in names_in(text)


def test_an_institution_ending_in_won_after_a_person_label_is_no_name() -> None:
    assert names_in("Recipient: 서울병원") == set()


@pytest.mark.parametrize(("text", "name"), [
    ('"We all liked the record," says Iwase.', "Iwase"),  # the person a quotation is from
    ("Hello, my name is Ludmiła and I need help.", "Ludmiła"),
    ("Everyone calls me Borna.", "Borna"),
])
def test_who_is_quoted_or_introduced(text: str, name: str) -> None:
    assert name in names_in(text)


def test_said_before_a_weekday_is_no_name() -> None:
    assert names_in("The ministry said Monday that prices rose.") == set()
