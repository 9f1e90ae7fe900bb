"""Quantities in a statement: a value in its dimension's base unit, with what bounds it.

"about 10 billion US dollars", "$2.5bn", "6.5 metres", "363 feet", ">50%", "-4", "10⁶",
"two million spectators", "8 days, 3 hours and 18 minutes" (one duration), "the second
crewed mission" (an ordinal). A number glued to a name ("Apollo 11", "F-1", "SA-506") is
part of the name, not a quantity. Every word this reads (units, scales, currencies, bounds,
number words) comes from the lexicon's data files.
"""

from __future__ import annotations

import re
from functools import cache

from shared.slots.lexicon import Unit, alternation, lexicon
from shared.slots.model import QuantitySlot, Span, overlaps
from shared.text.words import stem, stop_words

_CORE = re.compile(
    r"(?<![\w.,/:])(?<!\d[-\u2013])(?P<sign>[-\u2212+](?=[$€£¥₹₩₽\d]))?"
    r"(?P<cur>US\$|HK\$|A\$|C\$|R\$|[$€£¥₹₩₽])?\s?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+,\d{1,2}(?![\d,])|\d+(?:\.\d+)?)"
    r"(?P<sup>[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)?(?![:\d])"
)
_DIFFERENCE = re.compile(
    r"\s+(?:[A-Za-z]+\s+)?(?:more|less|fewer|larger|smaller|higher|lower|greater|longer|shorter|bigger)\s+than\b",
    re.IGNORECASE,
)
_NAME_BEFORE = re.compile(r"(?:\b[A-Z][\w'\u2019.]*\s|[A-Za-z]-)$")
_WORD = re.compile(r"[A-Za-z][\w'\u2019-]*")


@cache
def _tail() -> dict[str, re.Pattern[str]]:
    lex = lexicon()
    currency_words = alternation(lex.currency_words)
    return {
        "suffix": re.compile(rf"(?P<s>{alternation(lex.suffix_scales)})\b", re.IGNORECASE),
        "percent": re.compile(rf"\s*(?P<p>{alternation(lex.percent)})(?!\w)", re.IGNORECASE),
        "scale": re.compile(
            rf"[\s-]+(?P<s>{alternation(set(lex.scales) - lex.suffix_scales)})\b", re.IGNORECASE
        ),
        "unit": re.compile(rf"[\s-]*(?P<u>{alternation(lex.units)})(?![\w/])", re.IGNORECASE),
        "currency": re.compile(rf"\s+(?P<c>{currency_words})\b", re.IGNORECASE),
        "operator": re.compile(rf"(?:^|\W)(?P<o>{alternation(lex.operators)})\s+$", re.IGNORECASE),
        "symbol": re.compile(rf"(?P<o>{alternation(lex.operator_symbols)})\s*$"),
        "words": re.compile(
            rf"\b(?P<w>{alternation(lex.number_words)})(?:[\s-](?P<u>{_units_words()}))?\b",
            re.IGNORECASE,
        ),
        "ordinal": re.compile(rf"\b(?P<w>{alternation(lex.ordinals)})\b", re.IGNORECASE),
    }


def _units_words() -> str:
    return "one|two|three|four|five|six|seven|eight|nine"


def _scaled_exponent(num: float, sup: str | None) -> float:
    if not sup:
        return num
    digits = "".join(lexicon().superscripts.get(ch, "") for ch in sup)
    try:
        exponent = int(digits)
    except ValueError:
        return num
    return float(num) ** exponent


def _decimal(raw: str) -> str:
    """ "1,378,000" -> "1378000"; "1,5" (a decimal comma) -> "1.5"."""
    head, _, tail = raw.partition(",")
    if tail and len(tail) < 3 and "," not in tail:
        return f"{head}.{tail}"
    return raw.replace(",", "")


def _precision(raw: str) -> float:
    decimals = len(raw.split(".")[1]) if "." in raw else 0
    return 0.5 * 10.0 ** (-decimals)


