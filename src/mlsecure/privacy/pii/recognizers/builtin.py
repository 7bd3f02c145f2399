"""The built-in recognizers, most specific first. Patterns use the Rust ``regex`` syntax Polars runs
(no look-around), so every pattern test is one vectorised kernel over a column."""

from __future__ import annotations

from mlsecure.privacy.pii import addresses
from mlsecure.privacy.pii import validators as v
from mlsecure.privacy.pii.addresses import is_street_address
from mlsecure.privacy.pii.names import is_gender, is_name
from mlsecure.privacy.pii.recognizers.interface import Recognizer
from mlsecure.privacy.pii.recognizers.national import NATIONAL
from mlsecure.privacy.pii.types import PiiType as T

_MAC = r"[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}"
_IPV4 = r"(?:\d{1,3}\.){3}\d{1,3}"
# IPv6 with its last 32 bits as a dotted quad (RFC 4291 2.2 form 3: ``::ffff:192.0.2.1``, ``64:ff9b::1.2.3.4``).
IPV6_WITH_IPV4 = rf"(?:[0-9A-Fa-f]{{0,4}}:){{2,7}}{_IPV4}"
# IPv6 in every RFC 4291 text form (full, ::-compressed, IPv4-mapped), an optional zone id, and CIDR ranges.
_IP = (rf"{IPV6_WITH_IPV4}"
       rf"|\b{_IPV4}(?:/\d{{1,2}})?\b"
       rf"|(?:[0-9A-Fa-f]{{1,4}}:){{1,7}}(?:(?::?[0-9A-Fa-f]{{1,4}}){{1,7}}|:)(?:%[0-9A-Za-z]+)?(?:/\d{{1,3}})?"
       rf"|::(?:[0-9A-Fa-f]{{1,4}}:){{0,6}}[0-9A-Fa-f]{{1,4}}(?:/\d{{1,3}})?|::/\d{{1,3}}")
# International (+ or 00), trunk-prefixed (0...) and bare national numbers, with the spaces, dots, dashes,
# slashes and parentheses of every national convention, and an optional extension.
_PHONE = r"(?:\+|00)?\(?\d[\d ().\-/]{5,20}\d(?: ?(?:x|ext\.?|#) ?\d{1,6})?"
_PHONE_HEADER = ("phone", "tel", "telephone", "mobile", "cell", "fax", "msisdn", "contact")

