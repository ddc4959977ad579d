"""Office management pages: producers and their products, rounds, councils with their members, and
issuing certificates for recognised results (per round, or one result at a time).

Every write goes through the registry's library API (`scoring.registry.Registry`) inside one
`Store.office(actor)` transaction, so the audit log names the web user and a refused write leaves
nothing behind; no SQL here. A refusal re-renders the form with what was typed and the reason next
to its field (400); a success redirects (POST-redirect-GET). The forms work without JavaScript.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Callable

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from ...registry.errors import RegistryError
from ...registry.models import LEVELS, ROLES
from ..accounts import User
from ..deps import NotFound, page_context, require
from ..forms import (FormInvalid, FormState, RowRefused, attempt, day, form_values, level, optional, refused, role,
                     whole)
from ..limits import UPLOAD_BYTES
from .auth import actor

router = APIRouter(prefix="/office")
OFFICE = Depends(require("office"))

PRODUCER_FIELDS = ("name", "province", "district", "commune", "legal_form", "tax_code", "representative", "phone",
                   "email", "address")
PRODUCT_FIELDS = ("name", "code", "product_set", "province", "district", "commune")
ROUND_FIELDS = ("level", "year", "number", "area", "name", "starts_on", "ends_on")
COUNCIL_FIELDS = ("name", "level", "area", "decision")
COUNCIL_EDIT_FIELDS = ("name", "area", "decision")
MEMBER_FIELDS = ("name", "role", "organisation")
SITTING_FIELDS = ("held_on", "round_id", "place", "dossier_ids")  # and the lists `present`, `agenda`
AGENDA_FIELDS = ("session_id", "dossier_ids")
REMOVAL_FIELDS = ("session_id", "dossier_id")  # the button beside a dossier on an open sitting's agenda
MEMBER_ROWS = 7  # blank member rows on the new-council form (a chair, a secretary, members; more later)
CERTIFY_FIELDS = ("issued_on", "round_id", "issued_by")
# The registry's column sizes (models.py), checked here so that a long value is a refusal on its
# field on every database (PostgreSQL would refuse it with an error; SQLite would store it).
LIMITS = {"province": 100, "district": 100, "commune": 100, "area": 100, "legal_form": 100, "tax_code": 30,
          "representative": 200, "phone": 60, "email": 200, "address": 1000, "code": 60, "decision": 200,
          "issued_by": 200, "organisation": 300, "name": 300, "place": 300,
          "dossier_id": 120,  # the column's size
          "dossier_ids": 60_000}  # an agenda typed as ids (each ≤ 120 characters, the column's size)
MEMBER_LIMITS = {"name": 200}  # a council member's name


async def posted(request: Request) -> FormData:
    """The posted form (already read by the CSRF check; Starlette keeps it)."""
    return await request.form()


POSTED = Depends(posted)


def _limit(name: str, member: bool) -> int:
    field_name = name.rsplit(".", 1)[-1]
    member = member or name.startswith("members.")
    return (MEMBER_LIMITS if member else {}).get(field_name) or LIMITS.get(field_name, 300)


def _state(form: FormData, names: tuple[str, ...], name: str = "", *,
           member: bool = False) -> tuple[FormState, Exception | None]:
    """The form's values as typed, and the first field longer than its column (refused before the
    registry is asked), if any."""
    values = form_values(form, names)
    for field_name, value in values.items():
        limit = _limit(field_name, member)
        if len(value) > limit:
            return FormState(name, values), FormInvalid(field_name, "too_long", limit=limit)
    return FormState(name, values), None


def _render(request: Request, template: str, status: int = 200, **ctx: Any) -> Response:
    return request.app.state.templates.TemplateResponse(request, template, page_context(request, **ctx),
                                                        status_code=status)


def _found(read: Callable[[], Any]) -> Any:
    try:
        return read()
    except RegistryError:
        raise NotFound() from None


def _write(request: Request, user: User, state: FormState, write: Callable[[Any], Any], prefix: str = "",
           early: Exception | None = None) -> Any:
    """`write(registry)` in one office transaction; None (and the reason on the form) if refused."""
    if early is not None:  # a field too long: refused before the registry is asked
        refused(state, early)
        return None
    store = request.app.state.store

    def run() -> Any:
        with store.office(actor(user)) as reg:
            return write(reg)

    return attempt(state, run, prefix)


# ------------------------------------------------------------------ producers


@router.get("/producers")
def producers(request: Request, q: str = "", province: str = "", user: User = OFFICE) -> Response:
    return _producers_page(request, q, province, FormState("new", {n: "" for n in PRODUCER_FIELDS}))


def _producers_page(request: Request, q: str, province: str, new: FormState, status: int = 200) -> Response:
    reg = request.app.state.store.registry
    rows = reg.find_producers(name=q[:200] or None, province=province[:100] or None)
    return _render(request, "office/producers.html", status, rows=rows, q=q, province=province, new=new)


def _producer_fields(values: dict[str, str]) -> dict[str, Any]:
    return {"name": values["name"], "province": values["province"].strip(), "district": values["district"].strip(),
            "commune": values["commune"].strip(), **{k: optional(values[k]) for k in PRODUCER_FIELDS[4:]}}


@router.post("/producers")
def create_producer(request: Request, form: FormData = POSTED, user: User = OFFICE) -> Response:
    state, early = _state(form, PRODUCER_FIELDS, "new")
    pid = _write(request, user, state,
                 lambda reg: reg.add_producer(**_producer_fields(state.values)), early=early)
    if pid is None:
        return _producers_page(request, "", "", state, 400)
    return RedirectResponse(f"/office/producers/{pid}?msg=created", status_code=303)


def _producer_page(request: Request, producer_id: int, *, edit: FormState | None = None,
                   new_product: FormState | None = None, msg: str | None = None, status: int = 200) -> Response:
    reg = request.app.state.store.registry
    producer = _found(lambda: reg.producer(producer_id))
    edit = edit or FormState("edit", {n: producer.get(n) or "" for n in PRODUCER_FIELDS})
    new_product = new_product or FormState("product", {n: "" for n in PRODUCT_FIELDS})
    return _render(request, "office/producer.html", status, producer=producer, edit=edit, new_product=new_product,
                   products=reg.find_products(producer_id=producer_id), product_sets=product_sets(), msg=msg)


@router.get("/producers/{producer_id}")
def producer(request: Request, producer_id: int, msg: str | None = None, user: User = OFFICE) -> Response:
    return _producer_page(request, producer_id, msg=msg if msg in MESSAGES else None)


@router.post("/producers/{producer_id}")
def update_producer(request: Request, producer_id: int, form: FormData = POSTED, user: User = OFFICE) -> Response:
    _found(lambda: request.app.state.store.registry.producer(producer_id))
    state, early = _state(form, PRODUCER_FIELDS, "edit")
    done = _write(request, user, state,
                  lambda reg: reg.update_producer(producer_id, **_producer_fields(state.values)), early=early)
    if done is None:
        return _producer_page(request, producer_id, edit=state, status=400)
    return RedirectResponse(f"/office/producers/{producer_id}?msg=saved", status_code=303)


# ------------------------------------------------------------------ products


def product_sets() -> list[tuple[str, list[tuple[str, str]]]]:
    """(criteria set id, [(value "set/slug", form name)]) for the product-set select, per set."""
    from ...criteria.loader import available_sets, load_set

    return [(sid, [(f"{sid}/{slug}", f.name) for slug, f in sorted(load_set(sid).forms.items())])
            for sid in available_sets()]


def _product_set(value: str) -> tuple[str | None, str | None]:
    """"set/slug" from the select (or empty: not known yet) → (criteria_set, form), checked."""
    value = value.strip()
    if not value:
        return None, None
    choices = {v for _, forms in product_sets() for v, _ in forms}
    if value not in choices:
        raise FormInvalid("product_set", "bad_product_set")
    sid, slug = value.split("/", 1)
    return sid, slug


def _product_fields(values: dict[str, str]) -> dict[str, Any]:
    criteria_set, slug = _product_set(values["product_set"])
    return {"name": values["name"], "code": optional(values["code"]), "criteria_set": criteria_set, "form": slug,
            **{k: values[k].strip() for k in ("province", "district", "commune")}}


@router.post("/producers/{producer_id}/products")
def create_product(request: Request, producer_id: int, form: FormData = POSTED, user: User = OFFICE) -> Response:
    producer = _found(lambda: request.app.state.store.registry.producer(producer_id))
    state, early = _state(form, PRODUCT_FIELDS, "product")

    def write(reg):
        fields = _product_fields(state.values)
        for k in ("province", "district", "commune"):  # empty: the producer's area (the registry's default)
            if not fields[k]:
                fields[k] = producer[k]
        return reg.add_product(fields.pop("name"), producer_id, **fields)

    pid = _write(request, user, state, write, early=early)
    if pid is None:
        return _producer_page(request, producer_id, new_product=state, status=400)
    return RedirectResponse(f"/office/products/{pid}?msg=created", status_code=303)


def product_edit_state(h: dict[str, Any]) -> FormState:
    """The product page's edit form, filled from the stored product."""
    values = {n: h.get(n) or "" for n in PRODUCT_FIELDS if n != "product_set"}
    values["product_set"] = f"{h['criteria_set']}/{h['form']}" if h.get("criteria_set") and h.get("form") else ""
    return FormState("edit", values)


