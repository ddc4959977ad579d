#!/usr/bin/env python3
"""Build criteria/qd1048-2019/ (26 forms + set.json) from the reference texts.

Sources (read-only, beside the project):
  reference/ocop-1048-2019.md                     primary transcription ([OMM], §4) + decision facts (§1-§3)
  reference/qd1048-2019-second-transcription.csv  independent second transcription of all 26 forms (§7)

Precedence (ocop-1048-2019.md §7): encode §4's value unless §7 recommends the CSV's; every criterion is
cross-checked against the CSV and each difference is recorded in provenance.cross_check.differences.
  * Bộ #3  "Gạo, ngũ cốc": missing in §4 -> encoded from the CSV (single source).
  * Bộ #10 criterion 7 (Tính độc đáo): CSV 0/1/3/5 (§7 "use it"); §4's 0/1/2/3 recorded.
  * Bộ #6  criterion 6.2: CSV 0/1/2/3 (§7: §4's 0/1/3/3 "most likely a typo"); §4's recorded + anomaly.
  * Bộ #16, #19: §4 kept, Part C sums to 38 -> status partial.
  * Bộ #26: §4 shows the QĐ 781/2020 replacement tourism form; encoded as is. The CSV's set 26 is a
    different form (candidate original 1048 form): summarised in provenance, not encoded.

Run:  python tools/build_qd1048_2019.py
"""
from __future__ import annotations

import json
import re
import sys
from collections import OrderedDict
from pathlib import Path

import pandas as pd
from jsonschema import Draft202012Validator

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CRITERIA, REFERENCE, mark_no_story, nfc, slugify, write_json  # noqa: E402

SET_ID = "qd1048-2019"
MD_PATH = REFERENCE / "ocop-1048-2019.md"
CSV_PATH = REFERENCE / "qd1048-2019-second-transcription.csv"
OUT = CRITERIA / SET_ID
SCHEMA_DIR = CRITERIA / "schema"

MD_REF = "reference/ocop-1048-2019.md"
CSV_REF = "reference/qd1048-2019-second-transcription.csv"
OMM = ("[OMM] tranquangduc24011999/ommani_ocop @ 41b9b5404b641ad876e84e5aeccee38061bdc7f6, "
       "ocop-web-master/ocop-web-master/mysql/init.sql (phpMyAdmin dump 2022-07-29)")
SECOND = ("second transcription: congnn1107/ocop_project setup-data/database/OCOP_DB.sql @ "
          "c3fe8032274c617b2b17246dab6b67861ab7797f (reference/qd1048-2019-second-transcription.csv)")

PART_LABELS = {  # form part headings as printed in [ODB]/the second transcription ("Phần A: … (35 Điểm)")
    "A": ("SẢN PHẨM VÀ SỨC MẠNH CỦA CỘNG ĐỒNG", "Product and community strength"),
    "B": ("KHẢ NĂNG TIẾP THỊ", "Marketing capability"),
    "C": ("CHẤT LƯỢNG SẢN PHẨM", "Product quality"),
}
SET_PARTS = {"A": 35, "B": 25, "C": 40}

# --------------------------------------------------------------------------------------------------
# Form names (Bộ # = dataset order of §2), English names, aliases (other spellings in the sources)
# --------------------------------------------------------------------------------------------------
FORMS = OrderedDict([
    (1, ("Rau, củ, quả, hạt tươi", "Fresh vegetables, tubers, fruit and nuts", [])),
    (2, ("Thịt, trứng, sữa tươi", "Fresh meat, eggs and milk", [])),
    (3, ("Gạo, ngũ cốc", "Rice and cereals", [])),
    (4, ("Mật ong, các sản phẩm từ mật ong, mật khác", "Honey, honey products and other syrups", [])),
    (5, ("Đồ ăn nhanh", "Fast food", [])),
    (6, ("Chế biến từ gạo, ngũ cốc", "Processed rice and cereal products", [])),
    (7, ("Chế biến từ rau, củ, quả, hạt", "Processed vegetable, tuber, fruit and nut products", [])),
    (8, ("Chế biến từ thịt, trứng, sữa", "Processed meat, egg and dairy products", [])),
    (9, ("Chế biến từ thủy, hải sản", "Processed fishery and seafood products", [])),
    (10, ("Tương, nước mắm, gia vị lỏng khác", "Soy pastes, fish sauces and other liquid condiments",
          ["Tương, nước mắm, gia vị dạng lỏng khác"])),
    (11, ("Gia vị khác", "Other spices and condiments", [])),
    (12, ("Chè tươi, chế biến", "Fresh and processed tea", [])),
    (13, ("Các sản phẩm khác từ chè, trà", "Other tea products", [])),
    (14, ("Cà phê, ca cao", "Coffee and cocoa", [])),
    (15, ("Rượu trắng", "White spirits (rice and grain liquor)", [])),
    (16, ("Đồ uống có cồn khác", "Other alcoholic beverages", [])),
    (17, ("Nước khoáng thiên nhiên, nước uống tinh khiết", "Natural mineral water and purified drinking water", [])),
    (18, ("Đồ uống không cồn", "Non-alcoholic beverages", [])),
    (19, ("Thực phẩm chức năng, thuốc từ dược liệu, thuốc Y học cổ truyền",
          "Functional foods, herbal medicines and traditional medicines", [])),
    (20, ("Mỹ phẩm", "Cosmetics", [])),
    (21, ("Trang thiết bị, dụng cụ y tế", "Medical equipment and devices", [])),
    (22, ("Thảo dược khác", "Other herbal products", [])),
    (23, ("Thủ công mỹ nghệ, trang trí", "Decorative handicrafts", [])),
    (24, ("Thủ công mỹ nghệ gia dụng", "Household handicrafts", [])),
    (25, ("Vải, may mặc", "Textiles and garments", ["Ngành vải, may mặc"])),
    (26, ("Dịch vụ du lịch cộng đồng và điểm du lịch", "Community tourism services and tourist sites",
          ["Dịch vụ du lịch - truyền thống - lễ hội"])),
])

# QĐ 781/QĐ-TTg signed 08/6/2020 (reference §0.1): the only tourism form our sources have is its replacement form
TOURISM_781_FROM = "2020-06-08"

SECTOR_EN = {
    "Thực phẩm": "Food",
    "Đồ uống": "Beverages",
    "Thảo dược": "Herbal products",
    "Lưu niệm - nội thất - trang trí": "Souvenirs, furniture and decoration",
    "Vải và may mặc": "Textiles and garments",
    "Dịch vụ du lịch nông thôn, bán hàng": "Rural tourism services and sales",
}

# Glosses for labels that only the second transcription has (Bộ #3) or that need a remark.
EXTRA_GLOSS = {
    "Mùi, vị": "Smell and taste",
    "Công bố sản phẩm chất lượng": "Product quality declaration",
    "Sự tham gia của cộng đồng trong quản lý, điều hành": "Community participation in management",
}

KO_CATALOGUE = [
    ("raw-material-imported-or-unknown", "disqualify",
     "Bị loại nếu sử dụng toàn bộ nguyên liệu nhập khẩu hoặc không rõ (không có) nguồn gốc",
     "Disqualified if all raw material is imported or of unknown origin"),
    ("unacceptable-foreign-matter", "stop_evaluation",
     "Có tạp chất không chấp nhận được (nguy cơ mất ATTP): không đánh giá các bước tiếp theo",
     "Unacceptable foreign matter (food-safety risk): the remaining criteria are not evaluated"),
    ("sensory-zero-score", "stop_evaluation",
     "Nếu được 0 điểm tại một trong các chỉ tiêu cảm quan, sẽ không đánh giá các bước tiếp theo",
     "0 points on any sensory criterion: the remaining criteria are not evaluated"),
    ("food-safety-certificate-noncompliant", "stop_evaluation",
     "Không đánh giá các bước tiếp theo nếu Chứng nhận đủ điều kiện ATTP (hoặc tương đương) không phù hợp theo quy định",
     "Food-safety facility certificate (or equivalent) missing or not compliant: evaluation stops"),
    ("production-conditions-missing", "stop_evaluation",
     "Không đánh giá các bước tiếp theo nếu không có (hoặc không phù hợp) Giấy chứng nhận đủ điều kiện sản xuất",
     "Certificate of eligible production conditions missing or not compliant: evaluation stops"),
    ("product-notification-missing", "stop_evaluation",
     "Không đánh giá các bước tiếp theo nếu không có Phiếu công bố sản phẩm mỹ phẩm theo quy định",
     "Cosmetic product notification missing: evaluation stops"),
    ("standard-declaration-missing", "stop_evaluation",
     "Không đánh giá các bước tiếp theo nếu không có hồ sơ công bố tiêu chuẩn sản phẩm / Phiếu tiếp nhận hồ sơ công bố tiêu chuẩn áp dụng",
     "Product-standard declaration (or its acknowledgement) missing: evaluation stops"),
    ("ip-infringement", "disqualify",
     "Nếu sản phẩm vi phạm sở hữu trí tuệ, sẽ bị loại bỏ",
     "Disqualified on intellectual-property infringement"),
]
KO_IDS = {k[0] for k in KO_CATALOGUE}


# --------------------------------------------------------------------------------------------------
# Markdown parsing (§2 classification, §4.1 / §4.2 / §4.4 tables)
# --------------------------------------------------------------------------------------------------
def md_lines() -> list[str]:
    return MD_PATH.read_text(encoding="utf-8").splitlines()


def cells(line: str) -> list[str]:
    parts = line.strip().strip("|").split("|")
    return [p.strip() for p in parts]


def unbold(s: str) -> str:
    return nfc(s.replace("**", ""))


