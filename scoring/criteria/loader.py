"""Read criteria packs from disk, validate them, and build the immutable model.

Validation is total (schema + semantic checks, every problem collected) so that `ocop criteria
validate` can show a province everything wrong with its edited copy in one run; loading for
scoring refuses invalid data outright. A set loaded for scoring (`load_set`, `load_all`) reads its
set.json at once and its forms the first time one is used (`Forms`): choosing the set of a
dossier needs only the dates of set.json, and one dossier uses the forms of one set.
"""
from __future__ import annotations

import re
import threading
import warnings
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from ..errors import CriteriaInvalid, Issue
from ..resources import criteria_dir
from ..schemas import schema_issues
from ..text import header_key, load_json, load_trusted_json
from .checks import form_issues, set_issues
from .process import build_process, process_issues
from .stamps import known_stamps, stamp
from .model import (STAR_LEVELS, Anomaly, Band, CriteriaSet, Form, FormArrays, Forms, Gate, KnockoutDef, KnockoutRef,
                    Node, Option, Part, PartialFormWarning, Period, aliases_of)


_PART_INDEX = {"A": 0, "B": 1, "C": 2}
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # as in form.schema.json
_FILE_SLUG = re.compile(r"[0-9]+-(" + _SLUG.pattern + r")\.json")
_cache: dict[str, CriteriaSet] = {}
_lock = threading.Lock()


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _node(doc: dict[str, Any], part: str) -> Node:
    return Node(
        number=doc["number"], label=doc["label"], gloss=doc["gloss"], max=doc["max"], part=part,
        notes=tuple(doc.get("notes", ())), printed=doc.get("printed"),
        knockouts=tuple(KnockoutRef(k["id"], k.get("text")) for k in doc.get("knockouts", ())),
        applies_when=doc.get("applies_when"),
        cases=tuple((c["id"], c["label"]) for c in doc.get("cases", ())),
        options=tuple(Option(o["points"], o["text"], o.get("stars"), o.get("case"), o.get("flag"))
                      for o in doc.get("options", ())),
        children=tuple(_node(c, part) for c in doc.get("children", ())),
    )


def _arrays(leaves: tuple[Node, ...], anomalies: tuple[Anomaly, ...]) -> FormArrays:
    n = len(leaves)
    top = max((leaf.max for leaf in leaves), default=0)
    valid = np.zeros((n, top + 1), dtype=bool)
    doubtful = np.zeros((n, top + 1), dtype=bool)
    star_min = np.zeros((n, len(STAR_LEVELS)), dtype=np.int16)
    index = {leaf.number: i for i, leaf in enumerate(leaves)}
    for i, leaf in enumerate(leaves):
        for p in leaf.points:
            valid[i, p] = True
        for k, stars in enumerate(STAR_LEVELS):
            star_min[i, k] = leaf.star_minimum(stars) or 0
    for anomaly in anomalies:
        if anomaly.criterion in index and anomaly.kind == "suspected_typo":
            for p in anomaly.points:
                if p <= top:
                    doubtful[index[anomaly.criterion], p] = True
    arrays = FormArrays(
        valid=valid, star_min=star_min,
        part_index=np.array([_PART_INDEX[leaf.part] for leaf in leaves], dtype=np.int8),
        leaf_max=np.array([leaf.max for leaf in leaves], dtype=np.int16),
        story=np.array([leaf.applies_when == "story_exists" for leaf in leaves], dtype=bool),
        doubtful=doubtful,
    )
    for value in arrays.__dict__.values():
        value.flags.writeable = False
    return arrays


def build_form(doc: dict[str, Any], file: str | None = None) -> Form:
    parts = tuple(
        Part(p["part"], p["label"], p["label_en"], p["max"], tuple(_node(c, p["part"]) for c in p["children"]))
        for p in doc.get("parts", ())
    )
    leaves = tuple(n for part in parts for c in part.children for n in c.walk() if n.is_leaf)
    prov = doc["provenance"]
    anomalies = tuple(Anomaly(a["kind"], a["description"], a.get("criterion"), tuple(a.get("points", ())))
                      for a in prov.get("anomalies", ()))
    return Form(
        criteria_set=doc["criteria_set"], slug=doc["slug"], number=doc["number"], code=doc.get("code"),
        name=doc["name"], name_en=doc["name_en"], status=doc["status"], aliases=tuple(doc.get("aliases", ())),
        parts=parts, knockouts=tuple(KnockoutRef(k["id"], k.get("text")) for k in doc.get("knockouts", ())),
        provenance=MappingProxyType(prov), anomalies=anomalies, notes=tuple(doc.get("notes", ())),
        source_file=file, leaves=leaves, arrays=_arrays(leaves, anomalies), valid_from=_day(doc.get("valid_from")),
    )