@router.post("/products/{product_id}/edit")
def update_product(request: Request, product_id: int, form: FormData = POSTED, user: User = OFFICE) -> Response:
    store = request.app.state.store
    _found(lambda: store.registry.product(product_id))
    state, early = _state(form, PRODUCT_FIELDS, "edit")
    done = _write(request, user, state, lambda reg: reg.update_product(product_id, **_product_fields(state.values)),
                  early=early)
    if done is None:
        from .office import product_page

        return product_page(request, product_id, edit=state, status=400)
    return RedirectResponse(f"/office/products/{product_id}?msg=saved", status_code=303)


# ------------------------------------------------------------------ rounds


def _rounds_newest_first(reg: Any) -> list[dict[str, Any]]:
    """The rounds as the office's pages list and offer them: newest year first."""
    return sorted(reg.rounds(), key=lambda r: (-r["year"], r["level"], -r["number"]))


def _rounds_page(request: Request, new: FormState, msg: str | None = None, status: int = 200) -> Response:
    reg = request.app.state.store.registry
    rows = _rounds_newest_first(reg)
    return _render(request, "office/rounds.html", status, rows=rows, new=new, levels=LEVELS, msg=msg)


@router.get("/rounds")
def rounds(request: Request, msg: str | None = None, user: User = OFFICE) -> Response:
    new = FormState("new", {n: "" for n in ROUND_FIELDS} | {"level": "province", "year": str(date.today().year)})
    return _rounds_page(request, new, msg if msg in MESSAGES else None)