BUILTIN: tuple[Recognizer, ...] = (
    Recognizer("email", T.EMAIL, r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,24}$", v.email,
               header=("email", "mail"),
               span_pattern=r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}"),
    Recognizer("url", T.URL, r"^(?:https?://|www\.)[^\s]+$", v.url, header=("url", "website", "homepage", "link"),
               span_pattern=r"(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:)\]]"),
    Recognizer("domain", T.URL, r"^(?i:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9-]{1,63})*\.[a-z]{2,6})$",
               v.domain, header=("url", "website", "homepage", "domain", "site"), checksum=False,
               span_pattern=r"\b(?i:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9-]{1,63})*\.[a-z]{2,6})\b"),
    Recognizer("ssn", T.SSN, r"^\d{3}[-. ]\d{2}[-. ]?\d{4}$|^\d{3}[-. ]?\d{2}[-. ]\d{4}$", v.ssn,
               header=("ssn", "social"), checksum=True,
               span_pattern=r"\b\d{3}[-. ]\d{2}[-. ]?\d{4}\b|\b\d{3}[-. ]?\d{2}[-. ]\d{4}\b"),
    Recognizer("ssn_plain", T.SSN, r"^\d{9}$", v.ssn, header=("ssn", "social", "socialsecurity"), needs_header=True,
               span_pattern=r"\b\d{9}\b", context=("ssn", "social security"), span_needs_context=True),
    Recognizer("credit_card", T.CREDIT_CARD, r"^(?:\d[ -]?){12,18}\d$", v.credit_card,
               header=("card", "cc", "pan", "credit", "ccnum"), checksum=True,
               span_pattern=r"\b(?:\d{4}[ -]?){3}\d{4,7}\b|\b\d{4}[ -]?\d{6}[ -]?\d{5}\b|\b\d{13,19}\b"),
    # IBAN as people write it: the country code, the check digits and the BBAN with spaces, dashes or dots
    # wherever they like (``NO 0571 3905 25162``, ``NO44 1850.05.14562``, ``ES72 2013-0692-81-0201150993``);
    # what the pattern takes too much (the next word) is dropped again group by group before the check.
    Recognizer("iban", T.IBAN, r"^[A-Z]{2} ?\d{2}(?:[ .-]?[A-Za-z0-9]){11,30}$", v.iban,
               header=("iban", "bank"), checksum=True,
               span_pattern=r"\b[A-Z]{2} ?\d{2}(?:[ .-]?[A-Za-z0-9]){10,30}"),
    Recognizer("npi", T.NPI, r"^\d{4}[ -]?\d{3}[ -]?\d{3}$", v.npi, header=("npi", "provider"), checksum=True,
               span_pattern=r"\b\d{4}[ -]?\d{3}[ -]?\d{3}\b", span_needs_context=True, min_share=0.8,
               alone_validator=v.npi_issued),
    Recognizer("aba_routing", T.ABA_ROUTING, r"^\d{4}-?\d{4}-?\d$|^\d{9}$", v.aba_routing,
               header=("routing", "aba", "rtn", "transit"), checksum=True, min_share=0.8,
               span_pattern=r"\b\d{4}-?\d{4}-?\d\b", span_needs_context=True),
    *NATIONAL,
    Recognizer("crypto_address", T.CRYPTO_ADDRESS,
               r"^(?:0x[0-9a-fA-F]{40}|bc1[0-9a-z]{11,71}|[13][1-9A-HJ-NP-Za-km-z]{24,33})$",
               v.crypto_address, header=("wallet", "btc", "eth", "crypto", "bitcoin"), checksum=True,
               span_pattern=r"\b(?:0x[0-9a-fA-F]{40}|bc1[0-9a-z]{11,71}|[13][1-9A-HJ-NP-Za-km-z]{24,33})\b"),
    Recognizer("mac_address", T.MAC_ADDRESS, rf"^(?:{_MAC})$", v.mac_address, header=("mac",),
               span_pattern=rf"\b(?:{_MAC})\b"),
    Recognizer("ip_address", T.IP_ADDRESS,
               rf"^\[?(?:{_IP})\]?$", v.ip_address,
               header=("ip", "ipaddress", "ip_addr", "client", "host"), checksum=True,
               span_pattern=_IP),
    Recognizer("vin", T.VIN, r"^[A-HJ-NPR-Z0-9]{17}$", v.vin, header=("vin", "vehicle", "chassis"),
               checksum=True, span_pattern=r"\b[A-HJ-NPR-Z0-9]{17}\b"),
    Recognizer("mrn_prefixed", T.MRN, r"^MRN[-: ]?\d{5,10}$", header=("mrn", "medical", "record", "chart"),
               span_pattern=r"\bMRN[-: ]?\d{5,10}\b"),
    Recognizer("mrn", T.MRN, r"^[A-Z]{0,3}-?\d{5,10}$",
               header=("mrn", "medicalrecord", "medical_record", "patientid", "patient_id", "chart"),
               needs_header=True, min_share=0.3),
    Recognizer("health_plan_id", T.HEALTH_PLAN_ID, r"^[A-Z0-9-]{6,20}$",
               header=("beneficiary", "healthplan", "health_plan", "memberid", "member_id", "insurance",
                       "policy", "medicare", "medicaid"), needs_header=True),
    Recognizer("account_number", T.ACCOUNT_NUMBER, r"^[A-Z0-9-]{6,20}$",
               header=("account", "acct", "accountnumber"), needs_header=True),
    Recognizer("passport", T.PASSPORT, r"^[A-Z0-9]{6,9}$", header=("passport",), needs_header=True),
    Recognizer("license", T.LICENSE, r"^[A-Z0-9][A-Z0-9 -]{3,18}[A-Z0-9]$",
               header=("license", "licence", "dl", "driver", "certificate", "permit", "plate"),
               needs_header=True),
    Recognizer("device_id", T.DEVICE_ID, r"^[A-Za-z0-9:-]{8,40}$",
               header=("device", "imei", "serial", "udid", "idfa", "gaid"), needs_header=True),
    Recognizer("phone", T.PHONE, rf"^(?:{_PHONE})$", v.phone, header=_PHONE_HEADER, span_pattern=_PHONE,
               context=(*_PHONE_HEADER, "call", "whatsapp")),
    Recognizer("date", T.DATE,
               r"^(?:\d{4}(?:[-/]|\. ?)\d{1,2}(?:[-/]|\. ?)\d{1,2}\.?"
               r"|\d{1,2}(?:[-/]|\. ?)\d{1,2}(?:[-/]|\. ?)\d{4}(?:\.| г\.?)?"
               r"|\d{4} ?[年년] ?\d{1,2} ?[月월] ?\d{1,2} ?[日일]|[^\W\d_]{3,12}\.? \d{1,2},? \d{4}"
               r"|\d{1,2}\.? (?:de )?[^\W\d_]{3,12}\.?,? (?:de )?\d{4}(?: г\.?| m\.)?)$", v.date,
               header=("dob", "birth", "born", "date", "admission", "admit", "discharge", "death", "dod",
                       "visit"),
               span_pattern=r"\b(?:\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4}|(?:January|February|March|April|"
               r"May|June|July|August|September|October|November|December) \d{1,2}, \d{4})\b"),
    Recognizer("zip_plus4", T.ZIP_CODE, r"^\d{5}-\d{4}$", v.zip_code, header=("zip", "postal", "postcode")),
    Recognizer("zip", T.ZIP_CODE, r"^\d{5}$", v.zip_code, header=("zip", "postal", "postcode", "zipcode"),
               needs_header=True),
    Recognizer("postcode_uk", T.ZIP_CODE, rf"^{v.UK_POSTCODE}$", header=("zip", "postal", "postcode"),
               span_pattern=rf"\b{v.UK_POSTCODE}\b"),
    Recognizer("postcode_any", T.ZIP_CODE, r"^[A-Z0-9][A-Z0-9 -]{2,8}[A-Z0-9]$",
               header=("zip", "postal", "postcode", "zipcode"), needs_header=True),
    # prefilter only (a house number first, or after a word); ``is_street_address`` decides
    Recognizer("street_address", T.STREET_ADDRESS, r"^\d{1,6}[A-Za-z]?,? \D|\D \d{1,4}[A-Za-z]?(?:$|[ ,/-])",
               is_street_address,
               header=("address", "street", "addr", "residence"), min_share=0.5, span_pattern=addresses.SPAN_PATTERN),
    Recognizer("age", T.AGE, r"^\d{1,3}$", v.age, header=("age",), needs_header=True),
    Recognizer("gender", T.GENDER, r"^[A-Za-z-]{1,10}$", is_gender, header=("gender", "sex"), needs_header=True),
    Recognizer("icd10", T.HEALTH, r"^[A-TV-Z]\d{2}(?:\.\d{1,4})?$",
               header=("diagnosis", "icd", "icd10", "dx", "condition", "disease"), needs_header=True),
    Recognizer("diagnosis_text", T.HEALTH, r"^[A-Za-z][A-Za-z ,'()-]{2,80}$",
               header=("diagnosis", "condition", "disease", "dx", "medication", "treatment"), needs_header=True,
               min_share=0.5),
    Recognizer("city", T.CITY, r"^[A-Z][A-Za-z .'-]{1,40}$", header=("city", "town", "municipality", "county"),
               needs_header=True),
    Recognizer("name", T.NAME,
               r"^(?:[A-Z][A-Za-z'-]+(?: [A-Z]\.?)?(?: [A-Z][A-Za-z'-]+){0,3}|[A-Z][A-Za-z'-]+, [A-Z][A-Za-z'-]+)$",
               is_name,
               header=("name", "fullname", "firstname", "lastname", "surname", "givenname", "forename", "patient",
                       "customer", "person", "employee", "contact"),
               negative_header=("product", "item", "company", "brand", "file", "host", "model", "category",
                                "drug", "city", "street", "user", "username", "store", "project", "team")),
)