def _build_set(meta: dict[str, Any], forms: Forms, folder: Path) -> CriteriaSet:
    periods = tuple(
        Period(
            id=p["id"], start=_day(p["from"]), end=_day(p["to"]), levels=tuple(p["levels"]),
            prechecks=tuple(p.get("prechecks", ())),
            recognition=MappingProxyType({k: tuple(v) for k, v in p["recognition"].items()}),
            gates=tuple(Gate(g["id"], g["from_level"], g["to_level"], g["min_total"], g["tag"], g.get("note"))
                        for g in p["gates"]),
            tag=p["tag"], label=p.get("label"), note=p.get("note"),
        )
        for p in sorted(meta["periods"], key=lambda p: p["from"])
    )
    return CriteriaSet(
        id=meta["id"], decision=MappingProxyType(meta["decision"]),
        start=_day(meta["in_force"]["from"]), end=_day(meta["in_force"]["to"]),
        lapses=_day(meta["in_force"].get("lapses")),
        finish_by=MappingProxyType(meta["in_force"]["finish_by"]) if meta["in_force"].get("finish_by") else None,
        parts=MappingProxyType({p["part"]: p["max"] for p in meta["parts"]}),
        part_labels=MappingProxyType({p["part"]: (p["label"], p["label_en"]) for p in meta["parts"]}),
        total_max=meta["total_max"],
        bands=tuple(sorted((Band(b["stars"], b["min"], b["below"], b["label"], b["label_en"], b["tag"])
                            for b in meta["bands"]), key=lambda b: -b.stars)),
        certificate_months=meta["certificate_months"], recognised_min_stars=meta["recognised_min_stars"],
        star_minimums=MappingProxyType(meta["star_minimums"]), periods=periods,
        knockouts=MappingProxyType({k["id"]: KnockoutDef(k["id"], k["effect"], k["label"], k["label_en"], k["tag"])
                                    for k in meta["knockouts"]}),
        classification=tuple(MappingProxyType(r) for r in meta["classification"]),
        council=MappingProxyType(meta.get("council", {})), provenance=MappingProxyType(meta["provenance"]),
        forms=forms, aliases=aliases_of(forms), source_dir=str(folder), process=build_process(meta.get("process")),
    )


def _read(path: Path, issues: list[Issue]) -> Any:
    try:
        return load_json(path)
    except UnicodeDecodeError as exc:
        issues.append(Issue(f"[encoding] không phải văn bản UTF-8 / not UTF-8 text: {exc.reason}", file=str(path),
                            location=f"byte {exc.start}", allowed="UTF-8"))
    except ValueError as exc:  # json.JSONDecodeError
        issues.append(Issue(f"[json-invalid] JSON không hợp lệ / not valid JSON: {exc}", file=str(path)))
    except OSError as exc:
        issues.append(Issue(f"[file-unreadable] không đọc được / cannot read: {exc.strerror}", file=str(path)))
    return None


def _read_file(path: Path, kind: str, issues: list[Issue], trust_stamps: bool) -> tuple[Any, list[Issue]]:
    """A criteria file ("set" or "form") and its schema issues (read problems go to `issues`, the
    document is then None). With `trust_stamps`, a file whose exact bytes carry a known stamp
    (stamps.py) skips the schema pass and is parsed without load_json's depth and duplicate-key
    checks: those bytes passed all three when they were stamped."""
    if trust_stamps:
        try:
            raw = path.read_bytes()
        except OSError:
            raw = None  # reported by _read below
        if raw is not None and stamp(kind, raw) in known_stamps():
            return load_trusted_json(raw), []
    doc = _read(path, issues)
    return doc, ([] if doc is None else schema_issues(doc, kind, str(path)))


def _with_semantics(schema: list[Issue], doc: Any, path: Path, meta: dict[str, Any] | None) -> list[Issue]:
    """A form's schema issues plus its semantic ones, which run even on a schema-invalid form so that
    one run shows everything; a semantic issue at a location the schema already objects to adds nothing."""
    flagged = {i.location for i in schema}
    return schema + [i for i in form_issues(doc, str(path), meta) if i.location not in flagged]


def _set_meta(folder: Path, issues: list[Issue], trust_stamps: bool) -> dict[str, Any] | None:
    """The folder's set.json if it passes its schema (None otherwise; the problems go to `issues`)."""
    set_file = folder / "set.json"
    if not set_file.exists():
        issues.append(Issue("[set-json-missing] thiếu set.json / set.json is missing", file=str(set_file)))
        return None
    meta, schema = _read_file(set_file, "set", issues, trust_stamps)
    issues += schema
    return None if schema else meta


