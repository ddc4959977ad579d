"""What the what-if commands share with the CLI: parameter types, help texts and plan printing.

A malformed --targets or --rewards used to escape as a ValueError (exit 1, "internal error"); the
parsers in `cohort` already say what is wrong, so the types only hand their message to click (exit
2 naming the option, the value and the allowed form). Kept free of heavy imports: `ocop --help`
loads this module.
"""
from __future__ import annotations

from typing import Any

import click
from ..terminal import escape as e

ASSUME_HELP = ("How an upgrade moves the council's sheets and is priced: all_members (default: every member moves "
               "to the new option, priced from the lowest member's option) or mean (priced as the mean over members "
               "of each member's own price). Both move the points the same way.")

PLAN_INPUT = ("bảng phiếu chấm của nhóm sản phẩm hoặc kết quả của `ocop score --json` / a cohort table of member sheets (.csv/.xlsx/.parquet/.jsonl, what `ocop batch` reads) or the "
              "Results of `ocop score --json` (.json list or .jsonl); `ocop batch` output carries totals and stars "
              "but not the per-criterion points a plan needs")


class _Pairs(click.ParamType):
    """STARS:VALUE pairs parsed by a function of `cohort` (its ValueError becomes click's exit 2)."""

    parser = ""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dict:
        from . import cohort

        if isinstance(value, dict):
            return value
        try:
            return getattr(cohort, self.parser)(value)
        except ValueError as exc:
            self.fail(f"{value!r}: {exc}", param, ctx)


class TargetsType(_Pairs):
    name, parser = "STARS:COUNT,…", "parse_targets"


class RewardsType(_Pairs):
    name, parser = "STARS:AMOUNT,…", "parse_rewards"


class AmountType(click.ParamType):
    """An amount ≥ 0 typed either way: 20000000, 20.000.000 (Vietnamese thousands dots), 1.234,5."""

    name = "AMOUNT"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        from ..cells import amount_number

        if isinstance(value, (int, float)) and not isinstance(value, bool):
            amount: float | None = float(value)
        else:
            amount = amount_number(str(value))
        if amount is None or amount != amount or amount in (float("inf"),) or amount < 0:
            self.fail(f"{value!r}: số tiền ≥ 0, ví dụ 20.000.000 hoặc 20000000 / an amount ≥ 0, e.g. 20.000.000 or "
                      "20000000", param, ctx)
        return amount


def format_amount(amount: float | None, unit: str) -> str:
    """Money with thousands separators and ₫; steps as 'bước/steps' (never 1.5e+07)."""
    if amount is None:
        return "—"
    if unit == "VND":
        return f"{amount:,.0f} ₫"
    text = f"{amount:,.2f}".rstrip("0").rstrip(".")
    return f"{text} bước/steps"


def print_plan(p, console, indent: str = "  ") -> None:
    """A product's plan, readable: prerequisites, why it is infeasible, upgrades, notes, the plan once cleared."""
    from ..result import STATUS_TEXT as STATUS_WORDS

    for pre in p.prerequisites:
        console.print(f"{indent}[red]điều kiện tiên quyết / prerequisite[/] ({pre['kind']}): {e(pre['id'])} — {e(pre['label'])}")
    if not p.feasible:
        console.print(f"{indent}[red]không khả thi / infeasible[/]: {e(str(p.reason))}")
    elif not p.upgrades:
        console.print(f"{indent}đã đạt, không cần nâng"
                      + (" khi đáp ứng các điều kiện tiên quyết" if p.prerequisites else "")
                      + " / already reached: no upgrade needed"
                      + (" once the prerequisites are met" if p.prerequisites else ""))
    for u in p.upgrades:
        who = (" [dim](từ = mức thấp nhất của / from = lowest of " + ", ".join(f"{e(m)} {v}" for m, v in u.from_by_member.items()) + ")[/]"
               if u.from_by_member else "")
        console.print(f"{indent}· {u.criterion} {e(u.label)}: {u.from_points} → {u.to_points}"
                      + (f" ({e(u.cost_label)})" if u.cost_label else "") + f" — {format_amount(u.cost, p.cost_unit)}{who}")
    if p.feasible and p.result_after is not None:
        console.print(f"{indent}tổng chi phí / total cost: [bold]{format_amount(p.cost, p.cost_unit)}[/]; "
                      f"sau phương án / after: {p.result_after.total:.2f} điểm / points, {p.result_after.stars}★ "
                      f"({STATUS_WORDS.get(p.result_after.status, p.result_after.status)})")
    for note in p.notes:
        console.print(f"{indent}[yellow]![/] {e(note)}")
    if p.if_cleared is not None:
        console.print(f"{indent}[bold]sau khi khắc phục điều kiện loại / once the knock-outs are cleared:[/]")
        print_plan(p.if_cleared, console, indent + "  ")
