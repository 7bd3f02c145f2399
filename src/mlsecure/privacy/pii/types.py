"""The closed set of PII types and what each means under HIPAA, GDPR and CCPA.

``TYPE_INFO[t]`` says whether a type directly identifies a person (``direct``) or only helps to single
one out in combination (a quasi-identifier), which HIPAA Safe Harbor identifier it is (45 CFR
164.514(b)(2)(i)(A)-(R)), and whether CCPA/CPRA counts it as *sensitive* personal information
(Cal. Civ. Code 1798.140(ae)) or GDPR as a special category (Art. 9(1)).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PiiType(StrEnum):
    NAME = "name"
    EMAIL = "email"
    PHONE = "phone"
    SSN = "ssn"
    NATIONAL_ID = "national_id"
    CREDIT_CARD = "credit_card"
    IBAN = "iban"
    ABA_ROUTING = "aba_routing"
    ACCOUNT_NUMBER = "account_number"
    NPI = "npi"
    MRN = "mrn"
    HEALTH_PLAN_ID = "health_plan_id"
    LICENSE = "license"
    PASSPORT = "passport"
    VIN = "vin"
    DEVICE_ID = "device_id"
    MAC_ADDRESS = "mac_address"
    IP_ADDRESS = "ip_address"
    URL = "url"
    CRYPTO_ADDRESS = "crypto_address"
    DATE = "date"
    AGE = "age"
    ZIP_CODE = "zip_code"
    STREET_ADDRESS = "street_address"
    CITY = "city"
    GENDER = "gender"
    HEALTH = "health"
    FREE_TEXT = "free_text"


@dataclass(frozen=True)
class TypeInfo:
    label: str
    direct: bool  # identifies a person alone (else a quasi-identifier or sensitive attribute)
    hipaa: str | None  # Safe Harbor letter (A)..(R), None when not one of the 18
    ccpa_sensitive: bool = False
    gdpr_special: bool = False  # GDPR Art. 9(1) special category
    keep_last: int = 0  # characters kept by the ``mask`` method (PCI DSS allows the last 4 of a PAN)


T = PiiType
TYPE_INFO: dict[PiiType, TypeInfo] = {
    T.NAME: TypeInfo("person name", True, "A"),
    T.EMAIL: TypeInfo("email address", True, "F"),
    T.PHONE: TypeInfo("phone or fax number", True, "D"),
    T.SSN: TypeInfo("US social security number", True, "G", ccpa_sensitive=True, keep_last=4),
    T.NATIONAL_ID: TypeInfo("national identity or tax number", True, "R", ccpa_sensitive=True, keep_last=2),
    T.CREDIT_CARD: TypeInfo("payment card number", True, "J", ccpa_sensitive=True, keep_last=4),
    T.IBAN: TypeInfo("IBAN bank account", True, "J", ccpa_sensitive=True, keep_last=4),
    T.ABA_ROUTING: TypeInfo("ABA routing number", False, None),
    T.ACCOUNT_NUMBER: TypeInfo("account number", True, "J", ccpa_sensitive=True, keep_last=4),
    T.NPI: TypeInfo("US provider NPI", True, "R"),
    T.MRN: TypeInfo("medical record number", True, "H"),
    T.HEALTH_PLAN_ID: TypeInfo("health plan beneficiary number", True, "I"),
    T.LICENSE: TypeInfo("licence or certificate number", True, "K", ccpa_sensitive=True),
    T.PASSPORT: TypeInfo("passport number", True, "R", ccpa_sensitive=True),
    T.VIN: TypeInfo("vehicle identification number", True, "L"),
    T.DEVICE_ID: TypeInfo("device identifier or serial", True, "M"),
    T.MAC_ADDRESS: TypeInfo("MAC address", True, "M"),
    T.IP_ADDRESS: TypeInfo("IP address", True, "O"),
    T.URL: TypeInfo("web URL", True, "N"),
    T.CRYPTO_ADDRESS: TypeInfo("cryptocurrency address", True, "R", ccpa_sensitive=True),
    T.DATE: TypeInfo("date related to a person", False, "C"),
    T.AGE: TypeInfo("age", False, "C"),
    T.ZIP_CODE: TypeInfo("ZIP / postal code", False, "B"),
    T.STREET_ADDRESS: TypeInfo("street address", True, "B"),
    T.CITY: TypeInfo("city or town", False, "B"),
    T.GENDER: TypeInfo("sex or gender", False, None),
    T.HEALTH: TypeInfo("health data (diagnosis)", False, None, ccpa_sensitive=True, gdpr_special=True),
    T.FREE_TEXT: TypeInfo("free text with embedded PII", True, None),
}

HIPAA_IDENTIFIERS: dict[str, str] = {
    "A": "Names",
    "B": "Geographic subdivisions smaller than a state (street, city, county, ZIP code)",
    "C": "All elements of dates (except year) related to an individual; ages over 89",
    "D": "Telephone numbers",
    "E": "Fax numbers",
    "F": "Email addresses",
    "G": "Social security numbers",
    "H": "Medical record numbers",
    "I": "Health plan beneficiary numbers",
    "J": "Account numbers",
    "K": "Certificate/license numbers",
    "L": "Vehicle identifiers and serial numbers, including license plates",
    "M": "Device identifiers and serial numbers",
    "N": "Web URLs",
    "O": "IP addresses",
    "P": "Biometric identifiers, including finger and voice prints",
    "Q": "Full-face photographs and comparable images",
    "R": "Any other unique identifying number, characteristic, or code",
}
OUT_OF_SCOPE_HIPAA = ("P", "Q")  # biometrics and photos: not detectable in a table of strings
