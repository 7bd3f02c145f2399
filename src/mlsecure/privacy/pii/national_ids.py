"""National identity, tax and health numbers, each confirmed by its check digits.

Where python-stdnum (the field's library of number formats) has the format, we call it; the three it
lacks are written here from their published rules:

* UK National Insurance number: HMRC National Insurance Manual NIM39110 (prefix letters D, F, I, Q,
  U, V never used; O not second; BG, GB, KN, NK, NT, TN, ZZ never allocated; suffix A-D). No check digit.
* Australian Medicare card number: first digit 2-6, the 9th digit is sum(d_i * w_i) mod 10 over the
  first 8 digits with weights 1, 3, 7, 9, 1, 3, 7, 9 (Services Australia's published algorithm, as
  used by Presidio's ``AuMedicareRecognizer``).
* Singapore NRIC/FIN: weights 2, 7, 6, 5, 4, 3, 2 over the 7 digits, +4 for T/G, +3 for M, the check
  letter from a per-series table (ICA's published algorithm).

Every validator takes the candidate as written (spaces, dashes, dots allowed) and returns a bool.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import import_module

from mlsecure.errors import require

_SEP = re.compile(r"[\s.\-/:]")


def compact(text: str) -> str:
    """The candidate without the separators people type inside numbers."""
    return _SEP.sub("", text.strip()).upper()


def _stdnum(module: str) -> Callable[[str], bool]:
    """``stdnum.<module>.is_valid`` on the compacted candidate (import deferred to the first call)."""

    found: list[Callable[[str], bool]] = []  # the resolved ``is_valid``: imported once, not once per candidate

    def check(text: str) -> bool:
        if not found:
            require("stdnum", "pii")
            found.append(import_module(f"stdnum.{module}").is_valid)
        is_valid = found[0]
        try:
            return bool(is_valid(compact(text)))
        except Exception:  # stdnum raises its own exception classes on malformed input: not valid
            return False

    check.__name__ = module.replace(".", "_")
    check.__doc__ = f"python-stdnum ``{module}.is_valid``"
    return check


de_idnr = _stdnum("de.idnr")  # Steuerliche Identifikationsnummer, ISO 7064 mod 11,10
fr_nir = _stdnum("fr.nir")  # numéro de sécurité sociale, 97 - n mod 97
_es_dni = _stdnum("es.dni")  # DNI, mod 23 letter


def es_dni(text: str) -> bool:
    """Spanish DNI (mod 23 check letter); 7-digit numbers are written without their leading zero."""
    value = compact(text)
    return _es_dni(value.zfill(9))


es_nie = _stdnum("es.nie")  # NIE, X/Y/Z + mod 23 letter
it_codice_fiscale = _stdnum("it.codicefiscale")  # odd/even table check letter
nl_bsn = _stdnum("nl.bsn")  # 11-proef
in_aadhaar = _stdnum("in_.aadhaar")  # Verhoeff
in_pan = _stdnum("in_.pan")  # structure: holder type letter, serial != 0000
br_cpf = _stdnum("br.cpf")  # two mod-11 check digits
br_cnpj = _stdnum("br.cnpj")  # two mod-11 check digits
ca_sin = _stdnum("ca.sin")  # Luhn
au_tfn = _stdnum("au.tfn")  # weighted mod 11
gb_nhs = _stdnum("gb.nhs")  # weighted mod 11
pl_pesel = _stdnum("pl.pesel")  # weights 1,3,7,9 mod 10, and the birth date it encodes (century in the month)
# more countries' personal numbers (issue 15, session 5), each python-stdnum's validator
cn_ric = _stdnum("cn.ric")  # resident identity card: region, birth date, ISO 7064 mod 11-2
kr_rrn = _stdnum("kr.rrn")  # resident registration number: birth date, sex/century digit, check digit
ro_cnp = _stdnum("ro.cnp")  # cod numeric personal: sex/century, birth date, county, check digit
tr_tckimlik = _stdnum("tr.tckimlik")  # T.C. Kimlik No.: two check digits
fi_hetu = _stdnum("fi.hetu")  # henkilötunnus: birth date, century sign, mod 31 check character
hr_oib = _stdnum("hr.oib")  # osobni identifikacijski broj: ISO 7064 mod 11,10
gr_amka = _stdnum("gr.amka")  # AMKA social security number: birth date, Luhn
at_vnr = _stdnum("at.vnr")  # Versicherungsnummer: weighted mod 11 check digit, birth date
ch_ssn = _stdnum("ch.ssn")  # AHV/AVS number: 756 and an EAN-13 check digit
ua_rntrc = _stdnum("ua.rntrc")  # RNOKPP taxpayer number: weighted mod 11 check digit

# format -> (its pattern, its validator). ``_STRONG``: the checks one random number in a hundred or fewer
# passes, strong enough to report a text that is the number alone; the others (one in ten) need a context word.
MORE_PERSONAL: dict[str, tuple[str, Callable[[str], bool]]] = {
    "ch_ssn": (r"756[. ]?\d{4}[. ]?\d{4}[. ]?\d{2}", ch_ssn),
    "cn_ric": (r"\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])\d{5}[\dXx]", cn_ric),
    "kr_rrn": (r"\d{6}-?[1-8]\d{6}", kr_rrn),
    "ro_cnp": (r"[1-9]\d{12}", ro_cnp),
    "fi_hetu": (r"(?i:\d{6}[-+A-FU-Y]\d{3}[0-9A-Y])", fi_hetu),
    "tr_tckimlik": (r"[1-9]\d{10}", tr_tckimlik),
    "gr_amka": (r"\d{11}", gr_amka),
    "hr_oib": (r"\d{11}", hr_oib),
    "at_vnr": (r"\d{4} ?\d{6}", at_vnr),
    "ua_rntrc": (r"\d{10}", ua_rntrc),
}
_STRONG = ("ch_ssn", "cn_ric", "kr_rrn", "ro_cnp", "fi_hetu", "tr_tckimlik")
_MORE_COMPILED = {name: re.compile(rf"^(?:{core})$") for name, (core, _) in MORE_PERSONAL.items()}


def more_personal(text: str) -> bool:
    """Valid as one of ``MORE_PERSONAL``'s formats (its shape, then python-stdnum's check)."""
    value = text.strip()
    return any(_MORE_COMPILED[name].match(value) is not None and check(value)
               for name, (_, check) in MORE_PERSONAL.items())


def more_personal_strong(text: str) -> bool:
    """As ``more_personal``, with a strong check only (a text that is this number and nothing else)."""
    value = text.strip()
    return any(_MORE_COMPILED[name].match(value) is not None and MORE_PERSONAL[name][1](value) for name in _STRONG)


_ITIN_GROUPS = frozenset((*range(50, 66), *range(70, 89), 90, 91, 92, *range(94, 100)))


def us_itin(text: str) -> bool:
    """US ITIN: area 9XX and a group in 50-65, 70-88, 90-92 or 94-99 (IRS ITIN ranges, including the
    50-65 range the IRS added in 2011, which python-stdnum 2.2 does not know)."""
    value = compact(text)
    return len(value) == 9 and value.isdigit() and value[0] == "9" and int(value[3:5]) in _ITIN_GROUPS


_NINO = re.compile(r"^[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]$")
_NINO_NEVER = frozenset(("BG", "GB", "KN", "NK", "NT", "TN", "ZZ"))


def gb_nino(text: str) -> bool:
    """UK National Insurance number (HMRC NIM39110 prefix and suffix rules; there is no check digit)."""
    value = compact(text)
    return bool(_NINO.match(value)) and value[:2] not in _NINO_NEVER


_MEDICARE_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9)


def au_medicare(text: str) -> bool:
    """Australian Medicare card number: 10 digits (11 with the individual reference), first digit 2-6."""
    value = compact(text)
    if not value.isdigit() or len(value) not in (10, 11) or value[0] not in "23456":
        return False
    total = sum(int(d) * w for d, w in zip(value[:8], _MEDICARE_WEIGHTS, strict=True))
    return total % 10 == int(value[8])


_NRIC_WEIGHTS = (2, 7, 6, 5, 4, 3, 2)
_NRIC_LETTERS = {"ST": "JZIHGFEDCBA", "FG": "XWUTRQPNMLK", "M": "KLJNPQRTUWX"}
_NRIC_OFFSET = {"S": 0, "T": 4, "F": 0, "G": 4, "M": 3}


def sg_nric(text: str) -> bool:
    """Singapore NRIC (S, T) or FIN (F, G, M): prefix, 7 digits, check letter."""
    value = compact(text)
    if len(value) != 9 or value[0] not in _NRIC_OFFSET or not value[1:8].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(value[1:8], _NRIC_WEIGHTS, strict=True)) + _NRIC_OFFSET[value[0]]
    series = next(k for k in _NRIC_LETTERS if value[0] in k)
    if series == "M":
        return _NRIC_LETTERS["M"][10 - total % 11] == value[8]
    return _NRIC_LETTERS[series][total % 11] == value[8]