@router.post("/rounds")
def create_round(request: Request, form: FormData = POSTED, user: User = OFFICE) -> Response:
    state, early = _state(form, ROUND_FIELDS, "new")

    def write(reg):
        v = state.values
        return reg.open_round(level(v["level"]), whole(v["year"], "year", 2000, 2100),
                              whole(v["number"], "number", 1, 99), name=optional(v["name"]), area=v["area"].strip(),
                              starts_on=day(v["starts_on"], "starts_on"), ends_on=day(v["ends_on"], "ends_on"))

    rid = _write(request, user, state, write, early=early)
    if rid is None:
        return _rounds_page(request, state, status=400)
    return RedirectResponse(f"/office/rounds?msg=created#round-{rid}", status_code=303)


ROUND_EDIT_FIELDS = ("name", "area", "starts_on", "ends_on")


def _round_page(request: Request, round_id: int, edit: FormState | None = None, status: int = 200) -> Response:
    reg = request.app.state.store.registry
    rnd = _found(lambda: reg.round(round_id))
    edit = edit or FormState("edit", {"name": rnd["name"] or "", "area": rnd["area"] or "",
                                      "starts_on": rnd["starts_on"].isoformat() if rnd["starts_on"] else "",
                                      "ends_on": rnd["ends_on"].isoformat() if rnd["ends_on"] else ""})
    return _render(request, "office/round.html", status, rnd=rnd, edit=edit)