def _meta_issues(meta: dict[str, Any], folder: Path, slugs: set[str] | None) -> list[Issue]:
    """The semantic checks of a schema-valid set.json; its references to forms only with `slugs`."""
    set_file = folder / "set.json"
    issues = []
    if meta["id"] != folder.name:
        issues.append(Issue("[set-id-folder] mã bộ tiêu chí phải trùng tên thư mục / set id must match its folder name",
                            file=str(set_file), location="id",
                            value=meta["id"], allowed=repr(folder.name)))
    return issues + set_issues(meta, str(set_file), slugs) + process_issues(meta, str(set_file))


def check_set_folder(folder: Path, *, trust_stamps: bool = False
                     ) -> tuple[list[Issue], dict[str, Any] | None, dict[str, tuple[dict, Path]]]:
    """Validate one set folder completely; returns (issues, set metadata, {slug: (form doc, path)}).
    With `trust_stamps`, files stamped as schema-valid skip the schema pass (loading for scoring)."""
    issues: list[Issue] = []
    meta = _set_meta(folder, issues, trust_stamps)
    docs: dict[str, tuple[dict, Path]] = {}
    slugs: dict[str, Path] = {}  # every form's slug, valid or not, for the set's cross-references
    form_files = sorted((folder / "forms").glob("*.json"))
    if not form_files:
        issues.append(Issue("[forms-missing] không có tệp biểu mẫu nào / no form files found", file=str(folder / "forms"),
                            allowed="forms/NN-<slug>.json"))
    for path in form_files:
        doc, schema = _read_file(path, "form", issues, trust_stamps)
        slug = doc.get("slug") if isinstance(doc, dict) else None
        if not (isinstance(slug, str) and _SLUG.fullmatch(slug)):
            # unreadable file or slug (reported as such): take the file name's, so that the set.json
            # rows pointing to this form are not reported as dangling on top of the real problem
            named = _FILE_SLUG.fullmatch(path.name)
            slug = named.group(1) if named else None
        if slug is not None and slug in slugs and doc is not None:
            issues.append(Issue("[slug-duplicate] hai biểu mẫu cùng mã / two forms have the same slug", file=str(path),
                                location="slug", value=slug,
                                allowed=f"mã không lặp (đã dùng ở / also used by {slugs[slug].name})"))
        if slug is not None:
            slugs.setdefault(slug, path)
        if doc is None:
            continue
        issues += _with_semantics(schema, doc, path, meta)
        if not schema:
            docs.setdefault(doc["slug"], (doc, path))
    for doc, path in docs.values():
        for alias in doc.get("aliases", ()):
            if alias in slugs:
                issues.append(Issue("[alias-collides] tên gọi khác trùng mã của biểu mẫu khác / alias collides with another form's slug",
                                    file=str(path), location="aliases",
                                    value=alias))
    if meta is not None:
        issues += _meta_issues(meta, folder, set(slugs))
    return issues, meta, docs


def _refuse(issues: list[Issue], meta: dict[str, Any] | None, folder: Path) -> dict[str, Any]:
    """The set metadata, or CriteriaInvalid with every error found."""
    errors = [i for i in issues if i.severity == "error"]
    if errors or meta is None:
        raise CriteriaInvalid(errors, subject=f"criteria set at {folder}")
    return meta


def _read_folder(folder: Path) -> tuple[dict[str, Any], dict[str, Form]]:
    """A set folder's metadata and built forms, after its complete check (CriteriaInvalid if any error)."""
    issues, meta, docs = check_set_folder(folder, trust_stamps=True)
    meta = _refuse(issues, meta, folder)
    return meta, {slug: build_form(doc, str(path)) for slug, (doc, path) in docs.items()}


def load_set_from(folder: str | Path, *, forms_on_first_use: bool = False) -> CriteriaSet:
    """Load and validate a set folder (a shipped one or a province's edited copy).

    By default everything is checked now and every problem raised at once (CriteriaInvalid). With
    `forms_on_first_use` only set.json is read and checked now (all but its references to forms):
    the forms are read, and the folder checked completely, the first time a form is asked for, and
    a problem is raised then. Scoring one dossier needs the set.json of every set but the forms of
    one (see `Forms`)."""
    folder = Path(folder)
    if not forms_on_first_use:
        meta, forms = _read_folder(folder)
        return _build_set(meta, Forms.of(forms), folder)
    issues: list[Issue] = []
    meta = _set_meta(folder, issues, trust_stamps=True)
    if meta is not None:
        issues += _meta_issues(meta, folder, None)
    return _build_set(_refuse(issues, meta, folder), Forms(lambda: _read_folder(folder)[1]), folder)


