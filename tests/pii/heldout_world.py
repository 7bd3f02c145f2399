"""A second held-out table and free text, built unlike ``synth`` and unlike ``heldout.py``: faker in 16
locales (Latin, Japanese and Devanagari-free Indian English), their own national identifiers with check
digits (BR CPF, IN Aadhaar, CA SIN, FR NIR, ES NIF/NIE, IT codice fiscale, NL BSN, PL PESEL, which we do
not recognise), dates in each locale's own format, headers in words our keyword lists do not hold, and
look-alike negatives: order references in random order with gaps, monotonically increasing ticket numbers
of phone length, EAN-13 barcodes, invoice numbers, amounts in local notation, companies named after people.

Labels are what the generator made (faker's own invalid numbers are kept, not filtered by our checks).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from mlsecure.privacy.pii.types import PiiType

LOCALES = ("en_US", "en_GB", "en_IN", "en_CA", "en_AU", "fr_FR", "de_DE", "es_ES", "it_IT", "nl_NL", "pt_BR",
           "pl_PL", "sv_SE", "da_DK", "cs_CZ", "ja_JP")
DATE_FORMATS = {"en_US": "%m/%d/%Y", "en_GB": "%d/%m/%Y", "fr_FR": "%d/%m/%Y", "de_DE": "%d.%m.%Y",
                "es_ES": "%d/%m/%Y", "it_IT": "%d/%m/%Y", "nl_NL": "%d-%m-%Y", "pl_PL": "%d.%m.%Y",
                "cs_CZ": "%d.%m.%Y", "da_DK": "%d.%m.%Y", "pt_BR": "%d/%m/%Y"}  # others: ISO 8601
T = PiiType
LABELS: dict[str, PiiType | None] = {
    "client": T.NAME, "e_mail_addr": T.EMAIL, "contact_no": T.PHONE, "home": T.STREET_ADDRESS,
    "locality": T.CITY, "post_code": T.ZIP_CODE, "bank_acct": T.IBAN, "birthdate": T.DATE, "card_number": T.CREDIT_CARD,
    "last_login_ip": T.IP_ADDRESS, "tax_or_national_id": T.NATIONAL_ID, "notes": T.FREE_TEXT,
    "order_ref": None, "ticket_seq": None, "invoice_no": None, "amount": None, "product": None, "company": None,
    "job": None, "country": None, "status": None, "created_at": None, "barcode": None, "user_agent": None,
    "uuid": None,
}


@dataclass(frozen=True)
class World:
    frame: Any  # polars DataFrame of strings
    labels: dict[str, PiiType | None]
    planted: list[list[tuple[str, PiiType]]]  # per row of ``notes``


def generate_world(n_rows: int, *, seed: int = 0, neutral_headers: bool = False,
                   locales: tuple[str, ...] = LOCALES) -> World:
    import polars as pl
    from faker import Faker

    fakers = {loc: Faker(loc) for loc in LOCALES}
    for i, f in enumerate(fakers.values()):
        f.seed_instance(seed * 1000 + 17 * i + 5)
    rng = random.Random(seed + 7)
    ids = [(fakers["pt_BR"].cpf), (fakers["en_IN"].aadhaar_id), (fakers["en_CA"].ssn), (fakers["fr_FR"].ssn),
           (fakers["es_ES"].nif), (fakers["es_ES"].nie), (fakers["it_IT"].ssn), (fakers["nl_NL"].ssn),
           (fakers["pl_PL"].pesel)]
    cols: dict[str, list[str]] = {k: [] for k in LABELS}
    order_refs = rng.sample(range(7_100_000_000, 7_100_000_000 + 7 * n_rows), n_rows)
    ticket = 3_125_550_000
    planted: list[list[tuple[str, PiiType]]] = []
    iban_locales = [loc for loc in LOCALES if loc not in ("en_US", "en_IN", "en_CA", "en_AU", "ja_JP")]
    for row in range(n_rows):
        loc = locales[rng.randrange(len(locales))]
        f = fakers[loc]
        first, last = f.first_name(), f.last_name()
        name = f"{last} {first}" if loc == "ja_JP" else f"{first} {last}"
        email, phone = f.email(), f.phone_number()
        street = f.street_address().replace("\n", ", ")
        city = f.city()
        cols["client"].append(name)
        cols["e_mail_addr"].append(email)
        cols["contact_no"].append(phone)
        cols["home"].append(street)
        cols["locality"].append(city)
        cols["post_code"].append(f.postcode())
        cols["bank_acct"].append(fakers[iban_locales[rng.randrange(len(iban_locales))]].iban())
        born = f.date_of_birth(minimum_age=18, maximum_age=90)
        cols["birthdate"].append(born.strftime(DATE_FORMATS.get(loc, "%Y-%m-%d")))
        cols["card_number"].append(f.credit_card_number())
        cols["last_login_ip"].append(f.ipv4_public() if rng.random() < 0.7 else f.ipv6())
        cols["tax_or_national_id"].append(ids[rng.randrange(len(ids))]())
        cols["order_ref"].append(str(order_refs[row]))
        ticket += rng.randint(1, 40)
        cols["ticket_seq"].append(str(ticket))
        cols["invoice_no"].append(f"INV-{rng.randint(2019, 2025)}-{rng.randint(1, 999_999):06d}")
        amount = rng.uniform(1, 25_000)
        cols["amount"].append(f"{amount:,.2f}" if loc.startswith("en") else
                              f"{amount:,.2f}".replace(",", " ").replace(".", ","))
        cols["product"].append(fakers["en_US"].catch_phrase())
        cols["company"].append(f.company())
        cols["job"].append(fakers["en_US"].job())
        cols["country"].append(fakers["en_US"].country())
        cols["status"].append(rng.choice(("open", "closed", "pending", "refunded", "on hold")))
        cols["created_at"].append(fakers["en_US"].date_time_this_decade().isoformat(sep=" ", timespec="seconds"))
        cols["barcode"].append(fakers["en_US"].ean13())
        cols["user_agent"].append(fakers["en_US"].user_agent())
        cols["uuid"].append(fakers["en_US"].uuid4())
        template = rng.randrange(5)
        if template == 0:
            note = f"Customer {name} reported the parcel missing; callback {phone}."
            plants = [(name, T.NAME), (phone, T.PHONE)]
        elif template == 1:
            note = f"Ticket opened by {email} about invoice {cols['invoice_no'][-1]}."
            plants = [(email, T.EMAIL)]
        elif template == 2:
            note = f"{first} {last} moved to {street}, {city}."
            plants = [(f"{first} {last}", T.NAME), (street, T.STREET_ADDRESS)]
        elif template == 3:
            note = f"Per {first}'s request the contract goes to {email} (mobile {phone})."
            plants = [(first, T.NAME), (email, T.EMAIL), (phone, T.PHONE)]
        else:
            note = f"Left a voicemail for {name} at {phone} - no answer yet."
            plants = [(name, T.NAME), (phone, T.PHONE)]
        cols["notes"].append(note)
        planted.append(plants)
    frame = pl.DataFrame(cols)
    labels = dict(LABELS)
    if neutral_headers:
        names = {c: ("notes" if c == "notes" else f"c{i:02d}") for i, c in enumerate(cols)}
        frame = frame.rename(names)
        labels = {names[c]: t for c, t in LABELS.items()}
    return World(frame, labels, planted)
