"""Per-locale recall: phone columns whose header says nothing, dates in national formats, names in CJK,
Cyrillic, Greek and Icelandic, and streets written without a street type or a space.

Phone numbers are libphonenumber's own example numbers (``phonenumbers.example_number_for_type``: real
allocated ranges) with their subscriber digits varied and kept only when ``is_valid_number`` still says
valid, written in the national and international formats libphonenumber gives each country. Names,
streets and dates come from faker locales none of our tables was tuned on, or from the languages'
calendars (``months``)."""

from __future__ import annotations

import datetime as dt
import random

import phonenumbers
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.privacy.pii import PiiType, audit_frame
from mlsecure.privacy.pii.months import _NAMES, month_number
from mlsecure.privacy.pii.phones import column_regions
from mlsecure.privacy.pii.script_names import script_name
from mlsecure.privacy.pii.validators import parse_date

REGIONS = ("FR", "DE", "GB", "JP", "IN", "BR", "GR", "HU", "CZ", "KR", "TR", "AR", "PL", "SE", "ZA")


def real_numbers(region: str, n: int, seed: int = 0) -> list[phonenumbers.PhoneNumber]:
    """``n`` valid numbers of ``region``: its example fixed-line and mobile numbers, last 4 digits varied."""
    rng = random.Random(seed)
    out: list[phonenumbers.PhoneNumber] = []
    examples = [phonenumbers.example_number_for_type(region, t) for t in
                (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE)]
    while len(out) < n:
        base = rng.choice([e for e in examples if e is not None])
        national = str(base.national_number)
        varied = national[:-4] + f"{rng.randrange(10_000):04d}"
        number = phonenumbers.parse("+" + str(base.country_code) + varied, None)
        if phonenumbers.is_valid_number(number):
            out.append(number)
    return out


def _column(values: list[str], name: str = "c03") -> PiiType | None:
    frame = pl.DataFrame({name: values, "qty": [str(i % 7 + 1) for i in range(len(values))]})
    return audit_frame(frame).types()[name]


@pytest.mark.parametrize("region", REGIONS)
def test_national_format_phone_column_without_header(region: str) -> None:
    """Numbers as a country writes them (``06 12 34 56 78``, ``030 1234567``, ``(11) 91234-5678``), two in
    five with the international prefix, under a header that says nothing."""
    numbers = real_numbers(region, 60)
    fmt = phonenumbers.PhoneNumberFormat
    values = [phonenumbers.format_number(x, fmt.INTERNATIONAL if i % 5 < 2 else fmt.NATIONAL)
              for i, x in enumerate(numbers)]
    assert _column(values) is PiiType.PHONE, values[:5]


@pytest.mark.parametrize("region", ("FR", "GB", "JP", "IN", "BR", "DE"))
def test_national_only_phone_column_without_header(region: str) -> None:
    """No international prefix at all: the plan comes from the written numbers themselves."""
    values = [phonenumbers.format_number(x, phonenumbers.PhoneNumberFormat.NATIONAL) for x in real_numbers(region, 60)]
    assert _column(values) is PiiType.PHONE, values[:5]
    regions = column_regions(values)  # plans that admit them (``03-1234-5678`` is also a valid French number)
    assert all(any(phonenumbers.is_valid_number(phonenumbers.parse(v, r)) for r in regions) for v in values)


@pytest.mark.parametrize("values", [
    [f"{random.Random(i).randrange(10_000_000, 99_999_999)}" for i in range(80)],  # 8-digit account numbers
    [f"{i % 9 + 1}-{random.Random(i).randrange(10_000, 99_999)}-{random.Random(-i).randrange(100, 999)}-{i % 10}"
     for i in range(80)],  # ISBN-10 shaped: a one-digit group after the first
    [f"0{random.Random(i).randrange(10**11, 10**12)}" for i in range(80)],  # 13-digit codes with a leading zero
], ids=["account-numbers", "isbn-shaped", "leading-zero-codes"])
def test_look_alike_numbers_are_not_phones(values: list[str]) -> None:
    assert _column(values) is not PiiType.PHONE


