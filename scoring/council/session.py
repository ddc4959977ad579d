"""A council session as the secretary describes it (YAML or JSON): council, date, place, members
with roles, who is present, the quorum share, and divergence overrides with their reasons.

    council: Hội đồng đánh giá, phân hạng sản phẩm OCOP tỉnh Hưng Yên
    date: 2026-10-01
    place: Hội trường Sở Nông nghiệp và Môi trường
    members:
      - {name: Nguyễn Văn Hùng, role: Chủ tịch Hội đồng}
      - {name: Trần Thị Mai, role: Thư ký}
    present: [Nguyễn Văn Hùng, Trần Thị Mai]   # omitted: every member
    quorum: 0.75                                # share of members present; a provincial rule
    require_chair: false
    overrides:
      HY-2026-001: {reason: "Hội đồng thảo luận, giữ nguyên điểm", by: Trần Thị Mai}
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Mapping

from ..errors import Issue, ValidationFailed
from ..text import nfc, nfc_deep, read_text
from .divergence import DEFAULT_QUORUM, check_quorum

KNOWN = {"council", "title", "date", "place", "level", "province", "members", "present", "quorum", "require_chair",
         "overrides", "round", "chair", "secretary", "notes"}


@dataclass
class Member:
    name: str
    role: str = "Thành viên"


@dataclass
class Session:
    council: str
    date: date
    place: str = ""
    title: str = ""
    members: list[Member] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    quorum: float = DEFAULT_QUORUM
    require_chair: bool = False
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [m.name for m in self.members]

    def role_of(self, role_word: str) -> str | None:
        return next((m.name for m in self.members if role_word.lower() in m.role.lower()), None)

    @property
    def chair(self) -> str | None:
        return self.role_of("chủ tịch")

    @property
    def secretary(self) -> str | None:
        return self.role_of("thư ký")

    @property
    def absent(self) -> list[str]:
        return [n for n in self.names if n not in self.present]

    def check_quorum(self) -> None:
        check_quorum(self.names, self.present, share=self.quorum, chair=self.chair,
                     require_chair=self.require_chair, subject="session (phiên họp)")


def session_from(data: Mapping[str, Any], file: str | None = None) -> Session:
    """Validate a session description; every problem is reported at once."""
    data = nfc_deep(dict(data))
    issues: list[Issue] = []
    for key in sorted(set(data) - KNOWN):
        issues.append(Issue("trường không biết / unknown field", file, key, None, ", ".join(sorted(KNOWN))))
    if not str(data.get("council") or "").strip():
        issues.append(Issue("thiếu tên Hội đồng / council name missing", file, "council", None, "the council's name"))
    day = data.get("date")
    try:
        day = day if isinstance(day, date) else date.fromisoformat(str(day))
    except ValueError:
        issues.append(Issue("ngày không hợp lệ / not a date", file, "date", data.get("date"), "YYYY-MM-DD"))
        day = None
    members: list[Member] = []
    for i, m in enumerate(data.get("members") or []):
        m = {"name": m} if isinstance(m, str) else m
        name = nfc(str((m or {}).get("name") or "")).strip() if isinstance(m, Mapping) else ""
        if not name:
            issues.append(Issue("thành viên thiếu tên / member without a name", file, f"members[{i}]", m,
                                "{name: …, role: …}"))
            continue
        if name in [x.name for x in members]:
            issues.append(Issue("thành viên bị lặp / member listed twice", file, f"members[{i}]", name, "each once"))
        members.append(Member(name, str(m.get("role") or "Thành viên")))
    if not members:
        issues.append(Issue("chưa có danh sách thành viên / no council members", file, "members", None,
                            "a list of {name, role}"))
    present = [nfc(str(p)).strip() for p in (data.get("present") or [m.name for m in members])]
    quorum = data.get("quorum", DEFAULT_QUORUM)
    if isinstance(quorum, str) and quorum.strip().endswith("%"):
        quorum = float(quorum.strip()[:-1].replace(",", ".")) / 100
    overrides: dict[str, dict[str, Any]] = {}
    for did, o in (data.get("overrides") or {}).items():
        o = {"reason": o} if isinstance(o, str) else dict(o or {})
        if not str(o.get("reason") or "").strip():
            issues.append(Issue("ghi đè chênh lệch cần lý do / a divergence override needs a reason", file,
                                f"overrides.{did}.reason", None, "the reason the council recorded"))
        overrides[str(did)] = o
    if issues:
        raise ValidationFailed(issues, subject=file or "session")
    extra = {k: data[k] for k in ("level", "province", "round") if k in data}
    return Session(council=str(data["council"]), date=day, place=str(data.get("place") or ""),
                   title=str(data.get("title") or ""), members=members, present=present, quorum=float(quorum),
                   require_chair=bool(data.get("require_chair", False)), overrides=overrides,
                   notes=str(data.get("notes") or ""), extra=extra)


def load_session(path: str | Path) -> Session:
    import yaml

    try:
        data = yaml.safe_load(read_text(path))
    except (OSError, yaml.YAMLError) as exc:
        raise ValidationFailed([Issue(f"không đọc được tệp phiên họp / cannot read the session file: {exc}", str(path))],
                               subject=str(path)) from None
    if not isinstance(data, Mapping):
        raise ValidationFailed([Issue("tệp phiên họp phải là một bảng khóa-giá trị / the session file must be a mapping",
                                      str(path), None, type(data).__name__, "YAML or JSON mapping")], subject=str(path))
    return session_from(data, str(path))