def find_quantities(text: str, taken: list[tuple[int, int]]) -> list[QuantitySlot]:
    """Quantities outside the ``taken`` spans (dates), which grow with each one found."""
    found: list[QuantitySlot] = []
    for match in _CORE.finditer(text):
        start, end = match.span()
        if overlaps(start, end, taken) or _glued_to_name(text, match):
            continue
        raw = _decimal(match.group("num"))
        value = _scaled_exponent(float(raw), match.group("sup"))
        sign = -1.0 if match.group("sign") in {"-", "\u2212"} else 1.0
        currency = lexicon().currency_symbols.get(match.group("cur") or "")
        quantity = _finish(text, start, end, value * sign, _precision(raw), currency)
        if quantity is not None:
            found.append(quantity)
            taken.append((quantity.span.start, quantity.span.end))
    found += _number_words(text, taken)
    found += _one_unit(text, taken)
    found += _ordinals(text, taken)
    return _merge_durations(text, sorted(found, key=lambda q: q.span.start))


def _finish(
    text: str, start: int, end: int, value: float, precision: float, currency: str | None
) -> QuantitySlot | None:
    """The quantity that starts at ``start`` with its number ending at ``end``: what follows
    (scale, percent, unit, currency word, counted noun) and what bounds it."""
    patterns = _tail()
    lex = lexicon()
    scale = 1.0
    if currency and (m := patterns["suffix"].match(text, end)):
        scale, end = lex.scales[m.group("s").lower()], m.end()
    elif m := patterns["scale"].match(text, end):
        scale, end = lex.scales[" ".join(m.group("s").lower().split())], m.end()
    dimension = "number"
    factor = 1.0
    if currency is None and (m := patterns["percent"].match(text, end)):
        dimension, end = "percent", m.end()
    elif currency is None and (m := patterns["currency"].match(text, end)):
        currency, end = lex.currency_words[" ".join(m.group("c").lower().split())], m.end()
    elif currency is None and (unit := _unit_at(text, end)) is not None:
        (dimension, factor), end = unit[0], unit[1]
    if currency is not None:
        dimension = f"money:{currency}"
    elif dimension == "number":
        noun = _counted_noun(text, end)
        dimension = f"count:{noun}" if noun else "number"
    operator = _operator(text, start)
    if _DIFFERENCE.match(text, end):
        dimension = f"difference:{dimension}"  # "4,000 TEU more than": a gap, not a size
    return QuantitySlot(
        span=Span(start, end, " ".join(text[start:end].split())),
        value=value * scale * factor,
        dimension=dimension,
        operator=operator,
        precision=precision * scale * factor,
    )


def _unit_at(text: str, end: int) -> tuple[tuple[str, float], int] | None:
    match = _tail()["unit"].match(text, end)
    if match is None:
        return None
    name = " ".join(match.group("u").lower().split())
    glued = match.start("u") == end
    if len(name.rstrip(".")) == 1 and not glued:
        return None  # "5 m" is five metres, "5 s" rarely; one-letter units only glued: "5m"
    unit: Unit = lexicon().units[name]
    return (unit.dimension, unit.factor), match.end()


def _counted_noun(text: str, end: int) -> str | None:
    """The stem of the noun a bare number counts: the first lower-case word among the next
    three, names skipped ("four F-1 engines" -> "engin"); none when a function word comes
    first ("resolution 2254 was adopted": a number, not a count of adoptions)."""
    for word in _WORD.findall(text[end : end + 60])[:3]:
        lower = word.lower()
        if word[0].isupper() or lower in lexicon().scales:
            continue
        if lower in stop_words("en"):
            return None
        return stem(lower.strip("'\u2019"))
    return None


def _operator(text: str, start: int) -> str:
    before = text[max(0, start - 30) : start]
    patterns = _tail()
    if m := patterns["symbol"].search(before):
        return lexicon().operator_symbols[m.group("o")]
    if m := patterns["operator"].search(before):
        return lexicon().operators[" ".join(m.group("o").lower().split())]
    return "="


