"""OWASP Machine Learning Security Top 10 and MITRE ATLAS, as data."""

from mlsecure.catalog.atlas import GUIDE_ATLAS_MAPPING, AtlasCatalog, GuideMapping, atlas_catalog
from mlsecure.catalog.owasp import OWASP_ML_TOP10, OwaspRisk, owasp_risk

__all__ = [
    "GUIDE_ATLAS_MAPPING",
    "OWASP_ML_TOP10",
    "AtlasCatalog",
    "GuideMapping",
    "OwaspRisk",
    "atlas_catalog",
    "owasp_risk",
]
