"""Names in sports results printed as text (``results_tables``): each shape's reader on known answers, the
look-alikes that must stay (everyday words, clubs, places), and the whole redaction of a column.

The texts are written here in the shapes of wire copy (scorecards, result lists, scorers, line-ups); the
names are made up, so that the corpora the benchmark measures stay out of the tests."""

from __future__ import annotations

import re

import polars as pl
import pytest

from mlsecure.privacy.pii.anonymize import Method, transform_text
from mlsecure.privacy.pii.results_tables import (
    BATTING_LINE,
    BOWLING_FIGURES,
    BROKEN_NAME,
    ENTRANT,
    LINE_UP,
    ODDS_LIST,
    RECORD,
    RESULT_SLOTS,
    SCORERS,
    SQUAD,
    WINNER,
    batting,
    bowling,
    broken_name,
    entrant,
    names_in,
    person,
    record,
    scorers,
    squad,
)

EN = ("en",)


def redact(*texts: str) -> list[str]:
    return list(transform_text(pl.Series("text", list(texts)), Method.REDACT, key=None).to_list())


def matches(pattern: str, text: str) -> list[str]:
    return [m.group(0) for m in re.finditer(pattern, text)]


def test_batting_line_gives_batsman_fielder_and_bowler() -> None:
    (line,) = matches(BATTING_LINE, "Australia\nR. Pemberton c Ollerenshaw b Wijeratne 34\nExtras (lb-3) 3")
    assert batting(line, EN) == ["R. Pemberton", "Ollerenshaw", "Wijeratne"]
    (line,) = matches(BATTING_LINE, "K. Joubertson c and b Stickhausen 50")
    assert batting(line, EN) == ["K. Joubertson", "Stickhausen"]
    (line,) = matches(BATTING_LINE, "A. Gainesworth not out 83")
    assert batting(line, EN) == ["A. Gainesworth"]


def test_batting_line_keeps_an_everyday_word_alone_but_not_with_its_initial() -> None:
    """``Law`` alone would go from every cell of the column; ``S. Law`` is replaced only as written."""
    (line,) = matches(BATTING_LINE, "S. Law c Knight b Wijeratne 13")
    assert batting(line, EN) == ["S. Law", "Wijeratne"]


def test_bowling_figures_across_a_line_break() -> None:
    text = "Bowling: Wijeratne 10-0-41-2, Law 2-0-23-0, Stickhausen\n9-0-49-1."
    assert [n for m in matches(BOWLING_FIGURES, text) for n in bowling(m, EN)] == ["Wijeratne", "Stickhausen"]


def test_entrants_before_their_country() -> None:
    text = (
        "Women's 100 metres\n1. Chryssa Gainesworth (U.S.) 10.94\n2. Nagumbe Yamassako (Kenya) 11.07\n"
        "Glavinski Woszniak (Poland) beat Andries Joubertson (Namibia) 6-3 6-2"
    )
    found = [n for p in (ENTRANT, WINNER) for m in matches(p, text) for n in entrant(m, EN)]
    assert found == ["Chryssa Gainesworth", "Nagumbe Yamassako", "Andries Joubertson", "Glavinski Woszniak"]


@pytest.mark.parametrize(
    "text",
    [
        "1. Partizan Belgrade (Yugoslavia) 78",  # a club: its last word is a place no name list holds
        "2. Real Madrid (Spain) 61",  # an everyday word no list ranks near its top
        "3. Green Bay Packers (NFL) 10",
    ],
)
def test_clubs_are_not_entrants(text: str) -> None:
    assert [n for m in matches(ENTRANT, text) for n in entrant(m, EN)] == []


def test_scorers_after_a_score_and_with_ordinal_minutes() -> None:
    text = "Bochum 2 (Stickhausen 30th pen, Woszniak 89th) Leverkusen 1 (Andries\nJoubertson 18)."
    found = [n for m in matches(SCORERS, text) for n in scorers(m, EN)]
    assert found == ["Stickhausen", "Woszniak", "Andries\nJoubertson"]
    assert [n for m in matches(SCORERS, "Scorers: Pontingham (41st min, pen)") for n in scorers(m, EN)] == [
        "Pontingham"
    ]


@pytest.mark.parametrize("text", ["see the table (Wijeratne 12)", "(Section 12th)", "version 2 (Windows 95)"])
def test_brackets_that_are_no_scorers(text: str) -> None:
    """Plain numbers need a score before the bracket; an everyday word is never a scorer."""
    assert [n for m in matches(SCORERS, text) for n in scorers(m, EN)] == []


