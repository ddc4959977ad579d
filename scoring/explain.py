"""Human-readable explanation of a Result, for a council secretary (bilingual)."""
from __future__ import annotations

from typing import Any

from rich.console import Console
from .terminal import escape as e
from rich.panel import Panel
from rich.table import Table

from .result import STATUS_TEXT, Result


KIND_VI = {"new": "lần đầu", "upgrade": "nâng hạng", "re-evaluation": "phân hạng lại"}


def _stars(n: int) -> str:
    return "★" * n + "☆" * (5 - n) if n else "—"


def render(result: Result, console: Console, *, lang: str = "both", detail: bool = True) -> None:
    r = result
    product = r.product.get("name") or ""
    head = (f"[bold]{e(r.dossier_id)}[/] {e(product)}\n"
            f"{r.criteria_set} · {e(r.form_name)} ({r.form}) · cấp/level {r.level} · {r.evaluated_on} · "
            f"kỳ/period {r.period} · {len(r.members)} thành viên/members")
    if r.kind != "new" or r.lodged_on:
        head += f"\nhồ sơ/kind {KIND_VI.get(r.kind, r.kind)} ({r.kind})" + (
            f" · nộp/lodged {r.lodged_on[8:10]}/{r.lodged_on[5:7]}/{r.lodged_on[:4]}" if r.lodged_on else "")
    console.print(Panel(head, expand=False), soft_wrap=False)  # wrapped inside the box, never cut

    parts = Table(title="Điểm theo phần / Points by part (mean of members)", box=None, header_style="bold")
    for col in ("Phần/Part", "điểm/mean", "tối đa/max"):
        parts.add_column(col, justify="right" if col != "Phần/Part" else "left")
    for p in "ABC":
        parts.add_row(p, f"{r.parts[p]:.2f}", str(r.part_max.get(p, "")))
    parts.add_row("[bold]Tổng/Total[/]", f"[bold]{r.total:.2f}[/]", str(r.max_total))
    console.print(parts)
    console.print("Tổng điểm của từng thành viên / member totals: "
                  + ", ".join(f"{e(m)} {t:g}" for m, t in r.member_totals.items()))

    if detail:
        # members' names head their columns only when short: otherwise TV1, TV2, … with a legend, so
        # that the label column (the one that wraps) keeps room on an 80-column terminal
        short = all(len(m) <= 6 for m in r.members)
        heads = [m if short else f"TV{i}" for i, m in enumerate(r.members, start=1)]
        if not short:
            console.print("Thành viên / members: " + ", ".join(f"TV{i} = {e(m)}" for i, m in enumerate(r.members, 1)),
                          soft_wrap=False)
        crit = Table(title="Tiêu chí / Criteria", box=None, header_style="bold")
        crit.add_column("no.", no_wrap=True)
        crit.add_column("tiêu chí / criterion", overflow="fold", max_width=60, ratio=1, min_width=16)
        for h in heads:
            crit.add_column(e(h), justify="right", no_wrap=True)
        crit.add_column("TB/mean", justify="right", no_wrap=True)
        crit.add_column("max", justify="right", no_wrap=True)
        for c in r.criteria:
            label = f"{e(c['label'])} — [italic]{e(c['gloss'])}[/]"
            if c.get("note"):
                label += f" [dim]({e(c['note'])})[/]"
            cells = ["–" if c["points"][m] is None else str(c["points"][m]) for m in r.members]
            crit.add_row(c["id"], label, *cells, f"{c['mean']:.2f}", str(c["max"]))
        console.print(crit, soft_wrap=False)

    decision = (f"Hạng theo điểm / band: {_stars(r.band_stars)} ({r.band_stars})   "
                f"Kết quả / stars: [bold]{_stars(r.stars)} ({r.stars})[/]\n"
                f"Trạng thái / status: [bold]{STATUS_TEXT[r.status]}[/]"
                + (f" — bởi cấp / by {r.recognised_by}" if r.recognised_by else "")
                + (f"\nChuyển lên cấp / escalate to: [bold]{r.escalate_to}[/]" if r.escalate_to else
                   "\nKhông chuyển cấp / not escalated"))
    console.print(Panel(decision, title="Quyết định / Decision", expand=False), soft_wrap=False)

    console.print("[bold]Vì sao / Why[/] (mỗi quy tắc đã áp dụng / every rule that fired):")
    for t in r.trace:
        if t["rule"].startswith("minimum.met") and not detail:
            continue
        console.print(f"  [cyan]{t['rule']}[/]: {e(t['vi'])}" + (f"\n      [dim]{e(t['en'])}[/]" if lang == "both" else ""))
    if r.unmet_minimums:
        console.print("[bold]Yêu cầu tối thiểu chưa đạt / unmet minimums:[/]")
        for u in r.unmet_minimums:
            console.print(f"  - {u['stars']}★: {e(u['requirement'])}" + (f" (TB/mean {u['mean']:.2f})" if u.get("mean") is not None else ""))
    if r.warnings:
        console.print("[bold yellow]Cảnh báo / Warnings:[/]")
        for w in r.warnings:
            console.print(f"  [yellow]![/] {e(w['vi'])}\n      [dim]{e(w['en'])}[/]")
    _render_next(r.next_star, console)