def test_ssn_and_iso_dates_keep_their_type() -> None:
    rng = random.Random(3)
    ssns = [f"{rng.randrange(100, 665)}-{rng.randrange(10, 99)}-{rng.randrange(1000, 9999)}" for _ in range(80)]
    dates = [(dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(3000))).isoformat() for _ in range(80)]
    assert _column(ssns, "c01") is PiiType.SSN
    assert _column(dates, "c02") is PiiType.DATE


@pytest.mark.parametrize(("text", "expected"), [
    ("2001.05.03.", dt.date(2001, 5, 3)),  # Hungarian
    ("03.05.2001.", dt.date(2001, 5, 3)),  # Croatian, Serbian
    ("2001.05.03", dt.date(2001, 5, 3)),  # Korean, Lithuanian
    ("2001. 5. 3.", dt.date(2001, 5, 3)),  # Korean and Hungarian CLDR short
    ("3. 5. 2001", dt.date(2001, 5, 3)),  # Slovene, Slovak
    ("3.05.2001 г.", dt.date(2001, 5, 3)),  # Bulgarian
    ("2001年5月3日", dt.date(2001, 5, 3)),
    ("2001년 5월 3일", dt.date(2001, 5, 3)),
    ("3 mai 2001", dt.date(2001, 5, 3)),
    ("3. März 2001", dt.date(2001, 3, 3)),
    ("3 de mayo de 2001", dt.date(2001, 5, 3)),
    ("3 мая 2001", dt.date(2001, 5, 3)),
    ("3 травня 2001", dt.date(2001, 5, 3)),
    ("3 Μαΐου 2001", dt.date(2001, 5, 3)),
    ("3 maggio 2001", dt.date(2001, 5, 3)),
    ("3 mayıs 2001", dt.date(2001, 5, 3)),
    ("15 Sept. 2001", dt.date(2001, 9, 15)),
    ("3 janv. 2001", dt.date(2001, 1, 3)),
    ("Mai 3, 2001", dt.date(2001, 5, 3)),
])
def test_national_date_formats(text: str, expected: dt.date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["3 Hello 2001", "31.02.2001", "2001.13.01", "3 listopada 2001x", "12.5"])
def test_not_dates(text: str) -> None:
    assert parse_date(text) is None


def test_every_month_name_reads_back() -> None:
    ambiguous = {"listopada"}  # November in Polish, October in Croatian: neither
    for language, months in _NAMES.items():
        for number, names in enumerate(months, start=1):
            for name in names.split("|"):
                if name not in ambiguous:
                    assert month_number(name) == number, (language, name)
                    assert month_number(name.capitalize()) == number, (language, name)


@settings(max_examples=60, deadline=None)
@given(day=st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
       fmt=st.sampled_from(["%Y.%m.%d.", "%d.%m.%Y.", "%Y. %m. %d.", "%d. %m. %Y", "%Y年%m月%d日", "%Y.%m.%d",
                            "%d.%m.%Y г."]))
def test_numeric_formats_round_trip(day: dt.date, fmt: str) -> None:
    assert parse_date(day.strftime(fmt)) == day


@settings(max_examples=60, deadline=None)
@given(day=st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)), language=st.sampled_from(sorted(_NAMES)))
def test_written_month_round_trip(day: dt.date, language: str) -> None:
    name = _NAMES[language][day.month - 1].split("|")[0]
    if name == "listopada":
        return
    assert parse_date(f"{day.day} {name} {day.year}") == day


@pytest.mark.parametrize("column", [
    ["2001.05.03.", "1987.11.24.", "1969.02.01.", "1955.12.30.", "2003.07.15.", "1999.09.09."] * 10,
    ["2001年5月3日", "1987年11月24日", "1969年2月1日", "1955年12月30日", "2003年7月15日", "1999年9月9日"] * 10,
    ["3 mai 2001", "24 novembre 1987", "1 février 1969", "30 décembre 1955", "15 juillet 2003", "9 août 1999"] * 10,
])
def test_date_columns_without_header(column: list[str]) -> None:
    assert _column(column) is PiiType.DATE


