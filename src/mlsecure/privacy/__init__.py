"""Privacy: PII detection and anonymization (``pii``), differential privacy (``dp``), and attacks that
measure leakage from a trained model (``inference``: membership, inversion, extraction)."""