SECTION_RE = re.compile(r"^\*\*([ABC])(\d+)\*\* \(§(\d+)\)$")
NUM_RE = re.compile(r"^\d+(\.\d+)*$")
NOTE_PREFIX = "*Ghi chú/note:*"
SUBGROUP_PREFIX = "_(nhóm con / sub-group header)_"
CASE_RE = re.compile(r"^\((TH ([ab])|thang ([12]))\)\s*(.*)$")


def parse_table(lines: list[str]) -> list[dict]:
    """Parse one §4 table into a flat list of sections with their criteria rows (in printed order)."""
    sections: list[dict] = []
    crit = None
    for line in lines:
        if not line.startswith("|"):
            continue
        c = cells(line)
        if len(c) != 6:
            raise ValueError(f"unexpected table row: {line!r}")
        if c[0].startswith("Mã /") or (c[0] and set(c[0]) <= {"-"}):
            continue
        m = SECTION_RE.match(c[0])
        if m:
            sections.append({"part": m.group(1), "code": f"{m.group(1)}{m.group(2)}", "no": m.group(3),
                             "label": unbold(c[1]), "gloss": nfc(c[2]), "max": int(unbold(c[3])), "crits": []})
            crit = None
            continue
        if c[0]:
            if not NUM_RE.match(c[0]):
                raise ValueError(f"bad criterion number {c[0]!r}")
            crit = {"number": c[0], "label": nfc(c[1]), "gloss": nfc(c[2]), "max": int(c[3]),
                    "notes": [], "options": [], "subgroup": False}
            sections[-1]["crits"].append(crit)
        elif any(c[:4]):
            raise ValueError(f"unexpected row {line!r}")
        cell, pts = c[4], c[5]
        if not cell:
            continue
        if cell.startswith(NOTE_PREFIX):
            crit["notes"].append(nfc(cell[len(NOTE_PREFIX):]))
        elif cell.startswith(SUBGROUP_PREFIX):
            crit["subgroup"] = True
            rest = cell[len(SUBGROUP_PREFIX):].strip()
            if rest:
                rest = re.sub(r"^—\s*\*Ghi chú:\*\s*", "", rest)
                crit["notes"].append(nfc(rest))
        else:
            if pts == "":
                raise ValueError(f"option without points: {line!r}")
            text = nfc(cell)
            case = None
            mc = CASE_RE.match(text)
            if mc:
                case = mc.group(2) or mc.group(3)
                text = nfc(mc.group(4))
            opt = {"points": int(pts), "text": text}
            if case:
                opt["case"] = case
            crit["options"].append(opt)
    return sections


def split_md(lines: list[str]) -> dict:
    """Locate §2 table, §4.1 table, §4.2 table and every '### Bộ #N' block of §4.4."""
    def find(prefix: str, start: int = 0) -> int:
        for i in range(start, len(lines)):
            if lines[i].startswith(prefix):
                return i
        raise KeyError(prefix)
    s2 = find("## 2. ")
    s3 = find("## 3. ")
    s41 = find("### 4.1 ")
    s42 = find("### 4.2 ")
    s43 = find("### 4.3 ")
    s44 = find("### 4.4 ")
    s5 = find("## 5. ")
    blocks: dict[int, list[str]] = {}
    heads = [i for i in range(s41, s5) if re.match(r"^### Bộ #\d+ ", lines[i])]
    for j, i in enumerate(heads):
        n = int(re.match(r"^### Bộ #(\d+) ", lines[i]).group(1))
        end = heads[j + 1] if j + 1 < len(heads) else s5
        if n == 1:
            end = s42
        blocks[n] = lines[i:end]
    return {"s2": lines[s2:s3], "s42": lines[s42:s43], "s43": lines[s43:s44], "blocks": blocks}


def parse_block(block: list[str]) -> dict:
    head = block[0]
    m = re.match(r"^### Bộ #(\d+) — (.+?)\s+`\[(.+)\]`$", head)
    info = {"no": int(m.group(1)), "heading_name": nfc(m.group(2)), "status_text": m.group(3),
            "bullets": [], "one_one_note": None, "one_two": None, "two_three_note": None}
    for l in block[1:]:
        if l.startswith("- Status:") or l.startswith("- Source rows:") or l.startswith("- Sub-totals"):
            info["bullets"].append(nfc(l[2:]))
        if l.startswith("- 1.1 note:"):
            info["one_one_note"] = nfc(re.match(r"^- 1\.1 note: \*(.+)\*$", l).group(1))
        if l.startswith("- 2.3 note:"):
            info["two_three_note"] = nfc(re.match(r"^- 2\.3 note: \*(.+)\*$", l).group(1))
        if l.startswith("- **1.2 Gia tăng giá trị**"):
            rest = l.split("options for this set: ", 1)[1]
            opts = [{"points": int(p), "text": nfc(t)} for t, p in re.findall(r"\s*(.+?) = \*\*(\d+)\*\*;?", rest)]
            info["one_two"] = opts
    table = [l for l in block if l.startswith("|")]
    info["sections"] = parse_table(table) if table else []
    return info


def parse_classification(s2: list[str]) -> list[dict]:
    rows = []
    for l in s2:
        if not re.match(r"^\| \d+ \|", l):
            continue
        c = cells(l)
        rows.append({"number": int(c[0]), "sector": c[1], "group": c[2], "subgroup": c[3], "ministry": c[4]})
    assert [r["number"] for r in rows] == list(range(1, 27)), rows
    return rows


# --------------------------------------------------------------------------------------------------
# Tree building
# --------------------------------------------------------------------------------------------------
def leaf_max(options: list[dict]) -> int:
    return max(o["points"] for o in options)


def make_leaf(number, label, gloss, options, notes=None, cases=None) -> dict:
    node = {"number": number, "label": nfc(label), "gloss": gloss, "max": leaf_max(options)}
    if notes:
        node["notes"] = notes
    if cases:
        node["cases"] = cases
    node["options"] = options
    return node


TH_CASES = [{"id": "a", "label": "Trường hợp a"}, {"id": "b", "label": "Trường hợp b"}]
TH_NOTE = ("Nhãn 'Trường hợp a' / 'Trường hợp b' do người mã hóa đặt: tiêu đề hai trường hợp không có trong dữ liệu "
           "nguồn (case headings are not in the datasets; the reading TH a = units with a management board or a "
           "tổ hợp tác, TH b = units run by one director / household head is UNCONFIRMED)")
THANG_CASES = [{"id": "1", "label": "Thang 1"}, {"id": "2", "label": "Thang 2"}]
THANG_NOTE = ("Hai thang điểm thay thế trong dữ liệu (thang 1 / thang 2); tiêu đề không có trong nguồn — thang 1 "
              "ghi cho cộng đồng nhiều cơ sở dịch vụ, thang 2 cho một điểm/cơ sở du lịch (presumably 'Cộng đồng du "
              "lịch' vs 'Điểm du lịch' — UNCONFIRMED)")


def classify_note(note: str, crit_label: str) -> tuple[str | None, str | None, str | None]:
    """Return (knockout id, knock-out text, remaining note text) for a printed note."""
    low = note.lower()
    ko = None
    if "bị loại nếu sử dụng toàn bộ nguyên liệu" in low:
        ko = "raw-material-imported-or-unknown"
    elif "sở hữu trí tuệ" in low:
        ko = "ip-infringement"
    elif "nếu được 0 điểm tại một trong các chỉ tiêu trên" in low:
        ko = "sensory-zero-score"
    elif "không đánh giá các bước tiếp theo" in low and "đủ điều kiện attp" in low:
        ko = "food-safety-certificate-noncompliant"
    elif "không đánh giá các bước tiếp theo" in low and "đủ điều kiện sản xuất" in low:
        ko = "production-conditions-missing"
    elif "không đánh giá các bước tiếp theo" in low and "phiếu công bố sản phẩm mỹ phẩm" in low:
        ko = "product-notification-missing"
    elif "không đánh giá các bước tiếp theo" in low and "công bố tiêu chuẩn" in low:
        ko = "standard-declaration-missing"
    elif ("tạp chất" in low and ("không đánh giá các bước tiếp theo" in low or "không xem xét các chỉ tiêu khác" in low)):
        ko = "unacceptable-foreign-matter"
    elif "nếu bị 0 điểm, sẽ không đánh giá" in low and "tạp chất" in crit_label.lower():
        ko = "unacceptable-foreign-matter"
    if ko is None:
        if re.search(r"bị loại|loại bỏ|không đánh giá|không xem xét", low):
            raise ValueError(f"unclassified knock-out-like note: {note!r}")
        return None, None, note
    # a note that says more than the knock-out keeps its other part in notes
    m = re.match(r"^(\(.+?\))\s+(Ghi chú: .+)$", note)
    if m and ko == "ip-infringement":
        return ko, m.group(2), m.group(1)
    return ko, note, None


