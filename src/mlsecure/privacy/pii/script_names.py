"""Person names in scripts where the names-dataset lists run thin: Chinese, Korean and Japanese names,
and Slavic and Greek surnames, recognised by what every name of the language shares.

names-dataset (``name_data``) keeps names ranked within the top 2000 of some country, written as its
social-network users wrote them: few Chinese or Korean surnames (single characters are dropped), and a
Ukrainian or Greek surname ranked 13,000th in its country is missing. What these names share instead:

* Chinese and Korean family names come from a short list: the 100 most common Chinese surnames hold
  about 85% of China's population (Ministry of Public Security, 2019 household register; the classic
  double surnames added), and the ~95 Korean surnames below well over 95% of South Korea's (Statistics
  Korea, 2015 census). A cell of 2-5 Han or Hangul characters in one or two words that starts or ends
  with one of them is a name;
* a Japanese name is a family name and a given name, each of 1-4 characters, the given name often in
  kana: a cell of two such words with one of them in names-dataset or written in kana is a name;
* an Icelandic family name is a patronymic ending in ``-sson`` or ``-dóttir``;
* Slavic and Greek surnames are made with a handful of suffixes (Ukrainian ``-енко``, ``-чук``,
  ``-ський``; Russian ``-ов``, ``-ина``, ``-ский``; patronymic ``-вич``; Greek ``-πουλος``, ``-ίδης``,
  ``-άκης``): a cell of 2-3 capitalised words of which one carries one is a name.

A cell ending in a place or institution character (``市``, ``路``, ``구``, ``株式会社``...) is never one. These
rules read one cell; the classifier decides a column only when most of its cells pass.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from mlsecure.privacy.pii.lexicons import TITLES
from mlsecure.privacy.pii.name_data import fold, lexicon


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


CHINESE_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪"
    "范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    # the same surnames in traditional characters (Taiwan, Hong Kong)
    "張劉陳楊黃趙吳孫馬鄭謝許韓馮鄧蕭董蔣葉蘇呂盧鍾譚陸賈韋鄒閆雷龍陶賀顧龔萬錢嚴湯")
CHINESE_DOUBLE_SURNAMES = _words(
    "欧阳 歐陽 司马 司馬 上官 诸葛 諸葛 司徒 令狐 司空 皇甫 尉迟" " "
    "公孙 慕容 长孙 宇文 东方 夏侯 轩辕 端木 独孤 南宫 西门 澹台" " "
    "公冶 申屠"
)
KOREAN_SURNAMES = _words(
    "김 이 박 최 정 강 조 윤 장 임 한 오 서 신 권 황 안 송 류 유 전 홍 고 문 양 손 배 백 허 남" " "
    "심 노 하 곽 성 차 주 우 구 민 나 진 지 엄 채 원 천 방 공 현 함 변 염 여 추 도 소 석 선 설" " "
    "마 길 연 위 표 명 기 반 라 왕 금 옥 육 인 맹 제 모 탁 국 어 은 편 용 예 경 봉 사 부 황보 남궁" " "
    "제갈 선우 독고"
)
# Characters that end place names, addresses and institutions, not names: city, district, county,
# province, road, street, number, town, village, station, shop, hall, school, company...
NOT_NAME_END = frozenset("市区區县縣省路街道号號镇鎮村州都府県町駅站店馆館院校司社部局会會园園楼樓厦廈场場山河湖江"
                          "시구군도동로길읍면리역점관원교사부청")
NOT_NAME_WORDS = ("株式会社", "有限会社", "有限公司", "公司", "大学", "大學", "주식회사", "대학교", "센터", "センター")
_SLAVIC_SUFFIXES = ("енко", "єнко", "чук", "щук", "юк", "ський", "цький", "ська", "цька", "вич", "вна", "ишин",
                    "ов", "ова", "ев", "ева", "ёв", "ёва", "ин", "ина", "ын", "ына", "ский", "ская", "цкий", "цкая",
                    "ых", "их", "ук", "як")
_GREEK_SUFFIXES = ("πουλος", "πουλου", "ιδης", "ιδου", "ιαδης", "ιαδου", "ακης", "ακη", "ατος", "ατου", "ογλου",
                   "ελλης", "ελλη", "ιου")
_PATRONYMIC = ("dóttir", "sson")
_CJK_WORD = re.compile(r"^[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]{1,4}$")
_KANA = re.compile(r"^[\u3040-\u30ff]{2,5}$")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_CYRILLIC_OR_GREEK = re.compile(r"^[\u0370-\u03ff\u1f00-\u1fff\u0400-\u04ff'’-]+$")


def script_name(text: str) -> bool:
    """One cell that is a Chinese, Korean, Japanese, Slavic or Greek person's name by the rules above (an
    honorific before it, ``г-жа``, ``пан``, ``κ.``, left aside)."""
    words = [w for w in text.split() if fold(w.rstrip(".")) not in TITLES]
    if not 1 <= len(words) <= 3:
        return False
    if all(_CJK_WORD.match(w) for w in words):
        return _cjk_name(words)
    if 2 <= len(words) <= 3 and all(_CYRILLIC_OR_GREEK.match(w) and w[:1].isupper() for w in words):
        return any(_surname_suffix(w) for w in words)
    # Icelandic family names are patronymics (``Jónsdóttir``, ``Gunnarsson``): a given name and one of them
    return 2 <= len(words) <= 3 and all(w[:1].isupper() and w.isalpha() for w in words) and \
        words[-1].lower().endswith(_PATRONYMIC)


def _cjk_name(words: list[str]) -> bool:
    compact = "".join(words)
    if not 2 <= len(compact) <= 5 or len(words) > 2 or compact[-1] in NOT_NAME_END or \
            any(w in compact for w in NOT_NAME_WORDS):
        return False
    if _HANGUL.search(compact):
        return _korean(words, compact)
    edges = (compact[:1], compact[:2], words[-1]) if len(words) == 1 else (words[0], words[-1])
    if any(e in CHINESE_SURNAMES or e in CHINESE_DOUBLE_SURNAMES for e in edges) or \
            (len(words) == 1 and compact[:2] in CHINESE_DOUBLE_SURNAMES):
        return True
    if len(words) == 2:  # family name and given name, Japanese style
        lex = lexicon()
        return any(_KANA.match(w) or lex.is_surname(w) or lex.is_given(w) for w in words)
    return False


def _korean(words: list[str], compact: str) -> bool:
    if len(words) == 1:
        return 2 <= len(compact) <= 4 and (compact[:1] in KOREAN_SURNAMES or compact[:2] in KOREAN_SURNAMES)
    return any(w in KOREAN_SURNAMES for w in words)


def _surname_suffix(word: str) -> bool:
    low = "".join(c for c in unicodedata.normalize("NFD", word.lower()) if not unicodedata.combining(c))
    if any("\u0370" <= c <= "\u03ff" for c in low):
        return len(low) > 4 and low.endswith(_GREEK_SUFFIXES)
    low = word.lower()
    return len(low) > 4 and low.endswith(_SLAVIC_SUFFIXES)


CJK_SHAPED = 0.8  # share of cells shaped like a CJK name (one or two words, 2-5 characters in all)
CJK_DISTINCT = 0.7  # distinct values per cell: people's names hardly repeat; dishes, colours, jobs, places do
CJK_SURNAMED = 0.2  # share of cells the surname lists confirm (~0.85 for real Chinese or Korean names)


def cjk_name_cells(values: Sequence[str], freq: Sequence[int], n: int) -> list[bool] | None:
    """Which distinct ``values`` are names when the column as a whole is a column of CJK names: nearly all
    cells name-shaped, nearly all distinct, and a fifth confirmed by a surname list. A family name outside
    the lists (mimesis draws from all 500 of the Hundred Family Surnames) is then carried by its column,
    as a rare Latin-script surname is by the given name beside it. None when the column is not one."""
    if n < MIN_CELLS or len(values) < CJK_DISTINCT * n:
        return None
    shaped = [_cjk_shaped(v) for v in values]
    if sum(c for c, s in zip(freq, shaped, strict=True) if s) < CJK_SHAPED * n:
        return None
    confirmed = sum(c for v, c, s in zip(values, freq, shaped, strict=True) if s and script_name(v))
    return shaped if confirmed >= CJK_SURNAMED * n else None


MIN_CELLS = 20


def _cjk_shaped(text: str) -> bool:
    words = text.split()
    if not 1 <= len(words) <= 2 or not all(_CJK_WORD.match(w) for w in words):
        return False
    compact = "".join(words)
    return 2 <= len(compact) <= 5 and compact[-1] not in NOT_NAME_END and \
        not any(w in compact for w in NOT_NAME_WORDS)


ALPHABET_SHAPED = 0.9  # share of cells shaped like a name: 2-3 capitalised Greek or Cyrillic words
ALPHABET_CONFIRMED = 0.35  # share of cells ``is_name`` confirms (jobs, dishes, company names: ~0)
_GREEK_CYRILLIC = "\u0370-\u03ff\u1f00-\u1fff\u0400-\u04ff"
_ALPHABET_WORD = re.compile(rf"^[{_GREEK_CYRILLIC}][{_GREEK_CYRILLIC}'’ʼ-]*$")


def alphabet_name_cells(values: Sequence[str], freq: Sequence[int], n: int,
                        confirmed: Sequence[bool]) -> list[bool] | None:
    """Which distinct ``values`` are names when the column as a whole is Greek, Cyrillic or Arabic-script
    people's names: nearly every cell two or three (capitalised) words of the script, nearly all distinct,
    and over a third confirmed (``confirmed``: by the name lists or a surname suffix). Greek surnames end
    as all Greek nouns do (``-ης``, ``-ας``, ``-ου``), and a given name ranked below a country's top 2000 is
    missing from the lists: the column carries them, as it carries a rare Chinese surname
    (``cjk_name_cells``). None when the column is not one."""
    if n < MIN_CELLS or len(values) < CJK_DISTINCT * n:
        return None
    shaped = [_alphabet_shaped(v) for v in values]
    if sum(c for c, s in zip(freq, shaped, strict=True) if s) < ALPHABET_SHAPED * n:
        return None
    named = sum(c for c, s, ok in zip(freq, shaped, confirmed, strict=True) if s and ok)
    return shaped if named >= ALPHABET_CONFIRMED * n else None


def _alphabet_shaped(text: str) -> bool:
    words = [w for w in text.split() if fold(w.rstrip(".")) not in TITLES]
    if not 2 <= len(words) <= 3:
        return False
    if all(_ARABIC_WORD.match(w) for w in words):  # Arabic and Persian: no case, two or three words
        return True
    return all(_ALPHABET_WORD.match(w) and w[:1].isupper() for w in words)


_ARABIC_WORD = re.compile("^[\u0600-\u06ff\u200c]+$")
