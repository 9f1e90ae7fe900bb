"""The references of ``claimcheck-lab eval-articles`` (:mod:`lab.articles_eval`): the proper
names and dates a stand-alone text names, and speakers, compared with the gold.

No model: the rules are plain text rules, so that the measure does not share the
extractor's mistakes.

* **A name** is a run of capitalised words separated only by spaces, with ``of``, ``de``,
  ``van``... and numbers inside it (``University of Oslo``, ``Ariane 6``). Capitalised
  function words (``The``, ``On``, ``According``...), months and weekdays are not names.
  Normalised: accents removed, case folded, a possessive ``'s`` dropped, dots removed.
* **A date** is ``10 March 2026``, ``March 10, 2026``, ``March 2026`` or a year
  (1500 to 2099), as ``(year, month, day)`` with what it does not say left ``None``.
* **Same referent**: a produced name refers to a gold name when it is the same name, a
  short form made of its last words (``Brenner`` for ``Klaus Brenner``), or the gold name
  after titles (``Mayor Denise Carver``). Its first words are *not* the same referent:
  ``Viktor Brandt`` is not the ``Viktor Brandt Arena`` (nor ``Ingrid Halvorsen`` the
  ``Halvorsen`` probe). Each name the rewrite adds needs a gold mention of its own
  (:func:`wrong_references`). Dates agree when every part both give is the same.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Final

Name = tuple[str, ...]
DateRef = tuple[int, int | None, int | None]
"""``(year, month, day)``; ``None`` where the text does not say."""

MONTHS: Final = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
WEEKDAYS: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_NOT_NAMES: Final = _words(
    """a about according after against all also an and another any are as at because before
    between both but by despite during each earlier either even every few for from he her
    here his how however i if in instead into it its last later meanwhile more most my
    neither next no none nor not now of on once one only or other our out over she since
    so some than that the their them then there these they this those though through to
    today tomorrow under unlike until up upon we what when where whether which while who
    whom whose why with within without yesterday yet you your"""
) | {m.casefold() for m in MONTHS + WEEKDAYS}
"""Capitalised words that begin sentences and clauses, not names."""

_CONNECTORS: Final = _words("of de del della da di do dos van von der den la le du for al bin ibn")
TITLES: Final = _words(
    """mr mrs ms miss dr prof professor sir dame lord lady president vice mayor governor
    minister deputy chancellor senator judge coach captain general admiral chief director
    chairman chairwoman chair secretary ambassador"""
)
"""Words that may come before a person's name (``Mayor Denise Carver`` is ``Denise Carver``)."""

_WORD: Final = re.compile(r"\w+(?:['\u2019.\-]\w+)*")
_MONTH: Final = "|".join(MONTHS)
_DAY_MONTH_YEAR: Final = re.compile(rf"\b(\d{{1,2}}) ({_MONTH}),? (\d{{4}})\b")
_MONTH_DAY_YEAR: Final = re.compile(rf"\b({_MONTH}) (\d{{1,2}}),? (\d{{4}})\b")
_MONTH_YEAR: Final = re.compile(rf"\b({_MONTH}),? (\d{{4}})\b")
_YEAR: Final = re.compile(r"(?<![\d.,$€£])\b(1[5-9]\d\d|20\d\d)\b(?![.,]\d)")


