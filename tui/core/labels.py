"""Entity labels: spaCy's OntoNotes set by default, ordered for the digit keys."""

from __future__ import annotations

#: The order puts the labels news annotators use most on the digit keys 1-9.
DEFAULT_ENTITY_LABELS: tuple[str, ...] = (
    "PERSON", "ORG", "GPE", "LOC", "NORP", "DATE", "TIME", "EVENT", "FAC",
    "PRODUCT", "WORK_OF_ART", "LAW", "LANGUAGE", "MONEY", "PERCENT", "QUANTITY",
    "ORDINAL", "CARDINAL",
)


def label_for_digit(labels: tuple[str, ...], digit: int) -> str | None:
    """The label on digit key `digit` (1-9), or None where there is none."""
    if 1 <= digit <= 9 and digit <= len(labels):
        return labels[digit - 1]
    return None


def with_extra_labels(labels: tuple[str, ...], extra: list[str]) -> tuple[str, ...]:
    """`labels` followed by any label of `extra` it does not hold yet, in order seen."""
    known = set(labels)
    added: list[str] = []
    for label in extra:
        if label not in known:
            known.add(label)
            added.append(label)
    return labels + tuple(added)
