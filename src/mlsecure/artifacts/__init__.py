"""Model artifacts: format detection, scanning, the safe loader, signing, provenance.

The ML-BOM, which joins a model to its dependencies, is ``mlsecure.supply_chain.sbom``.
"""
