"""A generalisation check: one faker table per locale that none of the other held-out tables (``heldout.py``,
``heldout_world.py``, ``heldout_mimesis.py``) uses and that nothing here was tuned on, with the locale's
own formats: faker's names, phones, streets, cities and postcodes, and birth dates written in the
locale's CLDR short (or, for Chinese, medium) date format. Negatives: order ids with gaps, prices in
local notation, companies, jobs, EAN-13 barcodes.

    PYTHONPATH=src python tests/pii/heldout_locales.py --rows 300 --seeds 5
"""

from __future__ import annotations

import random
from typing import Any

from heldout_score import run_locales, with_headers

from mlsecure.privacy.pii.types import PiiType

# locale -> its date format (CLDR short pattern written with strftime; Chinese: the medium one)
DATE_FORMATS = {
    "zh_CN": "%Y年%m月%d日", "zh_TW": "%Y/%m/%d", "ko_KR": "%Y. %m. %d.", "uk_UA": "%d.%m.%Y", "ru_RU": "%d.%m.%Y",
    "el_GR": "%d/%m/%Y", "hu_HU": "%Y. %m. %d.", "ro_RO": "%d.%m.%Y", "tr_TR": "%d.%m.%Y", "fi_FI": "%d.%m.%Y",
    "pt_PT": "%d/%m/%Y", "bg_BG": "%d.%m.%Y г.", "sl_SI": "%d. %m. %Y", "hr_HR": "%d. %m. %Y.", "sk_SK": "%d. %m. %Y",
    "lt_LT": "%Y-%m-%d", "vi_VN": "%d/%m/%Y", "id_ID": "%d/%m/%Y", "he_IL": "%d.%m.%Y", "de_AT": "%d.%m.%Y",
    "fr_CH": "%d.%m.%Y", "en_NZ": "%d/%m/%Y", "en_IE": "%d/%m/%Y", "es_AR": "%d/%m/%Y",
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
    from faker import Faker

    fake = Faker(locale)
    fake.seed_instance(seed)
    rng = random.Random(seed)
    orders = rng.sample(range(60_000_000, 60_000_000 + 11 * n_rows), n_rows)
    rows = {k: [] for k in LABELS}  # type: dict[str, list[str]]
    for i in range(n_rows):
        rows["name"].append(fake.name())
        rows["email"].append(fake.email())
        rows["phone"].append(fake.phone_number())
        rows["street"].append(fake.street_address().replace("\n", ", "))
        rows["city"].append(fake.city())
        rows["postcode"].append(fake.postcode())
        rows["birth_date"].append(fake.date_of_birth(minimum_age=18, maximum_age=90).strftime(DATE_FORMATS[locale]))
        rows["order_id"].append(str(orders[i]))
        price = f"{rng.uniform(1, 9999):,.2f}"
        rows["price"].append(price if locale.startswith("en") else price.replace(",", " ").replace(".", ","))
        rows["company"].append(fake.company())
        rows["job"].append(fake.job())
        rows["barcode"].append(fake.ean13())
    return with_headers(pl.DataFrame(rows), LABELS, neutral_headers)


def main(argv: list[str] | None = None) -> int:
    return run_locales("faker-new", generate, list(LOCALES), 5, argv)


if __name__ == "__main__":
    raise SystemExit(main())
