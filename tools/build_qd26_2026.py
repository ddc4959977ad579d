#!/usr/bin/env python3
"""Build criteria/qd26-2026/ (26 forms + set.json) from the reference text.

Source (read-only, beside the project):
  reference/ocop-148-2023.md  Appendix A — QĐ 26/2026/QĐ-TTg, Phụ lục II: all 26 evaluation forms
                              (a markdown rendering of the HTML transcript hakienpdu95/minhan
                              docs/bnn_txng.html), §1–§3 (decision facts), §2.2 (classification),
                              §4.3 (per-form counts, used as a sanity check only).

Everything is taken as printed. The reference's inline remarks are kept:
  * "(points cell blank in source → 0)"            -> option flag + anomaly blank_cell
  * "(yes/no item; options not printed in source)"  -> option flag + anomaly synthetic_options
  * "(source transcript prints N; fixture author corrected to M …)" -> option flag + anomaly corrected_typo
Ladders with duplicated points or a non-monotone order are reported (anomaly suspected_typo), never fixed.

Run:  python tools/build_qd26_2026.py
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from jsonschema import Draft202012Validator

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CRITERIA, REFERENCE, mark_no_story, nfc, slugify, write_json  # noqa: E402

SET_ID = "qd26-2026"
MD_PATH = REFERENCE / "ocop-148-2023.md"
MD_REF = "reference/ocop-148-2023.md"
OUT = CRITERIA / SET_ID
SCHEMA_DIR = CRITERIA / "schema"

TRANSCRIPT = ("original transcript: hakienpdu95/minhan docs/bnn_txng.html (added in commit "
              "94397bfc4fc870e69c79f5543cdcc39cca9a6c5b, still at HEAD 8870762012c75278b4020203cec89373e0fdb239), "
              "as rendered in the reference")
CAVEAT = ("QĐ 26/2026/QĐ-TTg was not found on any official or press page; its text comes from an HTML transcript "
          "in a public GitHub repository (hakienpdu95/minhan, docs/bnn_txng.html). The reference treats it as a "
          "high-quality transcription that a human must check once against vanban.chinhphu.vn / Công báo before "
          "it becomes legal truth (reference §0 caveat).")
SKELETON = ("The reference built Appendix A from hakienpdu95/minhan Modules/OcopRubric/database/seeders/fixtures/"
            "ocop_rubrics.php @ 71e1ed40c8397baadeb58c2217a0932850f79845 and re-checked every label, point and "
            "maximum against the HTML transcript, restoring the star marks the fixture had dropped.")

SET_PARTS = {"A": 40, "B": 25, "C": 35}
PART_EN = {"A": "Product and community strength", "B": "Marketing capacity", "C": "Product quality"}

# --------------------------------------------------------------------------------------------------
# English names of the forms (Vietnamese name = heading of Appendix A)
# --------------------------------------------------------------------------------------------------
NAME_EN = {
    1: "Fresh vegetables, tubers, fruit and nuts",
    2: "Fresh meat, aquatic products, eggs and milk",
    3: "Rice, cereals and other pre-processed grains",
    4: "Honey, other syrups and other agri-food products",
    5: "Fast food",
    6: "Processed rice and cereal products",
    7: "Processed vegetable, tuber, fruit and nut products",
    8: "Processed meat, aquatic, egg and dairy products, honey and syrup products and other agri-food products",
    9: "Soy sauces, fish sauces and other liquid condiments",
    10: "Other condiments (salt, shallots, garlic, pepper)",
    11: "Fresh and processed tea",
    12: "Herbal teas from other plants",
    13: "Coffee and cocoa",
    14: "White spirits",
    15: "Other alcoholic beverages",
    16: "Natural mineral water and bottled drinking water",
    17: "Other non-alcoholic beverages",
    18: "Functional foods, herbal medicines and traditional medicines",
    19: "Cosmetics with herbal ingredients",
    20: "Essential oils and other medicinal herbs",
    21: "Handicrafts",
    22: "Textiles and garments",
    23: "Flowers",
    24: "Ornamental plants",
    25: "Ornamental animals",
    26: "Community tourism, eco-tourism services and tourist sites",
}

# --------------------------------------------------------------------------------------------------
# English glosses, keyed by the Vietnamese label as printed (NFC, whitespace folded).
# A few long labels exist in several near-identical spellings: PREFIX_GLOSS covers them by prefix.
# --------------------------------------------------------------------------------------------------
GLOSS = {
    # group headings
    "TỔ CHỨC SẢN XUẤT": "Production organisation",
    "TỔ CHỨC DỊCH VỤ CỘNG ĐỒNG": "Organisation of community services",
    "PHÁT TRIỂN SẢN PHẨM": "Product development",
    "SỨC MẠNH CỘNG ĐỒNG": "Community strength",
    "TIẾP THỊ": "Marketing",
    "CÂU CHUYỆN SẢN PHẨM": "Product story",
    "CÂU CHUYỆN VỀ SẢN PHẨM": "Product story",
    "CHỈ TIÊU CẢM QUAN": "Sensory indicators",
    "CHỈ TIÊU CẢM QUAN (Kiểm tra theo tiêu chuẩn công bố)": "Sensory indicators (checked against the declared standard)",
    "CÁC CHỈ TIÊU": "Quality indicators",
    "CHẤT LƯỢNG SẢN PHẨM": "Product quality",
    "CHẤT LƯỢNG AN TOÀN THỰC PHẨM": "Food-safety quality",
    "CÔNG BỐ CHẤT LƯỢNG SẢN PHẨM": "Product quality declaration",
    "CÔNG BỐ CHẤT LƯỢNG": "Quality declaration",
    "CÔNG BỐ SẢN PHẨM": "Product declaration",
    "ĐẢM BẢO CHẤT LƯỢNG SẢN PHẨM": "Product quality assurance",
    "ĐIỀU KIỆN ĐẢM BẢO AN TOÀN CHẤT LƯỢNG SẢN PHẨM": "Conditions ensuring product safety and quality",
    "HƯỚNG DẪN SỬ DỤNG ĐỂ ĐẢM BẢO SẢN PHẨM CÓ CHẤT LƯỢNG TỐT NHẤT CHO NGƯỜI TIÊU DÙNG":
        "Use instructions ensuring the best product quality for consumers",
    "CƠ HỘI THỊ TRƯỜNG TOÀN CẦU": "Global market opportunity",
    "SỰ TIỆN LỢI KHI SỬ DỤNG, BẢO QUẢN": "Convenience of use and storage",
    "HIỆU QUẢ SỬ DỤNG (Sử dụng trực tiếp sản phẩm hoặc thông qua tài liệu chính thống/kết quả nghiên cứu, minh chứng người sử dụng)":
        "Effectiveness in use (by direct use, official literature / research results or user evidence)",
    "KIỂM TRA ĐỊNH KỲ (Hồ sơ kiểm tra định kỳ các chỉ tiêu an toàn)": "Periodic testing (records of periodic safety-indicator tests)",
    "TÍNH AN TOÀN (Theo hồ sơ nghiên cứu, thử nghiệm,...)": "Safety (per research and trial records)",
    "TÍNH ĐỘC ĐÁO": "Uniqueness",
    # Part A criteria
    "Nguồn gốc sản phẩm": "Product origin",
    "Nguồn nguyên liệu": "Raw-material source",
    "Vùng nguyên liệu được cấp chứng nhận chất lượng": "Quality-certified raw-material area",
    "Vùng sản xuất được cấp chứng nhận chất lượng": "Quality-certified production area",
    "Gia tăng giá trị": "Value adding",
    "Năng lực sản xuất để đáp ứng yêu cầu phân phối": "Production capacity to meet distribution needs",
    "Liên kết sản xuất": "Production linkage",
    "Liên kết chuỗi trong sản xuất": "Value-chain linkage in production",
    "Bảo vệ môi trường trong quá trình sản xuất": "Environmental protection in production",
    "Sử dụng công nghệ theo hướng bền vững trong sản xuất": "Use of sustainable technology in production",
    "Nguồn gốc ý tưởng sản phẩm": "Origin of the product idea",
    "Đóng gói, bao bì sản phẩm": "Product packing and packaging",
    "Bao bì, ghi nhãn sản phẩm": "Packaging and product labelling",
    "Phong cách, ghi nhãn hàng hóa": "Style and goods labelling",
    "Phong cách, ghi nhãn sản phẩm (tem, nhãn gắn trên sản phẩm)": "Style and product labelling (stamps and labels on the product)",
    "Ghi nhãn hàng hóa có sử dụng song ngữ (Việt - Anh hoặc ngôn ngữ nước ngoài khác)":
        "Bilingual labelling (Vietnamese-English or another foreign language)",
    "Loại hình tổ chức sản xuất - kinh doanh": "Type of production and business organisation",
    "Đại diện pháp luật của chủ thể là nữ; hoặc đồng bào dân tộc thiểu số; hoặc người khuyết tật":
        "Legal representative is a woman, an ethnic-minority person or a person with a disability",
    "Sử dụng lao động địa phương": "Use of local labour",
    "Tăng trưởng sản xuất kinh doanh": "Business growth",
    "Sở hữu trí tuệ": "Intellectual property",
    # Part B criteria
    "Khu vực phân phối chính": "Main distribution area",
    "Tổ chức phân phối": "Distribution organisation",
    "Tổ chức phân phối (Gồm: Tổ chức kinh doanh, phân phối sản phẩm)":
        "Distribution organisation (incl. business organisation and product distribution)",
    "Quảng bá sản phẩm": "Product promotion",
    "Câu chuyện sản phẩm": "Product story",
    "Cấu trúc câu chuyện sản phẩm": "Structure of the product story",
    # Part C criteria (food, drinks, herbs)
    "Tạp chất": "Foreign matter",
    "Tạp chất lạ": "Foreign matter",
    "Ngoại hình": "Appearance",
    "Ngoại hình, đồng đều": "Appearance and uniformity",
    "Kích thước, hình dạng bề ngoài": "Size and outward shape",
    "Kích thước, độ đồng đều": "Size and uniformity",
    "Độ đồng đều của sản phẩm": "Product uniformity",
    "Màu sắc": "Colour",
    "Màu sắc, độ chín": "Colour and ripeness",
    "Màu sắc, thể chất": "Colour and texture",
    "Thể chất": "Texture",
    "Hình dạng": "Shape",
    "Hình dạng, thể chất": "Shape and texture",
    "Hình dạng, màu sắc cánh chè": "Shape and colour of the tea leaves",
    "Hình dạng (Của ngoại hình trà, trà thảo mộc,...)": "Shape (of the tea / herbal tea appearance)",
    "Trạng thái/hình dạng": "State / shape",
    "Mùi": "Smell",
    "Vị": "Taste",
    "Mùi, vị": "Smell and taste",
    "Mùi/vị": "Smell / taste",
    "Tính đầy đủ về sản phẩm, sạch": "Product completeness and cleanliness",
    "Nước pha": "Infusion",
    "Màu nước": "Infusion colour",
    "Mùi nước": "Infusion aroma",
    "Vị nước": "Infusion taste",
    # handicrafts, garments, ornamentals
    "Mức độ tinh xảo/sắc nét của sản phẩm": "Finesse / sharpness of the product",
    "Thiết kế độc đáo": "Distinctive design",
    "Thiết kế độc đáo (Chất lượng: Có nét riêng, khác biệt, không lẫn với sản phẩm khác,...)":
        "Distinctive design (quality: own character, different, not confusable with other products)",
    "Các yếu tố tích hợp lên giá trị của sản phẩm (Kiểu dáng, hoa văn hài hòa, cân đối; màu sắc đều, đẹp mắt; kết cấu cân đối, chắc chắn, bền vững; kích thước, tỷ lệ phù hợp;...)":
        "Elements integrated into the product's value (harmonious form and patterns, even attractive colours, "
        "balanced sturdy structure, suitable size and proportions)",
    "Các tính năng của sản phẩm (Giá trị sử dụng của sản phẩm: Tranh ảnh trang trí; túi đựng mỹ phẩm; lắc tay;...)":
        "Product functions (use value, e.g. decorative pictures, cosmetic bags, bracelets)",
    "Chất lượng của nguyên liệu/thành phần": "Quality of raw materials / components",
    "Kiểu dáng, tạo hình, mỹ thuật": "Form, shaping and artistry",
    "Hình dáng so với loại sản phẩm": "Shape relative to the product type",
    "Thiết kế sản phẩm (bao gói, chậu trồng,...)": "Product design (packing, planting pot, ...)",
    "Thiết kế sản phẩm (chậu trồng, phụ kiện kèm theo...)": "Product design (planting pot, accessories, ...)",
    # tourism
    "Bộ phận điều phối quản lý và điều hành dịch vụ": "Unit coordinating, managing and operating the services",
    "Cơ chế quản lý/quy định": "Management mechanism / rules",
    "Bảo vệ môi trường trong cộng đồng làm du lịch/điểm du lịch": "Environmental protection in the tourism community / at the site",
    "Sử dụng năng lượng tiết kiệm": "Energy saving",
    "Nguồn gốc ý tưởng sản phẩm dịch vụ du lịch": "Origin of the tourism-service idea",
    "Tổ chức dịch vụ theo thị trường mục tiêu": "Services organised for target markets",
    "Bảo vệ, bảo tồn các di sản văn hóa, thiên nhiên, đa dạng sinh học liên quan đến sản phẩm dịch vụ du lịch":
        "Protection and conservation of cultural and natural heritage and biodiversity linked to the tourism product",
    "Liên kết chuỗi giá trị trong quảng bá sản phẩm du lịch": "Value-chain linkage in tourism promotion",
    "Liên kết vùng và chuỗi giá trị trong sản phẩm dịch vụ du lịch": "Regional and value-chain linkage in tourism products",
    "Tổ chức quảng bá, bán hàng": "Organisation of promotion and sales",
    "Bộ nhận diện quảng bá sản phẩm": "Promotional identity kit",
    "Trình bày câu chuyện sản phẩm": "Presentation of the product story",
    "Sản phẩm dịch vụ du lịch trên địa bàn đạt chuẩn nông thôn mới": "Tourism product in an area meeting the new-rural standard",
    "Vị trí": "Location",
    "Kiến trúc và cảnh quan môi trường": "Architecture and landscape",
    "Đáp ứng điều kiện kinh doanh dịch vụ": "Meeting the business conditions for the services",
    "Đảm bảo an toàn và an ninh trật tự": "Safety, security and public order",
    "Tính hoàn thiện của quá trình dịch vụ": "Completeness of the service process",
    "Hoạt động trải nghiệm": "Experience activities",
    "Quản lý và nhân viên": "Management and staff",
    "Chất lượng sản phẩm dịch vụ du lịch": "Quality of the tourism product",
    "Chất lượng phục vụ": "Service quality",
    "Tiện nghi": "Amenities",
    "Hoạt động thu hút khách du lịch": "Activities attracting visitors",
    "Hàng hóa dịch vụ (ăn uống, đồ lưu niệm...)": "Goods and services (food and drink, souvenirs, ...)",
}
PREFIX_GLOSS = [
    ("Năng lực sản xuất", "Production capacity to meet distribution needs (output/scale vs. the local average producer)"),
    ("Trí tuệ/bản sắc địa phương", "Local know-how / identity (the story must show origin, local resources, culture and identity, "
                                    "and the product's characteristic values, and be moving and convincing)"),
    ("TÍNH ĐỘC ĐÁO", "Uniqueness (quality: own character, distinct and clearly recognisable, potential local brand)"),
    ("DINH DƯỠNG", "Nutrition (nutrient contents shown by a test report)"),
    ("CÔNG BỐ CHẤT LƯỢNG SẢN PHẨM Áp dụng bắt buộc", "Product quality declaration (mandatory where the law requires a "
                                                    "declaration; encouraged for other products)"),
]


def gloss_of(label: str) -> str:
    if label in GLOSS:
        return GLOSS[label]
    for prefix, gloss in PREFIX_GLOSS:
        if label.startswith(prefix):
            return gloss
    raise KeyError(f"no English gloss for label {label!r}")


# --------------------------------------------------------------------------------------------------
# Knock-outs
# --------------------------------------------------------------------------------------------------
# Criterion notes -> knock-out id (the note is the knock-out; it is not repeated in notes).
NOTE_KNOCKOUTS = [
    (re.compile(r"Bị loại nếu sử dụng toàn bộ nguyên liệu nhập khẩu"), "raw-material-imported-or-unknown"),
    (re.compile(r"Bị loại nếu phát hiện giống hệt"), "identical-to-other-product"),
    (re.compile(r"Không đánh giá những sản phẩm có tính phổ biến"), "common-product-not-outstanding"),
    (re.compile(r"tạp chất.*(không đánh giá các bước tiếp theo|Không xem xét)|Không xem xét các chỉ tiêu khác nếu sản phẩm có các tạp chất",
                re.I), "unacceptable-foreign-matter"),
    (re.compile(r"Không đánh giá các bước tiếp theo nếu không có Phiếu công bố"), "product-notification-missing"),
    (re.compile(r"vi phạm sở hữu trí tuệ"), "ip-infringement"),
]
# Clauses of the form-level "Hồ sơ bị loại khi …" line -> ids (each ref carries the full printed line).
FORM_KO_CLAUSES = [
    (re.compile(r"Giả mạo hồ sơ"), "forged-dossier"),
    (re.compile(r"giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm"), "food-safety-certificate-noncompliant"),
    (re.compile(r"giấy phép sản xuất"), "production-licence-missing"),
    (re.compile(r"đủ điều kiện sản xuất sản phẩm \(GMP|điều kiện bắt buộc để sản xuất"), "production-conditions-missing"),
    (re.compile(r"bản công bố sản phẩm", re.I), "product-notification-missing"),
    (re.compile(r"bản đăng ký công bố chất lượng sản phẩm, ghi nhãn sản phẩm"), "labelling-noncompliant"),
    (re.compile(r"hồ sơ đăng ký theo quy định", re.I), "registration-dossier-noncompliant"),
]
KO_CATALOGUE = {
    "forged-dossier": ("disqualify", "Giả mạo hồ sơ", "Dossier forged"),
    "food-safety-certificate-noncompliant": (
        "disqualify",
        "Không tuân thủ đầy đủ các quy định về giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm theo quy định",
        "Food-safety facility certificate rules not fully met"),
    "registration-dossier-noncompliant": (
        "disqualify", "Không đáp ứng (quy định) về hồ sơ đăng ký theo quy định",
        "Registration dossier not compliant"),
    "production-licence-missing": (
        "disqualify", "Không có giấy phép sản xuất theo quy định",
        "Production licence missing (alcoholic and non-alcoholic beverages)"),
    "production-conditions-missing": (
        "disqualify",
        "Không tuân thủ các quy định về giấy chứng nhận cơ sở đủ điều kiện sản xuất sản phẩm (GMP …); không có đủ "
        "điều kiện bắt buộc để sản xuất sản phẩm theo quy định quản lý chuyên ngành",
        "Mandatory production conditions / GMP certificate missing or not compliant"),
    "product-notification-missing": (
        "disqualify",
        "Không có bản công bố sản phẩm (hoặc tương đương); không đánh giá các bước tiếp theo nếu không có Phiếu công "
        "bố sản phẩm (mỹ phẩm) theo quy định",
        "Product notification / declaration (cosmetics: Phiếu công bố) missing: dossier rejected, no further evaluation"),
    "labelling-noncompliant": (
        "disqualify",
        "Hồ sơ đăng ký bản đăng ký công bố chất lượng sản phẩm, ghi nhãn sản phẩm, quảng cáo sản phẩm không đáp ứng quy định",
        "Quality-declaration registration, labelling or advertising dossier not compliant (functional food)"),
    "raw-material-imported-or-unknown": (
        "disqualify", "Bị loại nếu sử dụng toàn bộ nguyên liệu nhập khẩu hoặc không rõ nguồn gốc",
        "Disqualified if all raw material is imported or of unknown origin"),
    "identical-to-other-product": (
        "disqualify",
        "Bị loại nếu phát hiện giống hệt sản phẩm của nhà sản xuất khác, chỉ thay đổi tên sản phẩm, nhà sản xuất",
        "Disqualified if identical to another maker's product with only the product or maker name changed"),
    "common-product-not-outstanding": (
        "stop_evaluation",
        "Không đánh giá những sản phẩm có tính phổ biến của nhóm sản phẩm chủ lực cấp quốc gia, cấp tỉnh mà không có "
        "sự nổi trội (về chất lượng) và đặc sắc",
        "Common product of a national/provincial key product group without outstanding quality or distinction: not evaluated"),
    "unacceptable-foreign-matter": (
        "stop_evaluation",
        "Nếu có tạp chất không chấp nhận được (có nguy cơ gây mất an toàn thực phẩm) sẽ không đánh giá các bước tiếp theo",
        "Unacceptable foreign matter (food-safety risk): the remaining criteria are not evaluated"),
    "ip-infringement": (
        "disqualify", "Nếu sản phẩm vi phạm sở hữu trí tuệ, sẽ bị loại bỏ",
        "Disqualified on intellectual-property infringement"),
    "sensory-zero-score": (
        "stop_evaluation",
        "Nếu được 0 điểm tại một trong các chỉ tiêu cảm quan, sẽ không đánh giá các bước tiếp theo",
        "0 points on any sensory criterion: the remaining criteria are not evaluated"),
}

# --------------------------------------------------------------------------------------------------
# The cross-check against a second copy (reference/qd26-2026-crosscheck.md)
# --------------------------------------------------------------------------------------------------
CROSSCHECK_PATH = REFERENCE / "qd26-2026-crosscheck.md"
CROSSCHECK_REF = "reference/qd26-2026-crosscheck.md"
SECOND_COPY = ("hakienpdu95/minhan docs/bnn_txng.html (git blob de5efd83855305da226d6cbf675a52ea9adeb87b, repo HEAD "
               "8870762012c75278b4020203cec89373e0fdb239), compared by the parser described in "
               f"{CROSSCHECK_REF} §1")
LINEAGE = ("Not independent: Appendix A was built from the same repository's fixture and checked against this same "
           "HTML, so the cross-check shows a faithful transcription of that copy, not agreement with the decision. "
           "Neither copy has been checked against the official gazette (Công báo / vanban.chinhphu.vn).")
# Rows the second copy prints that Appendix A lacks (crosscheck §2 "Other points compared"), carried into
# the data: one knock-out (form 16) and three notes without points.
QUALITY_NOTE = ("(Chất lượng: Có nét riêng, khác biệt, có dấu hiệu nhận biết rõ ràng so với sản phẩm khác, tiềm "
                "năng thành thương hiệu của địa phương)")
SECOND_COPY_ROWS = {
    (16, "6.4"): ("knockout", "sensory-zero-score",
                  "Ghi chú: Nếu được 0 điểm tại một trong các chỉ tiêu trên, sẽ không đánh giá các bước tiếp theo."),
    (2, "7"): ("note", None, QUALITY_NOTE),
    (3, "8"): ("note", None, QUALITY_NOTE),
    (5, "8"): ("note", None, "Ghi chú: Sản Tiêu chuẩn sản phẩm phải có phiếu kiểm nghiệm các chỉ tiêu an toàn thực phẩm"),
}
SECOND_COPY_REMARK = {
    (16, "6.4"): ("Knock-out note printed after 6.4 (Vị) in the second copy and missing from Appendix A ({ref} §2, "
                  "form 16): 'Nếu được 0 điểm tại một trong các chỉ tiêu trên, sẽ không đánh giá các bước tiếp theo' — "
                  "0 points on any of 6.1–6.4 stops the evaluation; encoded as knock-out sensory-zero-score "
                  "(stop_evaluation), as QĐ 1048 form 17 encodes the same note. The council records it in the "
                  "dossier's findings."),
    (2, "7"): ("Note row '(Chất lượng: …)' under criterion 7, printed in the second copy and missing from Appendix A "
               "({ref} §2, form 2); it carries no points. The crosscheck quotes it with an ellipsis: the full wording "
               "is the one the same row has in the other forms (e.g. form 5 criterion 7's label)."),
    (3, "8"): ("Note row '(Chất lượng: …)' under criterion 8, printed in the second copy and missing from Appendix A "
               "({ref} §2, form 3); no points. Full wording as in the other forms (the crosscheck quotes it elided)."),
    (5, "8"): ("Note printed after the options of criterion 8 in the second copy, missing from Appendix A ({ref} §2, "
               "form 5); no points. 'Sản Tiêu chuẩn' is garbled in the source and kept as printed (the other forms "
               "print 'Bản Tiêu chuẩn')."),
}
# Every cell where the second copy differs (crosscheck §2): (criterion, encoded, second copy, description)
DIFFERENCES = {
    4: [("1.2", [0], [], "Option 1 'Không được cấp giấy chứng nhận chất lượng': points cell blank in the second copy; "
                         "0 here (flagged), as the 8 other forms printing that option."),
        ("7", [3], [13], "Option 'Có trên 2 chỉ tiêu': the second copy prints 13, above the criterion's maximum; 3 here "
                         "(flagged as a corrected typo), as every other form prints.")],
    7: [("1.2", [0], [], "Option 1: points cell blank in the second copy; 0 here (flagged).")],
    10: [("1.2", [0], [], "Option 1: points cell blank in the second copy; 0 here (flagged).")],
    11: [("1.2", [0], [], "Option 1: points cell blank in the second copy; 0 here (flagged)."),
         ("6.1.1", [1], [11], "Option 'Có rất ít tạp chất, chấp nhận được': the second copy prints 11, above the "
                              "maximum; 1 here (flagged as a corrected typo).")],
    23: [("9", [4], [4, 1], "Maximum cell: the second copy holds two paragraphs, 4 then a stray 1; 4 here (the options "
                            "2/4 and the group sums support 4).")],
}
# What the other forms print for the wording of the two suspected typos (crosscheck §3)
OTHER_FORMS = {
    (7, "3.1"): "The same three options appear as 3.1 in all 25 other forms, every time 1 / 2 / 3.",
    (23, "6.2"): ("Form 24 (Cây cảnh) 6.2 Màu sắc: 'Phù hợp với đặc tính sản phẩm' 1 / 'Đẹp, bắt mắt…' 2 / 'Rất "
                  "đẹp…' 4; form 25 (Động vật cảnh) 6.2: 1 / 3 / 5 for the same three wordings; food forms 6–10, 6.3 "
                  "Màu sắc: 'Chấp nhận được' 0 / … / 'Phù hợp với đặc tính sản phẩm' 2 / 'Rất phù hợp…' 3. This "
                  "suggests 0 / 1 / 3 / 5, but the decision does not say so."),
}


def parse_crosscheck() -> dict[int, tuple[str, int]]:
    """§2 of the crosscheck: each form's status and criterion count."""
    out = {}
    for line in CROSSCHECK_PATH.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\| (\d+) \| [^|]+ \| \**(CROSS-CHECKED(?:-EXCEPT)?)\** \| (\d+) \|", line)
        if m:
            out[int(m.group(1))] = (m.group(2).lower(), int(m.group(3)))
    assert sorted(out) == list(range(1, 27)), sorted(out)
    return out


