"""A second free-text held-out set, by a second generator and other templates than
``heldout_locales_text.py``: ``mimesis`` names, phones and emails of 30 of its locales in e-mails, chat logs,
clinical notes, letters and ticket lines, with single given names, bare surnames after titles and names in
mid-sentence. Anonymized as one text column; counts what survives verbatim (as whole words), and how many of
the template's own words the anonymizer took away with them (over-redaction).

Written and given its seeds (1 and 2) before the session-6 name rules; measured once before and once after.

    PYTHONPATH=src python tests/pii/heldout_notes_text.py --rows 150 --seeds 1 2
"""

from __future__ import annotations

import random
import re
from collections import Counter

from mlsecure.privacy.pii import PiiType

T = PiiType
LOCALES = ("cs", "da", "de", "de-at", "el", "en", "en-au", "en-gb", "es", "es-mx", "et", "fa", "fi", "fr", "hr",
           "hu", "is", "it", "ja", "kk", "ko", "nl", "no", "pl", "pt-br", "ru", "sk", "sv", "tr", "uk")
_TOKEN = re.compile(r"[^\W\d_]{2,}")


def notes(locale: str, n_rows: int, *, seed: int) -> tuple[list[str], list[list[tuple[str, PiiType]]]]:
    from mimesis import Person
    from mimesis.locales import Locale

    person = Person(Locale(locale), seed=seed)
    rng = random.Random(seed)
    texts: list[str] = []
    planted: list[list[tuple[str, PiiType]]] = []
    for _ in range(n_rows):
        first, last, first2, last2 = person.first_name(), person.last_name(), person.first_name(), person.last_name()
        full, full2 = f"{first} {last}", f"{first2} {last2}"
        phone, email = person.phone_number(), person.email()
        minute = rng.randrange(10, 59)
        kind = rng.randrange(8)
        if kind == 0:
            text = (f"Hi {first},\n\nthanks for the update on the invoice. I'll call you on {phone}.\n\n"
                    f"Kind regards,\n{full2}")
            plants = [(first, T.NAME), (phone, T.PHONE), (full2, T.NAME)]
        elif kind == 1:
            text = (f"[09:{minute}] {first}: are we still on for tomorrow?\n"
                    f"[09:{minute + 1}] {first2}: yes, see you at ten")
            plants = [(first, T.NAME), (first2, T.NAME)]
        elif kind == 2:
            text = (f"Pt. {full}, {rng.randrange(18, 90)} y/o, seen today for a follow-up. Referred by Dr. {last2}. "
                    f"Callback {phone}.")
            plants = [(full, T.NAME), (last2, T.NAME), (phone, T.PHONE)]
        elif kind == 3:
            text = f"Dear Ms. {last},\nyour application has been received and is under review.\nSincerely,\n{full2}"
            plants = [(last, T.NAME), (full2, T.NAME)]
        elif kind == 4:
            text = f"Yesterday I ran into {first} at the station and we talked about the new schedule."
            plants = [(first, T.NAME)]
        elif kind == 5:
            text = f"Ticket assigned to {full} (owner), reviewed by {full2}; questions to {email}."
            plants = [(full, T.NAME), (full2, T.NAME), (email, T.EMAIL)]
        elif kind == 6:
            text = f"{first} will send the slides tonight. If they are late, ping {first2}."
            plants = [(first, T.NAME), (first2, T.NAME)]
        else:
            text = f"From: {full} <{email}>\nTo: {full2}\nSubject: meeting notes\n\nsee attached, talk soon"
            plants = [(full, T.NAME), (email, T.EMAIL), (full2, T.NAME)]
        texts.append(text)
        planted.append(plants)
    return texts, planted


def survival(texts: list[str], planted: list[list[tuple[str, PiiType]]]) -> tuple[Counter[str], Counter[str]]:
    """(planted, survived) counts per type, plus ``template_words`` / ``template_words_lost`` (over-redaction)."""
    import polars as pl

    from mlsecure.privacy.pii import anonymize_frame

    out = anonymize_frame(pl.DataFrame({"note": texts})).frame.get_column("note").to_list()
    put: Counter[str] = Counter()
    kept: Counter[str] = Counter()
    for text, new, plants in zip(texts, out, planted, strict=True):
        rest = text
        for value, pii_type in plants:
            put[pii_type.value] += 1
            kept[pii_type.value] += survives(value, new)
            rest = rest.replace(value, " ")
        words = _TOKEN.findall(rest)
        put["template_words"] += len(words)
        kept["template_words_lost"] += sum(not survives(w, new) for w in words)
    return put, kept


def survives(value: str, text: str) -> bool:
    """``value`` is still in ``text`` with no letter on either side (``Anna`` inside ``Annabel`` does not count)."""
    return re.search(rf"(?<![^\W\d_]){re.escape(value)}(?![^\W\d_])", text) is not None


def main(argv: list[str] | None = None) -> int:
    from heldout_score import run_survival

    return run_survival("mimesis notes", lambda locale, rows, seed: survival(*notes(locale, rows, seed=seed)),
                        lambda _: _REPORTED, list(LOCALES), 150, 1, argv)


_REPORTED = [("name", "name", "name"), ("phone", "phone", "phone"), ("email", "email", "email"),
             ("template words lost", "template_words", "template_words_lost")]


if __name__ == "__main__":
    raise SystemExit(main())
