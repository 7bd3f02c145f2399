"""A seeded generator of labelled tables with realistic synthetic PII and tricky non-PII columns.

It is the ground truth for the accuracy tests and the benchmark: ``LabelledTable.labels`` gives each
column's true type (``None`` for non-PII) and ``spans`` the PII strings planted in the free-text column.
Names mix the shipped lexicons with names that are *not* in them, so lexicon recall is measured, not
assumed. Every identifier is generated to be valid (Luhn, SSA rules, mod-97, check digits); decoys
are built to look like PII and fail (phone-shaped increasing order ids, 16-digit numbers failing Luhn,
EAN-13 barcodes, timestamps with a time of day, 5- and 9-digit counters without a telling header).
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from mlsecure.privacy.pii.frame import polars
from mlsecure.privacy.pii.lexicons import FIRST_NAMES, LAST_NAMES
from mlsecure.privacy.pii.types import PiiType
from mlsecure.privacy.pii.validators import luhn

T = PiiType
_T = TypeVar("_T")
# Names absent from the lexicons, so recall on unseen names is part of what the tests measure.
UNSEEN_FIRST = ("Aurelio", "Bronwen", "Caoimhe", "Dragomir", "Eilidh", "Folasade", "Gwenllian", "Hamish",
                "Ingeborg", "Jorunn", "Kaito", "Leocadia", "Mairead", "Nnamdi", "Oisin", "Perpetua")
UNSEEN_LAST = ("Abernathy", "Brzezinski", "Czajkowski", "Dunleavy", "Eriksdottir", "Fairweather", "Gallagher-Ross",
               "Haverford", "Iwasaki", "Jablonski", "Kowalczuk", "Lindqvist", "Mbeki", "Nakashima", "Oyelaran")
CITIES = ("Springfield", "Riverton", "Fairview", "Madison", "Georgetown", "Salem", "Clinton", "Franklin",
          "Arlington", "Ashland", "Burlington", "Manchester", "Oxford", "Dover", "Hudson", "Kingston")
STREETS = ("Main", "Oak", "Pine", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park", "Sunset", "River")
SUFFIXES = ("St", "Street", "Ave", "Avenue", "Rd", "Road", "Blvd", "Lane", "Dr", "Court", "Way", "Place")
AREA_CODES = ("212", "415", "617", "312", "213", "646", "202", "305", "512", "206", "303", "404", "713", "919")
ICD10 = ("E11.9", "I10", "J45.909", "F32.9", "M54.5", "K21.9", "N39.0", "E78.5", "J06.9", "R51", "Z00.00")
PRODUCTS = ("Widget", "Gadget", "Bracket", "Sprocket", "Gizmo", "Adapter", "Cable", "Router", "Lamp", "Kettle")
COLORS = ("Blue", "Red", "Green", "Black", "Silver", "Orange", "Teal", "Purple")


@dataclass(frozen=True)
class LabelledTable:
    frame: Any  # polars.DataFrame of strings
    labels: dict[str, PiiType | None]
    spans: list[list[tuple[str, PiiType]]]  # per row, the PII planted in the ``notes`` column


# Columns a value alone identifies get neutral names with ``neutral_headers``; the rest get other spellings.
NEUTRAL = ("patient_name", "contact_email", "phone", "mobile_intl", "card_number", "iban", "client_ip", "mac",
           "homepage", "admission_date", "address", "vin")
RESPELLED = {"zip": "PostalCode", "dob": "DateOfBirth", "sex": "gender", "account_no": "acctNumber",
             "drivers_license": "DL_number", "ssn": "social_security_no", "mrn": "MedicalRecordNo",
             "FirstName": "given_name", "surname": "LAST_NAME", "city": "town", "age": "AgeYears",
             "diagnosis_code": "icd10_dx"}


_IBAN_LENGTHS = {"DE": 22, "GB": 22, "FR": 27, "NL": 18, "ES": 24, "IT": 27}  # SWIFT IBAN registry


def generate_table(n_rows: int, *, seed: int = 0, free_text: bool = True,
                   neutral_headers: bool = False) -> LabelledTable:
    """A table of ``n_rows`` rows with PII columns in many formats and decoy non-PII columns.

    ``neutral_headers`` renames the columns whose values identify them to ``field_N`` (so only the
    values can tell) and respells the others' headers."""
    rng = np.random.default_rng(seed)
    g = _Gen(rng)
    cols: dict[str, tuple[Sequence[str | None], PiiType | None]] = {}
    first = [g.first() for _ in range(n_rows)]
    last = [g.last() for _ in range(n_rows)]
    pick = rng.integers(0, 3, n_rows)
    full = [f"{f} {la}" if p else (f"{la}, {f}" if p == 0 else f"{f} {la}") for f, la, p in
            zip(first, last, pick, strict=True)]
    cols["patient_name"] = (full, T.NAME)
    cols["FirstName"] = (first, T.NAME)
    cols["surname"] = (last, T.NAME)
    cols["contact_email"] = ([g.email(f, la) for f, la in zip(first, last, strict=True)], T.EMAIL)
    cols["col_5"] = ([g.email(f, la) for f, la in zip(last, first, strict=True)], T.EMAIL)  # no header hint
    cols["phone"] = ([g.us_phone() for _ in range(n_rows)], T.PHONE)
    cols["mobile_intl"] = ([g.intl_phone() for _ in range(n_rows)], T.PHONE)
    cols["ssn"] = ([g.ssn(dashed=bool(rng.integers(0, 2))) for _ in range(n_rows)], T.SSN)
    cols["ref_a"] = ([g.ssn(dashed=True) for _ in range(n_rows)], T.SSN)  # dashed SSNs, no header
    cols["card_number"] = ([g.card() for _ in range(n_rows)], T.CREDIT_CARD)
    cols["payment_ref"] = ([g.card(sep="") for _ in range(n_rows)], T.CREDIT_CARD)
    cols["iban"] = ([g.iban() for _ in range(n_rows)], T.IBAN)
    cols["client_ip"] = ([g.ipv4() if rng.random() < 0.8 else g.ipv6() for _ in range(n_rows)], T.IP_ADDRESS)
    cols["mac"] = ([g.mac() for _ in range(n_rows)], T.MAC_ADDRESS)
    cols["homepage"] = ([g.url(la) for la in last], T.URL)
    cols["dob"] = ([g.date(1930, 2005) for _ in range(n_rows)], T.DATE)
    cols["admission_date"] = ([g.date(2015, 2024, iso=True) for _ in range(n_rows)], T.DATE)
    cols["zip"] = ([f"{int(rng.integers(1001, 99950)):05d}" for _ in range(n_rows)], T.ZIP_CODE)
    cols["address"] = ([g.street() for _ in range(n_rows)], T.STREET_ADDRESS)
    cols["city"] = ([CITIES[int(rng.integers(len(CITIES)))] for _ in range(n_rows)], T.CITY)
    cols["mrn"] = ([f"MRN-{int(rng.integers(10**6, 10**7))}" if rng.random() < 0.5 else
                    f"{int(rng.integers(10**6, 10**8)):08d}" for _ in range(n_rows)], T.MRN)
    cols["account_no"] = ([str(int(rng.integers(10**9, 10**12))) for _ in range(n_rows)], T.ACCOUNT_NUMBER)
    cols["npi"] = ([g.npi() for _ in range(n_rows)], T.NPI)
    cols["vin"] = ([g.vin() for _ in range(n_rows)], T.VIN)
    cols["drivers_license"] = ([g.license() for _ in range(n_rows)], T.LICENSE)
    cols["age"] = ([str(int(rng.integers(18, 100))) for _ in range(n_rows)], T.AGE)
    cols["sex"] = ([("F", "M", "female", "male")[int(rng.integers(4))] for _ in range(n_rows)], T.GENDER)
    cols["diagnosis_code"] = ([ICD10[int(rng.integers(len(ICD10)))] for _ in range(n_rows)], T.HEALTH)
    # decoys: no PII
    start = int(rng.integers(2_000_000_000, 9_000_000_000))
    cols["order_id"] = ([str(start + 7 * i + int(rng.integers(0, 5))) for i in range(n_rows)], None)
    cols["txn_number"] = ([g.luhn_failing(16) for _ in range(n_rows)], None)
    cols["barcode"] = ([g.ean13() for _ in range(n_rows)], None)
    cols["sku"] = ([f"SKU-{int(rng.integers(10000, 99999))}-{g.letters(2)}" for _ in range(n_rows)], None)
    cols["product_name"] = ([f"{COLORS[int(rng.integers(8))]} {PRODUCTS[int(rng.integers(10))]}"
                             for _ in range(n_rows)], None)
    cols["weight_kg"] = ([f"{rng.normal(70, 12):.2f}" for _ in range(n_rows)], None)
    cols["event_ts"] = ([g.timestamp() for _ in range(n_rows)], None)
    cols["page_views"] = ([str(int(rng.integers(10000, 99999))) for _ in range(n_rows)], None)
    cols["ticket"] = ([str(int(rng.integers(10**8, 10**9))) for _ in range(n_rows)], None)
    cols["category"] = ([("electronics", "garden", "toys", "books")[int(rng.integers(4))] for _ in range(n_rows)],
                        None)
    cols["session_hash"] = ([g.hex(32) for _ in range(n_rows)], None)
    cols["version"] = ([f"{int(rng.integers(0, 5))}.{int(rng.integers(0, 20))}.{int(rng.integers(0, 9))}"
                        for _ in range(n_rows)], None)
    cols["review"] = ([g.review() for _ in range(n_rows)], None)
    spans: list[list[tuple[str, PiiType]]] = []
    if free_text:
        notes, spans = g.notes(first, last, n_rows)
        cols["notes"] = (notes, T.FREE_TEXT)
    if neutral_headers:
        renamed = {}
        for i, (k, val) in enumerate(cols.items()):
            renamed[f"field_{i}" if k in NEUTRAL else RESPELLED.get(k, k)] = val
        cols = renamed
    pl = polars()
    frame = pl.DataFrame({k: pl.Series(k, v, dtype=pl.Utf8) for k, (v, _) in cols.items()})
    return LabelledTable(frame, {k: t for k, (_, t) in cols.items()}, spans)


