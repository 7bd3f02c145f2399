"""National identifiers: each validator against published vectors, valid and invalid.

Sources: python-stdnum's module docstrings (its doctests), HMRC NIM39110 (NINO prefixes), Services
Australia's Medicare check digit as used in Presidio's ``test_au_medicare_recognizer.py``, ICA's NRIC/FIN
algorithm (``S1234567D``, ``T1234567J``, ``F1234567N``, ``G1234567X`` are the widely published examples),
the IRS ITIN group ranges, and the Verhoeff example of UIDAI's Aadhaar (stdnum ``in_.aadhaar``).
"""

from __future__ import annotations

import pytest

from mlsecure.privacy.pii import national_ids as n
from mlsecure.privacy.pii.text_mode import scan_text
from mlsecure.privacy.pii.types import PiiType

VALID = [
    (n.de_idnr, "36 574 261 809"), (n.fr_nir, "2 95 10 99 126 111 93"), (n.fr_nir, "253072B07300470"),
    (n.es_dni, "54362315-K"), (n.es_nie, "x-2482300w"), (n.it_codice_fiscale, "RCCMNL83S18D969H"),
    (n.nl_bsn, "1112.22.333"), (n.in_aadhaar, "234123412346"), (n.in_pan, "ACUPA7085R"),
    (n.br_cpf, "390.533.447-05"), (n.br_cnpj, "16.727.230/0001-97"), (n.ca_sin, "123-456-782"),
    (n.au_tfn, "123 456 782"), (n.gb_nhs, "943 476 5919"), (n.gb_nino, "AB 12 34 56 C"),
    (n.au_medicare, "2123 45670 1"), (n.sg_nric, "S1234567D"), (n.sg_nric, "T1234567J"), (n.sg_nric, "F1234567N"),
    (n.sg_nric, "G1234567X"), (n.us_itin, "912-70-3456"), (n.us_itin, "900-53-1234"),
]
INVALID = [
    (n.de_idnr, "36574261890"), (n.de_idnr, "36554266806"), (n.fr_nir, "295109912611199"),
    (n.es_dni, "54362315Z"), (n.es_nie, "x-2482300a"), (n.it_codice_fiscale, "RCCMNL83S18D969"),
    (n.nl_bsn, "1112.52.333"), (n.in_aadhaar, "234123412347"), (n.in_pan, "ABMXA3211G"), (n.in_pan, "ACUPA0000R"),
    (n.br_cpf, "231.002.999-00"), (n.br_cnpj, "16.727.230.0001-98"), (n.ca_sin, "999-999-999"),
    (n.au_tfn, "999 999 999"), (n.gb_nhs, "943 476 5918"), (n.gb_nino, "BG 12 34 56 C"), (n.gb_nino, "DA 12 34 56 C"),
    (n.gb_nino, "AB 12 34 56 E"), (n.au_medicare, "2123 25870 1"), (n.au_medicare, "1123 45670 1"),
    (n.sg_nric, "S1234567A"), (n.sg_nric, "A1234567Z"), (n.us_itin, "912-93-4567"), (n.us_itin, "812-70-3456"),
]


@pytest.mark.parametrize(("check", "number"), VALID)
def test_published_valid_numbers(check: object, number: str) -> None:
    assert callable(check) and check(number)


@pytest.mark.parametrize(("check", "number"), INVALID)
def test_published_invalid_numbers(check: object, number: str) -> None:
    assert callable(check) and not check(number)


def test_weak_checksums_need_context_inside_text() -> None:
    # 130692544 is a valid SIN (Luhn); in running text without a context word it is just a number
    assert scan_text("The batch had 130692544 rows.") == ()
    spans = scan_text("My SIN is 130 692 544.")
    assert [s.pii_type for s in spans] == [PiiType.NATIONAL_ID]
