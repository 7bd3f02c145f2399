"""Evasion attacks: one module per family, the contract in ``interface``, names in ``registry``.

Importing this package does not import torch; attacks import it when they run.
"""

from mlsecure.robustness.attacks.apgd import APGD, APGDT
from mlsecure.robustness.attacks.apgd_l1 import APGDL1, APGDL1T
from mlsecure.robustness.attacks.autoattack import AutoAttack
from mlsecure.robustness.attacks.boundary import Boundary
from mlsecure.robustness.attacks.cw import CarliniWagnerL2
from mlsecure.robustness.attacks.deepfool import DeepFool
from mlsecure.robustness.attacks.fab import FAB
from mlsecure.robustness.attacks.fgsm import FGSM
from mlsecure.robustness.attacks.fmn import FMN
from mlsecure.robustness.attacks.hopskipjump import HopSkipJump
from mlsecure.robustness.attacks.interface import Attack, AttackError, AttackResult
from mlsecure.robustness.attacks.pgd import PGD
from mlsecure.robustness.attacks.square import Square
from mlsecure.robustness.attacks.transfer import Transfer

__all__ = [
    "APGD", "APGDL1", "APGDL1T", "APGDT", "FAB", "FGSM", "FMN", "PGD", "Attack", "AttackError", "AttackResult",
    "AutoAttack", "Boundary", "CarliniWagnerL2", "DeepFool", "HopSkipJump", "Square", "Transfer",
]
