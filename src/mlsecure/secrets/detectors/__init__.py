"""Secret detectors, one module per family: provider tokens, structured secrets, generic heuristics."""
