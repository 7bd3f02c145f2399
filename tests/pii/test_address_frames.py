"""Address parts by their frame (``address_frames``): units, military addresses, number-first streets, postcodes
after a country, cities in residence slots; and look-alikes kept."""

from __future__ import annotations

import pytest

from mlsecure.privacy.pii.text_mode import scan_text
from mlsecure.privacy.pii.types import PiiType


def spans(text: str) -> dict[str, PiiType]:
    return {text[s.start:s.end]: s.pii_type for s in scan_text(text)}


@pytest.mark.parametrize(("text", "value", "pii_type"), [
    ("Leave it at the door of Apt. 902, thanks", "Apt. 902", PiiType.STREET_ADDRESS),
    ("my new address is PSC 6293, Box 8158\nAPO AP 04336", "PSC 6293, Box 8158\nAPO AP 04336",
     PiiType.STREET_ADDRESS),
    ("Our offices are at USNS Møller\nFPO AA 85844", "USNS Møller\nFPO AA 85844", PiiType.STREET_ADDRESS),
    ("He lives at 5049 Harjukuja 54, SEINÄJOKI", "5049 Harjukuja 54", PiiType.STREET_ADDRESS),
    ("He lives at 5049 Harjukuja 54, SEINÄJOKI", "SEINÄJOKI", PiiType.CITY),
    ("233 Erzsébet tér 19.\n Domoszló\n Hungary 34796\n", "34796", PiiType.ZIP_CODE),
    ("233 Erzsébet tér 19.\n Domoszló\n Hungary 34796\n", "Domoszló", PiiType.CITY),
    ("Mr. Baader is a 21 year old man who grew up in Remniku.", "Remniku", PiiType.CITY),
    ("We moved here from Kenosha", "Kenosha", PiiType.CITY),
])
def test_address_parts(text: str, value: str, pii_type: PiiType) -> None:
    assert spans(text).get(value) is pii_type


@pytest.mark.parametrize("text", [
    "I grew up in Norway.",  # a country: Safe Harbor keeps it
    "The meeting moved to 3 pm on Friday, 12 people came.",
    "Chapter 3 Results 4 and the appendix",
    "She was born in March.",
    "Version 2, Final\n",
    "Released 2019 Edition 3, Final\n",
    "the apartment was flat and wide",
])
def test_look_alikes_kept(text: str) -> None:
    found = spans(text)
    assert not {v for v, t in found.items() if t in (PiiType.CITY, PiiType.STREET_ADDRESS, PiiType.ZIP_CODE)}, found
