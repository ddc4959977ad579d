"""The immutable in-memory model of a criteria set and its forms.

Both executors (the rule engine for one dossier, the vectorized scorer for a table) read this one
model, so the numpy lookup arrays the batch path needs are built here, once per form, at load time.
"""
from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping

import numpy as np

if TYPE_CHECKING:
    from .process import ProcessFacts

STAR_LEVELS = (3, 4, 5)  # levels that can carry per-star minimum marks on options


class PartialFormWarning(UserWarning):
    """A form whose points are incomplete in our sources was looked up (it scores on its real maxima).

    Raised by every lookup of a partial form (`CriteriaSet.form`, `get_form`), not only by the
    scoring helpers, so that no caller can use one without being told; callers that report it in
    their own way (results carry it in `warnings`) silence it with `warnings.catch_warnings`.
    """


@dataclass(frozen=True)
class Option:
    points: int
    text: str
    stars: int | None = None
    case: str | None = None
    flag: str | None = None


@dataclass(frozen=True)
class KnockoutRef:
    id: str
    text: str | None = None


@dataclass(frozen=True)
class Node:
    """A heading (children) or a scored criterion (options); see criteria/README.md."""

    number: str
    label: str
    gloss: str
    max: int
    part: str
    notes: tuple[str, ...] = ()
    printed: str | None = None  # the number as printed on the paper form, where it differs from `number`
    knockouts: tuple[KnockoutRef, ...] = ()
    applies_when: str | None = None
    cases: tuple[tuple[str, str], ...] = ()
    options: tuple[Option, ...] = ()
    children: tuple["Node", ...] = ()

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @cached_property  # asked for every cell a dossier gives; a node never changes
    def points(self) -> tuple[int, ...]:
        """The distinct points a member may give, ascending."""
        return tuple(sorted({o.points for o in self.options}))

    def star_minimum(self, stars: int) -> int | None:
        """Points this criterion needs for `stars` (the lowest option marked at exactly that level)."""
        marked = [o.points for o in self.options if o.stars == stars]
        return min(marked) if marked else None

    def walk(self) -> Iterator["Node"]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class Anomaly:
    kind: str
    description: str
    criterion: str | None = None
    points: tuple[int, ...] = ()


@dataclass(frozen=True)
class Part:
    part: str
    label: str
    label_en: str
    max: int
    children: tuple[Node, ...]


@dataclass(frozen=True)
class FormArrays:
    """Lookup arrays for vectorized scoring, indexed by leaf position (`Form.leaves` order).

    - valid[i, p]: True if p points is an option of leaf i (p in 0..max_points)
    - star_min[i, k]: points leaf i needs for star STAR_LEVELS[k] (0 = no requirement)
    - part_index[i]: 0/1/2 for Part A/B/C
    - story[i]: leaf applies only when a story exists
    - doubtful[i, p]: p on leaf i is a value flagged in provenance (warn when used)
    """

    valid: np.ndarray
    star_min: np.ndarray
    part_index: np.ndarray
    leaf_max: np.ndarray
    story: np.ndarray
    doubtful: np.ndarray


