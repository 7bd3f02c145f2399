"""Data-poisoning and backdoor detection (OWASP ML02, ML10): detectors, thresholds, simulators.

``calibrated_scan(features, labels, representations=...)`` is the default decision (nulls estimated
from the scanned data, see ``calibrated``); ``scan_poisoning`` runs the per-detector thresholds;
``suite`` generates the benchmark's poisoned and clean datasets; ``detectors`` holds
the plug-in family (``Detector.score(features, labels)``), ``threshold`` the calibration rules,
``simulate`` the attacks used to evaluate them, ``metrics`` the scoring of a simulated attack and
``strip`` the run-time trigger detector.
"""

from mlsecure.poisoning.analysis import (
    DEFAULT_DETECTORS,
    ClassVerdict,
    DetectorRun,
    PoisoningScan,
    scan_poisoning,
)
from mlsecure.poisoning.calibrated import CalibratedScan, ClassFinding, calibrated_scan
from mlsecure.poisoning.metrics import DetectionMetrics, RemovalEffect, attack_success_rate, detection_metrics
from mlsecure.poisoning.threshold import Thresholded, threshold_scores

__all__ = [
    "DEFAULT_DETECTORS",
    "CalibratedScan",
    "ClassFinding",
    "ClassVerdict",
    "DetectionMetrics",
    "DetectorRun",
    "PoisoningScan",
    "RemovalEffect",
    "Thresholded",
    "attack_success_rate",
    "calibrated_scan",
    "detection_metrics",
    "scan_poisoning",
    "threshold_scores",
]