def fold(text: str) -> str:
    """Accents removed, case folded, curly apostrophes straightened."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _token(word: str) -> str:
    folded = fold(word)
    if folded.endswith("'s"):
        folded = folded[:-2]
    return folded.rstrip("'").replace(".", "")


def _is_name_word(word: str) -> bool:
    return word[:1].isupper() and fold(word) not in _NOT_NAMES


def names(text: str) -> list[Name]:
    """The proper names of ``text``, normalised, in order, each once."""
    return list(dict.fromkeys(mentions(text)))


def mentions(text: str) -> list[Name]:
    """Every proper name of ``text``, normalised, in order (a name named twice is here
    twice)."""
    found: list[Name] = []
    run: list[str] = []
    last_end = 0

    def flush() -> None:
        while run and fold(run[-1]) in _CONNECTORS:
            run.pop()
        name = tuple(t for t in (_token(w) for w in run) if t)
        if name:
            found.append(name)
        run.clear()

    for match in _WORD.finditer(text):
        word = match.group()
        joined = bool(run) and text[last_end : match.start()].isspace()
        if _is_name_word(word):
            if not joined:
                flush()
            run.append(word)
        elif joined and (fold(word) in _CONNECTORS or word.isdigit()):
            run.append(word)
        else:
            flush()
        last_end = match.end()
    flush()
    return found


def _month(name: str) -> int:
    return MONTHS.index(name) + 1


_READERS: Final[tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], DateRef]], ...]] = (
    (_DAY_MONTH_YEAR, lambda m: (int(m[3]), _month(m[2]), int(m[1]))),
    (_MONTH_DAY_YEAR, lambda m: (int(m[3]), _month(m[1]), int(m[2]))),
    (_MONTH_YEAR, lambda m: (int(m[2]), _month(m[1]), None)),
    (_YEAR, lambda m: (int(m[1]), None, None)),
)
"""The most precise forms first: the text each one reads is blanked for the next."""


def dates(text: str) -> list[DateRef]:
    """The dates of ``text``, each read in its most precise form, each once."""
    found: list[DateRef] = []
    for pattern, read in _READERS:
        for match in pattern.finditer(text):
            ref = read(match)
            if ref not in found:
                found.append(ref)
        text = pattern.sub(lambda m: " " * len(m.group()), text)
    return found


def full_match(produced: Name, gold: Name) -> bool:
    """The gold name itself, or the gold name after titles."""
    extra = len(produced) - len(gold)
    return produced[extra:] == gold and all(t in TITLES for t in produced[:extra])


def same_referent(produced: Name, gold: Name) -> bool:
    """:func:`full_match`, or a short form made of the gold name's last words."""
    if full_match(produced, gold):
        return True
    return len(produced) < len(gold) and gold[len(gold) - len(produced) :] == produced


def agree(produced: DateRef, gold: DateRef) -> bool:
    """Every part that both dates give is the same."""
    return all(p is None or g is None or p == g for p, g in zip(produced, gold, strict=True))


def show_date(ref: DateRef) -> str:
    year, month, day = ref
    return " ".join(str(p) for p in (day, MONTHS[month - 1] if month else None, year) if p)


def wrong_references(produced: str, source: str, gold: str) -> list[str]:
    """What the rewrite ``produced`` (of the sentence ``source``) names that the gold
    stand-alone text does not.

    Names are mentions: each mention the rewrite added (those of ``source`` left aside, one
    for one) takes a gold mention of its :func:`same_referent` (the same name first), each
    gold mention once; an added mention that finds none is wrong. So a rewrite that puts
    the foundation where the gold has its founder is wrong even when the gold names the
    foundation elsewhere in the sentence. A date the rewrite added is wrong when it does
    not :func:`agree` with any gold date.
    """
    added = mentions(produced)
    for name in mentions(source):
        if name in added:
            added.remove(name)
    pool = mentions(gold)
    wrong: list[str] = []
    for name in sorted(added, key=lambda n: not any(full_match(n, g) for g in pool)):
        match = next((g for g in pool if full_match(name, g)), None) or next(
            (g for g in pool if same_referent(name, g)), None
        )
        if match is None:
            wrong.append(" ".join(name))
        else:
            pool.remove(match)
    source_dates, gold_dates = set(dates(source)), dates(gold)
    wrong += [
        show_date(d)
        for d in dates(produced)
        if d not in source_dates and not any(agree(d, g) for g in gold_dates)
    ]
    return wrong


def resolution_misses(produced: str, original: str, gold: str) -> tuple[int, list[str]]:
    """How many names and dates the gold stand-alone text adds to its ``original`` (the
    references it resolves), and those of them ``produced`` lacks (a name needs its
    :func:`full_match`, a date the same date)."""
    original_names, original_dates = set(names(original)), set(dates(original))
    needed_names = [n for n in names(gold) if n not in original_names]
    needed_dates = [d for d in dates(gold) if d not in original_dates]
    produced_names, produced_dates = names(produced), dates(produced)
    missing = [
        " ".join(n) for n in needed_names if not any(full_match(p, n) for p in produced_names)
    ]
    missing += [show_date(d) for d in needed_dates if d not in produced_dates]
    return len(needed_names) + len(needed_dates), missing


def normalise_speaker(speaker: str | None) -> str | None:
    """Accents, case and punctuation folded; a leading ``the`` and titles dropped."""
    if speaker is None:
        return None
    words = [_token(w) for w in _WORD.findall(speaker)]
    while words and (words[0] == "the" or words[0] in TITLES):
        words.pop(0)
    return " ".join(w for w in words if w) or None


def same_speaker(produced: str | None, gold: str | None) -> bool:
    """Equal after :func:`normalise_speaker` (no speaker on both sides is right)."""
    return normalise_speaker(produced) == normalise_speaker(gold)
