"""Every dossier check, declared once: its stable code, where it applies and how it is worded.

A check is implemented twice — by the scalar backend (`scoring.dossier.parse_dossier`, one JSON
dossier) and by the columnar backend (`scoring.batch`, a whole table) — and both word a problem
through `issue()` below, so the same problem reads the same and carries the same code whichever
path found it. `scope` says which backends must implement the check:

- "both": anything a JSON dossier and a council table can both express;
- "json": what only a JSON document can get wrong (its shape, unknown fields);
- "table": what only a table can get wrong (rows of one dossier that disagree, a cell that is not
  a list of cases, a row without a dossier id).

`scoring.checks.verify()` fails when a declared check has no implementation in a backend its scope
names (or a backend claims a code nobody declared): a check cannot be forgotten silently.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import Issue


@dataclass(frozen=True)
class Check:
    code: str
    scope: str  # "both" | "json" | "table"
    vi: str  # message templates ({name} filled from the caller's params); "" = worded by the caller
    en: str


_DECLARED = [
    # the document itself (JSON only)
    Check("dossier-unreadable", "json", "không đọc được hồ sơ: {error}", "cannot read dossier: {error}"),
    Check("dossier-not-object", "json", "hồ sơ phải là một đối tượng JSON {{…}}", "a dossier is a JSON object {{…}}"),
    Check("points-shape", "json", "", ""),  # both / neither of sheets and scores: worded in scoring.dossier
    Check("field-unknown", "json", "trường không có trong lược đồ: {detail}", "field not in the schema: {detail}"),
    # fields and cells
    Check("field-missing", "both", "thiếu trường bắt buộc", "required field missing"),
    Check("value-invalid", "both", "", ""),  # worded by the field: value_invalid()
    Check("date-invalid", "both", "ngày không có thật", "not a calendar date"),
    # the criteria set, its form, period and level
    Check("set-unknown", "both", "bộ tiêu chí không có", "unknown criteria set"),
    Check("set-not-applicable", "both", "", ""),  # worded by scoring.filing.choose_set (the transition rules)
    Check("form-unknown", "both", "biểu mẫu không có trong {set}", "unknown form for {set}"),
    Check("form-missing", "both", "biểu mẫu chưa có trong nguồn, không chấm được",
          "this form is missing from our sources and cannot be scored"),
    Check("form-not-yet-valid", "both",
          "biểu mẫu {form} của {set} chỉ áp dụng từ ngày {valid_from} (xem provenance của biểu mẫu); nguồn dữ liệu "
          "không có biểu mẫu nào cho bộ sản phẩm này trước ngày đó, nên hồ sơ đánh giá ngày {day} không chấm được",
          "form {form} of {set} applies only from {valid_from} (see the form's provenance); our sources have no "
          "form for this product set before that day, so a dossier evaluated on {day} cannot be scored"),
    Check("period-none", "both", "không giai đoạn nào của {set} chứa ngày đánh giá",
          "no process period of {set} covers the evaluation date"),
    Check("level-not-in-period", "both", "giai đoạn {period} của {set} không có hội đồng cấp này",
          "no council scores at this level in period {period} of {set}"),
    # findings
    Check("finding-unknown", "both", "điều kiện loại không có trong {set}", "unknown finding for {set}"),
    Check("findings-duplicate", "both", "phát hiện được ghi hai lần", "a finding is listed twice"),
    Check("finding-not-in-force", "both",
          "yêu cầu tối thiểu theo hạng sao này chỉ áp dụng từ ngày {since}, ngày đánh giá là {day}",
          "this per-star requirement of {set} applies only from {since}; the dossier is evaluated on {day}"),
    # members and their points
    Check("member-blank", "both", "tên thành viên để trống", "member name is blank"),
    Check("member-duplicate", "both", "thành viên bị lặp",
          "duplicate member (names compared trimmed and NFC-normalised)"),
    Check("criterion-twice", "both", "tiêu chí {number} được cho điểm hai lần", "criterion {number} is given twice"),
    Check("criterion-unknown", "both", "", ""),  # three wordings (renumbered, printed twice, unknown): unknown_criterion
    Check("points-not-a-number", "both", "điểm phải là một số", "points must be a number"),
    Check("points-not-an-option", "both", "{points} không phải mức điểm của tiêu chí {number}",
          "{points} is not an option of criterion {number} ({label})"),
    Check("criterion-not-applicable", "both", "tiêu chí {number} chỉ chấm khi có câu chuyện sản phẩm",
          "criterion {number} applies only when a story exists, and story_exists is false"),
    Check("criterion-left-out", "both", "tiêu chí {number} chưa được chấm",
          "criterion {number} ({label}) is left out{cond}"),
    # alternative cases (TH a / TH b)
    Check("case-criterion-none", "both", "tiêu chí {number} của biểu mẫu {form} không có các trường hợp",
          "criterion {number} of form {form} has no alternative cases"),
    Check("case-unknown", "both", "trường hợp không có ở tiêu chí {number}", "unknown case for criterion {number}"),
    Check("case-points-mismatch", "both", "{points} không phải lựa chọn của trường hợp {case}, tiêu chí {number}",
          "{points} is not an option of case {case} of criterion {number}, the case the dossier states "
          "(cases.{number})"),
    Check("case-mixed", "both", "các thành viên chấm tiêu chí {number} theo các trường hợp khác nhau",
          "members scored criterion {number} on different alternative cases ({given}): a council scores one case"),
    # only a table can say these
    Check("rows-disagree", "table", "các dòng của hồ sơ này khác nhau ở cột '{column}'",
          "the rows of this dossier disagree on column '{column}' (one value per dossier expected)"),
    Check("cases-invalid", "table", "ô trường hợp không phải các cặp tiêu chí=trường hợp",
          "the alternative cases are not criterion=case pairs"),
    Check("value-missing", "table", "thiếu giá trị bắt buộc", "required value is empty"),
    Check("id-near-duplicate", "table", "", ""),  # worded in scoring.batch.vector (the spellings it names)
]

CHECKS: dict[str, Check] = {c.code: c for c in _DECLARED}
SCOPES = ("both", "json", "table")


def issue(code: str, file: str | None = None, location: str | None = None, value: Any = None,
          allowed: str | None = None, *, message: str | None = None, **params: Any) -> Issue:
    """The Issue of a declared check: "[code] Vietnamese / English", from the check's templates (or
    `message`, for the checks whose wording depends on more than a few values)."""
    check = CHECKS[code]  # a KeyError here is our bug: an undeclared code
    if message is None:
        message = f"{check.vi.format(**params)} / {check.en.format(**params)}"
    return Issue(f"[{code}] {message}", file, location, value, allowed, code=code)


def _detail(location: str, value: Any, allowed: str | None) -> str | None:
    """What is wrong with a value a field cannot take, said the same way by both backends."""
    if location in ("evaluated_on", "lodged_on") or location.startswith("previous_certificate.") and \
            location.endswith("_on"):
        return f"{value!r} không phải ngày YYYY-MM-DD / {value!r} is not a date YYYY-MM-DD"
    if location == "criteria_set":
        return f"{value!r} không phải mã bộ tiêu chí / {value!r} is not a criteria set id"
    if location.startswith("findings["):
        return (f"{value!r} không phải mã phát hiện (chữ thường, số, '-') / {value!r} is not a finding id "
                "(lower-case letters, digits, '-')")
    if location == "story_exists":
        return f"{value!r} không phải đúng/sai (có/không) / {value!r} is not true/false (có/không)"
    if location in ("kind", "level", "previous_certificate.stars") and allowed:
        return f"{value!r} không thuộc / is not one of {allowed}"
    return None


def value_invalid(file: str | None, location: str, value: Any, allowed: str | None,
                  fallback: str | None = None) -> Issue:
    """The `value-invalid` issue of a field: worded by the field (`_detail`) or, for a field neither
    backend words, the schema's own `fallback` message."""
    detail = _detail(location, value, allowed)
    if detail is None:
        return issue("value-invalid", file, location, value, allowed,
                     message=f"giá trị không hợp lệ / invalid value: {fallback or repr(value)}")
    return issue("value-invalid", file, location, value, allowed, message=f"giá trị không hợp lệ / invalid value: {detail}")