def _render_next(ns: dict[str, Any] | None, console: Console) -> None:
    """What blocks the next star: points, marked minimums, QĐ 781 findings, then the cheapest plan with
    its prerequisites (a plan that costs nothing but needs a requirement met must say so)."""
    from .whatif.cli_support import format_amount

    if not ns:
        return
    if ns.get("blocked_by") == "knockouts":
        console.print(f"[bold]Điều gì chặn hạng sao tiếp theo / What blocks the next star:[/] {e(ns['vi'])} / {e(ns['en'])}")
        return
    lines = [f"[bold]Để đạt {ns['stars']} sao / To reach {ns['stars']} stars:[/]"]
    if ns["points_needed"] > 0:
        lines.append(f"  - cần thêm {ns['points_needed']:.2f} điểm (ngưỡng {ns['band_min']:g}) / "
                     f"{ns['points_needed']:.2f} more points needed (band starts at {ns['band_min']:g})")
    for m in ns.get("minimums", []):
        lines.append(f"  - tiêu chí {m['criterion']} {e(m['label'])}: TB/mean {m['mean']:.2f} < {m['need']} "
                     f"(tối thiểu {m['stars']}★ / {m['stars']}★ minimum)")
    for f in ns.get("findings", []):
        lines.append(f"  - yêu cầu {f['stars']}★ chưa đạt (QĐ 781) / {f['stars']}★ requirement not met: {e(f['label'])}"
                     + (f" / {e(f['label_en'])}" if f.get("label_en") and f["label_en"] != f["label"] else ""))
    plan = ns.get("plan")
    if plan:
        unit = plan.get("cost_unit", "step")
        for pre in plan.get("prerequisites", []):
            lines.append(f"  Điều kiện tiên quyết / prerequisite ({pre['kind']}): {e(pre['id'])} — {e(pre['label'])}")
        if plan.get("feasible"):
            if plan["upgrades"]:
                lines.append(f"  Phương án rẻ nhất / cheapest plan ({format_amount(plan['cost'], unit)}):")
            else:
                lines.append("  Không cần nâng điểm tiêu chí nào / no criterion upgrade needed"
                             + (" — chỉ cần đáp ứng điều kiện tiên quyết / only the prerequisites"
                                if plan.get("prerequisites") else ""))
            for u in plan["upgrades"]:
                lines.append(f"    · {u['criterion']}: {u['from_points']} → {u['to_points']}"
                             + (f" ({e(u['label'])})" if u.get("label") else "") + f" — {format_amount(u['cost'], unit)}")
        else:
            lines.append(f"  Không khả thi / infeasible: {e(str(plan.get('reason')))}")
        for note in plan.get("notes", []):
            lines.append(f"  [dim]! {e(note)}[/]")
    if len(lines) == 1:
        lines.append("  (không có / nothing)")
    console.print("\n".join(lines))
