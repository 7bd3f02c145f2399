"""Free-text survival in the locales of ``heldout_locales.py`` (faker, 24 locales none of the other
held-out tables uses): short notes with a person's name, phone number, email and street address of the
locale, anonymized as a text column; counts what survives verbatim. Two kinds of note: English sentences
around the locale's values, and ``label: value`` notes with the locale's values only. Template words differ
from those of ``heldout_world.py`` and ``heldout_mimesis.py``.

    PYTHONPATH=src python tests/pii/heldout_locales_text.py --rows 200 --seeds 6
"""

from __future__ import annotations

import random
import sys
from collections import Counter
from pathlib import Path

from mlsecure.privacy.pii import PiiType

T = PiiType


def notes(locale: str, n_rows: int, *, seed: int) -> tuple[list[str], list[list[tuple[str, PiiType]]]]:
    from faker import Faker

    fake = Faker(locale)
    fake.seed_instance(seed)
    rng = random.Random(seed)
    texts: list[str] = []
    planted: list[list[tuple[str, PiiType]]] = []
    for _ in range(n_rows):
        name, phone, email = fake.name(), fake.phone_number(), fake.email()
        street = fake.street_address().replace("\n", ", ")
        template = rng.randrange(5)
        if template == 0:
            text, plants = f"Courier could not reach {name}; tried {phone} twice.", [(name, T.NAME), (phone, T.PHONE)]
        elif template == 1:
            text, plants = f"Statement for {name} mailed to {street}.", [(name, T.NAME), (street, T.STREET_ADDRESS)]
        elif template == 2:
            text, plants = f"{name} / {phone} / {email}", [(name, T.NAME), (phone, T.PHONE), (email, T.EMAIL)]
        elif template == 3:
            text = f"Contact: {name}, tel. {phone}, e-mail {email}"
            plants = [(name, T.NAME), (phone, T.PHONE), (email, T.EMAIL)]
        else:
            text = f"Delivery address: {street}. Recipient: {name}"
            plants = [(street, T.STREET_ADDRESS), (name, T.NAME)]
        texts.append(text)
        planted.append(plants)
    return texts, planted


def survival(locale: str, n_rows: int, seed: int) -> tuple[Counter[PiiType], Counter[PiiType]]:
    """(planted, survived) counts per type after ``anonymize_frame`` of the notes as one text column."""
    import polars as pl

    from mlsecure.privacy.pii import anonymize_frame

    texts, planted = notes(locale, n_rows, seed=seed)
    out = anonymize_frame(pl.DataFrame({"note": texts})).frame.get_column("note").to_list()
    put: Counter[PiiType] = Counter()
    kept: Counter[PiiType] = Counter()
    for text, plants in zip(out, planted, strict=True):
        for value, pii_type in plants:
            put[pii_type] += 1
            kept[pii_type] += value in text
    return put, kept


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(Path(__file__).parent))
    from heldout_locales import LOCALES
    from heldout_score import run_survival

    return run_survival("faker-new text", survival,
                        lambda put: [(t.value, t, t) for t in sorted(put, key=lambda t: t.value)],
                        list(LOCALES), 200, 6, argv)


if __name__ == "__main__":
    raise SystemExit(main())
