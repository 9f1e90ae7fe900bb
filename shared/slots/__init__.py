"""Typed slots: the details of a statement a reporter can get wrong, and their comparison.

``extract(text)`` finds a text's dates (normalised, with their granularity), quantities
(numbers with scale, unit, currency, bound and sign), names and polarity; ``compare(claim,
sentence)`` lines the two up and says ``agree``, ``conflict`` (naming the slot and both
values) or ``unaligned``. The verifier uses them to read evidence
(:mod:`workers.verification.alignment`), the newsroom's memory to tell one claim from
another (:func:`Slots.signature`). World knowledge lives in ``data/``.
"""

from shared.slots.compare import compare
from shared.slots.model import Alignment, SlotConflict, Slots
from shared.slots.text_slots import extract

__all__ = ["Alignment", "SlotConflict", "Slots", "compare", "extract"]