@dataclass(frozen=True)
class Form:
    criteria_set: str
    slug: str
    number: int
    code: str | None
    name: str
    name_en: str
    status: str
    aliases: tuple[str, ...]
    parts: tuple[Part, ...]
    knockouts: tuple[KnockoutRef, ...]
    provenance: Mapping[str, Any]
    anomalies: tuple[Anomaly, ...]
    notes: tuple[str, ...] = ()
    source_file: str | None = None
    leaves: tuple[Node, ...] = field(default=())
    valid_from: date | None = None  # a form that applies only from this day on (e.g. one added by an amendment)
    arrays: FormArrays | None = field(default=None, compare=False, repr=False)

    @property
    def max(self) -> int:
        return sum(p.max for p in self.parts)

    @property
    def part_max(self) -> dict[str, int]:
        return {p.part: p.max for p in self.parts}

    # Derived lookups below are cached on the (immutable) form: validation asks them for every key
    # of every sheet. cached_property writes the instance's __dict__, which a frozen dataclass allows.
    @cached_property
    def leaf_numbers(self) -> tuple[str, ...]:
        return tuple(leaf.number for leaf in self.leaves)

    @cached_property
    def _leaf_by_number(self) -> Mapping[str, Node]:
        return MappingProxyType({leaf.number: leaf for leaf in self.leaves})

    def leaf(self, number: str) -> Node:
        try:
            return self._leaf_by_number[number]
        except KeyError:
            raise KeyError(number) from None

    def nodes(self) -> Iterator[Node]:
        for part in self.parts:
            for child in part.children:
                yield from child.walk()

    def printed_aliases(self) -> Mapping[str, str]:
        """Printed numbers ("12.a") that stand for exactly one criterion of this form, keyed as typed
        headers are matched (`header_key`), with that criterion's number. A printed number that appears
        twice on the form (QĐ 148 forms 18 and 19 print "3.c" for 3.3 and 3.6) is ambiguous: left out,
        so it is refused with the numbers it could mean instead of being guessed."""
        return self._printed_aliases

    @cached_property
    def _printed_aliases(self) -> Mapping[str, str]:
        from ..text import header_key

        found: dict[str, set[str]] = {}
        for leaf in self.leaves:
            if leaf.printed and leaf.printed != leaf.number:
                found.setdefault(header_key(leaf.printed), set()).add(leaf.number)
        return MappingProxyType({k: next(iter(v)) for k, v in found.items()
                                 if len(v) == 1 and k not in self.leaf_numbers})

    def renumbered(self) -> Mapping[str, str]:
        """Numbers of headings scored through one criterion only ("12" whose single criterion is "12.1"):
        QĐ 148 groups printed "12. … / a) …" were keyed "12" before they were numbered "12.1" by the
        rule "1. a)" → "1.1" (issue 13). A dossier keyed the old way is told the new key."""
        return self._renumbered

    @cached_property
    def _renumbered(self) -> Mapping[str, str]:
        out = {}
        for node in self.nodes():
            if node.children and len(node.children) == 1 and node.children[0].options:
                out[node.number] = node.children[0].number
        return MappingProxyType(out)

    @property
    def scorable(self) -> bool:
        return self.status != "missing"

    def applies_on(self, day: date) -> bool:
        """False before `valid_from`: an earlier dossier needs a form our sources do not have."""
        return self.valid_from is None or day >= self.valid_from

    def partial_detail(self, set_max: int = 100) -> dict[str, str]:
        """What is missing from a partial form ('' when it is not partial), in Vietnamese and English:
        points (its real maximum is below the set's) or only an option whose points our source lacks
        (QĐ 148 forms 17 and 18: the maximum is intact, and "real maximum 100" would announce a loss
        that does not exist). One sentence for the Python warning, the rule engine's explanation and
        `ocop criteria show` alike."""
        if self.status != "partial":
            return {"partial_vi": "", "partial_en": ""}
        if self.max < set_max:
            return {"partial_vi": f"tối đa thực tế {self.max} điểm thay vì {set_max}",
                    "partial_en": f"real maximum {self.max} instead of {set_max}"}
        where = sorted({a["criterion"] for a in self.provenance.get("anomalies", []) or []
                        if a.get("kind") == "points_missing" and a.get("criterion")})
        at = ", ".join(where) or "?"
        return {"partial_vi": f"thiếu điểm của một lựa chọn ở tiêu chí {at}; điểm tối đa {self.max} vẫn đầy đủ",
                "partial_en": f"an option's points are missing at criterion {at}; the maximum of {self.max} is intact"}

    def partial_warning(self, set_max: int = 100) -> str:
        detail = self.partial_detail(set_max)
        return (f"[partial-form] {self.criteria_set}/{self.slug}: biểu mẫu chưa đầy đủ trong nguồn: {detail['partial_vi']} "
                f"/ partial in our sources: {detail['partial_en']}")


@dataclass(frozen=True)
class Band:
    stars: int
    min: float
    below: float | None
    label: str
    label_en: str
    tag: str


@dataclass(frozen=True)
class Gate:
    id: str
    from_level: str
    to_level: str
    min_total: float
    tag: str
    note: str | None = None


@dataclass(frozen=True)
class Period:
    id: str
    start: date
    end: date | None
    levels: tuple[str, ...]
    prechecks: tuple[str, ...]
    recognition: Mapping[str, tuple[int, ...]]
    gates: tuple[Gate, ...]
    tag: str
    label: str | None = None
    note: str | None = None

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class KnockoutDef:
    id: str
    effect: str  # "disqualify" | "stop_evaluation"
    label: str
    label_en: str
    tag: str