def cross_check(n: int, status: str, count: int) -> dict:
    diffs = DIFFERENCES.get(n, [])
    assert (status == "cross-checked-except") == bool(diffs), (n, status)
    differing = sorted({c for c, *_ in diffs})
    out = {"status": status, "against": SECOND_COPY, "criteria_agreeing": count - len(differing),
           "criteria_differing": len(differing), "independent": False, "official_text_checked": False}
    if diffs:
        out["differences"] = [{"criterion": c, "encoded": enc, "other": other, "description": d}
                              for c, enc, other, d in diffs]
    out["notes"] = [(f"Identical to the second copy on every criterion number, maximum, option point and star mark "
                     if not diffs else
                     f"Identical to the second copy except where that copy has blanks or slips ({', '.join(differing)}); "
                     ) + f"{count} criteria compared ({CROSSCHECK_REF} §2).", LINEAGE]
    return out

IP_NOTE_IN_OPTION = re.compile(r"\s*–\s*(Ghi chú: Nếu sản phẩm vi phạm sở hữu trí tuệ, sẽ bị loại bỏ)\s*$")
STAR_RE = re.compile(r"\s*⭐`(\*{3,5})` min-(\d)★\s*$")
FLAG_RE = re.compile(r"\s*_\((.+?)\)_\s*")
CASE_RE = re.compile(r"^\[(TH\d)\]\s*")
CASES_NOTE_RE = re.compile(r"^Lựa chọn một trong hai trường hợp sau: \| a\. (Trường hợp 1: .+?) \| b\. (Trường hợp 2: .+)$")
CORRECTED_RE = re.compile(r"source transcript prints (\d+); fixture author corrected to (\d+)")