@router.get("/rounds/{round_id}")
def round_page(request: Request, round_id: int, user: User = OFFICE) -> Response:
    """A round's edit form: name, area and dates (level, year and number make it the round it is)."""
    return _round_page(request, round_id)


@router.post("/rounds/{round_id}")
def update_round(request: Request, round_id: int, form: FormData = POSTED, user: User = OFFICE) -> Response:
    _found(lambda: request.app.state.store.registry.round(round_id))
    state, early = _state(form, ROUND_EDIT_FIELDS, "edit")

    def write(reg):
        v = state.values
        return reg.update_round(round_id, name=v["name"], area=v["area"], starts_on=day(v["starts_on"], "starts_on"),
                                ends_on=day(v["ends_on"], "ends_on"))

    if _write(request, user, state, write, early=early) is None:
        return _round_page(request, round_id, state, status=400)
    return RedirectResponse(f"/office/rounds?msg=saved#round-{round_id}", status_code=303)


# ------------------------------------------------------------------ councils


def _member_names() -> tuple[str, ...]:
    return tuple(f"members.{i}.{f}" for i in range(MEMBER_ROWS) for f in MEMBER_FIELDS)


def _councils_page(request: Request, new: FormState, status: int = 200) -> Response:
    reg = request.app.state.store.registry
    return _render(request, "office/councils.html", status, rows=reg.councils(), new=new, levels=LEVELS,
                   roles=ROLES, member_rows=range(MEMBER_ROWS))


@router.get("/councils")
def councils(request: Request, user: User = OFFICE) -> Response:
    values = {n: "" for n in COUNCIL_FIELDS + _member_names()} | {"level": "province"}
    # the rows start as a chair, a secretary and members (the usual make-up; each can be changed)
    values |= {f"members.{i}.role": ("chu_tich", "thu_ky")[i] if i < 2 else "thanh_vien" for i in range(MEMBER_ROWS)}
    return _councils_page(request, FormState("new", values))


@router.post("/councils")
def create_council(request: Request, form: FormData = POSTED, user: User = OFFICE) -> Response:
    """A council and the members typed in its rows (a row without a name is skipped), in one
    transaction: a refused member leaves no council behind."""
    state, early = _state(form, COUNCIL_FIELDS + _member_names(), "new")

    def write(reg):
        v = state.values
        members = []
        for i in range(MEMBER_ROWS):
            name = v[f"members.{i}.name"].strip()
            if name:
                members.append((i, name, role(v[f"members.{i}.role"] or "thanh_vien", f"members.{i}.role"),
                                optional(v[f"members.{i}.organisation"])))
        cid = reg.add_council(v["name"], level(v["level"]), area=v["area"].strip(), decision=optional(v["decision"]))
        for position, (i, name, member_role, organisation) in enumerate(members):
            try:
                reg.add_council_member(cid, name, member_role, organisation=organisation, position=position)
            except RegistryError as exc:  # shown on its row, not on the council's name
                raise RowRefused(exc, f"members.{i}.") from None
        return cid

    cid = _write(request, user, state, write, early=early)
    if cid is None:
        return _councils_page(request, state, 400)
    return RedirectResponse(f"/office/councils/{cid}?msg=created", status_code=303)