def build_section_nodes(sections: list[dict], form_no: int, anomalies: list) -> dict[str, list]:
    """Turn parsed §4 sections into part -> [nodes]."""
    parts: dict[str, list] = {"A": [], "B": [], "C": []}
    for sec in sections:
        sec_note = f"Mã mục {sec['code']} (mục §{sec['no']} của phiếu)"
        crits = sec["crits"]
        if len(crits) == 1 and crits[0]["number"] == sec["no"]:  # section scored directly: a single leaf
            node = crit_node(crits[0], form_no)
            node.setdefault("notes", []).insert(0, sec_note)
            parts[sec["part"]].append(node)
            check_printed_max(node, crits[0]["max"], form_no, anomalies)
            continue
        children: list[dict] = []
        sub = None
        for cr in crits:
            if cr["subgroup"]:
                sub = {"number": cr["number"], "label": cr["label"], "gloss": cr["gloss"], "max": 0,
                       "printed_max": cr["max"], "raw_notes": cr["notes"], "children": []}
                children.append(sub)
                continue
            node = crit_node(cr, form_no)
            check_printed_max(node, cr["max"], form_no, anomalies)
            if sub is not None and cr["number"].startswith(sub["number"] + "."):
                sub["children"].append(node)
            else:
                sub = None
                children.append(node)
        for ch in children:
            if "printed_max" in ch:
                pm = ch.pop("printed_max")
                raw = ch.pop("raw_notes")
                notes, kos = [], []
                for n in raw:
                    ko, kot, rest = classify_note(n, ch["label"])
                    if ko:
                        kos.append({"id": ko, "text": kot})
                    if rest:
                        notes.append(rest)
                notes.append("Nhóm con (sub-group header); điểm = tổng các tiêu chí con")
                ch["max"] = sum(x["max"] for x in ch["children"])
                ch = reorder(ch, notes, kos)
                if ch["max"] != pm:
                    raise AssertionError(f"#{form_no} sub-group {ch['number']}: {ch['max']} != printed {pm}")
        children = [reorder_existing(ch) for ch in children]
        head = {"number": sec["no"], "label": sec["label"], "gloss": sec["gloss"],
                "max": sum(x["max"] for x in children), "notes": [sec_note], "children": children}
        if head["max"] != sec["max"]:
            anomalies.append({"kind": "other", "criterion": sec["no"],
                              "description": f"Section §{sec['no']} is printed with max {sec['max']} in §4; its "
                                             f"criteria sum to {head['max']}."})
        parts[sec["part"]].append(head)
    return parts


def reorder(node: dict, notes: list, kos: list) -> dict:
    node.pop("notes", None)
    node.pop("knockouts", None)
    if notes:
        node["notes"] = notes
    if kos:
        node["knockouts"] = kos
    return node


def reorder_existing(node: dict) -> dict:
    order = ["number", "printed", "label", "gloss", "max", "applies_when", "notes", "knockouts", "cases", "options",
             "children"]
    return {k: node[k] for k in order if k in node}


def crit_node(cr: dict, form_no: int) -> dict:
    notes, kos = [], []
    applies = None
    cases = None
    for n in cr["notes"]:
        ko, kot, rest = classify_note(n, cr["label"])
        if ko:
            kos.append({"id": ko, "text": kot})
        if rest:
            notes.append(rest)
        if "chỉ áp dụng khi có câu chuyện" in n.lower():
            applies = "story_exists"
    opts = [dict(o) for o in cr["options"]]
    case_ids = sorted({o["case"] for o in opts if "case" in o})
    if case_ids == ["a", "b"]:
        cases = TH_CASES
        notes.append(TH_NOTE)
    elif case_ids == ["1", "2"]:
        cases = THANG_CASES
        notes.append(THANG_NOTE)
    elif case_ids:
        raise AssertionError(case_ids)
    if cases and any("case" not in o for o in opts):
        raise AssertionError(f"#{form_no} {cr['number']}: options without case")
    node = {"number": cr["number"], "label": cr["label"], "gloss": cr["gloss"], "max": leaf_max(opts)}
    if applies:
        node["applies_when"] = applies
    if notes:
        node["notes"] = notes
    if kos:
        node["knockouts"] = kos
    if cases:
        node["cases"] = cases
    node["options"] = opts
    return node


def check_printed_max(node: dict, printed: int, form_no: int, anomalies: list) -> None:
    if node["max"] != printed:
        raise AssertionError(f"#{form_no} {node['number']}: best option {node['max']} != printed max {printed}")


# --------------------------------------------------------------------------------------------------
# Second transcription (CSV)
# --------------------------------------------------------------------------------------------------
def csv_num(s: str) -> str:
    m = re.match(r"^\s*([\d.\s]+)", s)
    return re.sub(r"\s+", "", m.group(1)).strip(".")


def csv_label(s: str) -> str:
    return nfc(re.sub(r"^\s*[\d.\s]+", "", s))


def load_csv() -> dict[int, list[dict]]:
    df = pd.read_csv(CSV_PATH)
    out: dict[int, list[dict]] = {}
    for set_no, x in df.groupby("set_no", sort=True):
        crits: list[dict] = []
        key = None
        for r in x.itertuples():
            k = (r.part_id, r.group_id, r.criterion_id)
            if k != key:
                key = k
                crits.append({"part_id": int(r.part_id), "part": nfc(r.part), "group_no": csv_num(r.group),
                              "group": csv_label(r.group), "number": csv_num(r.criterion),
                              "label": csv_label(r.criterion), "options": []})
            crits[-1]["options"].append({"points": int(r.points), "text": nfc(r.option)})
        # group sizes: "N.1" as the only criterion of group N stands for the directly scored group "N"
        sizes: dict[tuple, int] = {}
        for c in crits:
            sizes[(c["part_id"], c["group_no"])] = sizes.get((c["part_id"], c["group_no"]), 0) + 1
        for c in crits:
            c["group_size"] = sizes[(c["part_id"], c["group_no"])]
        out[int(set_no)] = crits
    return out


def leaves(nodes: list[dict]) -> list[dict]:
    out = []
    for n in nodes:
        if "options" in n:
            out.append(n)
        else:
            out.extend(leaves(n["children"]))
    return out


def form_leaves(form: dict) -> list[dict]:
    return [l for p in form["parts"] for l in leaves(p["children"])]


def match_csv(form_leaves_: list[dict], csv_crits: list[dict]) -> list[tuple[dict | None, dict | None, str]]:
    """Pair encoded leaves with CSV criteria by criterion number (positional inside sections that the CSV
    flattens, e.g. 6.1.1…6.2.3 -> 6.1…6.6)."""
    enc_by_num = {l["number"]: l for l in form_leaves_}
    pairs: list[tuple[dict | None, dict | None, str]] = []
    used: set[str] = set()
    # sections of the encoded form that have depth-3 leaves
    deep_sections = sorted({l["number"].split(".")[0] for l in form_leaves_ if l["number"].count(".") >= 2})
    for sec in deep_sections:
        enc = [l for l in form_leaves_ if l["number"].split(".")[0] == sec]
        oth = [c for c in csv_crits if c["part_id"] == 3 and c["group_no"] == sec]
        for i in range(max(len(enc), len(oth))):
            e = enc[i] if i < len(enc) else None
            o = oth[i] if i < len(oth) else None
            pairs.append((e, o, "position"))
            if e:
                used.add(e["number"])
            if o:
                o["_used"] = True
    for c in csv_crits:
        if c.get("_used"):
            continue
        num = c["number"]
        cand = num
        if num not in enc_by_num and c["group_size"] == 1 and num.endswith(".1") and num[:-2] in enc_by_num:
            cand = num[:-2]
        e = enc_by_num.get(cand)
        if e is not None and cand not in used:
            used.add(cand)
            pairs.append((e, c, "number"))
        else:
            pairs.append((None, c, "number"))
    for l in form_leaves_:
        if l["number"] not in used:
            pairs.append((l, None, "number"))
    for c in csv_crits:
        c.pop("_used", None)
    return pairs


def ladder(opts: list[dict]) -> list[int]:
    return sorted(o["points"] for o in opts)


# --------------------------------------------------------------------------------------------------
# Forms
# --------------------------------------------------------------------------------------------------
def common_ab(common_sections: list[dict]) -> list[dict]:
    return common_sections


def set_option_points(node: dict, new_points: list[int], flag: str) -> None:
    assert len(node["options"]) == len(new_points)
    for o, p in zip(node["options"], new_points):
        if o["points"] != p:
            o["flag"] = flag
            o["points"] = p
    node["max"] = leaf_max(node["options"])


def recompute(nodes: list[dict]) -> int:
    total = 0
    for n in nodes:
        if "children" in n:
            n["max"] = recompute(n["children"])
        total += n["max"]
    return total


def find_node(nodes: list[dict], number: str) -> dict | None:
    for n in nodes:
        if n["number"] == number:
            return n
        if "children" in n:
            r = find_node(n["children"], number)
            if r:
                return r
    return None


def form_find(form: dict, number: str) -> dict:
    for p in form["parts"]:
        r = find_node(p["children"], number)
        if r:
            return r
    raise KeyError(number)


def build_parts(node_parts: dict[str, list]) -> list[dict]:
    parts = []
    for p in "ABC":
        label, label_en = PART_LABELS[p]
        children = [reorder_existing(n) for n in node_parts[p]]
        parts.append({"part": p, "label": label, "label_en": label_en,
                      "max": recompute(children), "children": children})
    return parts


def apply_ab_specifics(node_parts: dict[str, list], info: dict, form_no: int) -> None:
    """Set-specific items of Parts A/B on top of the common block (§4.2 + §4.4 bullets)."""
    a1 = node_parts["A"][0]
    one_one = find_node([a1], "1.1")
    one_one.pop("knockouts", None)
    if info["one_one_note"]:
        ko, kot, rest = classify_note(info["one_one_note"], one_one["label"])
        assert ko == "raw-material-imported-or-unknown" and rest is None
        one_one["knockouts"] = [{"id": ko, "text": kot}]
    one_two = find_node([a1], "1.2")
    assert info["one_two"], form_no
    one_two["options"] = info["one_two"]
    one_two["max"] = leaf_max(info["one_two"])
    assert one_two["max"] == 3
    one_three = find_node([a1], "1.3")
    if form_no in (5, 6, 7, 9):  # §4.2: "Năng lực sản xuất để phân phối" (Chế biến từ gạo/rau/thủy sản, Đồ ăn nhanh)
        one_three["label"] = "Năng lực sản xuất để phân phối"
    else:
        one_three["label"] = "Năng lực sản xuất đáp ứng yêu cầu phân phối"
    if info["two_three_note"]:
        two_three = find_node(node_parts["A"], "2.3")
        two_three["notes"] = [info["two_three_note"]]


def deep_copy(x):
    return json.loads(json.dumps(x, ensure_ascii=False))