FORM_RE = re.compile(r"^#### Bộ sản phẩm (\d+): (.+?)\s+— (complete|partial|missing) \(26/2026 form\) · slug `([^`]+)`$")
PART_RE = re.compile(r"^\*\*Phần ([ABC]) — (.+) \((\d+) [đĐ]iểm\)\*\*$")
CRIT_RE = re.compile(r"^( *)- \*\*([0-9]+(?:\.[0-9]+)*)\*\* (.+?) — \*\*max (\d+)\*\*( _\(tiêu đề nhóm / group heading\)_)?$")
OPT_RE = re.compile(r"^( *)- `(\d+)` (.*)$")
NOTE_RE = re.compile(r"^( *)- _(.*)_$")
KO_RE = re.compile(r"^- ⛔ (.*)$")


# --------------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------------
def read_reference() -> str:
    return MD_PATH.read_text(encoding="utf-8")


def appendix_lines(text: str) -> list[str]:
    start = text.index("## Appendix A")
    return text[start:].splitlines()


def parse_classification(text: str) -> dict[int, dict]:
    sec = text[text.index("### 2.2 Classification table"):text.index("### 2.3")]
    rows = {}
    ministries = {"Bộ NN&MT": "Bộ Nông nghiệp và Môi trường", "Bộ VHTT&DL": "Bộ Văn hóa, Thể thao và Du lịch"}
    sectors = {
        "Thực phẩm": ("Thực phẩm", "Food"),
        "Đồ uống": ("Đồ uống", "Beverages"),
        "Dược liệu và SP từ dược liệu": ("Dược liệu và sản phẩm từ dược liệu", "Medicinal herbs and herbal products"),
        "Dược liệu …": ("Dược liệu và sản phẩm từ dược liệu", "Medicinal herbs and herbal products"),
        "Hàng thủ công mỹ nghệ": ("Hàng thủ công mỹ nghệ", "Handicrafts"),
        "Sinh vật cảnh": ("Sinh vật cảnh", "Ornamental plants and animals"),
        "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch": (
            "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch",
            "Community tourism, eco-tourism services and tourist sites"),
    }

    def strip_en(cell: str) -> str:
        # the reference appends English glosses / remarks in parentheses starting with a lowercase ASCII letter
        return nfc(re.sub(r"\s*\([a-z][^()]*(?:\([^()]*\)[^()]*)*\)\s*$", "", cell))

    for line in sec.splitlines():
        m = re.match(r"^\| ([IVX]+(?:\.\d+)?(?:\.[a-z])?) \| (.+?) \| (.+?) \| (.+?) \| (.+?) \| (\d+) \| .* \|$", line)
        if not m:
            continue
        code, sector, group, subgroup, ministry, form_no = m.groups()
        sector_vi, sector_en = sectors[nfc(sector)]
        group = sector_vi if nfc(group) == "(same)" else strip_en(group)
        subgroup = None if nfc(subgroup) == "—" else strip_en(subgroup)
        mins = "; ".join(ministries.get(p.strip(), p.strip()) for p in ministry.split(";"))
        rows[int(form_no)] = {"code": code, "sector": sector_vi, "sector_en": sector_en, "group": group,
                              "subgroup": subgroup, "ministry": mins}
    assert len(rows) == 26, f"classification rows: {len(rows)}"
    return rows


