"""Given names and surnames of 105 countries, derived from the ``names-dataset`` package (v3.3.1,
Apache-2.0; Remy, "name-dataset", https://github.com/philipperemy/name-dataset), kept compact.

``names-dataset`` ships 727k given names and 984k surnames with a per-country popularity rank, as
60 MB of pickles that take ~1 GB of memory to load. We keep the names ranked within the top
``MAX_RANK`` of at least one country, with their best rank, in ``data/names.tsv.gz`` (regenerate with
``python -m mlsecure.privacy.pii.name_data --derive`` where names-dataset is installed; nothing is
downloaded at run time). ``data/names_rare.txt.gz`` adds the names ranked ``MAX_RANK + 1`` to ``RARE_RANK``
(``Mehrudin``, ``Shovda``) that are no word of ``dict_names``' languages, as one sorted list, searched by
bisection over its bytes (4 MB, no table of strings), for the guarded reading of ``dict_names`` only: at
those ranks the lists also hold common words, so no other rule reads them. The package's data was collected
from public social-network profiles; we use only the aggregate name lists and ranks, never any record about
a person.
"""

from __future__ import annotations

import gzip
import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from mlsecure.privacy.pii.letters import NAME_LOWER

DATA = Path(__file__).parent / "data" / "names.tsv.gz"
MAX_RANK = 2000
RARE = DATA.with_name("names_rare.txt.gz")
RARE_RANK = 10000
# what ``dict_names`` can match as one word (lower case, folded): other scripts and hyphens never reach it
_RARE_WORD = re.compile(rf"[{NAME_LOWER}]{{3,}}")
SOURCE = "names-dataset 3.3.1 (v3/first_names.pkl.gz, v3/last_names.pkl.gz)"


@dataclass(frozen=True)
class NameLexicon:
    """Lower-cased given names and surnames, each with its best rank in any of the 105 countries."""

    given: dict[str, int]
    surname: dict[str, int]

    def is_given(self, word: str, *, max_rank: int = MAX_RANK) -> bool:
        return self.given.get(fold(word), max_rank + 1) <= max_rank

    def is_surname(self, word: str, *, max_rank: int = MAX_RANK) -> bool:
        return self.surname.get(fold(word), max_rank + 1) <= max_rank


@lru_cache(maxsize=1 << 16)  # the same given names and surnames come back in every column and text
def fold(word: str) -> str:
    """Lower case without accents: ``Zoë`` and ``zoe`` are one name."""
    decomposed = unicodedata.normalize("NFKD", word.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def lexicon() -> NameLexicon:
    given: dict[str, int] = {}
    surname: dict[str, int] = {}
    text = gzip.decompress(DATA.read_bytes()).decode("utf-8")
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, kind, rank = line.split("\t")
        (given if kind == "G" else surname)[name] = int(rank)
    return NameLexicon(given, surname)


@cache
def _rare_bytes() -> bytes:
    return gzip.decompress(RARE.read_bytes())


def is_rare_name(word: str) -> bool:
    """``word`` is a given name or surname ranked ``MAX_RANK + 1`` to ``RARE_RANK`` in some country."""
    key, text = fold(word).encode(), _rare_bytes()  # UTF-8 bytes sort as the code points do
    lo, hi = 0, len(text)
    while lo < hi:
        start = text.rfind(b"\n", 0, (lo + hi) // 2) + 1
        end = text.find(b"\n", start)
        line = text[start:end]
        if line == key:
            return True
        lo, hi = (end + 1, hi) if line < key else (lo, start)
    return False


def derive_rare(out: Path = RARE, *, low: int = MAX_RANK, high: int = RARE_RANK) -> int:
    """Rebuild ``out``: the names whose best rank is in ``(low, high]``, sorted, one per line, less any word
    of the seven languages ``dict_names`` reads (``Haskell``, ``Erlang``, ``Turing`` stay words everywhere)."""
    from mlsecure.privacy.pii.dict_names import STOPS, words  # imports this module: only for the developer step

    names: set[str] = set()
    for table in _tables():
        for name, rank in _best_ranks(table).items():
            if low < rank <= high and _RARE_WORD.fullmatch(name) and not any(name in words(x) for x in STOPS):
                names.add(name)
    with gzip.GzipFile(out, "wb", mtime=0) as raw:
        raw.write("".join(f"{n}\n" for n in sorted(names)).encode())
    return len(names)


def _tables() -> list[dict[str, dict[str, Any]]]:
    import pickle  # the package's own data files, read only here, by the developer who installed it

    import names_dataset  # type: ignore[import-not-found]

    root = Path(names_dataset.__file__).parent / "v3"
    out = []
    for file in ("first_names.pkl.gz", "last_names.pkl.gz"):
        with gzip.open(root / file) as handle:
            out.append(pickle.load(handle))
    return out


def _best_ranks(table: dict[str, dict[str, Any]]) -> dict[str, int]:
    best: dict[str, int] = {}
    for name, info in table.items():
        ranks = [r for r in (info.get("rank") or {}).values() if r is not None]
        if not ranks or " " in name or len(name) < 2 or not all(c.isalpha() or c in "'-" for c in name):
            continue
        key = fold(name)
        best[key] = min(best.get(key, min(ranks)), min(ranks))
    return best


def derive(out: Path = DATA, *, max_rank: int = MAX_RANK) -> tuple[int, int]:
    """Rebuild ``out`` from the installed names-dataset package (a developer step, not a run-time one)."""
    rows: list[tuple[str, str, int]] = []
    counts = []
    for kind, table in zip(("G", "S"), _tables(), strict=True):
        # a folded name's best rank over its spellings is <= max_rank exactly when one spelling's is
        best = {name: rank for name, rank in _best_ranks(table).items() if rank <= max_rank}
        rows.extend((name, kind, rank) for name, rank in sorted(best.items()))
        counts.append(len(best))
    out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(out, "wb", mtime=0) as raw:
        raw.write(f"# derived from {SOURCE}, best per-country rank <= {max_rank}\n".encode())
        raw.write("".join(f"{n}\t{k}\t{r}\n" for n, k, r in rows).encode())
    return counts[0], counts[1]


if __name__ == "__main__" and sys.argv[1:] == ["--derive"]:
    print(derive(), derive_rare())  # noqa: T201 - developer script output
