"""Given names and surnames of 105 countries, derived from the ``names-dataset`` package (v3.3.1,
Apache-2.0; Remy, "name-dataset", https://github.com/philipperemy/name-dataset), kept compact.

``names-dataset`` ships 727k given names and 984k surnames with a per-country popularity rank, as
60 MB of pickles that take ~1 GB of memory to load. We keep the names ranked within the top
``MAX_RANK`` of at least one country, with their best rank, in ``data/names.tsv.gz`` (regenerate with
``python -m mlsecure.privacy.pii.name_data --derive`` where names-dataset is installed; nothing is
downloaded at run time). The package's data was collected from public social-network profiles; we use
only the aggregate name lists and ranks, never any record about a person.
"""

from __future__ import annotations

import gzip
import sys
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "names.tsv.gz"
MAX_RANK = 2000
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


def derive(out: Path = DATA, *, max_rank: int = MAX_RANK) -> tuple[int, int]:
    """Rebuild ``out`` from the installed names-dataset package (a developer step, not a run-time one)."""
    import pickle  # the package's own data files, read only here, by the developer who installed it

    import names_dataset  # type: ignore[import-not-found]

    root = Path(names_dataset.__file__).parent / "v3"
    rows: list[tuple[str, str, int]] = []
    counts = []
    for kind, file in (("G", "first_names.pkl.gz"), ("S", "last_names.pkl.gz")):
        with gzip.open(root / file) as handle:
            table = pickle.load(handle)
        best: dict[str, int] = {}
        for name, info in table.items():
            ranks = [r for r in (info.get("rank") or {}).values() if r is not None]
            if not ranks or min(ranks) > max_rank or " " in name or len(name) < 2:
                continue
            if not all(c.isalpha() or c in "'-" for c in name):
                continue
            key = fold(name)
            best[key] = min(best.get(key, max_rank), min(ranks))
        rows.extend((name, kind, rank) for name, rank in sorted(best.items()))
        counts.append(len(best))
    out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(out, "wb", mtime=0) as raw:
        raw.write(f"# derived from {SOURCE}, best per-country rank <= {max_rank}\n".encode())
        raw.write("".join(f"{n}\t{k}\t{r}\n" for n, k, r in rows).encode())
    return counts[0], counts[1]


if __name__ == "__main__" and sys.argv[1:] == ["--derive"]:
    print(derive())  # noqa: T201 - developer script output