def _glued_to_name(text: str, match: re.Match[str]) -> bool:
    """ "Apollo 11", "Gemini 8", "F-1", "SA-506": a number that is part of a name."""
    if match.group("cur") or match.group("sign"):
        return False
    before = text[max(0, match.start() - 30) : match.start()]
    named = _NAME_BEFORE.search(before)
    if named is None:
        return False
    word = named.group(0).strip().rstrip("-").lower()
    sentence_start = before[: named.start()].strip() == "" or before[
        : named.start()
    ].rstrip().endswith((".", "!", "?"))
    return not (sentence_start and word in stop_words("en")) and word not in lexicon().months


def _number_words(text: str, taken: list[tuple[int, int]]) -> list[QuantitySlot]:
    lex = lexicon()
    found: list[QuantitySlot] = []
    for match in _tail()["words"].finditer(text):
        start, end = match.span()
        word = " ".join(match.group("w").lower().split())
        if overlaps(start, end, taken) or _is_pronoun_one(text, word, start, end):
            continue
        value = lex.number_words[word] + (
            lex.number_words[match.group("u").lower()] if match.group("u") else 0
        )
        quantity = _finish(text, start, end, value, 0.0, None)
        if quantity is not None:
            found.append(quantity)
            taken.append((quantity.span.start, quantity.span.end))
    return found


def _one_unit(text: str, taken: list[tuple[int, int]]) -> list[QuantitySlot]:
    """ "a week", "an hour": one of a unit."""
    found: list[QuantitySlot] = []
    for match in re.finditer(r"\ban?\b(?=\s)", text, re.IGNORECASE):
        start, end = match.span()
        unit = _unit_at(text, end)
        if unit is None or overlaps(start, end, taken) or unit[0][0] == "mass":
            continue
        quantity = _finish(text, start, end, 1.0, 0.0, None)
        if quantity is not None and quantity.dimension == unit[0][0]:
            found.append(quantity)
            taken.append((quantity.span.start, quantity.span.end))
    return found


def _is_pronoun_one(text: str, word: str, start: int, end: int) -> bool:
    """ "one of the", "no one", "the one": not a number."""
    if word != "one":
        return False
    after = text[end : end + 4].lower()
    before = text[max(0, start - 8) : start].lower()
    return after.startswith(" of") or before.rstrip().endswith(
        ("no", "the", "any", "every", "each")
    )


def _ordinals(text: str, taken: list[tuple[int, int]]) -> list[QuantitySlot]:
    found: list[QuantitySlot] = []
    for match in _tail()["ordinal"].finditer(text):
        start, end = match.span()
        if overlaps(start, end, taken):
            continue
        noun = _counted_noun(text, end)
        if noun is None:
            continue
        value = lexicon().ordinals[match.group("w").lower()]
        found.append(
            QuantitySlot(
                span=Span(start, end, match.group(0)),
                value=float(value),
                dimension=f"ordinal:{noun}",
            )
        )
        taken.append((start, end))
    return found


_JOINER = re.compile(r"^\s*(?:,|and|,\s*and)?\s*$")


def _merge_durations(text: str, found: list[QuantitySlot]) -> list[QuantitySlot]:
    """ "8 days, 3 hours and 18 minutes" is one duration."""
    out: list[QuantitySlot] = []
    for quantity in found:
        last = out[-1] if out else None
        if (
            last is not None
            and last.dimension == quantity.dimension == "duration"
            and _JOINER.match(text[last.span.end : quantity.span.start])
        ):
            out[-1] = QuantitySlot(
                span=Span(
                    last.span.start,
                    quantity.span.end,
                    " ".join(text[last.span.start : quantity.span.end].split()),
                ),
                value=last.value + quantity.value,
                dimension="duration",
                operator=last.operator,
                precision=quantity.precision,
            )
        else:
            out.append(quantity)
    return out
