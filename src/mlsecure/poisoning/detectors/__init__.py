"""Poisoning detectors: one interface (``Detector.score(features, labels)``), one module each."""

from mlsecure.poisoning.detectors.clustering import ActivationClusteringDetector, ClusterSplit, split_class
from mlsecure.poisoning.detectors.ensemble import RankFusionDetector, fuse_ranks
from mlsecure.poisoning.detectors.interface import Detector, DetectorError, DetectorKind
from mlsecure.poisoning.detectors.isolation import IsolationForestDetector
from mlsecure.poisoning.detectors.label_noise import ConfidentLearningDetector, KnnDisagreementDetector
from mlsecure.poisoning.detectors.registry import available, create, register
from mlsecure.poisoning.detectors.spectral import SpectralSignatureDetector, SpectreDetector
from mlsecure.poisoning.detectors.untangling import Untangling, UntanglingDetector, untangle

__all__ = [
    "ActivationClusteringDetector",
    "ClusterSplit",
    "ConfidentLearningDetector",
    "Detector",
    "DetectorError",
    "DetectorKind",
    "IsolationForestDetector",
    "KnnDisagreementDetector",
    "RankFusionDetector",
    "SpectralSignatureDetector",
    "SpectreDetector",
    "Untangling",
    "UntanglingDetector",
    "available",
    "create",
    "fuse_ranks",
    "register",
    "split_class",
    "untangle",
]
