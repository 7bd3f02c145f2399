"""Villages the gazetteer partly misses are a city column beside a street column (``towns_beside_streets``),
and the look-alikes that also meet GeoNames' village list (surnames, given names) or stand beside streets
(jobs, companies) stay untyped.

Values are real: Israel's localities, US surnames and given names, jobs and companies as faker's providers
list them (faker's data files, not its random generator); the streets are faker's en_US street addresses."""

from __future__ import annotations

import random

import polars as pl
import pytest
from faker import Faker
from faker.providers.address.he_IL import Provider as HebrewAddresses
from faker.providers.job.en_US import Provider as Jobs
from faker.providers.person.en_US import Provider as People

from mlsecure.privacy.pii import PiiType, audit_frame
from mlsecure.privacy.pii.gazetteer import known_towns
from mlsecure.privacy.pii.places import TOWN_SHARE, place_core, towns_beside_streets

ROWS = 120


def _streets(n: int) -> list[str]:
    fake = Faker("en_US")
    fake.seed_instance(3)
    return [fake.street_address() for _ in range(n)]


def _cycle(values: list[str], n: int = ROWS) -> list[str]:
    return [values[i % len(values)] for i in range(n)]


def test_israeli_localities_are_towns_only_beside_streets() -> None:
    towns = sorted(HebrewAddresses.city_names)
    cores = [place_core(t)[0] for t in towns]
    assert sum(known_towns(cores)) / len(cores) < TOWN_SHARE  # the village list alone does not carry them
    beside = audit_frame(pl.DataFrame({"c00": _streets(ROWS), "c01": _cycle(towns)})).types()
    assert beside == {"c00": PiiType.STREET_ADDRESS, "c01": PiiType.CITY}
    alone = audit_frame(pl.DataFrame({"c01": _cycle(towns), "c02": [str(i % 7) for i in range(ROWS)]})).types()
    assert alone["c01"] is None


@pytest.mark.parametrize("label", ["surnames", "given names", "jobs"])
def test_look_alikes_beside_streets_stay_untyped(label: str) -> None:
    values = {"surnames": sorted(People.last_names)[::7],
              "given names": sorted(People.first_names)[::7],
              "jobs": sorted(Jobs.jobs)[::3]}[label]
    types = audit_frame(pl.DataFrame({"c00": _streets(ROWS), "c01": _cycle(values)})).types()
    assert types["c00"] is PiiType.STREET_ADDRESS
    assert types["c01"] is (None if label == "jobs" else PiiType.NAME)  # a surname column is a name column


def test_surnames_known_as_towns_are_refused_by_the_name_share() -> None:
    surnames = sorted(People.last_names)[:200]
    assert sum(known_towns(surnames)) / len(surnames) >= 0.4  # as many towns as a village column has
    assert towns_beside_streets("c01", surnames, [1] * len(surnames)) is None


# Chunghwa Post's 3-digit areas (Taipei's districts 100-116, Keelung 200, Banqiao 220, Hsinchu 300, Taichung
# 400, Tainan 700, Kaohsiung 800, Hualien 970...) and 5-digit (3+2) and 6-digit (3+3) codes within them.
TW_AREAS = ["100", "103", "104", "105", "106", "108", "110", "111", "112", "114", "115", "116", "200", "220", "231",
            "241", "260", "300", "320", "330", "360", "400", "500", "540", "600", "640", "700", "800", "880", "900",
            "950", "970"]
TW_LONG = ["10048", "10617", "11049", "22041", "30041", "40045", "70043", "80052", "97047", "100006", "106213"]


def _tw_table(codes: list[str], header: str = "c02") -> dict[str, PiiType | None]:
    return audit_frame(pl.DataFrame({"c00": _streets(ROWS), header: _cycle(codes)})).types()


def test_taiwan_areas_and_long_codes_beside_streets() -> None:
    codes = TW_AREAS + TW_LONG
    assert _tw_table(codes)["c02"] is PiiType.ZIP_CODE
    assert _tw_table(TW_AREAS)["c02"] is None  # 3 digits alone are any small number
    assert _tw_table(codes, "quantity")["quantity"] is None  # a name that says something else


@pytest.mark.parametrize("label", ["all widths", "leading zero", "narrow areas", "counting up"])
def test_numbers_of_mixed_widths_stay_untyped(label: str) -> None:
    rng = random.Random(7)
    codes = {
        "all widths": [str(int(10 ** rng.uniform(2, 6))) for _ in range(ROWS)],  # quantities: 4 digits too
        "leading zero": [*TW_AREAS, "01234", "09876", "012345"],
        "narrow areas": [str(rng.choice([101, 102, 103, 104, 105]) * 100 + rng.randrange(100))
                         if i % 3 else str(rng.randrange(100, 200)) for i in range(ROWS)],
        "counting up": [str(n) for n in (*sorted(rng.sample(range(100, 999), 40)),
                                         *sorted(rng.sample(range(10000, 99999), 80)))],
    }[label]
    assert _tw_table(codes)["c02"] is None