def _council_page(request: Request, council_id: int, new: FormState | None = None, msg: str | None = None,
                  status: int = 200, sitting: FormState | None = None, round_id: int | None = None,
                  more: FormState | None = None, edit: FormState | None = None,
                  removal: FormState | None = None) -> Response:
    reg = request.app.state.store.registry
    council = _found(lambda: reg.council(council_id))
    edit = edit or FormState("council", {"name": council["name"], "area": council["area"] or "",
                                         "decision": council["decision"] or ""})
    new = new or FormState("member", {"name": "", "role": "thanh_vien", "organisation": ""})
    active = [m for m in council["members"] if m["active"]]
    sitting = sitting or FormState("sitting", {"held_on": date.today().isoformat(), "place": "", "dossier_ids": "",
                                               "round_id": "" if round_id is None else str(round_id),
                                               "present": ",".join(str(m["id"]) for m in active)})
    chosen = sitting.values.get("round_id", "").strip()
    rounds = _rounds_newest_first(reg)
    candidates = (reg.dossiers(round_id=int(chosen), uncertified=True)
                  if chosen.isdigit() and any(r["id"] == int(chosen) for r in rounds) else [])
    sessions = reg.sessions(council_id=council_id)
    more = more or FormState("more", {"session_id": next((str(x["id"]) for x in reversed(sessions)
                                                          if x["status"] == "open"), ""), "dossier_ids": ""})
    open_choices = [(str(x["id"]), f"{x['held_on']:%d/%m/%Y}" + (f" · {x['place']}" if x["place"] else "")
                     + f" (id {x['id']})") for x in sessions if x["status"] == "open"]
    # the agendas of the open sittings only: a closed sitting's agenda no longer changes
    agendas = {x["id"]: reg.session(x["id"])["dossiers"] for x in sessions if x["status"] == "open"}
    return _render(request, "office/council.html", status, council=council, new=new, roles=ROLES, msg=msg,
                   # each member's logins: a member who leaves keeps theirs until the office closes it
                   logins=request.app.state.store.logins_by_member(),
                   sessions=sessions, sitting=sitting, rounds=rounds, more=more, open_choices=open_choices, edit=edit,
                   agendas=agendas, removal=removal or FormState("removal", {n: "" for n in REMOVAL_FIELDS}),
                   candidates=candidates, active=active, present=set(sitting.values["present"].split(",")),
                   agenda=set(sitting.values.get("agenda", "").split("\n")))


@router.get("/councils/{council_id}")
def council(request: Request, council_id: int, msg: str | None = None, round_id: int | None = None,
            user: User = OFFICE) -> Response:
    """The council: members, the add-member form, its sittings, and the form that opens a sitting
    (`round_id`: list that round's dossiers without a certificate as the agenda's choices)."""
    return _council_page(request, council_id, msg=msg if msg in MESSAGES else None, round_id=round_id)


def _typed_ids(text: str) -> list[str]:
    """Dossier ids typed one per line (or separated by commas or semicolons), in order."""
    return [x.strip() for x in text.replace(";", "\n").replace(",", "\n").splitlines() if x.strip()]