def parse_overview(text: str) -> dict[int, dict]:
    """§4.3: group maxima, scored criteria, options and star-mark counts per form (sanity check only)."""
    sec = text[text.index("### 4.3 All 26 forms"):text.index("## 5. What changed")]
    out = {}
    for line in sec.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 8 or not cells[0].isdigit():
            continue
        groups = {}
        for part_cell in cells[2:5]:
            for g in part_cell.split("; "):
                gm = re.match(r"^(\d+) (.+) \((\d+)\)$", g.strip())
                groups[gm.group(1)] = int(gm.group(3))
        s3, s4, s5 = (int(x) for x in cells[7].split("/"))
        out[int(cells[0])] = {"groups": groups, "criteria": int(cells[5]), "options": int(cells[6]),
                              "stars": (s3, s4, s5)}
    return out


def parse_forms(lines: list[str]) -> list[dict]:
    forms: list[dict] = []
    form = None
    part = None
    stack: list[tuple[int, dict]] = []  # (indent, node)

    for raw in lines:
        line = raw.rstrip()
        if not line.strip():
            continue
        m = FORM_RE.match(line)
        if m:
            form = {"number": int(m.group(1)), "name": nfc(m.group(2)), "status": m.group(3),
                    "ref_slug": m.group(4), "ko_line": None, "parts": []}
            forms.append(form)
            part, stack = None, []
            continue
        if form is None:
            continue
        m = KO_RE.match(line)
        if m:
            form["ko_line"] = nfc(m.group(1))
            continue
        m = PART_RE.match(line)
        if m:
            part = {"part": m.group(1), "label": nfc(m.group(2)), "printed": int(m.group(3)), "children": []}
            form["parts"].append(part)
            stack = []
            continue
        m = CRIT_RE.match(line)
        if m:
            indent = len(m.group(1))
            node = {"number": m.group(2), "label": nfc(m.group(3)), "printed_max": int(m.group(4)),
                    "heading": bool(m.group(5)), "notes_raw": [], "options": [], "children": []}
            while stack and stack[-1][0] >= indent:
                stack.pop()
            if indent == 0:
                part["children"].append(node)
            else:
                assert stack and stack[-1][0] == indent - 2, line
                stack[-1][1]["children"].append(node)
            stack.append((indent, node))
            continue
        m = OPT_RE.match(line) or NOTE_RE.match(line)
        if m:
            indent = len(m.group(1))
            while stack and stack[-1][0] > indent - 2:
                stack.pop()
            assert stack and stack[-1][0] == indent - 2, f"orphan line: {line}"
            owner = stack[-1][1]
            if line.lstrip().startswith("- `"):
                owner["options"].append((int(m.group(2)), m.group(3)))
            else:
                owner["notes_raw"].append(nfc(m.group(2)))
            continue
        if line.startswith("## ") or line.startswith("Same legend"):
            continue
        raise ValueError(f"unparsed line: {line!r}")
    return forms