WHOLE_POINTS = "a whole number from 0"
NUMBER_TYPE = "type ['integer', 'null']"
MEMBER_ALLOWED = "a non-blank name (surrounding spaces are trimmed)"


def schema_coded(i: Issue) -> Issue:
    """A problem the dossier schema finds (scoring.dossier) worded as the batch words the same problem
    in a table cell: the check's own sentence instead of the schema validator's."""
    loc = i.location or ""
    if i.code == "points-not-a-number":
        return issue("points-not-a-number", i.file, loc, i.value, NUMBER_TYPE)
    if i.code == "points-not-an-option":
        return not_whole_points(i.file, loc, i.value)
    if i.code == "member-blank":
        return issue("member-blank", i.file, loc, i.value, MEMBER_ALLOWED)
    if i.code == "findings-duplicate":
        return issue("findings-duplicate", i.file, loc, None, "each finding once")
    if i.code == "field-missing":
        return issue("field-missing", i.file, loc)
    if i.code == "value-invalid" and i.value is not None:
        return value_invalid(i.file, loc, i.value, i.allowed, i.message.split("schema: ", 1)[-1])
    return i


def not_whole_points(file: str | None, location: str, value: Any) -> Issue:
    """Points that no criterion can have: negative, a fraction, infinite."""
    return issue("points-not-an-option", file, location, value, WHOLE_POINTS,
                 message=f"{value} không phải điểm hợp lệ: điểm là số nguyên từ 0 / {value} is not valid points: "
                         "points are whole numbers from 0")
