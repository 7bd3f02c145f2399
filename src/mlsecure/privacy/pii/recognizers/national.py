"""Recognizers for national identity, tax and health numbers (validators in ``national_ids``).

A number whose check passes for about one random number in ten or eleven (Luhn, mod 11, Verhoeff) is
reported inside free text only after a context word (``span_needs_context``); in a column the share
of valid cells decides, and a column of such numbers failing their check is evidence against.
"""

from __future__ import annotations

from mlsecure.privacy.pii import national_ids as n
from mlsecure.privacy.pii.recognizers.interface import Recognizer
from mlsecure.privacy.pii.types import PiiType as T
from mlsecure.privacy.pii.validators import Validator


def _rec(name: str, pii_type: T, core: str, validator: Validator, header: tuple[str, ...], *,
         context: tuple[str, ...] = (), needs_context: bool = False, needs_header: bool = False,
         alone_validator: Validator | None = None) -> Recognizer:
    """Full-cell pattern ``^core$`` and span pattern ``\\bcore\\b`` from one core expression; a text that is
    one such number and nothing else is checked with ``alone_validator`` when given (a check one random
    number in ten passes is not enough alone: ``11112345678`` is a valid OIB)."""
    return Recognizer(name, pii_type, rf"^(?:{core})$", validator, header=header, checksum=True,
                      span_pattern=rf"\b(?:{core})\b", context=context or header, span_needs_context=needs_context,
                      needs_header=needs_header, alone_validator=alone_validator)


_OMO = "[0-9LMNPQRSTUVlmnpqrstuv]"
# header words of any country's personal number (``national_id``, ``personal_id``, ``id_number``)
_GENERIC = ("nationalid", "personalid", "idnumber", "personalnumber", "citizenid", "identitynumber")

NATIONAL: tuple[Recognizer, ...] = (
    _rec("fr_nir", T.NATIONAL_ID, r"[12] ?\d{2} ?\d{2} ?(?:\d{2}|2[ABab]) ?\d{3} ?\d{3} ?\d{2}", n.fr_nir,
         ("nir", "insee", "securite", "secu", "social")),
    # CNPJ: digits, or from July 2026 letters too in the first 12 places (Receita Federal IN 2.229/2024)
    _rec("br_cnpj", T.NATIONAL_ID, r"[0-9A-Z]{2}\.?[0-9A-Z]{3}\.?[0-9A-Z]{3}[/.]?[0-9A-Z]{4}-?\d{2}", n.br_cnpj,
         ("cnpj",)),
    # codice fiscale; a digit may be written as one of LMNPQRSTUV where two people's codes collide (omocodia)
    _rec("it_codice_fiscale", T.NATIONAL_ID, rf"(?i:[A-Z]{{6}}{_OMO}{{2}}[A-Z]{_OMO}{{2}}[A-Z]{_OMO}{{3}}[A-Z])",
         n.it_codice_fiscale,
         ("codicefiscale", "fiscale", "cf", "fiscal")),
    _rec("es_nie", T.NATIONAL_ID, r"(?i:[XYZ]-?\d{7}-?[A-Z])", n.es_nie, ("nie", "extranjero")),
    _rec("es_dni", T.NATIONAL_ID, r"(?i:\d{7,8}-?[A-Z])", n.es_dni, ("dni", "nif", "documento")),
    _rec("sg_nric", T.NATIONAL_ID, r"(?i:[STFGM]\d{7}[A-Z])", n.sg_nric, ("nric", "fin", "ic")),
    _rec("in_pan", T.NATIONAL_ID, r"(?i:[A-Z]{3}[ABCFGHLJPT][A-Z]\d{4}[A-Z])", n.in_pan, ("pan", "permanent")),
    _rec("gb_nino", T.NATIONAL_ID, r"(?i:[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D])", n.gb_nino,
         ("nino", "nationalinsurance", "insurance", "ni")),
    _rec("in_aadhaar", T.NATIONAL_ID, r"[2-9]\d{3}[ :-]?\d{4}[ :-]?\d{4}", n.in_aadhaar, ("aadhaar", "uidai", "uid"),
         needs_context=True),
    _rec("br_cpf", T.NATIONAL_ID, r"\d{3}\.\d{3}\.\d{3}-\d{2}|\d{11}", n.br_cpf, ("cpf",), needs_context=True),
    _rec("de_idnr", T.NATIONAL_ID, r"\d{2} ?\d{3} ?\d{3} ?\d{3}|\d{10} \d", n.de_idnr,
         ("steuerid", "steuer", "idnr", "identifikationsnummer", "taxid", "tin"), needs_context=True),
    _rec("pl_pesel", T.NATIONAL_ID, r"\d{11}", n.pl_pesel, ("pesel",), needs_context=True),
    _rec("us_itin", T.NATIONAL_ID, r"9\d{2}[- ]?[5-9]\d[- ]?\d{4}", n.us_itin, ("itin", "taxpayer")),
    _rec("au_medicare", T.HEALTH_PLAN_ID, r"[2-6]\d{3} ?\d{5} ?\d{1,2}", n.au_medicare, ("medicare",),
         needs_context=True),
    _rec("gb_nhs", T.HEALTH_PLAN_ID, r"\d{3}[ -]?\d{3}[ -]?\d{4}", n.gb_nhs, ("nhs",), needs_context=True),
    _rec("ca_sin", T.NATIONAL_ID, r"\d{3}[ -]?\d{3}[ -]?\d{3}", n.ca_sin,
         ("sin", "socialinsurance", "nas", "assurance"), needs_context=True),
    _rec("au_tfn", T.NATIONAL_ID, r"\d{3} ?\d{3} ?\d{2,3}", n.au_tfn, ("tfn", "taxfile"), needs_context=True),
    _rec("nl_bsn", T.NATIONAL_ID, r"\d{4}\.?\d{2}\.?\d{3}", n.nl_bsn, ("bsn", "burgerservicenummer", "sofinummer"),
         needs_context=True),
    # more countries' personal numbers (issue 15, session 5) as one recognizer: one pattern for all of them (a
    # pattern costs a pass over every column's values), valid when python-stdnum's check of one format passes;
    # alone in a text only with a strong check
    _rec("personal_number", T.NATIONAL_ID, "|".join(core for core, _ in n.MORE_PERSONAL.values()), n.more_personal,
         ("ahv", "avs", "ric", "shenfenzheng", "rrn", "jumin", "cnp", "hetu", "henkilotunnus", "tckimlik", "tckn",
          "kimlik", "amka", "oib", "svnr", "sozialversicherung", "rntrc", "rnokpp", *_GENERIC),
         needs_context=True, alone_validator=n.more_personal_strong),
)