def test_numbered_line_up_with_replacements() -> None:
    text = "South Africa - 15 - Andries Joubertson, 14 - Justus Swartling (Nagumbe Yamassako, 48 mins) 13 - Kuznetsov"
    (match,) = matches(LINE_UP, text)
    assert names_in(match, EN) == ["Andries Joubertson", "Justus Swartling", "Nagumbe Yamassako", "Kuznetsov"]


def test_record_and_odds() -> None:
    assert [n for m in matches(RECORD, "Tomas Glavinski (13-8) won; Wall (9-4) lost") for n in record(m, EN)] == [
        "Tomas Glavinski"
    ]  # ``Wall``: an everyday word
    (odds,) = matches(ODDS_LIST, "Top scorer: 9-2 Andries Joubertson 9-2 Kuznetsov\n5-1 Justus\nSwartling")
    assert names_in(odds, EN) == ["Andries Joubertson", "Kuznetsov", "Justus\nSwartling"]


def test_name_cut_by_a_line_break_in_a_list() -> None:
    text = "Glenn Pemberton, Ricky\nPontingham, Michael Ollerenshaw, Report\nWriter, then"
    assert [n for m in matches(BROKEN_NAME, text) for n in broken_name(m, EN)] == ["Ricky\nPontingham"]


@pytest.mark.parametrize(
    ("name", "taken"),
    [
        ("Wijeratne", True),
        ("K. Haus", True),  # an everyday German word after an initial: replaced only as written
        ("Law", False),
        ("Knight", False),
        ("Such", False),
        ("S. Law", True),
        ("Michael Green", True),
        ("Real Madrid", False),
        ("Red Star", False),
        ("Partizan Belgrade", False),
        ("Germany", False),
        ("Van der Vegtman", True),
        ("the", False),
    ],
)
def test_person_known_answers(name: str, taken: bool) -> None:
    assert person(name, EN) is taken


def test_slots_compile_in_python_as_in_polars() -> None:
    """Each pattern runs in Polars over a column and in Python's ``re`` over a handful of cells."""
    column = pl.Series("t", ["S. Law c Knight b Wijeratne 13"])
    for pattern, _ in RESULT_SLOTS:
        re.compile(pattern)
        column.str.extract_all(pattern)  # raises on a pattern Rust's regex cannot read


def test_column_redaction_removes_the_names_and_keeps_the_words() -> None:
    card = (
        "CRICKET - SCOREBOARD.\nAustralia\nR. Pemberton c Ollerenshaw b Wijeratne 34\n"
        "S. Law c Knight b Wijeratne 13\nBowling: Wijeratne 10-0-41-2, Law 2-0-23-0."
    )
    results = "Women's 100 metres\n1. Chryssa Gainesworth (U.S.) 10.94\n2. Nagumbe Yamassako (Kenya) 11.07"
    out = redact(card, results, "The law of the land and a knight of the realm.")
    for name in ("Pemberton", "Ollerenshaw", "Wijeratne", "Gainesworth", "Yamassako"):
        assert all(name not in text for text in out)
    assert "Law 2-0-23-0" in out[0]  # the word alone stays: it would go from every cell
    assert "Kenya" in out[1] and "10.94" in out[1]
    assert out[2] == "The law of the land and a knight of the realm."


def test_team_sheet_after_its_label() -> None:
    text = "The team is as follows:\nGiven, Breen, Staunton, Irwin, McAteer, Harte, Quinn, O'Neill.\n"
    (sheet,) = matches(SQUAD, text)
    assert squad(sheet, EN) == ["Breen", "Staunton", "Irwin", "McAteer", "Harte", "Quinn", "O'Neill"]  # not Given


@pytest.mark.parametrize(
    "text",
    [
        "Teams: Germany, Italy, Spain, France",  # countries: a list of teams
        "Players: Nike, Adidas, Reebok, Umbro",  # no listed names
        "Tickets: Monday, Tuesday, Friday",  # everyday words
    ],
)
def test_lists_that_are_no_team_sheet(text: str) -> None:
    assert [n for m in matches(SQUAD, text) for n in squad(m, EN)] == []


def test_a_version_number_is_no_score() -> None:
    """``Mozilla/5.0 (Windows 98)``: a number after a dot is a version, not a team's score (a user-agent column of
    ``tests/pii/heldout_world.py`` whose languages were read as Spanish and Dutch, where ``Windows`` is no word)."""
    agent = "Mozilla/5.0 (Windows 98; Win 9x 4.90) AppleWebKit/5.0 (Windows 98)"
    assert [n for m in matches(SCORERS, agent) for n in scorers(m, ("es", "nl"))] == []
    assert [n for m in matches(SCORERS, "Bochum 2 (Woszniak 89)") for n in scorers(m, ("es", "nl"))] == ["Woszniak"]