def build_from_md(no: int, info: dict, common_sections: list[dict], form: dict) -> None:
    anomalies = form["provenance"]["anomalies"]
    if no == 1 or no == 26:
        node_parts = build_section_nodes(info["sections"], no, anomalies)
    else:
        ab = build_section_nodes(deep_copy(common_sections), no, anomalies)
        c = build_section_nodes(info["sections"], no, anomalies)
        assert not c["A"] and not c["B"] and not ab["C"]
        node_parts = {"A": ab["A"], "B": ab["B"], "C": c["C"]}
        apply_ab_specifics(node_parts, info, no)
    form["parts"] = build_parts(node_parts)


def csv_note_split(label: str) -> tuple[str, list[str]]:
    m = re.match(r"^(.*?)\s*\(\(?((?:Gồm:|Phiếu kiểm nghiệm|Chỉ áp dụng).*?)\)?\)$", label)
    if m:
        return nfc(m.group(1)), [nfc(m.group(2))]
    return label, []


def build_from_csv(no: int, crits: list[dict], gloss: dict, form: dict) -> None:
    """Bộ #3: encode the second transcription (the only source of this form)."""
    anomalies = form["provenance"]["anomalies"]
    part_of = {1: "A", 2: "B", 3: "C"}
    node_parts: dict[str, list] = {"A": [], "B": [], "C": []}
    groups: "OrderedDict[tuple, dict]" = OrderedDict()
    for c in crits:
        groups.setdefault((c["part_id"], c["group_no"]), {"label": c["group"], "crits": []})["crits"].append(c)
    story_note = None
    for (pid, gno), g in groups.items():
        glabel = g["label"]
        if len(g["crits"]) == 1 and g["crits"][0]["number"] in (gno, gno + ".1") and pid == 3:
            c = g["crits"][0]
            label = glabel
            gl = gloss[label]
            notes = [f"Mục §{gno} của phiếu; chấm trực tiếp (bản phiên âm thứ hai ghi tiêu chí '{c['number']}')"]
            if no == 3 and gno == "8":
                gl = "Uniqueness / distinctiveness (heading mislabelled in the source)"
                notes.append("Tiêu đề in là 'CÔNG BỐ CHẤT LƯỢNG SẢN PHẨM' nhưng các lựa chọn là thang Tính độc đáo "
                             "(Trung bình / Tương đối độc đáo / Độc đáo / Rất độc đáo)")
                anomalies.append({"kind": "wording", "criterion": "8",
                                  "description": "Section §8 is headed 'CÔNG BỐ CHẤT LƯỢNG SẢN PHẨM' in the second "
                                                 "transcription, but its options are the Tính độc đáo ladder "
                                                 "(0/1/3/5) and §9 is the quality-declaration section: the heading "
                                                 "is almost certainly mislabelled (kept as printed)."})
            node_parts[part_of[pid]].append(make_leaf(gno, label, gl, c["options"], notes=notes))
            continue
        children = []
        for c in g["crits"]:
            label, notes = csv_note_split(c["label"])
            opts = [dict(o) for o in c["options"]]
            node = {"number": c["number"], "label": label, "gloss": gloss[label]}
            cases = None
            if c["number"] == "5.1" and notes and notes[0].startswith("Chỉ áp dụng"):
                story_note = notes.pop()
            if c["number"] == "3.2":
                for o in opts:
                    o["case"] = "b" if "(Đối với Công ty TNHH 1 thành viên" in o["text"] else "a"
                cases = TH_CASES
                notes = ["Lựa chọn một trong hai trường hợp (the second transcription marks the scope of each "
                         "option in brackets: '(Đối với Công ty TNHH 2 thành viên trở lên, công ty cổ phần, HTX, "
                         "Tổ hợp tác)' = a; '(Đối với Công ty TNHH 1 thành viên, doanh nghiệp tư nhân, hộ gia "
                         "đình)' = b)", TH_NOTE]
            if c["number"] in ("5.2", "5.3"):
                node["applies_when"] = "story_exists"
            if c["number"] == "5.2":
                notes = [story_note] + notes
            node["max"] = leaf_max(opts)
            if notes:
                node["notes"] = notes
            if cases:
                node["cases"] = cases
            node["options"] = opts
            children.append(node)
        node_parts[part_of[pid]].append({"number": gno, "label": glabel, "gloss": gloss[glabel],
                                         "max": sum(x["max"] for x in children), "children": children})
    anomalies.append({"kind": "other", "criterion": "5.2",
                      "description": "The second transcription prints '(Chỉ áp dụng khi có câu chuyện, đánh giá nội "
                                     "dung câu chuyện)' in the label of 5.1 (in all 26 of its forms), whereas [OMM] "
                                     "prints it under 5.2; encoded on 5.2 as in every other form (applies_when "
                                     "story_exists on 5.2 and 5.3)."})
    form["parts"] = build_parts(node_parts)


# --------------------------------------------------------------------------------------------------
# Cross-check
# --------------------------------------------------------------------------------------------------
def cross_check(form: dict, csv_crits: list[dict]) -> tuple[int, int, list[dict], list[tuple]]:
    pairs = match_csv(form_leaves(form), csv_crits)
    agree, differ, diffs = 0, 0, []
    for e, o, how in pairs:
        if e is not None and o is not None and ladder(e["options"]) == ladder(o["options"]):
            agree += 1
            continue
        differ += 1
        if e is None:
            diffs.append({"criterion": o["number"], "other": ladder(o["options"]),
                          "description": f"Only in the second transcription: '{o['number']} {o['label']}' "
                                         f"(points {ladder(o['options'])}); not in §4 — not encoded."})
        elif o is None:
            diffs.append({"criterion": e["number"], "encoded": ladder(e["options"]),
                          "description": f"Not in the second transcription (criterion {e['number']} {e['label']})."})
        else:
            where = "" if how == "number" or e["number"] == o["number"] else \
                f" (matched by position: the second transcription numbers it {o['number']} '{o['label']}')"
            diffs.append({"criterion": e["number"], "encoded": ladder(e["options"]), "other": ladder(o["options"]),
                          "description": f"Point ladders differ{where}: encoded {ladder(e['options'])} (§4 [OMM]), "
                                         f"second transcription {ladder(o['options'])}."})
    return agree, differ, diffs, pairs


_SHIFT4 = ("Row misalignment in the second transcription (set 4): its 9.1 holds the options of both 9.1 and 9.2 "
           "([0,1,2] + [0,1,2,3]), its 9.2 the options of §10 Đảm bảo chất lượng, its 10.1 those of §11 Cơ hội thị "
           "trường toàn cầu, and §11 is missing. Realigned, the points agree with §4; counted as differing, but there "
           "is no doubt on §4's values. ")
NOTE16 = {  # Bộ #16 "Đồ uống có cồn khác": where the second transcription's Part C comes from
    "6.2": "The second transcription's 6.2 reads 'Màu tổng hợp' 0 / 'Tương đối phù hợp…' 1 / 'Phù hợp…' 2 / 'Rất "
           "phù hợp với đặc tính sản phẩm' 3. Unresolved (§7) — §4 kept.",
    "6.3": "The second transcription's 6.3 Mùi is word for word the 'Rượu trắng' ladder (possibly copied from it). "
           "Unresolved (§7) — §4 kept.",
    "6.5": "The second transcription's 6.5 Vị is word for word the 'Rượu trắng' ladder (possibly copied from it). "
           "Unresolved (§7) — §4 kept.",
    "7": "0/2/3/5 is also the 'Rượu trắng' ladder of criterion 7. Unresolved (§7) — §4 kept.",
}
SPECIAL_DIFFS = {
    (4, "9.1"): _SHIFT4 + "Here: second transcription 9.1 = [0,0,1,1,2,2,3], §4 9.1 = [0,1,2].",
    (4, "9.2"): _SHIFT4 + "Here: second transcription 9.2 = [0,1,2,3,4,5] (the §10 ladder), §4 9.2 = [0,1,2,3].",
    (4, "10"): _SHIFT4 + "Here: second transcription 10.1 = [1,3,5] (the §11 ladder), §4 10 = [0,1,2,3,4,5].",
    (4, "11"): _SHIFT4 + "Here: §11 (1/3/5) has no row of its own in the second transcription.",
    (7, "3.1"): ("The second transcription lists only the options worth 1 and 2: the option 'HTX tổ chức, hoạt động "
                 "theo Luật HTX 2012 …' = 3 is missing (a dropped row — 3.1 is 1/2/3 in every other form of both "
                 "transcriptions, and Part A sums to 35 only with it). §4 kept; no doubt on its points."),
    (17, "7"): ("The second transcription reads Trung bình 0, Tương đối độc đáo 2, Độc đáo 5, Rất độc đáo 0 — a top "
                "option worth 0 is implausible (its Part C would be 35); §4's 0/2/5/10 brings Part C to 40. §4 kept."),
}


# --------------------------------------------------------------------------------------------------
# Main assembly
# --------------------------------------------------------------------------------------------------
def new_form(no: int) -> dict:
    name, name_en, aliases = FORMS[no]
    return {
        "criteria_set": SET_ID,
        "slug": slugify(name),
        "aliases": [slugify(a) for a in aliases],
        "number": no,
        "code": None,
        "name": name,
        "name_en": name_en,
        "status": "complete",
        "provenance": {"sources": [], "tag": "DATASET", "cross_check": {"status": "single-source"},
                       "anomalies": [], "notes": []},
        "knockouts": [],
        "parts": [],
    }


def gloss_dict(infos: dict, common: list[dict]) -> dict:
    g: dict[str, str] = {}
    for secs in [common] + [i["sections"] for i in infos.values()]:
        for s in secs:
            g.setdefault(s["label"], s["gloss"])
            for c in s["crits"]:
                g.setdefault(c["label"], c["gloss"])
    g.update({k: v for k, v in EXTRA_GLOSS.items() if k not in g})
    return g