# --------------------------------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------------------------------
def build_option(points: int, raw: str, crit: str, anomalies: list, notes: list, kos: list,
                 synthetic_seen: set) -> dict:
    text = raw
    opt: dict = {"points": points}
    stars = None
    sm = STAR_RE.search(text)
    if sm:
        stars = len(sm.group(1))
        assert stars == int(sm.group(2)), raw
        text = text[:sm.start()]
    flag = None
    fm = FLAG_RE.search(text)
    if fm:
        flag = nfc(fm.group(1))
        text = (text[:fm.start()] + " " + text[fm.end():])
    case = None
    cm = CASE_RE.match(text)
    if cm:
        case = cm.group(1)
        text = text[cm.end():]
    im = IP_NOTE_IN_OPTION.search(text)
    if im:
        kos.append({"id": "ip-infringement", "text": nfc(im.group(1))})
        notes.append(f"Knock-out note 'Ghi chú: Nếu sản phẩm vi phạm sở hữu trí tuệ, sẽ bị loại bỏ' is printed in "
                     f"the cell of the {points}-point option of criterion {crit}; moved to the criterion's knock-outs.")
        text = text[:im.start()]
    opt["text"] = nfc(text)
    if stars:
        opt["stars"] = stars
    if case:
        opt["case"] = case
    if flag:
        opt["flag"] = flag
        if flag.startswith("points cell blank in source"):
            anomalies.append({"kind": "blank_cell", "criterion": crit, "points": [points],
                              "description": f"Points cell of option '{opt['text']}' is blank in the source transcript; "
                                             f"read as {points} (reference: '{flag}')."})
        elif flag.startswith("yes/no item"):
            if crit not in synthetic_seen:
                synthetic_seen.add(crit)
                anomalies.append({"kind": "synthetic_options", "criterion": crit, "points": [1, 0],
                                  "description": "Yes/no item: the source prints only the criterion and its maximum (1); "
                                                 "the options 'Có' (1) / 'Không' (0) were supplied by the transcription "
                                                 "(reference: 'yes/no item; options not printed in source')."})
        elif CORRECTED_RE.search(flag):
            printed, corrected = CORRECTED_RE.search(flag).groups()
            assert int(corrected) == points
            anomalies.append({"kind": "corrected_typo", "criterion": crit, "points": [points],
                              "description": f"The source transcript prints {printed} for option '{opt['text']}'; the "
                                             f"reference's fixture author corrected it to {corrected} to match the "
                                             f"ladder and sibling forms (UNCONFIRMED against the official gazette)."})
        else:
            raise ValueError(f"unknown flag {flag!r}")
    return opt


def build_node(raw: dict, form_no: int, anomalies: list, form_notes: list, synthetic_seen: set) -> dict:
    label = raw["label"]
    node: dict = {"number": raw["number"], "label": label, "gloss": gloss_of(label), "max": 0}
    notes: list[str] = []
    kos: list[dict] = []
    cases = None
    for note in raw["notes_raw"]:
        ko_id = next((kid for rx, kid in NOTE_KNOCKOUTS if rx.search(note)), None)
        if ko_id:
            kos.append({"id": ko_id, "text": note})
            continue
        cm = CASES_NOTE_RE.match(note)
        if cm:
            cases = [{"id": "TH1", "label": nfc(cm.group(1))}, {"id": "TH2", "label": nfc(cm.group(2))}]
            notes.append(nfc(note.replace(" | ", " ")))
            continue
        if note.startswith("Chỉ áp dụng khi có câu chuyện"):
            node["applies_when"] = "story_exists"
        notes.append(note)

    if raw["heading"]:
        assert raw["children"] and not raw["options"], f"form {form_no} {raw['number']}: heading shape"
        node["children"] = [build_node(c, form_no, anomalies, form_notes, synthetic_seen) for c in raw["children"]]
        node["max"] = sum(c["max"] for c in node["children"])
    else:
        assert raw["options"] and not raw["children"], f"form {form_no} {raw['number']}: leaf shape"
        opts = [build_option(p, t, raw["number"], anomalies, form_notes, kos, synthetic_seen)
                for p, t in raw["options"]]
        node["options"] = opts
        node["max"] = max(o["points"] for o in opts)
        used_cases = {o.get("case") for o in opts}
        if cases:
            assert used_cases == {"TH1", "TH2"}, (form_no, raw["number"], used_cases)
            node["cases"] = cases
        else:
            assert used_cases == {None}, (form_no, raw["number"], used_cases)
    if node["max"] != raw["printed_max"]:
        anomalies.append({"kind": "other", "criterion": raw["number"],
                          "description": f"Printed max {raw['printed_max']} differs from the computed {node['max']}."})
    if notes:
        node["notes"] = notes
    if kos:
        node["knockouts"] = kos
    # keep key order readable
    order = ["number", "label", "gloss", "max", "applies_when", "notes", "knockouts", "cases", "options", "children"]
    return {k: node[k] for k in order if k in node}


