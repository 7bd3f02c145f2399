"""Latin letter ranges for regular-expression character classes, defined once for the name and street rules.

Latin-1's capitals and small letters (``×`` and ``÷`` left out) plus Latin Extended-A (Polish, Czech,
Hungarian, Baltic: ``Głowackiego``, ``Dvořák``), whose capitals and small letters alternate within the block,
so the block is in both classes. The name rules stop the block at ``ž`` (U+017E); the street rules take its
last letter too, the long s ``ſ`` (U+017F). The two are kept apart because the rules were measured so.
"""

from __future__ import annotations

LATIN1_UPPER = "A-ZÀ-ÖØ-Þ"
LATIN1_LOWER = "a-zß-öø-ÿ"
EXTENDED_A = "\u0100-\u017f"
EXTENDED_A_TO_Z_CARON = "\u0100-\u017e"  # Ā-ž: Extended-A without the long s (U+017F)

# ``name_frames``, ``dict_names``, ``name_data``
NAME_UPPER = LATIN1_UPPER + EXTENDED_A_TO_Z_CARON
NAME_LOWER = LATIN1_LOWER + EXTENDED_A_TO_Z_CARON
# ``addresses``, ``street_spans``
STREET_UPPER = LATIN1_UPPER + EXTENDED_A
STREET_LOWER = LATIN1_LOWER + EXTENDED_A