def main() -> None:
    lines = md_lines()
    parts_md = split_md(lines)
    infos = {n: parse_block(b) for n, b in parts_md["blocks"].items()}
    assert sorted(infos) == list(range(1, 27)), sorted(infos)
    common = parse_table([l for l in parts_md["s42"] if l.startswith("|")])
    classification_md = parse_classification(parts_md["s2"])
    csv = load_csv()
    gloss = gloss_dict(infos, common)

    forms: dict[int, dict] = {}
    totals_agree = totals_differ = 0
    for no in FORMS:
        form = new_form(no)
        prov = form["provenance"]
        info = infos.get(no)
        if no == 3:
            build_from_csv(no, csv[3], gloss, form)
            prov["sources"] = [f"{CSV_REF} (set_no 3) — {SECOND}: the only source of this form",
                               f"{MD_REF} §2 (classification), §4.3 ('GAP (form not found)'), §7 ('use it')"]
            prov["cross_check"] = {"status": "single-source", "against": SECOND}
            prov["notes"] += [
                "§4 has no form for 'Gạo, ngũ cốc' ([OMM] lists the product type with no questions; its 31 rows were "
                "mis-assigned as duplicates of 'Chế biến từ gạo, ngũ cốc'). Encoded from the second transcription "
                "alone, as §7 recommends; single source, not cross-checked.",
                "Criterion numbers: the second transcription numbers directly scored sections as 7.1, 8.1, 10.1, "
                "11.1; encoded as 7, 8, 10, 11 like every other form of this set.",
                "Parenthesised notes in the second transcription's labels (4.2, 9.2) are moved to notes.",
            ]
            prov["anomalies"].append({
                "kind": "other",
                "description": "The second transcription carries no 'Ghi chú' notes at all (for any form). The "
                               "knock-out notes printed on the other forms (1.1 raw material imported/unknown, "
                               "sensory foreign matter, food-safety certificate under 'Đảm bảo chất lượng') are "
                               "therefore unknown for this form and are NOT encoded — GAP; §1.4b's statement that "
                               "1.1 carries the note in all sets except the two fresh sets was derived from [OMM], "
                               "which has no questions for this set."})
        else:
            build_from_md(no, info, common, form)
            src_line = next((b for b in info["bullets"] if b.startswith("Source rows:")), None)
            sec = "§4.1" if no == 1 else "§4.4"
            prov["sources"] = [f"{MD_REF} {sec} (Bộ #{no}) — {OMM}" + (f"; {src_line}" if src_line else "")]
            if no not in (1, 26):
                prov["sources"].append(f"{MD_REF} §4.2 (common Parts A/B, copied from Bộ #7) + the set-specific "
                                       f"items listed under Bộ #{no} in §4.4")
            if no == 26:
                prov["sources"].append(f"{CSV_REF} (set_no 26) — {SECOND}: a different form (candidate original "
                                       f"1048 tourism form), summarised in notes, not a transcription of this one")
            else:
                prov["sources"].append(f"{CSV_REF} (set_no {no}) — {SECOND}: cross-check")
            status_b = next((b for b in info["bullets"] if b.startswith("Status:")), None)
            if status_b:
                prov["notes"].append(f"§4 {status_b} [{info['status_text']}]")
            if no not in (1, 26):
                prov["notes"].append(
                    "Parts A/B wording follows §4.2's common block (copied from Bộ #7). §4.2 lists wording variants "
                    "between forms without attributing them per form (1.4 'Liên kết chuỗi trong sản xuất' vs "
                    "'Liên kết sản xuất'; 2.3 'Phong cách của bao bì' vs 'Phong cách, hình thức của bao bì'; 2.1 "
                    "option 1 with/without 'chỉ thay đổi nhãn hiệu,'; 2.2 options 2–3 'Bao bì phù hợp' vs 'Bao bì "
                    "đơn giản'; 5.1 options 3–5 'trình bày trên' vs 'được sử dụng (cả) trên'): no point differences. "
                    "The 1.3 label is set per §4.2's list.")
            if no != 26:
                prov["anomalies"].append({
                    "kind": "wording", "criterion": "2.1",
                    "description": "Option worth 3 reads '…bảo tồn sản phẩm truyền thông/…' in the datasets — "
                                   "almost certainly a typo for 'truyền thống'; kept as printed."})
        forms[no] = form

    # Bộ #14: 6.1.3 printed twice (Màu sắc, Mùi)
    f14 = forms[14]
    sub = form_find(f14, "6.1")
    dup = [c for c in sub["children"] if c["number"] == "6.1.3"]
    assert len(dup) == 2 and dup[1]["label"] == "Mùi"
    dup[1]["number"] = "6.1.5"
    dup[1]["printed"] = "6.1.3"
    dup[1]["notes"] = dup[1].get("notes", []) + [
        "In là '6.1.3' (trùng số với 'Màu sắc'); mã hóa là 6.1.5 để số tiêu chí là duy nhất — printed '6.1.3' "
        "(duplicate); renumbered 6.1.5 so that numbers stay unique"]
    dup[1].update(reorder_existing(dup[1]))
    f14["provenance"]["anomalies"].append({
        "kind": "numbering", "criterion": "6.1.5",
        "description": "§4 prints 6.1.1 Tạp chất lạ, 6.1.2 Trạng thái/hình dạng, 6.1.3 Màu sắc, 6.1.3 Mùi, 6.1.4 Vị "
                       "(6.1.3 twice). The second 6.1.3 (Mùi, 0/1/2) is encoded as 6.1.5 so that every printed "
                       "unique number keeps its meaning (6.1.4 stays Vị); the second transcription numbers the "
                       "sensory criteria 6.1–6.8 flat (Mùi = 6.4)."})
    # ---- §7-directed changes ---------------------------------------------------------------------------
    f6 = forms[6]
    n = form_find(f6, "6.2")
    md_62 = ladder(n["options"])
    set_option_points(n, [0, 1, 2, 3], "§4 [OMM] prints 3 for this option (0/1/3/3); encoded 2 from the second "
                                         "transcription (§7: §4 most likely a typo)")
    f6["provenance"]["anomalies"].append({
        "kind": "corrected_typo", "criterion": "6.2", "points": [2],
        "description": "§4 [OMM] reads 0/1/3/3 (two options worth 3); the second transcription reads 0/1/2/3 and "
                       "§7 calls §4 'most likely a typo'. Encoded 0/1/2/3 ('Tương đối đồng đều' = 2)."})
    f10 = forms[10]
    n = form_find(f10, "7")
    md_7 = ladder(n["options"])
    csv7 = next(c for c in csv[10] if c["number"] == "7.1")
    assert [o["text"] for o in csv7["options"]] == [o["text"] for o in n["options"]]
    set_option_points(n, [o["points"] for o in csv7["options"]],
                      "§4 [OMM] prints 0/1/2/3 for this criterion; encoded from the second transcription (§7)")
    f10["provenance"]["anomalies"].append({
        "kind": "corrected_typo", "criterion": "7", "points": [3, 5],
        "description": "§4 [OMM] scores Tính độc đáo 0/1/2/3 here (Part C = 38); the second transcription scores "
                       "it 0/1/3/5 like every other food form, bringing Part C to 40. Encoded 0/1/3/5 as §7 says "
                       "('use it'); §4's section max of 3 is superseded."})
    for f in (f6, f10):
        for p in f["parts"]:
            p["max"] = recompute(p["children"])
    overrides = {(6, "6.2"): md_62, (10, "7"): md_7}

    # ---- cross-check, statuses, anomalies ----------------------------------------------------------------
    for no, form in forms.items():
        prov = form["provenance"]
        if no == 3:
            continue
        if no == 26:
            prov["cross_check"] = {"status": "not-available", "against": SECOND}
            prov["tag"] = "DATASET"
            continue
        agree, differ, diffs, _ = cross_check(form, csv[no])
        for d in diffs:
            key = (no, d["criterion"])
            if key in overrides:
                d["other"] = overrides[key]
                d["description"] = (f"Encoded the second transcription's ladder {d['encoded']} as §7 recommends; "
                                    f"§4 [OMM] reads {overrides[key]}.")
        # override criteria agree with the CSV by construction: count them as differing from §4
        for (fno, crit), md_ladder in overrides.items():
            if fno == no and not any(d["criterion"] == crit for d in diffs):
                node = form_find(form, crit)
                agree -= 1
                differ += 1
                diffs.append({"criterion": crit, "encoded": ladder(node["options"]), "other": md_ladder,
                              "description": f"The two transcriptions differ: §4 [OMM] reads {md_ladder}, the "
                                             f"second transcription {ladder(node['options'])} — encoded the second "
                                             f"transcription's as §7 recommends ('other' = §4's points)."})
        totals_agree += agree
        totals_differ += differ
        cc = {"status": "agrees" if differ == 0 else "differs", "against": SECOND,
              "criteria_agreeing": agree, "criteria_differing": differ}
        if diffs:
            cc["differences"] = diffs
        if no == 1:
            assert differ == 0, diffs
            cc["status"] = "cross-checked"
            prov["tag"] = "CROSS-CHECKED"
        prov["cross_check"] = cc
        for d in diffs:
            note = SPECIAL_DIFFS.get((no, d["criterion"]))
            if note:
                d["description"] = note
        for d in diffs:
            if (no, d["criterion"]) in overrides or "encoded" not in d or "other" not in d:
                continue
            if (no, d["criterion"]) in SPECIAL_DIFFS:  # explained, no doubt on the encoded points
                continue
            if no == 16:
                d["description"] += " " + NOTE16[d["criterion"]]
            bad = sorted(set(d["encoded"]) - set(d["other"])) or sorted(set(d["encoded"]))
            prov["anomalies"].append({
                "kind": "transcription_difference", "criterion": d["criterion"], "points": bad,
                "description": f"§4 [OMM] {d['encoded']} (encoded) vs second transcription {d['other']}."})

    # ---- per-form specifics ----------------------------------------------------------------------------
    f1 = forms[1]
    f1["provenance"]["sources"].insert(1, f"{MD_REF} §4.1 notes — [ODB] (OCOP_DB dump 2020-11-07) agrees "
                                          f"criterion by criterion (CROSS-CHECKED)")
    f1["provenance"]["notes"].append(
        "Wording differences only between the transcriptions ([ODB]/second transcription): 1.2 'Sơ chế (rửa, làm "
        "sạch)'; 3.1 label 'Loại hình tổ chức sản xuất - kinh doanh'; 3.2 'cao cao cấp'; 5.1 'cốt chuyện'.")
    forms[2]["provenance"]["anomalies"].append({
        "kind": "numbering",
        "description": "Part C sections are numbered §6, §7, §9, §10, §11 (no §8) — the second transcription has "
                       "the same gap; totals are A35/B25/C40 (numbering typo or a missing section compensated "
                       "elsewhere — UNCONFIRMED). Criteria keep their printed numbers (7, 9.1, 9.2, 10, 11)."})
    forms[15]["provenance"]["anomalies"].append({
        "kind": "numbering", "criterion": "6.5",
        "description": "Sensory criteria are numbered 6.1, 6.2, 6.3, 6.5 (no 6.4), also in the second "
                       "transcription; totals are A35/B25/C40. Printed numbers kept."})
    for no in (12, 14):
        forms[no]["provenance"]["notes"].append(
            "Cross-check: the second transcription flattens the sensory sub-criteria (6.1.x, 6.2.x) into 6.1, 6.2, …; "
            "they were matched by position within §6.")
    # Partial forms
    f16 = forms[16]
    f16["status"] = "partial"
    f16["provenance"]["anomalies"] += [
        {"kind": "points_missing",
         "description": "Part C is printed as 40 points (Điều 1; form heading 'Phần C … (40 Điểm)') but its criteria "
                        "sum to 38 in §4 [OMM] (sensory §6 = 18). The second transcription sums to 40 with a "
                        "different sensory ladder (6.2 0/1/2/3; 6.3 0/1/2/4/6 and 6.5 0/1/3/5/8, these two word for "
                        "word as in 'Rượu trắng' — possibly copied from it); unresolved (§7): §4 kept."},
        {"kind": "numbering", "criterion": "6.5",
         "description": "Sensory criteria are numbered 6.1, 6.2, 6.3, 6.5 (no 6.4), in both transcriptions; the "
                        "missing 2 points may belong to a 6.4 or to 6.5 — UNCONFIRMED."}]
    f19 = forms[19]
    f19["status"] = "partial"
    c19 = sum(max(o["points"] for o in c["options"]) for c in csv[19] if c["part_id"] == 3)
    f19["provenance"]["anomalies"].append({
        "kind": "points_missing",
        "description": f"Part C is printed as 40 points (Điều 1) but its criteria sum to 38 (8 sections §6–§13). "
                       f"The second transcription has the same criteria and points (Part C = {c19}), so it does not "
                       f"settle the gap; unlike 'Thảo dược khác'/'Trang thiết bị' this form has no 'Công bố chất "
                       f"lượng' and no 'Tính an toàn' section. Missing 2 points: UNCONFIRMED."})
    assert c19 == 38
    # Bộ #17 knock-out note on 6.4 (new id)
    forms[17]["provenance"]["notes"].append(
        "6.4 carries the note 'Nếu được 0 điểm tại một trong các chỉ tiêu trên, sẽ không đánh giá các bước tiếp "
        "theo' (0 points on any of 6.1–6.4 stops the evaluation): encoded as knock-out 'sensory-zero-score'.")
    # Bộ #26
    f26 = forms[26]
    cand = csv[26]
    cand_parts = {pid: (sum(max(o["points"] for o in c["options"]) for c in cand if c["part_id"] == pid),
                        sum(sum(o["points"] for o in c["options"]) for c in cand if c["part_id"] == pid))
                  for pid in (1, 2, 3)}
    cand_secs = OrderedDict()
    for c in cand:
        cand_secs.setdefault(c["group_no"], c["group"])
    f26["provenance"]["notes"] += [
        "This is the form of QĐ 781/QĐ-TTg (08/6/2020), which renamed the group 'Dịch vụ du lịch - truyền thống - "
        "lễ hội' (Mục 1, Phần VI, Phụ lục I) to 'Dịch vụ du lịch cộng đồng và điểm du lịch'; it is the form in force "
        "after 2020-06-08. The original QĐ 1048 tourism form was not found in §4 — GAP for evaluations between "
        "2019-08-21 and 2020-06-07.",
        "QĐ 781's minimum criteria per star (Mục 6, Phụ lục II) do not apply to this group.",
        f"valid_from {TOURISM_781_FROM}: {MD_REF} §0.1 (table of instruments: QĐ 781/QĐ-TTg dated 08/6/2020 "
        "renames the group; 'the only tourism form found is the 781-era one'), §4.0 (Bộ #26 'ORIGINAL 1048 FORM "
        "MISSING — 781/2020 REPLACEMENT SHOWN') and §4.4 Bộ #26 ('The original 1048 form for \"Dịch vụ du lịch - "
        "truyền thống - lễ hội\" was not found'). A dossier evaluated before that day is refused rather than "
        "scored on a form that was not yet in force.",
        "Alias 'dich-vu-du-lich-truyen-thong-le-hoi' is the group's name before QĐ 781 (2019-08-21 → 2020-06-07). "
        "It is accepted so that a dossier using the old name finds this form, but it resolves to this QĐ 781 "
        "form, not to the original 1048 form (which our sources lack): it is usable only from "
        f"{TOURISM_781_FROM}, like the slug.",
        f"The second transcription's set 26 is a different form — a candidate for the original 1048 form 'Dịch vụ "
        f"du lịch - truyền thống - lễ hội' (not encoded): {len(cand)} criteria; Part A 1 'Tổ chức dịch vụ' (1.1 Bảo "
        f"vệ, bảo tồn các di sản…, 1.2 Bảo vệ môi trường…, 1.3 Sử dụng năng lượng…), 2.1–2.2, 3.1–3.5; Part B "
        f"4.1–4.3, 5.1–5.3 close to the product forms; Part C sections "
        + "; ".join(f"§{k} {v}" for k, v in cand_secs.items() if int(k) >= 6)
        + f". Read as one-choice ladders, Parts A and B give best-option sums A {cand_parts[1][0]} / B "
          f"{cand_parts[2][0]}; Part C's options look like additive checklist items (e.g. Vị trí 1/1/2/1) whose "
          f"total is {cand_parts[3][1]} — so the candidate would total {cand_parts[1][0]}/{cand_parts[2][0]}/"
          f"{cand_parts[3][1]} under that (inferred, UNCONFIRMED) reading, i.e. Part A one point short of 35.",
        "Criteria §9, §10 and §16 list two alternative scales (thang 1 / thang 2) and 3.2 two cases (TH a / TH b); "
        "5.2 and 5.3 of this form carry no 'Chỉ áp dụng khi có câu chuyện' note.",
    ]
    f26["provenance"]["anomalies"].append({
        "kind": "other",
        "description": "Original QĐ 1048 (2019) form for 'Dịch vụ du lịch - truyền thống - lễ hội' missing: this "
                       "file encodes the QĐ 781/2020 replacement. The second transcription has a candidate original "
                       "form (summarised in notes), not encoded. GAP: no form for tourism dossiers evaluated from "
                       f"2019-08-21 to 2020-06-07 (this form's valid_from is {TOURISM_781_FROM})."})
    f26 = {**{k: v for k, v in f26.items() if k != "parts" and k != "provenance" and k != "knockouts"},
           "valid_from": TOURISM_781_FROM, "provenance": f26["provenance"], "knockouts": f26["knockouts"],
           "parts": f26["parts"]}
    forms[26] = f26

    # ---- finalise forms, checks, write ---------------------------------------------------------------------
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "forms").mkdir(exist_ok=True)
    form_validator = Draft202012Validator(json.loads((SCHEMA_DIR / "form.schema.json").read_text()))
    set_validator = Draft202012Validator(json.loads((SCHEMA_DIR / "set.schema.json").read_text()))
    used_kos: set[str] = set()
    written = []
    stats = []
    for no, form in forms.items():
        for p in form["parts"]:
            p["children"] = [normalise(n) for n in p["children"]]
        check_form(form, used_kos)
        if not form["provenance"]["anomalies"]:
            del form["provenance"]["anomalies"]
        if not form["provenance"]["notes"]:
            del form["provenance"]["notes"]
        path = OUT / "forms" / f"{no:02d}-{form['slug']}.json"
        mark_no_story(form)
        write_json(path, form)
        written.append(path)
        lv = form_leaves(form)
        stats.append((no, form["slug"], form["status"], [p["max"] for p in form["parts"]], len(lv),
                      sum(len(l["options"]) for l in lv), form["provenance"]["cross_check"]))

    classification = []
    for r in classification_md:
        no = r["number"]
        sector = re.sub(r"\s*\(dataset:.*\)$", "", r["sector"])
        group = r["group"]
        subgroup = r["subgroup"]
        if no == 26:
            group = "Dịch vụ du lịch cộng đồng và điểm du lịch"
            subgroup = "Dịch vụ du lịch cộng đồng và điểm du lịch"
        classification.append({"form": forms[no]["slug"], "number": no, "code": None, "sector": nfc(sector),
                               "sector_en": SECTOR_EN[nfc(sector)], "group": nfc(group), "subgroup": nfc(subgroup),
                               "ministry": nfc(r["ministry"]), "tag": "DATASET"})
    set_json = build_set(classification)
    missing = used_kos - {k["id"] for k in set_json["knockouts"]}
    assert not missing, missing
    set_path = OUT / "set.json"
    write_json(set_path, set_json)
    written.append(set_path)

    # ---- validate everything written --------------------------------------------------------------------
    for path in written:
        data = json.loads(path.read_text(encoding="utf-8"))
        v = set_validator if path.name == "set.json" else form_validator
        errors = sorted(v.iter_errors(data), key=lambda e: list(e.path))
        if errors:
            for e in errors[:10]:
                print(path, list(e.path), e.message, file=sys.stderr)
            raise SystemExit(f"schema validation failed: {path}")
        if path.name != "set.json":
            check_form(data, set())
    for no, slug, status, pm, nl, no_opts, cc in stats:
        extra = f"{cc['status']}"
        if "criteria_agreeing" in cc:
            extra += f" {cc['criteria_agreeing']}/{cc['criteria_agreeing'] + cc['criteria_differing']}"
        print(f"{no:2d} {slug:55s} {status:8s} A{pm[0]} B{pm[1]} C{pm[2]} leaves={nl:2d} options={no_opts:3d} {extra}")
    both = [n for n in forms if n not in (3, 26)]
    print(f"cross-check on the {len(both)} forms both transcriptions have: {totals_agree} of "
          f"{totals_agree + totals_differ} criteria agree ({totals_differ} differ)")
    print(f"wrote {len(written)} files under {OUT}")


