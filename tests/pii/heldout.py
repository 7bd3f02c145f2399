"""A held-out labelled table and free text from ``faker`` in eight locales (a dev/test dependency).

Nobody here wrote these generators: names, streets, cities and phone formats are Faker's per-locale
providers. Each column mixes the locales row by row, the way a multinational customer table does.
Faker also emits identifiers that fail their own check digits (``ZZ`` NINOs, Aadhaar numbers starting
with 1); the ``national_id`` column draws only from providers whose numbers carry a real check
(FR NIR, ES NIF/NIE, IT codice fiscale, NL BSN), so its label is true.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from mlsecure.privacy.pii.types import PiiType

LOCALES = ("en_US", "en_GB", "fr_FR", "de_DE", "es_ES", "it_IT", "nl_NL", "en_IN")


@dataclass(frozen=True)
class HeldOut:
    frame: Any  # polars DataFrame of strings
    labels: dict[str, PiiType | None]
    planted: list[list[tuple[str, PiiType]]]  # per row of ``notes``: the values planted in it


def generate(n_rows: int, *, seed: int = 0) -> HeldOut:
    import polars as pl
    from faker import Faker

    fakers = [Faker(loc) for loc in LOCALES]
    for i, f in enumerate(fakers):
        f.seed_instance(seed * 100 + i)
    rng = random.Random(seed)
    ids_fr, ids_es, ids_it, ids_nl = (fakers[LOCALES.index(x)] for x in ("fr_FR", "es_ES", "it_IT", "nl_NL"))
    cols: dict[str, list[str]] = {k: [] for k in (
        "customer_name", "email", "phone", "street_address", "city", "postcode", "iban", "date_of_birth",
        "credit_card", "ip_address", "national_id", "order_id", "row_number", "product", "company", "job",
        "unit_price", "quantity", "notes")}
    order_ids = rng.sample(range(4_000_000_000, 4_000_000_000 + 3 * n_rows), n_rows)  # shuffled, with gaps
    planted: list[list[tuple[str, PiiType]]] = []
    for row in range(n_rows):
        f = fakers[row % len(fakers)]
        first, last = f.first_name(), f.last_name()
        name = f"{first} {last}"
        email, phone = f.email(), f.phone_number()
        cols["customer_name"].append(name)
        cols["email"].append(email)
        cols["phone"].append(phone)
        cols["street_address"].append(f.street_address().replace("\n", ", "))
        cols["city"].append(f.city())
        cols["postcode"].append(f.postcode())
        cols["iban"].append(fakers[row % 7].iban() if LOCALES[row % 7] != "en_US" else fakers[1].iban())
        cols["date_of_birth"].append(f.date_of_birth().isoformat())
        cols["credit_card"].append(f.credit_card_number())
        cols["ip_address"].append(f.ipv4() if row % 3 else f.ipv6())
        pick = row % 5
        cols["national_id"].append((ids_fr.ssn(), ids_es.nif(), ids_es.nie(), ids_it.ssn(), ids_nl.ssn())[pick])
        cols["order_id"].append(str(order_ids[row]))
        cols["row_number"].append(str(row + 1))
        cols["product"].append(f.catch_phrase())
        cols["company"].append(f.company())
        cols["job"].append(f.job())
        cols["unit_price"].append(f"{rng.uniform(1, 500):.2f}")
        cols["quantity"].append(str(rng.randint(1, 20)))
        template = rng.randrange(4)
        if template == 0:
            note = f"{first} asked whether the order can ship to {email} instead."
            plants = [(first, PiiType.NAME), (email, PiiType.EMAIL)]
        elif template == 1:
            note = f"Please call {name} on {phone} about the refund."
            plants = [(name, PiiType.NAME), (phone, PiiType.PHONE)]
        elif template == 2:
            note = f"{first} called twice; the invoice goes to {email}."
            plants = [(first, PiiType.NAME), (email, PiiType.EMAIL)]
        else:
            note = f"Spoke with {name} ({email}), who prefers {phone}."
            plants = [(name, PiiType.NAME), (email, PiiType.EMAIL), (phone, PiiType.PHONE)]
        cols["notes"].append(note)
        planted.append(plants)
    labels: dict[str, PiiType | None] = {
        "customer_name": PiiType.NAME, "email": PiiType.EMAIL, "phone": PiiType.PHONE,
        "street_address": PiiType.STREET_ADDRESS, "city": PiiType.CITY, "postcode": PiiType.ZIP_CODE,
        "iban": PiiType.IBAN, "date_of_birth": PiiType.DATE, "credit_card": PiiType.CREDIT_CARD,
        "ip_address": PiiType.IP_ADDRESS, "national_id": PiiType.NATIONAL_ID, "notes": PiiType.FREE_TEXT,
        "order_id": None, "row_number": None, "product": None, "company": None, "job": None,
        "unit_price": None, "quantity": None,
    }
    return HeldOut(pl.DataFrame(cols), labels, planted)