def iter_nodes(nodes):
    for n in nodes:
        yield n
        yield from iter_nodes(n.get("children", []))


def ladder_issues(leaf: dict) -> list[tuple[str | None, list[int], str]]:
    """Duplicated points or non-increasing order within a ladder (per case)."""
    out = []
    by_case: dict = {}
    if any(o.get("flag", "").startswith("yes/no item") for o in leaf["options"]):
        return out  # synthetic Có (1) / Không (0) pair: order supplied by the transcription, not a ladder
    for o in leaf["options"]:
        by_case.setdefault(o.get("case"), []).append(o["points"])
    for case, pts in by_case.items():
        dups = sorted({p for p in pts if pts.count(p) > 1})
        nonmono = any(b < a for a, b in zip(pts, pts[1:]))
        if dups or nonmono:
            out.append((case, pts, "duplicated" if dups else "non-monotone", dups))
    return out


SUSPECTED_REQUIRED = {(7, "3.1"), (23, "6.2")}
SUSPECTED_TEXT = {
    (7, "3.1"): ("Ladder printed 1/1/3: the options 'Hộ sản xuất/hộ gia đình … tổ hợp tác' and 'Công ty TNHH; … <51%' "
                 "both carry 1 point, whereas the same criterion reads 1/2/3 in the sibling forms; the second 1 is "
                 "probably a typo for 2. Encoded as printed."),
    (23, "6.2"): ("Ladder printed 1/1/3/5: 'Chấp nhận được' and 'Phù hợp với đặc tính sản phẩm' both carry 1 point; "
                  "one of them is probably a typo (the sibling forms print 1/2/4 and 1/3/5 for their colour criterion). "
                  "Encoded as printed."),
}


def build_form(raw: dict, classification: dict, checked: tuple[str, int]) -> tuple[dict, list]:
    n = raw["number"]
    anomalies: list[dict] = []
    notes: list[str] = []
    synthetic_seen: set = set()
    slug = slugify(raw["name"])
    aliases = [raw["ref_slug"]] if raw["ref_slug"] != slug else []

    # form-level knock-outs
    kos: list[dict] = []
    ko_line = raw["ko_line"]
    if ko_line and not ko_line.startswith("("):
        for rx, kid in FORM_KO_CLAUSES:
            if rx.search(ko_line):
                kos.append({"id": kid, "text": ko_line})
        assert kos and kos[0]["id"] == "forged-dossier", (n, ko_line)
        if "hoặc giấy phép sản xuất theo quy định" in ko_line and "không có giấy phép" not in ko_line:
            anomalies.append({"kind": "wording", "description":
                              "The 'Hồ sơ bị loại khi' line reads '…; hoặc giấy phép sản xuất theo quy định …' (the "
                              "words 'không có' seem to be missing); encoded as knock-out production-licence-missing "
                              "like the other beverage forms."})
        if "Hồ sơ đăng ký bản đăng ký công bố" in ko_line:
            anomalies.append({"kind": "wording", "description":
                              "The 'Hồ sơ bị loại khi' line is garbled ('…; Hồ sơ đăng ký bản đăng ký công bố chất "
                              "lượng sản phẩm, ghi nhãn sản phẩm, quảng cáo sản phẩm hoặc không đáp ứng quy định hồ sơ "
                              "đăng ký …'); that clause is encoded as labelling-noncompliant (declaration / labelling / "
                              "advertising dossier not compliant) — interpretation, UNCONFIRMED."})
        if ko_line.startswith("Bị loại khi"):
            notes.append("The knock-out line is printed 'Bị loại khi:' (without 'Hồ sơ').")
    else:
        notes.append("No 'Hồ sơ bị loại khi …' line is printed for this form in the source (reference: "
                     f"'{ko_line}'): no form-level knock-out.")

    parts = []
    for p in raw["parts"]:
        children = [build_node(c, n, anomalies, notes, synthetic_seen) for c in p["children"]]
        pmax = sum(c["max"] for c in children)
        if pmax != p["printed"]:
            anomalies.append({"kind": "other", "description":
                              f"Part {p['part']} header prints ({p['printed']} điểm) but its criteria sum to {pmax}."})
        parts.append({"part": p["part"], "label": p["label"], "label_en": PART_EN[p["part"]], "max": pmax,
                      "children": children})

    if n == 26:
        anomalies.append({"kind": "other", "description":
                          "Part A header of the source prints '(35 Điểm)' although the value column and the criteria "
                          "give 40 (14 + 12 + 14); a typo in the source (reference §4.3). The part is encoded as 40."})

    # rows the second copy prints that Appendix A lacks
    for (fno, number), (kind, kid, text) in SECOND_COPY_ROWS.items():
        if fno != n:
            continue
        node = next(x for p in parts for x in iter_nodes(p["children"]) if x["number"] == number)
        if kind == "knockout":
            node["knockouts"] = node.get("knockouts", []) + [{"id": kid, "text": text}]
        else:
            node["notes"] = node.get("notes", []) + [text]
        order = ["number", "label", "gloss", "max", "applies_when", "notes", "knockouts", "cases", "options", "children"]
        node_sorted = {k: node[k] for k in order if k in node}
        node.clear()
        node.update(node_sorted)
        notes.append(SECOND_COPY_REMARK[(fno, number)].format(ref=CROSSCHECK_REF))

    # ladder checks
    findings = []
    for p in parts:
        for node in iter_nodes(p["children"]):
            if "options" not in node:
                continue
            for case, pts, kind, dups in ladder_issues(node):
                findings.append((n, node["number"], case, pts, kind))
                if (n, node["number"]) in SUSPECTED_REQUIRED:
                    anomalies.append({"kind": "suspected_typo", "criterion": node["number"], "points": dups,
                                      "description": SUSPECTED_TEXT[(n, node["number"])]
                                      + f" Printed the same in both copies ({CROSSCHECK_REF} §3); a council that reads "
                                        "it otherwise overrides it in an edited criteria pack (docs/DATA.md).",
                                      "other_forms": OTHER_FORMS[(n, node["number"])]})
                else:
                    anomalies.append({"kind": "suspected_typo", "criterion": node["number"], "points": dups or pts,
                                      "description": f"Ladder printed {'/'.join(map(str, pts))} ({kind}"
                                                     f"{', case ' + case if case else ''}); encoded as printed."})

    cls = classification[n]
    form = {
        "criteria_set": SET_ID,
        "slug": slug,
        "aliases": aliases,
        "number": n,
        "code": cls["code"],
        "name": raw["name"],
        "name_en": NAME_EN[n],
        "status": raw["status"],
        "provenance": {
            "sources": [f"{MD_REF}, Appendix A — Bộ sản phẩm {n} (QĐ 26/2026/QĐ-TTg, Phụ lục II)", TRANSCRIPT,
                        f"{CROSSCHECK_REF} — cross-check against a second copy of Phụ lục II"],
            "tag": "UNCONFIRMED",
            "cross_check": cross_check(n, *checked),
            "anomalies": anomalies,
            "notes": [CAVEAT, SKELETON] + notes,
        },
        "knockouts": kos,
        "notes": ["Ghi chú: Dấu sao là yêu cầu tối thiểu phải đạt theo các cấp độ sao (*** - 3 sao; **** - 4 sao; "
                  "***** - 5 sao)"],
        "parts": parts,
    }
    if not form["provenance"]["anomalies"]:
        del form["provenance"]["anomalies"]
    return form, findings