def normalise(node: dict) -> dict:
    if "children" in node:
        node["children"] = [normalise(c) for c in node["children"]]
    return reorder_existing(node)


def check_form(form: dict, used_kos: set) -> None:
    nums: list[str] = []

    def walk(n: dict) -> int:
        nums.append(n["number"])
        for k in n.get("knockouts", []):
            assert k["id"] in KO_IDS, k
            used_kos.add(k["id"])
        if "options" in n:
            assert "children" not in n
            best = max(o["points"] for o in n["options"])
            assert n["max"] == best, (form["number"], n["number"], n["max"], best)
            for o in n["options"]:
                assert o.get("stars") in (None, 3, 4, 5)
                if "cases" in n:
                    assert o.get("case") in {c["id"] for c in n["cases"]}, (form["number"], n["number"])
            return n["max"]
        s = sum(walk(c) for c in n["children"])
        assert n["max"] == s, (form["number"], n["number"], n["max"], s)
        return s

    for p in form["parts"]:
        s = sum(walk(c) for c in p["children"])
        assert p["max"] == s, (form["number"], p["part"], p["max"], s)
        if form["status"] == "complete":
            assert p["max"] == SET_PARTS[p["part"]], (form["number"], p["part"], p["max"])
    assert len(nums) == len(set(nums)), (form["number"], [x for x in nums if nums.count(x) > 1])
    for k in form.get("knockouts", []):
        assert k["id"] in KO_IDS
        used_kos.add(k["id"])
    if form["status"] == "partial":
        assert any(a["kind"] == "points_missing" for a in form["provenance"]["anomalies"])


