"""Known-answer vectors for the validators (sources cited per block)."""

from __future__ import annotations

import pytest

from mlsecure.privacy.pii import validators as v


# Luhn: Wikipedia "Luhn algorithm" worked example 7992739871(3); card test numbers published by Stripe/PayPal.
@pytest.mark.parametrize(("text", "ok"), [
    ("79927398713", True), ("79927398710", False), ("4111111111111111", True), ("4111111111111112", False),
])
def test_luhn(text: str, ok: bool) -> None:
    assert v.luhn(text) is ok


@pytest.mark.parametrize(("text", "ok"), [
    ("4012 8888 8888 1881", True),  # Visa test number
    ("378282246310005", True),  # Amex test number
    ("5555-5555-5555-4444", True),  # Mastercard test number
    ("6011111111111117", True),  # Discover test number
    ("2223003122003222", True),  # Mastercard 2-series test number
    ("1234567812345670", False),  # passes Luhn, no issuer prefix
    ("4012888888881882", False),  # fails Luhn
])
def test_credit_card(text: str, ok: bool) -> None:
    assert v.credit_card(text) is ok


# SSA: area 000, 666 and 900-999, group 00 and serial 0000 are never issued; 078-05-1120 was the
# Woolworth wallet-card number and is void.
@pytest.mark.parametrize(("text", "ok"), [
    ("536-22-1234", True), ("078-05-1120", False), ("666-12-3456", False), ("000-12-3456", False),
    ("900-12-3456", False), ("123-00-4567", False), ("123-45-0000", False), ("536221234", True),
])
def test_ssn(text: str, ok: bool) -> None:
    assert v.ssn(text) is ok


# ISO 13616 examples (the GB and DE IBANs printed in the standard and by the ECBS).
@pytest.mark.parametrize(("text", "ok"), [
    ("GB82 WEST 1234 5698 7654 32", True), ("DE89 3704 0044 0532 0130 00", True),
    ("FR14 2004 1010 0505 0001 3M02 606", True), ("GB82 WEST 1234 5698 7654 33", False),
    ("DE89 3704 0044 0532 0130 0", False),  # wrong length for DE
])
def test_iban(text: str, ok: bool) -> None:
    assert v.iban(text) is ok


# Published routing numbers: Federal Reserve Bank of Boston, JPMorgan Chase NY, Bank of America CA.
@pytest.mark.parametrize(("text", "ok"), [
    ("011000015", True), ("021000021", True), ("121000358", True), ("021000022", False), ("991000021", False),
])
def test_aba(text: str, ok: bool) -> None:
    assert v.aba_routing(text) is ok


def test_npi_cms_example() -> None:
    # CMS "NPI check digit" worked example: 123456789 -> check digit 3.
    assert v.npi("1234567893")
    assert not v.npi("1234567890")
    assert not v.npi("3234567893")  # NPIs start with 1 or 2


def test_vin_check_digit() -> None:
    # 49 CFR 565 worked example (Wikipedia "VIN"): 1M8GDM9AXKP042788, check digit X.
    assert v.vin("1M8GDM9AXKP042788")
    assert v.vin("11111111111111111")  # all ones: weighted sum 89 -> 89 mod 11 = 1
    assert not v.vin("1M8GDM9A1KP042788")
    assert not v.vin("1M8GDM9AXKP04278O")  # O is not allowed


def test_ean13_is_barcode_evidence() -> None:
    assert v.ean13("4006381333931")  # GS1 example used by Wikipedia "EAN-13"
    assert not v.ean13("4006381333932")


@pytest.mark.parametrize(("text", "ok"), [
    ("192.168.0.1", True), ("256.1.1.1", False), ("2001:db8::1", True), ("1.2.3", False),
])
def test_ip(text: str, ok: bool) -> None:
    assert v.ip_address(text) is ok


@pytest.mark.parametrize(("text", "ok"), [
    ("jane.doe@example.com", True), ("a+tag@mail.co.uk", True), ("no-at-sign.com", False),
    ("x@localhost", False), ("a..b@example.com", False),
])
def test_email(text: str, ok: bool) -> None:
    assert v.email(text) is ok


@pytest.mark.parametrize(("text", "region", "ok"), [
    ("(202) 456-1111", "US", True), ("+44 20 7219 3000", "US", True), ("020 7219 3000", "GB", True),
    ("+1 555 123 4567", "US", False), ("12345", "US", False),
])
def test_phone(text: str, region: str, ok: bool) -> None:
    assert v.phone(text, region) is ok


def test_crypto_base58check() -> None:
    assert v.crypto_address("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")  # the Bitcoin genesis block address
    assert not v.crypto_address("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb")
    assert v.crypto_address("0x52908400098527886E0F7030069857D2E4169EE7")


def test_zip_and_dates() -> None:
    assert v.zip_code("02139") and v.zip_code("02139-4307")
    assert not v.zip_code("00012")  # prefix 000 is not in use
    assert v.date("1980-02-29") and v.date("03/15/1975") and v.date("March 3, 1990")
    assert not v.date("1981-02-29") and not v.date("13/13/2020")


@pytest.mark.parametrize("text", ["S.Com", "S.Com.", "N.Com", "S.A.Com"])
def test_firm_abbreviation_is_no_domain(text: str) -> None:
    """Spanish and Latin American firms end in ``S.Com.`` (sociedad comanditaria): one-letter labels before a
    Title Case ``Com`` are an abbreviation, not a web address (the faker es_ES ``company`` column, session 11)."""
    assert not v.domain(text)


@pytest.mark.parametrize("text", ["x.com", "X.com", "t.co.uk", "Amazon.Com", "example.com", "EXAMPLE.COM"])
def test_short_and_capitalised_domains_stay_domains(text: str) -> None:
    assert v.domain(text)


def test_firm_abbreviation_in_free_text_is_not_redacted_as_a_url() -> None:
    from mlsecure.privacy.pii.text_mode import scan_text
    from mlsecure.privacy.pii.types import PiiType

    text = "Shares of Tarmac S.Com. rose 5% in Lima; see tarmac.com for the filing."
    urls = [text[s.start:s.end] for s in scan_text(text) if s.pii_type is PiiType.URL]
    assert urls == ["tarmac.com"]
