"""A second generalisation check, by a second generator: one ``mimesis`` table per locale that the mimesis
table of ``heldout_mimesis.py`` does not use (Arabic of six countries, Azerbaijani, Persian, Kazakh, and
mimesis' own data for locales faker also covers), with the same 7 PII columns and 5 look-alike negatives
as ``heldout_locales.py``. Birth dates in the locale's CLDR short date format. Nothing here was looked at
while the rules were written; the table reports what the detectors do on it.

    PYTHONPATH=src python tests/pii/heldout_mimesis_locales.py --rows 300 --seeds 6
"""

from __future__ import annotations

import random
from typing import Any

from heldout_score import run_locales, with_headers

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
    return with_headers(pl.DataFrame(rows), LABELS, neutral_headers)


def main(argv: list[str] | None = None) -> int:
    return run_locales("mimesis-new", generate, list(LOCALES), 6, argv)


if __name__ == "__main__":
    raise SystemExit(main())