def _agenda_ids(reg: Any, ids: list[str]) -> list[str]:
    """Dossier ids for an agenda, each once in the order given; refused on the `dossier_ids` field
    when there is none or one is not in the registry (named, not a database error)."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise FormInvalid("dossier_ids", "need_dossier")
    missing = [d for d in ids if reg.dossier(d) is None]
    if missing:
        raise FormInvalid("dossier_ids", "unknown_dossiers", ids=", ".join(missing[:10]))
    return ids


@router.post("/councils/{council_id}/sessions")
def open_sitting(request: Request, council_id: int, form: FormData = POSTED, user: User = OFFICE) -> Response:
    """Open a sitting of the council (phiên họp) with the members present and its agenda, as
    `ocop council open-session` does: refused without quorum (docs/COUNCIL.md), an unknown dossier
    refused by name, nothing written on a refusal. The agenda is the round's dossiers ticked, then
    the ids typed, each once."""
    from ...council.divergence import check_quorum

    reg = request.app.state.store.registry
    council = _found(lambda: reg.council(council_id))
    active = [m for m in council["members"] if m["active"]]
    state, early = _state(form, SITTING_FIELDS, "sitting")
    present = [x for x in form.getlist("present") if isinstance(x, str)]
    ticked = [x for x in form.getlist("agenda") if isinstance(x, str)]
    state.values["present"] = ",".join(present)
    state.values["agenda"] = "\n".join(ticked)

    def write(reg):
        v = state.values
        held_on = day(v["held_on"], "held_on", required=True)
        round_id = whole(v["round_id"], "round_id", 1, 2**31 - 1) if v["round_id"].strip() else None
        by_id = {str(m["id"]): m["name"] for m in active}
        if any(x not in by_id for x in present):
            raise FormInvalid("present", "bad_member")
        names = [by_id[x] for x in dict.fromkeys(present)]
        check_quorum([m["name"] for m in active], names, subject="sitting")
        ids = _agenda_ids(reg, ticked + _typed_ids(v["dossier_ids"]))
        return reg.open_session(council_id, held_on, round_id=round_id, place=optional(v["place"]), present=names,
                                dossier_ids=ids)

    sid = _write(request, user, state, write, early=early)
    if sid is None:
        return _council_page(request, council_id, status=400, sitting=state)
    return RedirectResponse(f"/office/councils/{council_id}?msg=session_opened#session-{sid}", status_code=303)


@router.post("/councils/{council_id}/edit")
def update_council(request: Request, council_id: int, form: FormData = POSTED, user: User = OFFICE) -> Response:
    """Correct the council's name, area or founding decision (its level stays)."""
    _found(lambda: request.app.state.store.registry.council(council_id))
    state, early = _state(form, COUNCIL_EDIT_FIELDS, "council")

    def write(reg):
        v = state.values
        return reg.update_council(council_id, name=v["name"], area=v["area"], decision=v["decision"])

    if _write(request, user, state, write, early=early) is None:
        return _council_page(request, council_id, status=400, edit=state)
    return RedirectResponse(f"/office/councils/{council_id}?msg=saved", status_code=303)


@router.post("/councils/{council_id}/members")
def add_member(request: Request, council_id: int, form: FormData = POSTED, user: User = OFFICE) -> Response:
    _found(lambda: request.app.state.store.registry.council(council_id))
    state, early = _state(form, MEMBER_FIELDS, "member", member=True)

    def write(reg):
        v = state.values
        return reg.add_council_member(council_id, v["name"], role(v["role"], "role"),
                                      organisation=optional(v["organisation"]))

    if _write(request, user, state, write, early=early) is None:
        return _council_page(request, council_id, state, status=400)
    return RedirectResponse(f"/office/councils/{council_id}?msg=member_added", status_code=303)


def _council_session(reg: Any, council_id: int, value: str) -> int:
    """The sitting chosen on an agenda form, if it is one of this council's: an id typed or edited
    into the form for another council's sitting is refused on the `session_id` field."""
    if value not in {str(x["id"]) for x in reg.sessions(council_id=council_id)}:
        raise FormInvalid("session_id", "bad_session")
    return int(value)


@router.post("/councils/{council_id}/agenda")
def add_to_agenda(request: Request, council_id: int, form: FormData = POSTED, user: User = OFFICE) -> Response:
    """Add dossiers (ids typed) to an open sitting of this council, after those on its agenda; one
    already there is not added twice. An unknown dossier, or a closed sitting, refuses the lot."""
    _found(lambda: request.app.state.store.registry.council(council_id))
    state, early = _state(form, AGENDA_FIELDS, "more")

    def write(reg):
        sid = _council_session(reg, council_id, state.values["session_id"])
        reg.add_to_session(sid, _agenda_ids(reg, _typed_ids(state.values["dossier_ids"])))
        return sid

    sid = _write(request, user, state, write, early=early)
    if sid is None:
        return _council_page(request, council_id, status=400, more=state)
    return RedirectResponse(f"/office/councils/{council_id}?msg=agenda_added#session-{sid}", status_code=303)


