"""Model artifacts: format detection, scanning, the safe loader, signing, provenance, SBOM."""