# --------------------------------------------------------------------------------------------------
# set.json
# --------------------------------------------------------------------------------------------------
def build_set(classification: list[dict]) -> dict:
    q = "Chất lượng sản phẩm"
    a = "Sản phẩm và sức mạnh cộng đồng"
    b = "Khả năng tiếp thị"
    reqs = [
        {"id": "qd781-2-quality-declaration", "stars": 2, "group": q, "applies_to": "nhóm 4 và 5",
         "text": "Hồ sơ công bố chất lượng sản phẩm — nhóm 4 và 5: có bản mô tả về tiêu chuẩn chất lượng sản phẩm",
         "text_en": "Quality-declaration dossier — groups 4 and 5: a description of the product's quality standard",
         "finding": "qd781-2-quality-declaration", "tag": "CONFIRMED"},
        {"id": "qd781-3-quality-declaration", "stars": 3, "group": q,
         "text": "(1) Hồ sơ công bố chất lượng sản phẩm: có công bố tiêu chuẩn sản phẩm theo quy định",
         "text_en": "(1) Quality-declaration dossier: the product standard is declared as required (no group "
                    "restriction printed)",
         "finding": "qd781-3-quality-declaration", "tag": "CONFIRMED"},
        {"id": "qd781-3-quality-assurance", "stars": 3, "group": q, "applies_to": "nhóm 1, 2, 3 và 4",
         "text": "(2) Đảm bảo chất lượng sản phẩm — nhóm 1, 2, 3 và 4: có kế hoạch kiểm soát nội bộ gắn với truy "
                 "xuất nguồn gốc theo quy định của pháp luật",
         "text_en": "(2) Quality assurance — groups 1–4: an internal control plan linked to traceability as "
                    "required by law",
         "finding": "qd781-3-quality-assurance", "tag": "CONFIRMED"},
        {"id": "qd781-3-craftsmanship", "stars": 3, "group": q, "applies_to": "nhóm 5",
         "text": "(3) Mức độ tinh xảo/sắc nét — nhóm 5: có giá trị mỹ thuật, kỹ thuật",
         "text_en": "(3) Craftsmanship / finesse — group 5: has artistic and technical value",
         "finding": "qd781-3-craftsmanship", "tag": "CONFIRMED"},
        {"id": "qd781-4-meets-3-star", "stars": 4, "group": q,
         "text": "(1) Đáp ứng các yêu cầu của hạng 3 sao",
         "text_en": "(1) Meets the 3-star requirements",
         "finding": "qd781-4-meets-3-star", "tag": "CONFIRMED"},
        {"id": "qd781-4-uniqueness", "stars": 4, "group": q, "applies_to": "nhóm 1, 2, 3 và 4",
         "text": "(2) Tính độc đáo — nhóm 1, 2, 3 và 4: chất lượng sản phẩm độc đáo, mang tính đặc trưng",
         "text_en": "(2) Uniqueness — groups 1–4: unique, characteristic product quality",
         "finding": "qd781-4-uniqueness", "tag": "CONFIRMED"},
        {"id": "qd781-4-craftsmanship", "stars": 4, "group": q,
         "text": "(3) Mức độ t[inh xảo…] — văn bản bị cắt trong nguồn (text cut off in the source)",
         "text_en": "(3) 'Mức độ t…' (probably craftsmanship/finesse, group 5) — rest of the text cut off in the "
                    "source; requirement unknown",
         "finding": "qd781-4-craftsmanship", "tag": "UNCONFIRMED"},
        {"id": "qd781-1-quality-gap", "stars": 1, "group": q, "text": "Không tìm thấy trong nguồn (GAP)",
         "text_en": "Not found in our sources", "finding": None, "tag": "GAP"},
        {"id": "qd781-5-quality-gap", "stars": 5, "group": q, "text": "Không tìm thấy trong nguồn (GAP)",
         "text_en": "Not found in our sources", "finding": None, "tag": "GAP"},
    ]
    for grp, key in ((a, "community"), (b, "marketing")):
        for s in range(1, 6):
            reqs.append({"id": f"qd781-{s}-{key}-gap", "stars": s, "group": grp,
                         "text": "Không tìm thấy trong nguồn (GAP)", "text_en": "Not found in our sources",
                         "finding": None, "tag": "GAP"})
    return {
        "id": SET_ID,
        "decision": {
            "number": "1048/QĐ-TTg",
            "title": "Bộ Tiêu chí đánh giá, phân hạng sản phẩm Chương trình mỗi xã một sản phẩm",
            "title_en": "Criteria for evaluating and rating products of the One Commune One Product (OCOP) programme",
            "signed": "2019-08-21",
            "amended_by": [{
                "number": "781/QĐ-TTg", "signed": "2020-06-08",
                "effect": "Sửa đổi, bổ sung một số Phụ lục: renames the group 'Dịch vụ du lịch - truyền thống - lễ hội' "
                          "(Mục 1, Phần VI, Phụ lục I) to 'Dịch vụ du lịch cộng đồng và điểm du lịch' (with its own "
                          "form); adds Mục 6 to Phụ lục II — minimum criteria per star level (all groups except that "
                          "tourism group).",
                "tag": "CONFIRMED"}],
        },
        "in_force": {
            "from": "2019-08-21", "to": "2023-02-23",
            "note": "Superseded by QĐ 148/QĐ-TTg (24/02/2023, set qd148-2023). QĐ 781/QĐ-TTg applies from "
                    "2020-06-08 (per-star minimums, renamed tourism group and its form). proatc.vn dates 1048 "
                    "20/08/2019; the decision-text page and provincial documents say 21/8/2019.",
        },
        "parts": [
            {"part": "A", "label": "Các tiêu chí đánh giá về sản phẩm và sức mạnh cộng đồng",
             "label_en": "Product and community strength", "max": 35,
             "subheadings": ["Tổ chức sản xuất", "phát triển sản phẩm", "sức mạnh cộng đồng"]},
            {"part": "B", "label": "Các tiêu chí đánh giá về khả năng tiếp thị",
             "label_en": "Marketing capability", "max": 25,
             "subheadings": ["Tiếp thị", "câu chuyện về sản phẩm"]},
            {"part": "C", "label": "Các tiêu chí đánh giá về chất lượng sản phẩm",
             "label_en": "Product quality", "max": 40,
             "subheadings": ["Chỉ tiêu cảm quan, dinh dưỡng, tính độc đáo của sản phẩm", "tiêu chuẩn sản phẩm",
                             "khả năng xuất khẩu, phân phối tại thị trường quốc tế"]},
        ],
        "total_max": 100,
        "bands": [
            {"stars": 5, "min": 90, "below": None,
             "label": "5 sao: sản phẩm cấp quốc gia, có thể xuất khẩu",
             "label_en": "5 stars: national-level product, exportable", "tag": "CONFIRMED"},
            {"stars": 4, "min": 70, "below": 90,
             "label": "4 sao: sản phẩm cấp tỉnh, có thể nâng cấp lên hạng 5 sao",
             "label_en": "4 stars: provincial-level product, can be upgraded to 5 stars", "tag": "CONFIRMED"},
            {"stars": 3, "min": 50, "below": 70,
             "label": "3 sao: sản phẩm cấp tỉnh, đạt tiêu chuẩn, có thể nâng cấp lên hạng 4 sao",
             "label_en": "3 stars: provincial-level product meeting the standard, can be upgraded to 4 stars",
             "tag": "CONFIRMED"},
            {"stars": 2, "min": 30, "below": 50,
             "label": "2 sao: chưa đạt tiêu chuẩn, có thể nâng cấp lên hạng 3 sao",
             "label_en": "2 stars: does not yet meet the standard, can be upgraded to 3 stars",
             "tag": "UNCONFIRMED"},
            {"stars": 1, "min": 0, "below": 30,
             "label": "1 sao: sản phẩm khởi điểm tham gia chương trình OCOP, có thể nâng cấp lên hạng 2 sao",
             "label_en": "1 star: entry-level OCOP product, can be upgraded to 2 stars", "tag": "UNCONFIRMED"},
        ],
        "certificate_months": 36,
        "recognised_min_stars": 3,
        "star_minimums": {
            "mechanism": "findings",
            "cumulative": True,
            "from": "2020-06-08",
            "tag": "CONFIRMED",
            "note": "QĐ 781/QĐ-TTg (08/6/2020) added Mục 6 to Phụ lục II, 'Yêu cầu về một số tiêu chí cần đạt tối "
                    "thiểu trong đánh giá, phân hạng sản phẩm', organised by the three criteria groups (1 Sản phẩm "
                    "và sức mạnh cộng đồng; 2 Khả năng tiếp thị; 3 Chất lượng sản phẩm) for stars 1–5; it applies to "
                    "all product groups except 'Dịch vụ du lịch cộng đồng và điểm du lịch'. CONFIRMED in part (press "
                    "summaries: yenbai.gov.vn, tapchicongthuong.vn): only the quality group's 2★–4★ rows were "
                    "recovered, the 4★ row is cut off and the other rows are GAPs. 'nhóm 1…5' most probably = ngành "
                    "I Thực phẩm, II Đồ uống, III Thảo dược, IV Vải và may mặc, V Lưu niệm - nội thất - trang trí "
                    "(inference, UNCONFIRMED). A requirement without 'nhóm' applies to all these groups. Each "
                    "requirement is checked by the council and recorded as a finding (the id below) when NOT met; "
                    "they are not mapped to option points. Cumulative: a star needs its own and all lower stars' "
                    "requirements (4★ (1) 'Đáp ứng các yêu cầu của hạng 3 sao'). In the 2020 national round 22 of 43 "
                    "products were classed 'Không đạt' for failing these minimums.",
            "requirements": reqs,
        },
        "periods": [{
            "id": "qd1048", "from": "2019-08-21", "to": "2023-02-23",
            "label": "QĐ 1048/QĐ-TTg (2019), sửa đổi bởi QĐ 781/QĐ-TTg (2020): huyện → tỉnh → trung ương",
            "levels": ["district", "province", "central"],
            "recognition": {"province": [3, 4], "central": [5]},
            "gates": [
                {"id": "district-to-province", "from_level": "district", "to_level": "province", "min_total": 50,
                 "tag": "CONFIRMED",
                 "note": "UBND cấp huyện chuyển hồ sơ các sản phẩm đạt từ 50 đến 100 điểm (3–5 sao) lên UBND tỉnh; "
                         "no certificate at district level."},
                {"id": "province-to-central", "from_level": "province", "to_level": "central", "min_total": 90,
                 "tag": "CONFIRMED",
                 "note": "UBND tỉnh chuyển hồ sơ các sản phẩm đạt từ 90 đến 100 điểm lên trung ương (qua Bộ NN&PTNT) "
                         "để đánh giá, công nhận sản phẩm OCOP cấp quốc gia."},
            ],
            "tag": "CONFIRMED",
            "note": "District council scores; UBND tỉnh certifies 3–4★ after the provincial council; the central "
                    "council (Bộ NN&PTNT) recognises 5★ (cấp quốc gia). Communes have no evaluation role in 1048 "
                    "(GAP). Who signs the 5★ decision: UNCONFIRMED. ⚠ A 2022 article (congnghieptieudung.vn) cites "
                    "'Điểm b, Khoản 1, Phụ lục II, QĐ 1048' as letting UBND huyện certify 3★ and forward 70–100 "
                    "points to the province: that is the QĐ 148/2023 rule, not 1048's — not used here.",
        }],
        "knockouts": [{"id": i, "effect": e, "label": l, "label_en": le, "tag": "DATASET"}
                      for i, e, l, le in KO_CATALOGUE],
        "classification": classification,
        "council": {
            "aggregation": "mean_of_member_totals", "max_spread": 10, "tag": "UNCONFIRMED",
            "note": "Mean of the members' totals ('tổng điểm trung bình'): CONFIRMED by the decision's wording and "
                    "the Tây Ninh and Đồng Tháp council regulations. The spread rule ('Điểm của các thành viên trong "
                    "Hội đồng không được chênh lệch quá 10 điểm' — otherwise the council discusses and re-scores) is "
                    "from the provincial regulations of Tây Ninh and Đồng Tháp; whether it is in 1048 Phụ lục II is "
                    "UNCONFIRMED. Quorum 75% incl. the chair: Tây Ninh only. Rounding: not specified (GAP).",
        },
        "provenance": {
            "sources": [
                f"{MD_REF} §0–§3 (decision facts: Điều 1 of QĐ 1048, Phụ lục II process, QĐ 781 summaries; "
                "URLs in its §5)",
                f"{MD_REF} §2 (classification, [ODB] tables), §4 (forms, {OMM})",
                f"{CSV_REF} — {SECOND}",
            ],
            "tag": "CONFIRMED",
            "notes": [
                "Parts A 35 / B 25 / C 40 and their sub-headings, total 100, the 5★/4★/3★ bands, the huyện → tỉnh → "
                "trung ương process with the 50- and 90-point gates, 3–4★ certified by UBND tỉnh and 5★ nationally, "
                "and the 36-month validity are CONFIRMED from decision-text pages and provincial summaries.",
                "Bands: the decision prints '90 – 100', '70 – 89', '50 – 69' (and, from a secondary summary only, "
                "'30 – 49', '< 30'), which leaves gaps for fractional averages; the half-open intervals [90,100], "
                "[70,90), [50,70), [30,50), [0,30) are an interpretation for 1048 (QĐ 148/2023 rewrote them as "
                "'từ 70 đến dưới 90' etc.) — UNCONFIRMED.",
                "1048 (2019) as such has no per-star minimum or '(*)' mechanism in any source (absence UNCONFIRMED); "
                "the minimums apply from QĐ 781 (2020-06-08).",
                "No 'forged dossier' knock-out is supported by the 1048 sources (§1.4b, §3): not in the catalogue. "
                "'sensory-zero-score' is specific to this set (note on 6.4 of 'Nước khoáng thiên nhiên, nước uống "
                "tinh khiết').",
                "Classification: 'Bộ #' is the datasets' order (matches the confirmed food order), not an official "
                "code; no official codes were found (code null). The ministry column is [ODB]'s 2020 'bo_ql' "
                "(UNCONFIRMED for all rows; handicraft → Khoa học và Công nghệ looks odd). Sector of forms 23–24 is "
                "'Thủ công mỹ nghệ, trang trí' in [ODB]. Form 26's group is the QĐ 781 name; before 2020-06-08 it "
                "was 'Dịch vụ du lịch - truyền thống - lễ hội'.",
                "Forms: 25 from §4 ([OMM], Bộ #1 CROSS-CHECKED with [ODB]), Bộ #3 from the second transcription "
                "only; every form cross-checked against the second transcription (see each form's provenance).",
            ],
            "gaps": [
                "Official Phụ lục III text not seen: every DATASET point value, the exact wording and the absence of "
                "'(*)' marks in the original 1048 need checking against the official PDFs (proatc.vn/van-ban-quy-"
                "dinh-ve-ocop/ or vanban.chinhphu.vn).",
                "Original 1048 tourism form 'Dịch vụ du lịch - truyền thống - lễ hội' (only the 781 replacement is "
                "encoded; the second transcription has an unverified candidate). 'Gạo, ngũ cốc' rests on the second "
                "transcription alone (its notes/knock-outs unknown).",
                "Partial forms (Part C sums to 38): 'Đồ uống có cồn khác', 'Thực phẩm chức năng, thuốc từ dược liệu, "
                "thuốc Y học cổ truyền'.",
                "Numbering anomalies with correct totals: 'Thịt, trứng, sữa tươi' (no §8); 'Rượu trắng' (no 6.4); "
                "'Cà phê, ca cao' (6.1.3 printed twice).",
                "Phụ lục II details: evaluation steps at each level, council composition/size, spread and quorum "
                "rules, who signs the 5★ decision, official templates (phiếu đăng ký, phương án kinh doanh, phiếu "
                "chấm điểm, biên bản).",
                "QĐ 781 Mục 6: the full minimum-criteria table (5★ row; groups 1 and 2; 1★ and the 2★ rows other "
                "than the quality item; the cut-off 4★ (3) text).",
                "Official codes for ngành/nhóm/phân nhóm and the ministry column of Phụ lục I.",
                "Rounding of the mean score and the treatment of fractional averages at band boundaries.",
            ],
        },
    }


if __name__ == "__main__":
    main()
