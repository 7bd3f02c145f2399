"""MITRE ATLAS tactics, techniques and mitigations, from the derived ``data/atlas.json``.

The data is derived by ``tools/derive_atlas.py`` from MITRE's ATLAS.yaml (Apache License 2.0, see
``data/ATLAS-LICENSE``). The guide's own ATLAS table uses invented ids (some of which are real ids of
*other* techniques); ``GUIDE_ATLAS_MAPPING`` maps each of its 15 rows onto the real techniques.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from mlsecure.errors import InputError


@dataclass(frozen=True)
class Tactic:
    id: str
    name: str
    description: str


@dataclass(frozen=True)
class Technique:
    id: str
    name: str
    tactics: tuple[str, ...]
    parent: str | None
    description: str


@dataclass(frozen=True)
class Mitigation:
    id: str
    name: str
    description: str
    techniques: tuple[str, ...]


@dataclass(frozen=True)
class AtlasCatalog:
    version: str
    tactics: dict[str, Tactic]
    techniques: dict[str, Technique]
    mitigations: dict[str, Mitigation]

    def technique(self, technique_id: str) -> Technique:
        try:
            return self.techniques[technique_id]
        except KeyError:
            raise InputError(f"{technique_id!r} is not a technique of MITRE ATLAS {self.version}") from None

    def display_name(self, technique_id: str) -> str:
        """``Parent: Sub-technique`` for sub-techniques (their own names, e.g. 'Models', are ambiguous)."""
        tech = self.technique(technique_id)
        return f"{self.technique(tech.parent).name}: {tech.name}" if tech.parent else tech.name

    def tactics_of(self, technique_id: str) -> tuple[Tactic, ...]:
        """A sub-technique inherits its parent's tactics."""
        tech = self.technique(technique_id)
        ids = tech.tactics or (self.technique(tech.parent).tactics if tech.parent else ())
        return tuple(self.tactics[t] for t in ids)

    def mitigations_for(self, technique_id: str) -> tuple[Mitigation, ...]:
        parent = self.technique(technique_id).parent
        wanted = {technique_id, parent} - {None}
        return tuple(m for m in self.mitigations.values() if wanted & set(m.techniques))


@cache
def atlas_catalog() -> AtlasCatalog:
    """The shipped ATLAS catalog (loaded once)."""
    text = resources.files("mlsecure.catalog").joinpath("data/atlas.json").read_text("utf-8")
    raw = json.loads(text)
    return AtlasCatalog(
        version=raw["version"],
        tactics={t["id"]: Tactic(t["id"], t["name"], t["description"]) for t in raw["tactics"]},
        techniques={
            t["id"]: Technique(t["id"], t["name"], tuple(t["tactics"]), t["parent"], t["description"])
            for t in raw["techniques"]
        },
        mitigations={
            m["id"]: Mitigation(m["id"], m["name"], m["description"], tuple(m["techniques"]))
            for m in raw["mitigations"]
        },
    )


@dataclass(frozen=True)
class GuideMapping:
    """One row of the guide's section-2 table and the real ATLAS technique(s) it corresponds to."""

    guide_tactic: str
    guide_id: str
    guide_name: str
    real_ids: tuple[str, ...]
    note: str = ""


GUIDE_ATLAS_MAPPING: tuple[GuideMapping, ...] = (
    GuideMapping("Reconnaissance", "AML.T0000", "Active Scanning of ML API", ("AML.T0006",)),
    GuideMapping("Reconnaissance", "AML.T0001", "Discover ML Model Family", ("AML.T0014",),
                 "ATLAS files this under Discovery"),
    GuideMapping("Reconnaissance", "AML.T0002", "Discover Training Data", ("AML.T0007", "AML.T0000"),
                 "Discover AI Artifacts (private sources) or Search Open Technical Databases (public)"),
    GuideMapping("Resource Development", "AML.T0003", "Acquire Public ML Model", ("AML.T0002.001",)),
    GuideMapping("Resource Development", "AML.T0004", "Develop Adversarial ML Attacks", ("AML.T0017.000",)),
    GuideMapping("Initial Access", "AML.T0005", "ML Supply Chain Compromise", ("AML.T0010",)),
    GuideMapping("Initial Access", "AML.T0006", "Data Poisoning", ("AML.T0020",),
                 "ATLAS lists it under Resource Development and Persistence"),
    GuideMapping("Execution", "AML.T0007", "Adversarial Input (Evasion)", ("AML.T0043", "AML.T0015"),
                 "crafting is AI Attack Staging; using it is Evade AI Model"),
    GuideMapping("Execution", "AML.T0008", "Backdoor Trigger", ("AML.T0043.004",)),
    GuideMapping("Persistence", "AML.T0009", "Backdoor ML Model", ("AML.T0018.000",)),
    GuideMapping("Exfiltration", "AML.T0010", "Model Extraction", ("AML.T0024.002",)),
    GuideMapping("Exfiltration", "AML.T0011", "Model Inversion", ("AML.T0024.001",)),
    GuideMapping("Exfiltration", "AML.T0012", "Membership Inference", ("AML.T0024.000",)),
    GuideMapping("Impact", "AML.T0013", "Denial of ML Service", ("AML.T0029",)),
    GuideMapping("Impact", "AML.T0014", "Evade ML Model", ("AML.T0015",)),
)
