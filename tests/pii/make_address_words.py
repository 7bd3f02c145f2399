"""Regenerate ``src/mlsecure/privacy/pii/data/address_words.json`` from libpostal's address dictionaries
(openvenues/libpostal, ``resources/dictionaries/<language>/*.txt``, MIT licence, (c) 2015 openvenues): the
street types, the house-number words (``д.``, ``буд.``, ``Nr.``, ``N°``) and the numbered unit, building,
entrance, staircase and level words (``кв.``, ``Bl.``, ``Sc.``, ``Ap.``, ``Suite``) of every language
libpostal covers, and its company types (legal forms: ``Ltda``, ``Perseroan``, ``Aktiebolag``). Only the
words are kept (data, not code); each line's alternatives are split on ``|``.
Street types keep each line's first (full) form and its alternatives of four or more characters: two- and
three-letter abbreviations (``and``, ``end``, ``art``) are common words, too weak to confirm a street.

    python tests/pii/make_address_words.py --git-dir /work/.mirror/openvenues+libpostal/repo
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

KINDS = {
    "street_types": ("street_types",),
    "number_words": ("house_numbers", "number"),
    "unit_words": ("unit_types_numbered", "building_types", "entrances", "staircases", "level_types_numbered"),
    "company_types": ("company_types",),
}
OUT = Path(__file__).parents[2] / "src" / "mlsecure" / "privacy" / "pii" / "data" / "address_words.json"


def read(git_dir: str, path: str) -> str:
    return subprocess.run(["git", "--git-dir", git_dir, "show", f"HEAD:{path}"], check=True, capture_output=True,
                          text=True).stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--git-dir", required=True)
    args = parser.parse_args(argv)
    listing = subprocess.run(["git", "--git-dir", args.git_dir, "ls-tree", "-r", "--name-only", "HEAD",
                              "resources/dictionaries"], check=True, capture_output=True, text=True).stdout.split()
    commit = subprocess.run(["git", "--git-dir", args.git_dir, "rev-parse", "HEAD"], check=True, capture_output=True,
                            text=True).stdout.strip()
    out: dict[str, object] = {"source": f"openvenues/libpostal@{commit} resources/dictionaries (MIT, (c) 2015 "
                                        "openvenues)"}
    for kind, stems in KINDS.items():
        words: dict[str, set[str]] = {}
        for path in listing:
            parts = path.split("/")
            if len(parts) != 4 or parts[3].removesuffix(".txt") not in stems:
                continue
            for line in read(args.git_dir, path).splitlines():
                for at, word in enumerate(line.split("|")):
                    word = word.strip().lower()
                    if not word or word.startswith("#"):
                        continue
                    if kind == "street_types" and at > 0 and len(word) < 4:
                        continue
                    words.setdefault(word, set()).add(parts[2])
        out[kind] = sorted(words)
    OUT.write_text(json.dumps(out, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
