"""Over-redaction on prose: texts that name no private person, anonymized as one text column; counts the
words the anonymizer took away. Three sources nobody here wrote: mimesis' ``Text`` sentences of 30 locales
(quotations and encyclopaedic sentences: they do name public figures and places), faker's ``text()`` in the
24 locales of ``heldout_locales.py`` (its lorem word lists), and the paragraphs of Python's own reference
documentation (``pydoc_data.topics``: technical English with product and module names).

    PYTHONPATH=src python tests/pii/heldout_prose.py --seed 1
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections import Counter
from pathlib import Path

_TOKEN = re.compile(r"[^\W\d_]{2,}")


def mimesis_texts(seed: int, per_locale: int) -> dict[str, list[str]]:
    from heldout_notes_text import LOCALES
    from mimesis import Text
    from mimesis.locales import Locale

    return {f"mimesis {loc}": [Text(Locale(loc), seed=seed * 1000 + i).text(quantity=4) for i in range(per_locale)]
            for loc in LOCALES}


def faker_texts(seed: int, per_locale: int) -> dict[str, list[str]]:
    from faker import Faker
    from heldout_locales import LOCALES

    out: dict[str, list[str]] = {}
    for loc in LOCALES:
        fake = Faker(loc)
        fake.seed_instance(seed)
        out[f"faker {loc}"] = [fake.text(max_nb_chars=300) for _ in range(per_locale)]
    return out


def python_docs(seed: int, n: int) -> dict[str, list[str]]:
    from pydoc_data.topics import topics

    paragraphs = [p.strip() for text in topics.values() for p in text.split("\n\n")]
    prose = [p for p in paragraphs if len(p) > 200 and not p.startswith((" ", ">>>")) and "::" not in p]
    return {"python docs": random.Random(seed).sample(prose, min(n, len(prose)))}


def lost_words(texts: list[str]) -> tuple[int, Counter[str]]:
    import polars as pl

    from mlsecure.privacy.pii import anonymize_frame

    out = anonymize_frame(pl.DataFrame({"text": texts})).frame.get_column("text").to_list()
    total, lost = 0, Counter[str]()
    for text, new in zip(texts, out, strict=True):
        words = _TOKEN.findall(text)
        total += len(words)
        lost.update(w for w in words if re.search(rf"(?<![^\W\d_]){re.escape(w)}(?![^\W\d_])", new) is None)
    return total, lost


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(Path(__file__).parent))
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-locale", type=int, default=40)
    parser.add_argument("--show", type=int, default=8)
    args = parser.parse_args(argv)
    sets = {**mimesis_texts(args.seed, args.per_locale), **faker_texts(args.seed, args.per_locale),
            **python_docs(args.seed, 400)}
    grand: Counter[str] = Counter()
    for group in ("mimesis", "faker", "python"):
        words, lost = 0, Counter[str]()
        for name, texts in sets.items():
            if not name.startswith(group):
                continue
            n, gone = lost_words(texts)
            words += n
            lost.update(gone)
            if gone:
                print(f"  {name}: {sum(gone.values())}/{n} words lost: {', '.join(gone)[:200]}", flush=True)
        grand["words"] += words
        grand["lost"] += sum(lost.values())
        shown = ", ".join(f"{w} {c}" for w, c in lost.most_common(args.show))
        print(f"{group}: {sum(lost.values())}/{words} = {sum(lost.values()) / max(1, words):.4f} words lost ({shown})",
              flush=True)
    print(f"all: {grand['lost']}/{grand['words']} = {grand['lost'] / max(1, grand['words']):.4f} words lost")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
