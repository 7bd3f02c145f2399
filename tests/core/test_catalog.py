"""The catalogs: OWASP ML Top 10 and the derived MITRE ATLAS data."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlsecure.catalog import GUIDE_ATLAS_MAPPING, OWASP_ML_TOP10, atlas_catalog, owasp_risk

ATLAS_YAML = Path(__file__).resolve().parents[3] / "shared/reference/atlas/ATLAS.yaml"


def test_atlas_counts_match_release_5_6_0() -> None:
    # Counted in ATLAS.yaml 5.6.0 (matrices[0]): 16 tactics, 170 techniques incl. sub-techniques, 35 mitigations.
    catalog = atlas_catalog()
    assert catalog.version == "5.6.0"
    assert (len(catalog.tactics), len(catalog.techniques), len(catalog.mitigations)) == (16, 170, 35)


def test_known_techniques_and_tactics() -> None:
    catalog = atlas_catalog()
    assert catalog.technique("AML.T0043").name == "Craft Adversarial Data"
    assert catalog.display_name("AML.T0024.000") == "Exfiltration via AI Inference API: Infer Training Data Membership"
    assert [t.name for t in catalog.tactics_of("AML.T0024.002")] == ["Exfiltration"]
    assert "AML.T0020" in {t for m in catalog.mitigations_for("AML.T0020") for t in m.techniques}


def test_guide_table_maps_all_15_rows_onto_real_ids() -> None:
    catalog = atlas_catalog()
    assert len(GUIDE_ATLAS_MAPPING) == 15
    assert len({row.guide_id for row in GUIDE_ATLAS_MAPPING}) == 15
    for row in GUIDE_ATLAS_MAPPING:
        for real in row.real_ids:
            catalog.technique(real)  # raises for an id ATLAS does not have
    by_guide = {row.guide_id: row.real_ids for row in GUIDE_ATLAS_MAPPING}
    # The guide's AML.T0010 "Model Extraction" is the real AML.T0024.002, not the real AML.T0010.
    assert by_guide["AML.T0010"] == ("AML.T0024.002",)
    assert by_guide["AML.T0012"] == ("AML.T0024.000",)


def test_owasp_has_ml01_to_ml10_with_real_atlas_ids() -> None:
    assert [r.id for r in OWASP_ML_TOP10] == [f"ML{i:02d}" for i in range(1, 11)]
    catalog = atlas_catalog()
    for risk in OWASP_ML_TOP10:
        assert risk.mitigations and risk.description
        for t in risk.atlas:
            catalog.technique(t)
    assert owasp_risk("ml04").name == "Membership Inference"


@pytest.mark.skipif(not ATLAS_YAML.exists(), reason="the vendored ATLAS.yaml is not beside this checkout")
def test_shipped_data_is_exactly_what_the_derivation_produces() -> None:
    import importlib.util
    import json
    from importlib import resources

    tool = Path(__file__).resolve().parents[2] / "tools/derive_atlas.py"
    spec = importlib.util.spec_from_file_location("derive_atlas", tool)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shipped = json.loads(resources.files("mlsecure.catalog").joinpath("data/atlas.json").read_text("utf-8"))
    assert shipped == module.derive(ATLAS_YAML)