@router.post("/councils/{council_id}/agenda/remove")
def remove_from_agenda(request: Request, council_id: int, form: FormData = POSTED, user: User = OFFICE) -> Response:
    """Take one dossier off an open sitting of this council (the button beside it on the agenda):
    put on by mistake, or withdrawn by its producer. Refused, with the registry's reason above the
    agendas and nothing written: another council's sitting, a closed one, a dossier not on it, or
    one on which a member has already saved a sheet in that sitting or the council has recorded a
    divergence override in it (`Registry.remove_from_session`)."""
    _found(lambda: request.app.state.store.registry.council(council_id))
    state, early = _state(form, REMOVAL_FIELDS, "removal")

    def write(reg):
        sid = _council_session(reg, council_id, state.values["session_id"])
        reg.remove_from_session(sid, [state.values["dossier_id"]])
        return sid

    sid = _write(request, user, state, write, early=early)
    if sid is None:
        return _council_page(request, council_id, status=400, removal=state)
    return RedirectResponse(f"/office/councils/{council_id}?msg=agenda_removed#agenda-{sid}", status_code=303)


@router.post("/councils/{council_id}/members/{member_id}/active")
def member_active(request: Request, council_id: int, member_id: int, form: FormData = POSTED,
                  user: User = OFFICE) -> Response:
    """A member leaves the council, or comes back (`active` 0 or 1): no longer offered as present at
    a new sitting nor counted for its quorum; their past sheets and sittings stay."""
    reg = request.app.state.store.registry
    council = _found(lambda: reg.council(council_id))
    if member_id not in {m["id"] for m in council["members"]}:
        raise NotFound()
    wanted = form_values(form, ("active",))["active"]
    if wanted not in ("0", "1"):
        raise NotFound()
    with request.app.state.store.office(actor(user)) as office_reg:
        office_reg.set_member_active(member_id, wanted == "1")
    return RedirectResponse(f"/office/councils/{council_id}?msg=saved#members", status_code=303)


# ------------------------------------------------------------------ importing dossiers

IMPORT_SUFFIXES = (".json", ".csv", ".xlsx", ".parquet", ".jsonl", ".ndjson")  # what the registry imports


def _import_page(request: Request, state: FormState, report: Any = None, status: int = 200) -> Response:
    reg = request.app.state.store.registry
    rounds = _rounds_newest_first(reg)
    return _render(request, "office/import.html", status, state=state, report=report, rounds=rounds,
                   suffixes=", ".join(IMPORT_SUFFIXES), upload_mib=UPLOAD_BYTES >> 20)


@router.get("/import")
def import_page(request: Request, user: User = OFFICE) -> Response:
    return _import_page(request, FormState("import", {"file": "", "round_id": "", "replace": ""}))


def upload_name(filename: str) -> str:
    """The name an upload is known by (stored as the dossiers' source, shown in messages): the last
    part of what the browser sent, NFC, without control characters, at most 200 characters. It is
    never a path on the server: the file is saved under a name of ours."""
    from ...text import nfc

    name = nfc(filename.replace("\\", "/").rsplit("/", 1)[-1])
    return "".join(ch for ch in name if ch.isprintable()).strip()[:200]