# --------------------------------------------------------------------------------------------------
# set.json
# --------------------------------------------------------------------------------------------------
def build_set(forms: list[dict], classification: dict, used_kos: list[str]) -> dict:
    bands = [
        (5, 90, None, "Hạng 5 sao (cấp quốc gia): sản phẩm đặc trưng, có thương hiệu, đạt tiêu chuẩn chất lượng cao và "
                      "hội tụ điều kiện để xuất khẩu",
         "5 stars (national level): characteristic, branded, high quality standard, ready to export"),
        (4, 70, 90, "Hạng 4 sao (cấp tỉnh): sản phẩm đặc trưng, từng bước có thương hiệu, đáp ứng yêu cầu về chất "
                    "lượng và tiếp cận thị trường tốt, có tiềm năng nâng cấp lên hạng 5 sao",
         "4 stars (provincial level): characteristic, becoming a brand, good quality and market access, can be "
         "upgraded to 5 stars"),
        (3, 50, 70, "Hạng 3 sao (cấp tỉnh): sản phẩm có đặc thù, có sự ổn định về chất lượng, được quản lý và thương "
                    "mại ổn định, có thể nâng cấp lên hạng 4 sao",
         "3 stars (provincial level): distinctive, stable quality, managed and traded stably, can be upgraded to 4 stars"),
        (2, 30, 50, "Hạng 2 sao: sản phẩm bước đầu hình thành chất lượng, có thể tiếp tục nâng cấp để nâng lên hạng 3 sao",
         "2 stars: quality first taking shape, can be upgraded to 3 stars (not recognised, no certificate)"),
        (1, 0, 30, "Hạng 1 sao: sản phẩm sơ khai, chưa được thương mại, có thể nâng cấp lên hạng 2 sao",
         "1 star: embryonic product, not yet traded, can be upgraded to 2 stars (not recognised, no certificate)"),
    ]
    form_by_no = {f["number"]: f for f in forms}
    return {
        "id": SET_ID,
        "decision": {
            "number": "26/2026/QĐ-TTg",
            "title": "Bộ tiêu chí và quy trình đánh giá, phân hạng sản phẩm mỗi xã một sản phẩm",
            "title_en": "Criteria and procedure for evaluating and rating products of the One Commune One Product "
                        "(OCOP) programme",
            "signed": "2026-05-22",
        },
        "in_force": {
            "from": "2026-05-22",
            "to": None,
            "note": "Effective on signature (22/05/2026). Điều 11.2: QĐ 148/QĐ-TTg and QĐ 1489/QĐ-TTg cease to have "
                    "effect 60 days after 22/05/2026. Điều 12: certificates issued earlier stay valid until expiry; "
                    "files lodged before 22/05/2026 and not yet rated are finished under the 2021–2025 rules (first "
                    "time / upgrade within 60 days, re-evaluation within 30 days); certificates due for re-evaluation "
                    "that cannot meet the 180–120-day window are extended until the decision, at most 180 days after "
                    "expiry. Re-evaluation (Điều 7.6): file no earlier than 180 and no later than 120 days before expiry.",
        },
        "parts": [
            {"part": "A", "label": "Các tiêu chí đánh giá về sản phẩm và sức mạnh cộng đồng",
             "label_en": PART_EN["A"], "max": 40,
             "subheadings": ["tổ chức sản xuất", "phát triển sản phẩm", "sức mạnh cộng đồng"]},
            {"part": "B", "label": "Các tiêu chí đánh giá về khả năng tiếp thị", "label_en": PART_EN["B"], "max": 25,
             "subheadings": ["tiếp thị", "câu chuyện sản phẩm"]},
            {"part": "C", "label": "Các tiêu chí đánh giá về chất lượng sản phẩm", "label_en": PART_EN["C"],
             "max": 35,
             "subheadings": ["chỉ tiêu cảm quan", "dinh dưỡng", "tính độc đáo của sản phẩm",
                             "công bố chất lượng sản phẩm", "đảm bảo chất lượng sản phẩm", "hướng dẫn sử dụng",
                             "cơ hội thị trường toàn cầu"]},
        ],
        "total_max": 100,
        "bands": [{"stars": s, "min": lo, "below": hi, "label": vi, "label_en": en, "tag": "CONFIRMED"}
                  for s, lo, hi, vi, en in bands],
        "certificate_months": 36,
        "recognised_min_stars": 3,
        "star_minimums": {
            "mechanism": "option_marks",
            "cumulative": True,
            "tag": "UNCONFIRMED",
            "note": "Printed under every form: 'Ghi chú: Dấu sao là yêu cầu tối thiểu phải đạt theo các cấp độ sao "
                    "(*** - 3 sao; **** - 4 sao; ***** - 5 sao)' (CONFIRMED against the transcript). The marks sit on "
                    "answer options: a product needs at least that option's points on the criterion to be rated at "
                    "that star level. Cumulative reading (a 4★ product must also meet every *** mark, a 5★ product "
                    "every *** and **** mark; awarded stars = highest level whose band is reached and whose marks, "
                    "and all lower marks, are met) is the reference's inference; the decision does not spell out the "
                    "fallback — UNCONFIRMED.",
        },
        "periods": [{
            "id": "qd26-2026",
            "from": "2026-05-22",
            "to": None,
            "label": "QĐ 26/2026/QĐ-TTg: xã tiếp nhận, đánh giá một số nội dung → tỉnh (3–4 sao) → trung ương (5 sao)",
            "levels": ["province", "central"],
            "prechecks": ["commune"],
            "recognition": {"province": [3, 4], "central": [5]},
            "gates": [{
                "id": "province-to-central", "from_level": "province", "to_level": "central", "min_total": 90,
                "tag": "CONFIRMED",
                "note": "Điều 7.3.e: sản phẩm có tiềm năng đạt 5 sao (đạt từ 90 điểm trở lên) — the provincial "
                        "chairman approves the result and the province sends the file to the Ministry of Agriculture "
                        "and Environment. If the central council scores it below 90, the provincial chairman may "
                        "recognise it as 3★/4★ on the central result, or re-evaluate it (Điều 7.4).",
            }],
            "tag": "CONFIRMED",
            "note": "Điều 4, 7: UBND cấp xã checks the dossier and assesses four items (local raw materials, local "
                    "labour, origin of the product idea, local identity/know-how) within 15 working days (Mẫu số 03), "
                    "without scoring; the provincial council scores and UBND cấp tỉnh recognises and certifies 3★ and "
                    "4★ (1★/2★: no decision, no certificate); Bộ Nông nghiệp và Môi trường's central council scores "
                    "and the Minister recognises 5★. CONFIRMED against the transcript (see the caveat in provenance).",
        }],
        "knockouts": [{"id": kid, "effect": KO_CATALOGUE[kid][0], "label": KO_CATALOGUE[kid][1],
                       "label_en": KO_CATALOGUE[kid][2], "tag": "CONFIRMED"} for kid in used_kos],
        "classification": [{
            "form": form_by_no[n]["slug"], "number": n, "code": c["code"], "sector": c["sector"],
            "sector_en": c["sector_en"], "group": c["group"], "subgroup": c["subgroup"], "ministry": c["ministry"],
            "tag": "CONFIRMED"} for n, c in sorted(classification.items())],
        "council": {
            "aggregation": "mean_of_member_totals",
            "max_spread": 10,
            "tag": "UNCONFIRMED",
            "note": "Score = 'tổng điểm trung bình' (Điều 3.3); reading it as the mean of the council members' totals "
                    "is the reference's inference. The rule that members' totals may differ by at most 10 points "
                    "(otherwise re-discuss) comes from provincial council regulations of the 1048 era (Tây Ninh, Đồng "
                    "Tháp), not from the decision; 26/2026 sets no minimum membership or quorum (left to the council "
                    "rules) and no rounding rule.",
        },
        "provenance": {
            "sources": [
                f"{MD_REF} §0, §1.1–§1.3, §3.3 (decision facts of QĐ 26/2026/QĐ-TTg: Điều 3–12)",
                f"{MD_REF} §2.2 (classification, 26/2026 Phụ lục I), §4.3 (per-form overview), Appendix A (the 26 "
                "forms of Phụ lục II)",
                TRANSCRIPT + "; title, Điều 3.1 sub-headings and Điều 3.3 band wording read in the transcript itself",
            ],
            "tag": "UNCONFIRMED",
            "notes": [
                CAVEAT,
                "Facts tagged CONFIRMED (bands, process, knock-outs, classification) are confirmed against the "
                "transcript only; two unrelated public repositories independently reference the instrument "
                "(26 criteria sets, effective 2026-05-22, A40/B25/C35).",
                "Knock-out effects: 'bị loại' → disqualify; 'không đánh giá / không xem xét (các bước tiếp theo)' → "
                "stop_evaluation. product-notification-missing is printed both as a rejection (form-level line of "
                "forms 19–20) and as 'Không đánh giá các bước tiếp theo nếu không có Phiếu công bố …' (criterion "
                "note): catalogued as disqualify.",
                "All 26 forms are complete (each part sums to 40/25/35); every form carries provenance tag "
                "UNCONFIRMED and its anomalies (typos, blank cells, synthetic yes/no options).",
                f"Cross-check ({CROSSCHECK_REF}): 21 forms match a second copy of Phụ lục II ({SECOND_COPY.split(' (')[0]}) "
                "exactly on every criterion number, maximum, option point and star mark; 5 (forms 4, 7, 10, 11, 23) "
                "differ only where that copy has blank cells or slips. Both copies come from one lineage (not "
                "independent) and the official gazette has not been read: each form's provenance.cross_check says so. "
                "Rows that copy prints and Appendix A lacks are carried: form 16's knock-out after 6.4 "
                "(sensory-zero-score) and the notes of forms 2 (7), 3 (8) and 5 (8).",
            ],
            "gaps": [
                "Official-gazette confirmation of QĐ 26/2026/QĐ-TTg (only the GitHub transcript and two secondary "
                "references).",
                "The fallback when a total reaches a band but a star mark of that band is missed is not spelled out "
                "in the decision (cumulative reading inferred).",
                "Rounding of the mean score; council quorum and minimum membership (left to council rules).",
            ],
        },
    }