@pytest.mark.parametrize("locale", ["zh_CN", "zh_TW", "ko_KR", "uk_UA", "ru_RU"])
def test_name_column_in_other_scripts(locale: str) -> None:
    """faker's name providers (written by faker's contributors from each country's name statistics).
    el_GR is left out: half its rare given names and plain ``-ας``/``-ης`` surnames are in no list (a limit
    the docs page states)."""
    from faker import Faker

    fake = Faker(locale)
    fake.seed_instance(11)
    names = [fake.name() for _ in range(120)]
    assert _column(names, "c00") is PiiType.NAME, names[:6]


@pytest.mark.parametrize("text", ["王秀英", "欧阳娜娜", "김민준", "이서연", "Андрій Шевченко", "Ольга Ковальчук",
                                  "Иван Петров", "Γιώργος Παπαδόπουλος", "Jón Gunnarsson", "Guðrún Jónsdóttir"])
def test_script_names(text: str) -> None:
    assert script_name(text)


@pytest.mark.parametrize("text", ["北京市", "人民路", "红色", "株式会社", "서울시", "Нова Одеса", "Άγιος Νικόλαος",
                                  "Reykjavík"])
def test_script_non_names(text: str) -> None:
    assert not script_name(text)


def test_cjk_look_alike_columns_are_not_names() -> None:
    """Dishes, colours, cities and jobs: two to four characters too, but they repeat and carry no surname."""
    dishes = ["宫保鸡丁", "麻婆豆腐", "北京烤鸭", "红烧肉", "鱼香肉丝", "糖醋排骨", "回锅肉", "水煮鱼"] * 10
    jobs = ["工程师", "教师", "医生", "律师", "会计", "护士", "司机", "厨师", "记者", "警察"] * 8
    assert _column(dishes, "c07") is None
    assert _column(jobs, "c08") is None


@pytest.mark.parametrize("locale", ["el_GR"])
def test_street_column_without_street_type_or_space(locale: str) -> None:
    from faker import Faker

    fake = Faker(locale)
    fake.seed_instance(5)
    streets = [fake.street_address() for _ in range(120)]
    assert _column(streets, "c05") is PiiType.STREET_ADDRESS, streets[:6]


def test_chinese_addresses() -> None:
    streets = [f"{road}{n}号" for road, n in zip(["人民路", "解放大街", "中山路", "建设街", "和平路", "胜利街九条",
                                                  "东直门南七条", "新华路", "长江路", "文化街"] * 8,
                                                 range(3, 800, 9), strict=False)]
    assert _column(streets, "c05") is PiiType.STREET_ADDRESS


# Villages and small towns of 500-15,000 people (GeoNames), as written locally: Hungarian, Estonian, Norwegian.
VILLAGES = ["Záhony", "Nyírmada", "Tiszalök", "Tiszaföldvár", "Tapolca", "Kisújszállás", "Pusztaszabolcs", "Újszász",
            "Tiszavasvári", "Bicske", "Sárvár", "Põlva", "Mõisaküla", "Karksi-Nuia", "Tõrva", "Jõgeva", "Antsla",
            "Rapla", "Otepää", "Kärdla", "Stryn", "Vinstra", "Sogndal", "Brekstad", "Lillesand", "Kopervik"]


def test_village_column_without_header() -> None:
    values = [VILLAGES[(i * 7) % len(VILLAGES)] for i in range(120)]
    assert _column(values, "c04") is PiiType.CITY


def test_colours_and_nationalities_are_not_towns() -> None:
    colours = ["rød", "grønn", "blå", "gul", "svart", "hvit", "brun", "grå", "rosa", "lilla", "oransje", "turkis",
               "beige", "gull", "sølv", "marineblå", "oliven", "lime", "fiolett", "bordeaux", "kobber", "elfenben"]
    nationalities = ["magyar", "német", "osztrák", "szlovák", "román", "lengyel", "cseh", "horvát", "szerb",
                     "olasz", "francia", "spanyol", "portugál", "angol", "ír", "svéd", "norvég", "dán", "finn",
                     "észt", "lett", "litván", "orosz", "ukrán"]
    assert _column([colours[i % len(colours)].capitalize() for i in range(120)], "c09") is None
    assert _column([nationalities[i % len(nationalities)].capitalize() for i in range(120)], "c10") is None
