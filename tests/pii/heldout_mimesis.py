"""A third held-out table, made without faker: ``mimesis`` (its own locale data, written apart from
faker's) in 24 locales, Latin and non-Latin scripts (Cyrillic, Greek, Japanese, Korean, Chinese),
mixed row by row; IBANs of 20 countries built here with their mod-97 check digits; dates in each
locale's own format; header words unlike those of ``heldout.py`` and ``heldout_world.py``; and
look-alike negatives of other kinds: a region (state/province) column, countries and nationalities,
company, stock and dish names, universities (which hold city names), SKUs, ISBNs, EAN barcodes, order
ids in random order with gaps, line numbers counting up with gaps, prices in local notation.

A region is labelled as no PII: HIPAA's Safe Harbor keeps the state, and a column of ~20-90 regions
per country does not single anyone out. Labels are what the generator made, not filtered by our checks.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from typing import Any

from mlsecure.privacy.pii.types import PiiType

LOCALES = ("de-at", "de-ch", "nl-be", "es-mx", "pt", "fi", "no", "hu", "hr", "et", "tr", "el", "ru", "uk",
           "ko", "zh", "ja", "cs", "sk", "en-au", "en-ca", "en-gb", "da", "is")
DATE_FORMATS = {"de-at": "%d.%m.%Y", "de-ch": "%d.%m.%Y", "nl-be": "%d/%m/%Y", "es-mx": "%d/%m/%Y",
                "pt": "%d/%m/%Y", "fi": "%d.%m.%Y", "no": "%d.%m.%Y", "hu": "%Y.%m.%d.", "hr": "%d.%m.%Y.",
                "et": "%d.%m.%Y", "tr": "%d.%m.%Y", "el": "%d/%m/%Y", "ru": "%d.%m.%Y", "uk": "%d.%m.%Y",
                "ko": "%Y.%m.%d", "zh": "%Y-%m-%d", "ja": "%Y/%m/%d", "cs": "%d.%m.%Y", "sk": "%d.%m.%Y",
                "en-au": "%d/%m/%Y", "en-ca": "%Y-%m-%d", "en-gb": "%d/%m/%Y", "da": "%d-%m-%Y", "is": "%d.%m.%Y"}
# Country code and BBAN length (ISO 13616 registry); the BBAN here is digits only, as many countries' are.
IBAN_BBAN = {"AT": 16, "BE": 12, "CH": 17, "CZ": 20, "DE": 18, "DK": 14, "EE": 16, "ES": 20, "FI": 14,
             "FR": 23, "GR": 23, "HR": 17, "HU": 24, "IS": 22, "NL": 14, "NO": 11, "PL": 24, "PT": 21,
             "SK": 20, "TR": 22}
T = PiiType
LABELS: dict[str, PiiType | None] = {
    "recipient": T.NAME, "mailbox": T.EMAIL, "reach_at": T.PHONE, "line_1": T.STREET_ADDRESS,
    "settlement": T.CITY, "pcode": T.ZIP_CODE, "payout_account": T.IBAN, "born_on": T.DATE,
    "payment_instrument": T.CREDIT_CARD, "remote_host": T.IP_ADDRESS, "hw_addr": T.MAC_ADDRESS,
    "message": T.FREE_TEXT,
    "order_id": None, "line_no": None, "sku": None, "item": None, "vendor": None, "stock": None,
    "occupation": None, "university": None, "province": None, "nation": None, "nationality": None,
    "price": None, "isbn": None, "ean": None, "colour": None, "updated": None, "qty": None,
}


@dataclass(frozen=True)
class Table:
    frame: Any  # polars DataFrame of strings
    labels: dict[str, PiiType | None]
    planted: list[list[tuple[str, PiiType]]]  # per row of ``message``


def iban(country: str, rng: random.Random) -> str:
    """A random IBAN of ``country`` with valid check digits (ISO 7064 mod 97-10)."""
    bban = "".join(rng.choice(string.digits) for _ in range(IBAN_BBAN[country]))
    numeric = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(numeric) % 97:02d}{bban}"


def generate_table(n_rows: int, *, seed: int = 0, neutral_headers: bool = False,
                   locales: tuple[str, ...] = LOCALES) -> Table:
    import polars as pl
    from mimesis import Address, Code, Datetime, Finance, Food, Internet, Payment, Person, Text
    from mimesis.locales import Locale

    rng = random.Random(seed * 7919 + 3)
    gens = {loc: (Person(Locale(loc), seed=seed * 100 + i), Address(Locale(loc), seed=seed * 100 + i),
                  Finance(Locale(loc), seed=seed * 100 + i), Food(Locale(loc), seed=seed * 100 + i),
                  Text(Locale(loc), seed=seed * 100 + i))
            for i, loc in enumerate(LOCALES)}
    payment, internet, code = Payment(seed=seed), Internet(seed=seed), Code(seed=seed)
    clock = Datetime(seed=seed)
    cols: dict[str, list[str]] = {k: [] for k in LABELS}
    order_ids = rng.sample(range(40_000_000, 40_000_000 + 9 * n_rows), n_rows)
    line_no = 100
    planted: list[list[tuple[str, PiiType]]] = []
    countries = sorted(IBAN_BBAN)
    for row in range(n_rows):
        loc = locales[rng.randrange(len(locales))]
        person, address, finance, food, text = gens[loc]
        name, email, phone = person.full_name(), person.email(), person.phone_number()
        street, city = address.address(), address.city()
        cols["recipient"].append(name)
        cols["mailbox"].append(email)
        cols["reach_at"].append(phone)
        cols["line_1"].append(street)
        cols["settlement"].append(city)
        cols["pcode"].append(address.postal_code())
        cols["payout_account"].append(iban(countries[rng.randrange(len(countries))], rng))
        born = clock.date(start=1935, end=2006)
        cols["born_on"].append(born.strftime(DATE_FORMATS[loc]))
        cols["payment_instrument"].append(payment.credit_card_number())
        cols["remote_host"].append(internet.ip_v4() if rng.random() < 0.6 else internet.ip_v6())
        cols["hw_addr"].append(internet.mac_address())
        cols["order_id"].append(str(order_ids[row]))
        line_no += rng.randint(1, 6)
        cols["line_no"].append(str(line_no))
        cols["sku"].append(f"{rng.choice(string.ascii_uppercase)}{rng.choice(string.ascii_uppercase)}-"
                           f"{rng.randint(1000, 99999)}-{rng.choice(('S', 'M', 'L', 'XL'))}")
        cols["item"].append(food.dish())
        cols["vendor"].append(finance.company())
        cols["stock"].append(finance.stock_name())
        cols["occupation"].append(person.occupation())
        cols["university"].append(person.university())
        cols["province"].append(address.state())
        cols["nation"].append(address.country())
        cols["nationality"].append(person.nationality())
        amount = f"{rng.uniform(0.5, 9_999):,.2f}"
        cols["price"].append(amount if loc.startswith("en") or loc in ("ja", "ko", "zh") else
                             amount.replace(",", "\u00a0").replace(".", ","))
        cols["isbn"].append(code.isbn())
        cols["ean"].append(code.ean())
        cols["colour"].append(text.color())
        cols["updated"].append(clock.datetime(start=2020, end=2025).strftime("%Y-%m-%dT%H:%M:%S"))
        cols["qty"].append(str(rng.randint(1, 40)))
        template = rng.randrange(4)
        if template == 0:
            message = f"Delivery for {name} rescheduled; reach them on {phone}."
            plants = [(name, T.NAME), (phone, T.PHONE)]
        elif template == 1:
            message = f"Refund of {amount} sent, confirmation to {email}."
            plants = [(email, T.EMAIL)]
        elif template == 2:
            message = f"Address changed to {street}, {city} by {name}."
            plants = [(street, T.STREET_ADDRESS), (name, T.NAME)]
        else:
            message = f"{name} ({email}) asked for a paper invoice."
            plants = [(name, T.NAME), (email, T.EMAIL)]
        cols["message"].append(message)
        planted.append(plants)
    frame = pl.DataFrame(cols)
    labels = dict(LABELS)
    if neutral_headers:
        names = {c: f"f{i:02d}" for i, c in enumerate(cols)}
        frame = frame.rename(names)
        labels = {names[c]: t for c, t in LABELS.items()}
    return Table(frame, labels, planted)
