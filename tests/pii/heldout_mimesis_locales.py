"""A second generalisation check, by a second generator: one ``mimesis`` table per locale that the mimesis
table of ``heldout_mimesis.py`` does not use (Arabic of six countries, Azerbaijani, Persian, Kazakh, and
mimesis' own data for locales faker also covers), with the same 7 PII columns and 5 look-alike negatives
as ``heldout_locales.py``. Birth dates in the locale's CLDR short date format. Nothing here was looked at
while the rules were written; the table reports what the detectors do on it.

    PYTHONPATH=src python tests/pii/heldout_mimesis_locales.py --rows 300 --seeds 6
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from typing import Any

from mlsecure.privacy.pii.types import PiiType

# locale -> its CLDR short date pattern, written with strftime
DATE_FORMATS = {
    "ar-ae": "%d/%m/%Y", "ar-eg": "%d/%m/%Y", "ar-sa": "%d/%m/%Y", "ar-ma": "%d/%m/%Y", "ar-dz": "%d/%m/%Y",
    "ar-jo": "%d/%m/%Y", "az": "%d.%m.%Y", "fa": "%Y/%m/%d", "kk": "%d.%m.%Y", "pl": "%d.%m.%Y",
    "pt-br": "%d/%m/%Y", "sv": "%Y-%m-%d", "it": "%d/%m/%Y", "fr": "%d/%m/%Y", "es": "%d/%m/%Y",
    "nl": "%d-%m-%Y", "de": "%d.%m.%Y", "en": "%m/%d/%Y",
}
LOCALES = tuple(DATE_FORMATS)
T = PiiType
LABELS: dict[str, PiiType | None] = {
    "name": T.NAME, "email": T.EMAIL, "phone": T.PHONE, "street": T.STREET_ADDRESS, "city": T.CITY,
    "postcode": T.ZIP_CODE, "birth_date": T.DATE, "order_id": None, "price": None, "company": None, "job": None,
    "barcode": None,
}


def generate(locale: str, n_rows: int, *, seed: int, neutral_headers: bool) -> tuple[Any, dict[str, PiiType | None]]:
    import polars as pl
    from mimesis import Address, Code, Datetime, Finance, Person
    from mimesis.locales import Locale

    person, address = Person(Locale(locale), seed=seed), Address(Locale(locale), seed=seed)
    finance, code, clock = Finance(Locale(locale), seed=seed), Code(seed=seed), Datetime(seed=seed)
    rng = random.Random(seed)
    orders = rng.sample(range(60_000_000, 60_000_000 + 11 * n_rows), n_rows)
    rows: dict[str, list[str]] = {k: [] for k in LABELS}
    for i in range(n_rows):
        rows["name"].append(person.full_name())
        rows["email"].append(person.email())
        rows["phone"].append(person.phone_number())
        rows["street"].append(address.address())
        rows["city"].append(address.city())
        rows["postcode"].append(address.postal_code())
        rows["birth_date"].append(clock.date(start=1935, end=2006).strftime(DATE_FORMATS[locale]))
        rows["order_id"].append(str(orders[i]))
        price = f"{rng.uniform(1, 9999):,.2f}"
        rows["price"].append(price if locale == "en" else price.replace(",", " ").replace(".", ","))
        rows["company"].append(finance.company())
        rows["job"].append(person.occupation())
        rows["barcode"].append(code.ean())
    frame = pl.DataFrame(rows)
    if not neutral_headers:
        return frame, dict(LABELS)
    names = {c: f"c{j:02d}" for j, c in enumerate(LABELS)}
    return frame.rename(names), {names[c]: t for c, t in LABELS.items()}


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(Path(__file__).parent))
    from heldout_score import score

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--seeds", type=int, nargs="+", default=[6])
    parser.add_argument("--locales", nargs="+", default=list(LOCALES))
    args = parser.parse_args(argv)
    recalls: dict[bool, list[float]] = {False: [], True: []}
    precisions: dict[bool, list[float]] = {False: [], True: []}
    for seed in args.seeds:
        for locale in args.locales:
            for neutral in (False, True):
                frame, labels = generate(locale, args.rows, seed=seed, neutral_headers=neutral)
                result = score(frame, labels)
                recalls[neutral].append(result.recall)
                precisions[neutral].append(result.precision)
                missed = {c: (t.value if t else None, p.value if p else None) for c, (t, p) in result.wrong.items()}
                print(f"mimesis-new {locale} seed={seed} {'neutral' if neutral else 'own'} headers: precision "
                      f"{result.precision:.3f} recall {result.recall:.3f} wrong={missed}", flush=True)
    for neutral in (False, True):
        r, p = recalls[neutral], precisions[neutral]
        print(f"{'neutral' if neutral else 'own'} headers: mean precision {sum(p) / len(p):.3f} recall "
              f"{sum(r) / len(r):.3f} over {len(r)} tables; recall >= 0.95 in {sum(x >= 0.95 for x in r)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