# --------------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------------
def check_form(form: dict, catalogue: set) -> None:
    numbers = []

    def walk(node):
        numbers.append(node["number"])
        for k in node.get("knockouts", []):
            assert k["id"] in catalogue, k
        if "options" in node:
            assert node["max"] == max(o["points"] for o in node["options"]), node["number"]
            for o in node["options"]:
                assert o.get("stars", 3) in (3, 4, 5)
                if "case" in o:
                    assert o["case"] in {c["id"] for c in node["cases"]}
        else:
            assert node["max"] == sum(c["max"] for c in node["children"]), node["number"]
            for c in node["children"]:
                assert c["number"].startswith(node["number"] + "."), (node["number"], c["number"])
                walk(c)

    for p in form["parts"]:
        assert p["max"] == sum(c["max"] for c in p["children"])
        for c in p["children"]:
            walk(c)
        if form["status"] == "complete":
            assert p["max"] == SET_PARTS[p["part"]], (form["number"], p["part"], p["max"])
    assert [p["part"] for p in form["parts"]] == ["A", "B", "C"]
    assert len(numbers) == len(set(numbers)), f"duplicate numbers in form {form['number']}"
    for k in form["knockouts"]:
        assert k["id"] in catalogue, k


def counts(form: dict) -> dict:
    leaves = [n for p in form["parts"] for n in iter_nodes(p["children"]) if "options" in n]
    opts = [o for n in leaves for o in n["options"]]
    synth = sum(1 for o in opts if o.get("flag", "").startswith("yes/no item"))
    stars = tuple(sum(1 for o in opts if o.get("stars") == s) for s in (3, 4, 5))
    groups = {n["number"]: n["max"] for p in form["parts"] for n in p["children"]}
    return {"criteria": len(leaves), "options": len(opts), "synthetic": synth, "stars": stars, "groups": groups}


def main() -> None:
    text = read_reference()
    classification = parse_classification(text)
    overview = parse_overview(text)
    raw_forms = parse_forms(appendix_lines(text))
    assert [f["number"] for f in raw_forms] == list(range(1, 27)), [f["number"] for f in raw_forms]

    checked = parse_crosscheck()
    forms, findings = [], []
    for raw in raw_forms:
        form, fnd = build_form(raw, classification, checked[raw["number"]])
        forms.append(form)
        findings += fnd

    used = []
    for f in forms:
        for k in f["knockouts"]:
            if k["id"] not in used:
                used.append(k["id"])
        for p in f["parts"]:
            for n in iter_nodes(p["children"]):
                for k in n.get("knockouts", []):
                    if k["id"] not in used:
                        used.append(k["id"])
    used = [k for k in KO_CATALOGUE if k in used]
    set_doc = build_set(forms, classification, used)

    # write
    forms_dir = OUT / "forms"
    forms_dir.mkdir(parents=True, exist_ok=True)
    for old in forms_dir.glob("*.json"):
        old.unlink()
    written = []
    for f in forms:
        path = forms_dir / f"{f['number']:02d}-{f['slug']}.json"
        mark_no_story(f)
        write_json(path, f)
        written.append(path)
    write_json(OUT / "set.json", set_doc)

    # validate what was written
    form_validator = Draft202012Validator(json.loads((SCHEMA_DIR / "form.schema.json").read_text()))
    set_validator = Draft202012Validator(json.loads((SCHEMA_DIR / "set.schema.json").read_text()))
    errors = []
    for path in written:
        errors += [f"{path.name}: {e.message}" for e in form_validator.iter_errors(json.loads(path.read_text()))]
    errors += [f"set.json: {e.message}" for e in set_validator.iter_errors(json.loads((OUT / 'set.json').read_text()))]
    assert not errors, "\n".join(errors)
    catalogue = {k["id"] for k in set_doc["knockouts"]}
    for path in written:
        check_form(json.loads(path.read_text()), catalogue)
    assert {c["form"] for c in set_doc["classification"]} == {f["slug"] for f in forms}

    # report
    print(f"wrote {len(written)} forms + set.json to {OUT}")
    tot_c = tot_o = 0
    mismatches = []
    for f in forms:
        c = counts(f)
        ov = overview[f["number"]]
        tot_c += c["criteria"]
        tot_o += c["options"]
        line = (f"{f['number']:2d} {f['slug']:<60} crit {c['criteria']:2d} opt {c['options']:3d} "
                f"(synthetic {c['synthetic']}) stars {c['stars'][0]}/{c['stars'][1]}/{c['stars'][2]} "
                f"anomalies {len(f['provenance'].get('anomalies', []))}")
        print(line)
        for key in ("criteria", "options", "stars"):
            if c[key] != ov[key]:
                mismatches.append(f"form {f['number']}: {key} ours {c[key]} vs §4.3 {ov[key]}")
        if c["groups"] != ov["groups"]:
            mismatches.append(f"form {f['number']}: group maxima ours {c['groups']} vs §4.3 {ov['groups']}")
    print(f"total criteria {tot_c}, options {tot_o}")
    print("§4.3 mismatches:" if mismatches else "§4.3: all counts and group maxima agree")
    for m in mismatches:
        print("  " + m)
    print("ladders with duplicated points / non-monotone order:")
    for fnd in findings:
        print("  form %d criterion %s case %s: %s (%s)" % (fnd[0], fnd[1], fnd[2], "/".join(map(str, fnd[3])), fnd[4]))
    print("knock-out ids:", ", ".join(used))


if __name__ == "__main__":
    main()
