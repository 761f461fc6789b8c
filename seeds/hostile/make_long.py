"""Write seeds/hostile/very_long.txt: a deterministic news report of about 20,000 words.

The article exercises scrolling, rendering and suggestion on a long text. It is
made from templates with a tiny linear congruential generator (not `random`, so
the output is byte-for-byte the same on every Python version):

    /work/venv/bin/python seeds/hostile/make_long.py [OUTPUT]

Without OUTPUT it writes very_long.txt beside this script. A test checks that
the committed file is what this script makes.
"""

from __future__ import annotations

import sys
from pathlib import Path

TARGET_WORDS = 20_000

PEOPLE = [
    ("Amina Diallo", "Senegal's finance minister"),
    ("Henrik Sandvik", "Norway's climate envoy"),
    ("Lucía Ortega", "Chile's environment minister"),
    ("Rajiv Menon", "India's chief negotiator"),
    ("Claire Dubois", "France's deputy foreign minister"),
    ("Tomasz Wróbel", "Poland's energy secretary"),
    ("Grace Mwangi", "the head of the African Development Fund"),
    ("Kenji Watanabe", "Japan's vice minister for international affairs"),
    ("Fatima Al-Mansouri", "the United Arab Emirates' special envoy"),
    ("Samuel Oduya", "Kenya's treasury secretary"),
    ("Elena Rossi", "Italy's environment minister"),
    ("David Kessler", "a senior U.S. Treasury official"),
]
ORGS = [
    "the World Bank", "the International Monetary Fund", "the Green Climate Fund",
    "the Asian Development Bank", "the European Investment Bank", "Oxfam",
    "the Alliance of Small Island States", "the United Nations Environment Programme",
    "the African Union", "the Organisation for Economic Co-operation and Development",
]
PLACES = [
    "the Palais des Nations", "a hotel near Lake Geneva", "the Swiss foreign ministry in Bern",
    "the Intercontinental hotel", "a conference room at the WMO headquarters",
    "the Norwegian mission", "the Kenyan embassy", "a restaurant in the old town",
]
DAYS = ["on Monday", "on Tuesday", "late on Tuesday", "on Wednesday morning",
        "on Thursday", "early on Friday", "over the weekend", "on Sunday evening"]
TOPICS = [
    "a new fund for loss and damage", "debt relief for climate-vulnerable countries",
    "a levy on shipping emissions", "the phase-out of coal subsidies",
    "guarantees for private investors in solar power", "adaptation finance for farmers",
    "the reform of development bank lending", "carbon market rules",
]
CUES = ["said", "told reporters", "told Reuters", "added", "said in a statement", "told AFP"]
QUOTES = [
    "We cannot ask the poorest countries to pay twice for a crisis they did not cause",
    "There is real movement in the room, but the numbers are still too small",
    "Nobody leaves Geneva with everything they want, and that is how a deal looks",
    "Our people are already living with the floods and the droughts",
    "Private money will follow if governments take the first risk",
    "We are closer than we were on Monday, and further than we need to be",
    "Every week of delay costs lives and billions of dollars",
    "This is about trust as much as it is about money",
]
FILLER = [
    "Delegates worked through the night on a draft text that ran to more than 40 pages.",
    "Observers said the mood in the corridors had improved since the start of the week.",
    "Several delegations complained that the latest draft had been circulated too late.",
    "Campaigners staged a small protest outside the conference centre in the rain.",
    "The chair urged ministers to focus on the few issues that remained open.",
    "Negotiators said the wording on timelines was still heavily bracketed.",
    "A new version of the text was expected before the closing plenary.",
    "Finance ministries in several capitals were consulted by telephone overnight.",
]


class Lcg:
    """A small linear congruential generator: deterministic and version-proof."""

    def __init__(self, seed: int) -> None:
        self.state = seed

    def below(self, n: int) -> int:
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) % 2**64
        return (self.state >> 33) % n

    def pick(self, items: list[str]) -> str:
        return items[self.below(len(items))]


def paragraph(rng: Lcg, number: int) -> str:
    """One paragraph of the report: a quote, a meeting, or background."""
    name, role = PEOPLE[rng.below(len(PEOPLE))]
    other, other_role = PEOPLE[rng.below(len(PEOPLE))]
    if other == name:
        other, other_role = PEOPLE[(PEOPLE.index((name, role)) + 1) % len(PEOPLE)]
    kind = number % 4
    if kind == 0:
        return (f"“{rng.pick(QUOTES)},” {name}, {role}, {rng.pick(CUES)} {rng.pick(DAYS)}. "
                f"{rng.pick(FILLER)} {rng.pick(FILLER)}")
    if kind == 1:
        return (f"{name} met {other}, {other_role}, at {rng.pick(PLACES)} {rng.pick(DAYS)} "
                f"to discuss {rng.pick(TOPICS)}, according to officials from "
                f"{rng.pick(ORGS)}. {rng.pick(FILLER)}")
    if kind == 2:
        first = rng.below(len(ORGS))
        second = (first + 1 + rng.below(len(ORGS) - 1)) % len(ORGS)
        return (f"Talks between {ORGS[first]} and {ORGS[second]} on "
                f"{rng.pick(TOPICS)} continued {rng.pick(DAYS)}. {other} {rng.pick(CUES)} "
                f"that “{rng.pick(QUOTES)}”, and {rng.pick(FILLER).lower()}")
    amount = 5 + rng.below(95)
    org = rng.pick(ORGS)
    return (f"{org[0].upper()}{org[1:]} estimated that {amount} billion dollars a year "
            f"would be needed for {rng.pick(TOPICS)} by 2030. {name} {rng.pick(CUES)} the "
            f"figure was “a floor, not a ceiling”. {rng.pick(FILLER)}")


def make_article() -> str:
    """The whole article: date header, dateline, and paragraphs up to the target length."""
    rng = Lcg(20251023)
    parts = [
        "date 2025-11-21\n\nGENEVA (Reuters) - Ministers from more than 80 countries "
        "ended a week of climate finance talks in Geneva on Friday with a draft agreement "
        "that campaigners called a start and diplomats called fragile, after days of "
        "meetings that often ran past midnight."
    ]
    words = len(parts[0].split())
    number = 0
    while words < TARGET_WORDS:
        text = paragraph(rng, number)
        parts.append(text)
        words += len(text.split())
        number += 1
    parts.append("The next round of talks is due to be held in Nairobi in March, "
                 "the organisers said.")
    return "\n\n".join(parts) + "\n"


def main(argv: list[str]) -> None:
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).with_name("very_long.txt")
    out.write_bytes(make_article().encode("utf-8"))


if __name__ == "__main__":
    main(sys.argv)