def available_sets(root: str | Path | None = None) -> list[str]:
    base = Path(root) if root else criteria_dir()
    return sorted(p.parent.name for p in base.glob("*/set.json"))


_all: dict[str, dict[str, CriteriaSet]] = {}  # criteria root -> every set under it (load_all)


def load_set(set_id: str) -> CriteriaSet:
    """The set `set_id` of the criteria root in use (criteria_dir()), loaded once per process and
    root; its forms are read on first use (`load_set_from(..., forms_on_first_use=True)`)."""
    root = criteria_dir()
    with _lock:
        key = f"{root}::{set_id}"
        if key not in _cache:
            if set_id not in available_sets(root):
                raise KeyError(set_id)
            _cache[key] = load_set_from(root / set_id, forms_on_first_use=True)
        return _cache[key]


def load_all() -> dict[str, CriteriaSet]:
    """Every set of the criteria root in use, by id (a new dict each call; the sets are shared).
    Cheap after the first call for a root: the folder is listed once per root and process, and
    only the set.json files are read until a form is asked for."""
    root = str(criteria_dir())
    sets = _all.get(root)
    if sets is None:
        sets = {sid: load_set(sid) for sid in available_sets(root)}
        with _lock:
            _all.setdefault(root, sets)
    return dict(sets)


def in_force(day: date | str) -> CriteriaSet:
    """The criteria set in force on an evaluation date (boundary days inclusive)."""
    day = date.fromisoformat(day) if isinstance(day, str) else day
    for cs in load_all().values():
        if cs.in_force_on(day):
            return cs
    raise LookupError(f"[set-none-in-force] không bộ tiêu chí nào có hiệu lực ngày {day.isoformat()} / no criteria set "
                      f"is in force on {day.isoformat()}")


def get_form(cs: CriteriaSet, slug: str, *, for_scoring: bool = True) -> Form:
    """The form, warning if it is partial; refusing a missing form when it is wanted for scoring."""
    from ..errors import FormUnavailable

    form = cs.form(slug, warn=False)
    if for_scoring and form.status == "missing":
        raise FormUnavailable(f"[form-missing-in-sources] {cs.id}/{form.slug}: biểu mẫu chưa có trong nguồn, không dùng "
                              "để chấm được / this form is missing from our sources and cannot be used for scoring")
    if for_scoring and form.status == "partial":
        warnings.warn(form.partial_warning(cs.total_max), PartialFormWarning, stacklevel=2)
    return form


def validate_path(path: str | Path | None = None) -> list[Issue]:
    """Every issue in a criteria root, a set folder or a single form file."""
    target = Path(path) if path else criteria_dir()
    if not target.exists():
        return [Issue("[path-missing] đường dẫn không tồn tại / path does not exist", file=str(target))]
    if target.is_file():
        issues: list[Issue] = []
        doc = _read(target, issues)
        if doc is None:
            return issues
        set_file = target.parent.parent / "set.json"
        meta = _read(set_file, []) if set_file.exists() else None  # the set's own problems are not this file's
        if meta is not None and schema_issues(meta, "set"):
            meta = None
        return _with_semantics(schema_issues(doc, "form", str(target)), doc, target, meta)
    if (target / "set.json").exists() or (target / "forms").is_dir():
        return check_set_folder(target)[0]
    folders = sorted(p for p in target.iterdir() if p.is_dir() and p.name != "schema")
    if not folders:
        return [Issue("[criteria-empty] không có thư mục bộ tiêu chí nào / no criteria set folders found", file=str(target),
                       allowed="<set>/set.json + <set>/forms/*.json")]
    issues = []
    for folder in folders:
        issues += check_set_folder(folder)[0]
    return issues


_PRINTED: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {}  # criteria root -> printed numbers


def printed_numbers() -> dict[str, tuple[tuple[str, str], ...]]:
    """Numbers printed on the paper forms that are not criterion numbers ("1.a" on the QĐ 148 forms),
    keyed as typed headers are matched (`header_key`), with the (criteria set, criterion) pairs each
    stands for: for messages that point a person who typed the printed number to the criterion
    number. A few mean different criteria on different forms (QĐ 148 "3.c" is 3.3 or 3.6), so
    nothing is renamed by them."""
    root = str(criteria_dir())
    if root not in _PRINTED:
        number = re.compile(r"^[0-9]+(\.[0-9]+)*$")
        found: dict[str, set[tuple[str, str]]] = {}
        for cs in load_all().values():
            for form in cs.forms.values():
                for node in form.nodes():
                    if node.printed and node.printed != node.number and not number.match(node.printed):
                        found.setdefault(header_key(node.printed), set()).add((cs.id, node.number))
        _PRINTED[root] = {k: tuple(sorted(v)) for k, v in found.items()}
    return _PRINTED[root]