class Forms(Mapping[str, "Form"]):
    """A set's forms by slug, in form-number order, read on first use.

    Choosing the set a dossier is scored under needs only set.json; reading, checking and building
    every form of the three sets cost most of `ocop score`'s start-up, so a set loaded for scoring
    reads its forms (all of them, with the checks that need them together) the first time one is
    asked for. `read` returns the forms or raises CriteriaInvalid; a failed read is not remembered,
    so every later use raises it again."""

    def __init__(self, read: Callable[[], Mapping[str, "Form"]]) -> None:
        self._read = read
        self._forms: Mapping[str, Form] | None = None
        self._aliases: Mapping[str, str] = MappingProxyType({})
        self._lock = threading.Lock()

    @classmethod
    def of(cls, forms: Mapping[str, "Form"]) -> "Forms":
        """Forms already read."""
        table = cls(lambda: forms)
        table._loaded()
        return table

    def _loaded(self) -> Mapping[str, "Form"]:
        if self._forms is None:
            with self._lock:
                if self._forms is None:
                    forms = self._read()
                    self._aliases = MappingProxyType({alias: f.slug for f in forms.values() for alias in f.aliases})
                    self._forms = MappingProxyType(dict(sorted(forms.items(), key=lambda kv: kv[1].number)))
        return self._forms

    @property
    def read(self) -> bool:
        """Whether the forms have been read (for tests and diagnostics)."""
        return self._forms is not None

    def aliases(self) -> Mapping[str, str]:
        """Alias -> slug, over every form of the set."""
        self._loaded()
        return self._aliases

    def __getitem__(self, slug: str) -> "Form":
        return self._loaded()[slug]

    def __contains__(self, slug: object) -> bool:
        return slug in self._loaded()

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())

    def __repr__(self) -> str:
        return f"Forms({list(self._forms) if self._forms is not None else '<not read yet>'})"


class _Aliases(Mapping[str, str]):
    """The alias table of a `Forms`, read with it."""

    def __init__(self, forms: Forms) -> None:
        self._forms = forms

    def __getitem__(self, alias: str) -> str:
        return self._forms.aliases()[alias]

    def __contains__(self, alias: object) -> bool:
        return alias in self._forms.aliases()

    def __iter__(self) -> Iterator[str]:
        return iter(self._forms.aliases())

    def __len__(self) -> int:
        return len(self._forms.aliases())

    def __repr__(self) -> str:
        return f"aliases of {self._forms!r}"


def aliases_of(forms: Forms) -> Mapping[str, str]:
    """The alias -> slug mapping of a set's forms, read when they are."""
    return _Aliases(forms)


@dataclass(frozen=True)
class CriteriaSet:
    id: str
    decision: Mapping[str, Any]
    start: date
    end: date | None
    lapses: date | None
    parts: Mapping[str, int]
    part_labels: Mapping[str, tuple[str, str]]
    total_max: int
    bands: tuple[Band, ...]
    certificate_months: int
    recognised_min_stars: int
    star_minimums: Mapping[str, Any]
    periods: tuple[Period, ...]
    knockouts: Mapping[str, KnockoutDef]
    classification: tuple[Mapping[str, Any], ...]
    council: Mapping[str, Any]
    provenance: Mapping[str, Any]
    forms: Mapping[str, Form]
    aliases: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    source_dir: str | None = None
    # the transition windows of set.json in_force.finish_by (files lodged before the successor's start)
    finish_by: Mapping[str, Any] | None = None
    # certificate validity, re-evaluation window, rounds, revocation grounds (criteria/process.py); None: not recorded
    process: "ProcessFacts | None" = None

    def form(self, slug: str, *, warn: bool = True) -> Form:
        """The form for a slug or one of its aliases (KeyError if unknown).

        Warns (PartialFormWarning) when the form is partial, unless `warn=False`: a caller that only
        displays or lists forms, or reports the status itself, opts out explicitly.
        """
        form = self.forms[self.aliases.get(slug, slug)]
        if warn and form.status == "partial":
            warnings.warn(form.partial_warning(self.total_max), PartialFormWarning, stacklevel=2)
        return form

    def has_form(self, slug: str) -> bool:
        return slug in self.forms or slug in self.aliases

    @property
    def requirement_findings(self) -> dict[str, Mapping[str, Any]]:
        """The per-star requirements (QĐ 781) a council records as findings, by finding id, in the
        data's order; empty where minimums are option marks. Validation, facts, plans, the batch and
        the generator all look findings up here."""
        return {r["finding"]: r for r in self.star_minimums.get("requirements", []) or [] if r.get("finding")}

    def period_on(self, day: date) -> Period | None:
        for period in self.periods:
            if period.covers(day):
                return period
        return None

    def finish_window(self, kind: str) -> tuple[date, date] | None:
        """(lodged before, evaluated on or before) for files of `kind` finishing under this set after it
        stopped being in force (QĐ 148 under QĐ 26/2026 Điều 12 k2), or None when the set has none."""
        fb = self.finish_by
        if not fb:
            return None
        return date.fromisoformat(fb["lodged_before"]), date.fromisoformat(fb["kinds"][kind])

    def in_force_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)

    def accepts(self, day: date) -> bool:
        """In force, or within the transition after it (files lodged earlier finish under it)."""
        last = self.lapses or self.end
        return self.start <= day and (last is None or day <= last)

