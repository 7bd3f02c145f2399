"""Derive ``src/mlsecure/catalog/data/atlas.json`` from the vendored MITRE ATLAS YAML.

Run at development time only (the package never reads ../shared at run time):
    python tools/derive_atlas.py ../shared/reference/atlas/ATLAS.yaml
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

OUT = Path(__file__).resolve().parents[1] / "src/mlsecure/catalog/data/atlas.json"


def first_paragraph(text: str) -> str:
    return " ".join(text.strip().split("\n\n")[0].split())


def derive(source: Path) -> dict[str, Any]:
    doc = yaml.safe_load(source.read_text(encoding="utf-8"))
    matrix = doc["matrices"][0]
    return {
        "source": f"MITRE ATLAS {doc['version']} (dist/ATLAS.yaml), Apache License 2.0",
        "version": doc["version"],
        "tactics": [{"id": t["id"], "name": t["name"], "description": first_paragraph(t["description"])}
                    for t in matrix["tactics"]],
        "techniques": [
            {
                "id": t["id"],
                "name": t["name"],
                "tactics": t.get("tactics", []),
                "parent": t.get("subtechnique-of"),
                "description": first_paragraph(t["description"]),
            }
            for t in matrix["techniques"]
        ],
        "mitigations": [
            {"id": m["id"], "name": m["name"], "description": first_paragraph(m["description"]),
             "techniques": sorted({u["id"] for u in m.get("techniques", [])})}
            for m in matrix["mitigations"]
        ],
    }


if __name__ == "__main__":
    data = derive(Path(sys.argv[1]))
    OUT.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(data['techniques'])} techniques)")