class _Gen:
    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.first_names = sorted(FIRST_NAMES)
        self.last_names = sorted(LAST_NAMES)

    def choice(self, items: Sequence[_T]) -> _T:
        return items[int(self.rng.integers(len(items)))]

    def digits(self, n: int) -> str:
        if n > 18:
            return self.digits(18) + self.digits(n - 18)
        return f"{int(self.rng.integers(0, 10**n)):0{n}d}"

    def letters(self, n: int) -> str:
        return "".join(string.ascii_uppercase[i] for i in self.rng.integers(0, 26, n))

    def hex(self, n: int) -> str:
        return "".join("0123456789abcdef"[i] for i in self.rng.integers(0, 16, n))

    def first(self) -> str:
        return self.choice(UNSEEN_FIRST) if self.rng.random() < 0.2 else self.choice(self.first_names).title()

    def last(self) -> str:
        return self.choice(UNSEEN_LAST) if self.rng.random() < 0.2 else self.choice(self.last_names).title()

    def email(self, first: str, last: str) -> str:
        user = self.choice((f"{first}.{last}", f"{first[0]}{last}", f"{last}{int(self.rng.integers(1, 99))}"))
        domain = self.choice(("gmail.com", "yahoo.co.uk", "acme-corp.com", "mail.de", "uni-example.edu"))
        return f"{user.lower().replace(' ', '').replace(',', '')}@{domain}"

    def exchange(self) -> int:
        while True:  # NANP central-office codes: 2-9 first digit, not N11, not the 555 fiction range
            exch = int(self.rng.integers(200, 1000))
            if exch % 100 != 11 and exch != 555:
                return exch

    def us_phone(self) -> str:
        area, exch, line = self.choice(AREA_CODES), self.exchange(), self.digits(4)
        return self.choice((f"({area}) {exch}-{line}", f"{area}-{exch}-{line}", f"+1 {area} {exch} {line}",
                            f"{area}.{exch}.{line}"))

    def intl_phone(self) -> str:
        return self.choice((f"+44 20 7{self.digits(3)} {self.digits(4)}", f"+49 30 {self.digits(8)}",
                            f"+33 1 {self.digits(2)} {self.digits(2)} {self.digits(2)} {self.digits(2)}",
                            f"+1 {self.choice(AREA_CODES)} {self.exchange()} {self.digits(4)}"))

    def ssn(self, *, dashed: bool) -> str:
        area = int(self.rng.integers(1, 899))
        area = 667 if area == 666 else area
        g, s = int(self.rng.integers(1, 100)), int(self.rng.integers(1, 10000))
        return f"{area:03d}-{g:02d}-{s:04d}" if dashed else f"{area:03d}{g:02d}{s:04d}"

    def card(self, sep: str | None = None) -> str:
        prefix, length = self.choice((("4", 16), ("51", 16), ("55", 16), ("37", 15), ("6011", 16), ("2221", 16)))
        body = prefix + self.digits(length - len(prefix) - 1)
        number = body + str(next(d for d in range(10) if luhn(body + str(d))))
        sep = self.choice(("", " ", "-")) if sep is None else sep
        if length == 15:
            return f"{number[:4]}{sep}{number[4:10]}{sep}{number[10:]}"
        return sep.join(number[i:i + 4] for i in range(0, 16, 4))

    def luhn_failing(self, n: int) -> str:
        body = "4" + self.digits(n - 2)
        return body + str(next(d for d in range(10) if not luhn(body + str(d))))

    def iban(self) -> str:
        country = self.choice(("DE", "GB", "FR", "NL", "ES", "IT"))
        length = _IBAN_LENGTHS[country]
        bban = (self.letters(4) + self.digits(length - 8)) if country in ("GB", "NL") else self.digits(length - 4)
        if country == "IT":
            bban = self.letters(1) + self.digits(length - 5)
        numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
        check = 98 - int(numeric) % 97
        compact = f"{country}{check:02d}{bban}"
        return " ".join(compact[i:i + 4] for i in range(0, len(compact), 4)) if self.rng.random() < 0.5 else compact

    def ipv4(self) -> str:
        return ".".join(str(int(x)) for x in self.rng.integers(1, 255, 4))

    def ipv6(self) -> str:
        return "2001:db8:" + ":".join(self.hex(4) for _ in range(6))

    def mac(self) -> str:
        sep = self.choice((":", "-"))
        return sep.join(self.hex(2) for _ in range(6)).upper()

    def url(self, last: str) -> str:
        return self.choice((f"https://www.{last.lower()}-family.net/about", f"http://blog.example.org/~{last.lower()}",
                            f"https://social.example.com/u/{last.lower()}{int(self.rng.integers(1, 999))}"))

    def date(self, lo: int, hi: int, *, iso: bool = False) -> str:
        y, m, d = int(self.rng.integers(lo, hi)), int(self.rng.integers(1, 13)), int(self.rng.integers(1, 29))
        if iso:
            return f"{y}-{m:02d}-{d:02d}"
        months = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December")
        return self.choice((f"{y}-{m:02d}-{d:02d}", f"{m:02d}/{d:02d}/{y}", f"{d:02d}.{m:02d}.{y}",
                            f"{months[m - 1]} {d}, {y}"))

    def timestamp(self) -> str:
        y, m, d = int(self.rng.integers(2020, 2025)), int(self.rng.integers(1, 13)), int(self.rng.integers(1, 29))
        hh, mm, ss = (int(x) for x in self.rng.integers(0, 60, 3) % np.array([24, 60, 60]))
        return self.choice((f"{y}-{m:02d}-{d:02d}T{hh:02d}:{mm:02d}:{ss:02d}Z",
                            f"{y}-{m:02d}-{d:02d} {hh:02d}:{mm:02d}:{ss:02d}"))

    def street(self) -> str:
        n = int(self.rng.integers(1, 9999))
        if self.rng.random() < 0.15:
            return f"{self.choice(('Haupt', 'Bahnhof', 'Garten', 'Linden'))}straße {n % 200 + 1}"
        apt = f", Apt {int(self.rng.integers(1, 40))}" if self.rng.random() < 0.2 else ""
        return f"{n} {self.choice(STREETS)} {self.choice(SUFFIXES)}{apt}"

    def npi(self) -> str:
        while True:
            body = self.choice("12") + self.digits(8)
            for d in range(10):
                if luhn("80840" + body + str(d)):
                    return body + str(d)

    def vin(self) -> str:
        from mlsecure.privacy.pii.validators import _VIN_VALUES, _VIN_WEIGHTS

        alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
        chars = [self.choice(alphabet) for _ in range(17)]
        chars[8] = "0"
        total = sum(_VIN_VALUES[c] * w for c, w in zip(chars, _VIN_WEIGHTS, strict=True))
        chars[8] = "X" if total % 11 == 10 else str(total % 11)
        return "".join(chars)

    def license(self) -> str:
        return self.choice((f"{self.letters(1)}{self.digits(7)}", f"{self.letters(1)}{self.digits(3)}-{self.digits(4)}-"
                            f"{self.digits(4)}", f"{self.digits(9)}"))

    def ean13(self) -> str:
        body = self.digits(12)
        total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(body))
        return body + str((10 - total % 10) % 10)

    def review(self) -> str:
        return self.choice(("Great product, arrived quickly and works as described.",
                            "The colour was not what I expected but the quality is fine.",
                            "Stopped working after two weeks; support replaced it without fuss.",
                            "Would buy again, the packaging could be better though.",
                            "Five stars for the price, assembly took ten minutes."))

    def notes(self, first: list[str], last: list[str],
              n: int) -> tuple[list[str | None], list[list[tuple[str, PiiType]]]]:
        notes: list[str | None] = []
        spans: list[list[tuple[str, PiiType]]] = []
        for i in range(n):
            kind = int(self.rng.integers(0, 5))
            name = f"{first[i]} {last[i]}"
            if kind == 0:
                p = self.us_phone()
                text, planted = f"Patient {name} called from {p} about the refill.", [(name, T.NAME), (p, T.PHONE)]
            elif kind == 1:
                e = self.email(first[i], last[i])
                text, planted = f"Follow up by email at {e} next week.", [(e, T.EMAIL)]
            elif kind == 2:
                s, d = self.ssn(dashed=True), self.date(2015, 2024, iso=True)
                text, planted = f"Verified SSN {s} at intake on {d}.", [(s, T.SSN), (d, T.DATE)]
            elif kind == 3:
                text, planted = "No issues reported during the visit; vitals within range.", []
            else:
                c = self.card(sep=" ")
                text, planted = f"Dr. {last[i]} noted card {c} was declined.", [(last[i], T.NAME),
                                                                                (c, T.CREDIT_CARD)]
            notes.append(text)
            spans.append(planted)
        return notes, spans