@router.post("/import")
def import_dossiers(request: Request, form: FormData = POSTED, user: User = OFFICE) -> Response:
    """Import a dossier file as `ocop registry import` does: scored by the kernel on import, stored
    with its sheets and results in ONE transaction (a refused file writes nothing), identical content
    unchanged, a changed dossier refused unless `replace` is ticked; dossiers the kernel rejects are
    listed and the rest stored. The upload is saved to a temporary folder of ours and deleted after."""
    import tempfile
    from dataclasses import replace as changed
    from pathlib import Path

    from ...errors import ValidationFailed

    upload = form.get("file")
    state = FormState("import", {"file": "", "round_id": form_values(form, ("round_id",))["round_id"],
                                 "replace": "1" if form.get("replace") else ""})
    name = upload_name(getattr(upload, "filename", None) or "") if upload is not None else ""
    state.values["file"] = name
    if not name or isinstance(upload, str):
        refused(state, FormInvalid("file", "need_file"))
        return _import_page(request, state, status=400)
    suffix = Path(name).suffix.lower()
    if suffix not in IMPORT_SUFFIXES:
        refused(state, FormInvalid("file", "bad_file_type", allowed=", ".join(IMPORT_SUFFIXES)))
        return _import_page(request, state, status=400)
    with tempfile.TemporaryDirectory(prefix="ocop-upload-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        with path.open("wb") as out:
            while chunk := upload.file.read(1 << 20):
                out.write(chunk)

        def write(reg):
            v = state.values
            round_id = whole(v["round_id"], "round_id", 1, 2**31 - 1) if v["round_id"].strip() else None
            try:
                return reg.import_file(path, round_id=round_id, replace=bool(v["replace"]), source=name)
            except ValidationFailed as exc:  # a message naming our temporary file names the upload instead
                issues = [changed(i, file=name) if i.file == str(path) else i for i in exc.issues]
                raise ValidationFailed(issues, subject=name) from None

        report = _write(request, user, state, write)
    if report is None:
        return _import_page(request, state, status=400)
    return _import_page(request, FormState("import", {"file": "", "round_id": state.values["round_id"],
                                                      "replace": ""}), report=report)


# ------------------------------------------------------------------ certificates


def _issue_page(request: Request, round_id: int | None, certify: FormState | None = None,
                single: FormState | None = None, issued: int | None = None, status: int = 200) -> Response:
    reg = request.app.state.store.registry
    rows = [r for r in reg.pipeline() if r["status"] == "recognised" and (round_id is None or r["round_id"] == round_id)]
    certify = certify or FormState("certify", {"issued_on": date.today().isoformat(),
                                               "round_id": "" if round_id is None else str(round_id), "issued_by": ""})
    return _render(request, "office/issue.html", status, rows=rows, rounds=reg.rounds(), round_id=round_id,
                   certify=certify, single=single or FormState("single", {}), issued=issued,
                   today=date.today().isoformat())


@router.get("/certificates/issue")
def issue_page(request: Request, round_id: int | None = None, issued: int | None = None,
               user: User = OFFICE) -> Response:
    """Recognised results without a certificate (of one round, or all), with the forms to issue them."""
    return _issue_page(request, round_id, issued=issued)


@router.post("/certificates/certify")
def certify(request: Request, form: FormData = POSTED, user: User = OFFICE) -> Response:
    """Issue the certificates of a round (or of every round) as of a day: the registry's `certify`
    (per product, its newest recognised result; an earlier valid certificate is superseded)."""
    state, early = _state(form, CERTIFY_FIELDS, "certify")
    round_id: int | None = None

    def write(reg):
        nonlocal round_id
        v = state.values
        if v["round_id"].strip():
            round_id = whole(v["round_id"], "round_id", 1, 2**31 - 1)
            reg.round(round_id)  # unknown: refused on the field
        return reg.certify(day(v["issued_on"], "issued_on", required=True), round_id=round_id,
                           issued_by=optional(v["issued_by"]))

    issued = _write(request, user, state, write, early=early)
    if issued is None:
        return _issue_page(request, round_id, certify=state, status=400)
    target = "/office/certificates/issue?" + (f"round_id={round_id}&" if round_id else "") + f"issued={len(issued)}"
    return RedirectResponse(target, status_code=303)


@router.post("/certificates/issue")
def issue_one(request: Request, form: FormData = POSTED, user: User = OFFICE) -> Response:
    """One certificate for one recognised result (the registry's `issue_certificate`)."""
    state, early = _state(form, ("result_id", "issued_on", "issued_by"), "single")

    def write(reg):
        v = state.values
        return reg.issue_certificate(whole(v["result_id"], "result_id", 1, 2**31 - 1),
                                     day(v["issued_on"], "issued_on", required=True),
                                     issued_by=optional(v["issued_by"]))

    cert = _write(request, user, state, write, early=early)
    if cert is None:
        return _issue_page(request, None, single=state, status=400)
    return RedirectResponse(f"/office/products/{cert['product_id']}?msg=issued", status_code=303)


MESSAGES = ("created", "saved", "member_added", "issued", "session_opened", "agenda_added", "agenda_removed")
