"""Governance: group-fairness audit (``fairness``), the guide's security checklist (``checklist``)
and the cross-regulation compliance matrix (``compliance``), each as data a report or a reviewer can
act on. Import the submodules directly; this package imports nothing heavy."""
