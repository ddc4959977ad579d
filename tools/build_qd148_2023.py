#!/usr/bin/env python3
"""Build criteria/qd148-2023/ (26 forms + set.json) from the reference exports.

Sources (read-only, beside the project):
  reference/qd148-2023-forms/NN.csv   the 26 QĐ 148/QĐ-TTg (2023) forms as exported from the spreadsheet of
                                      the Châu Đức district OCOP council (augustine-tran/ocop db/ocop/*.csv @
                                      d76e5ad5de8cf7f044e67784aea849fdd9cee799). Columns: title, description,
                                      level (0 part / 1 group / 2 criterion / 3 option), stars, score.
  reference/qd148-2023-forms/INDEX.md the forms' titles as printed.
  reference/ocop-148-2023.md          §0–§3 (decision facts, classification §2.2), §4.1 (Bến Tre fragment of
                                      the rice form, the only other 148 text), §6 (sources, gaps).

Everything is taken as printed; nothing is invented:
  * groups "N. X" keep their number; criteria "a) b) …" are numbered N.1, N.2 … by position (VI_LETTERS
    order), the printed letter kept in the node's `printed` ("N.a") and notes ("Số in trên phiếu: a)"); a
    letter out of order is an anomaly (kind numbering); sub-items keep no `printed` of their own (they are
    printed '- ' or repeat their criterion's letter, see their notes);
  * a group whose options sit directly under it (no "a)" row) is scored directly: it is a leaf; a group with a
    single "a)" row — even one with a blank label or repeating the group's title — has criterion N.1 (printed
    "N.a"), as the rule "1. a)" → "1.1" gives everywhere (a blank label repeats the group's title, noted);
  * sub-items ("- Tạp chất" under "a) Ngoại hình", or "a) Ngoại hình - Tạp chất lạ" rows) become N.k.j;
  * "Trường hợp 1 / 2" blocks under "Lựa chọn một trong hai trường hợp sau" become cases of one leaf;
  * the first line of a title is the label; further lines and the description column are notes, except
    knock-out notes (structured, README vocabulary) and "Chỉ áp dụng khi có câu chuyện" (applies_when);
  * option marks: `stars` from the stars column; the trailing asterisks are stripped from the text and
    compared with it (a disagreement is an anomaly). A mark printed on a criterion title marks the option
    worth the criterion's maximum (INDEX.md): it is put there once, never twice;
  * a score cell that is not an integer (stray letter) drops that option and records points_missing; a
    printed maximum that disagrees with the sum of what is encoded is an anomaly and the REAL sum is used;
    a form with points missing is status "partial".
Ladders with duplicated points or a non-monotone order are reported (anomaly), never fixed.

Run:  python tools/build_qd148_2023.py
"""
from __future__ import annotations

import csv
import json
import re
import sys
from collections import Counter
from pathlib import Path

from jsonschema import Draft202012Validator

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CRITERIA, REFERENCE, VI_LETTERS, mark_no_story, nfc, slugify, write_json  # noqa: E402

SET_ID = "qd148-2023"
FORMS_DIR = REFERENCE / "qd148-2023-forms"
MD_PATH = REFERENCE / "ocop-148-2023.md"
MD_REF = "reference/ocop-148-2023.md"
OUT = CRITERIA / SET_ID
SCHEMA_DIR = CRITERIA / "schema"

DATASET = ("augustine-tran/ocop db/ocop/*.csv @ d76e5ad5de8cf7f044e67784aea849fdd9cee799 "
           "(spreadsheet of the Châu Đức district OCOP council, Bà Rịa–Vũng Tàu)")
SINGLE_NOTE = ("Single transcription (a district council's working spreadsheet exported as CSV), not checked against "
               "the official Phụ lục III of QĐ 148/QĐ-TTg, which was not found (reference §0, §4.1).")

SET_PARTS = {"A": 40, "B": 25, "C": 35}
PART_EN = {"A": "Product and community strength", "B": "Marketing capacity", "C": "Product quality"}

NAME_EN = {
    1: "Fresh vegetables, tubers, fruit and nuts",
    2: "Fresh meat, aquatic products, eggs and milk",
    3: "Rice, cereals and other pre-processed grains",
    4: "Honey, other syrups and other agri-food products",
    5: "Fast food",
    6: "Processed rice and cereal products",
    7: "Processed vegetable, tuber, fruit and nut products",
    8: "Processed meat, aquatic, egg and dairy products, honey products",
    9: "Soy sauces, fish sauces and other liquid condiments",
    10: "Other condiments (salt, shallots, garlic, pepper, ...)",
    11: "Fresh and processed tea",
    12: "Herbal teas from other plants",
    13: "Coffee and cocoa products",
    14: "White spirits",
    15: "Other alcoholic beverages",
    16: "Natural mineral water and bottled purified drinking water",
    17: "Other non-alcoholic beverages",
    18: "Functional foods, herbal medicines and traditional medicines",
    19: "Cosmetics with herbal ingredients",
    20: "Essential oils and other herbs",
    21: "Household and decorative handicrafts",
    22: "Textiles and garments",
    23: "Flowers",
    24: "Ornamental plants",
    25: "Ornamental animals",
    26: "Community tourism, eco-tourism services and tourist sites",
}

# --------------------------------------------------------------------------------------------------
# English glosses, keyed by the Vietnamese label as encoded (first line of the title, prefix stripped).
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
    "DINH DƯỠNG": "Nutrition",
    "TÍNH ĐỘC ĐÁO": "Uniqueness",
    "CÔNG BỐ CHẤT LƯỢNG SẢN PHẨM": "Product quality declaration",
    "CÔNG BỐ CHẤT LƯỢNG SẢN PHẨM, KIỂM TRA ĐỊNH KỲ": "Product quality declaration and periodic testing",
    "CÔNG BỐ CHẤT LƯỢNG": "Quality declaration",
    "ĐẢM BẢO CHẤT LƯỢNG SẢN PHẨM": "Product quality assurance",
    "ĐIỀU KIỆN ĐẢM BẢO AN TOÀN CHẤT LƯỢNG SẢN PHẨM": "Conditions ensuring product safety and quality",
    "HƯỚNG DẪN SỬ DỤNG ĐỂ ĐẢM BẢO SẢN PHẨM CÓ CHẤT LƯỢNG TỐT NHẤT CHO NGƯỜI TIÊU DÙNG":
        "Use instructions ensuring the best product quality for consumers",
    "CƠ HỘI THỊ TRƯỜNG TOÀN CẦU": "Global market opportunity",
    "CHẤT LƯỢNG AN TOÀN THỰC PHẨM": "Food-safety quality",
    "SỰ TIỆN LỢI KHI SỬ DỤNG, BẢO QUẢN": "Convenience of use and storage",
    "HIỆU QUẢ SỬ DỤNG": "Effectiveness in use",
    "KIỂM TRA ĐỊNH KỲ": "Periodic testing",
    "TÍNH AN TOÀN": "Safety",
    "CÁC CHỈ TIÊU": "Quality indicators",
    "KIỂM TRA ĐỊNH KỲ CÁC CHỈ TIÊU ATTP VÀ AN TOÀN SẢN PHẨM THEO QUY ĐỊNH":
        "Periodic testing of food-safety and product-safety indicators as required",
    "CHẤT LƯỢNG SẢN PHẨM": "Product quality",
    # Part A criteria
    "Nguồn gốc sản phẩm": "Product origin",
    "Nguồn nguyên liệu": "Raw-material source",
    "Gia tăng giá trị": "Value adding",
    "Năng lực sản xuất đáp ứng yêu cầu phân phối": "Production capacity to meet distribution needs",
    "Năng lực sản xuất để đáp ứng yêu cầu phân phối": "Production capacity to meet distribution needs",
    "Liên kết sản xuất": "Production linkage",
    "Liên kết chuỗi trong sản xuất": "Value-chain linkage in production",
    "Bảo vệ môi trường trong quá trình sản xuất": "Environmental protection in production",
    "Sử dụng công nghệ theo hướng bền vững trong sản xuất": "Use of sustainable technology in production",
    "Nguồn gốc ý tưởng sản phẩm": "Origin of the product idea",
    "Đóng gói, bao bì sản phẩm": "Product packing and packaging",
    "Bao bì, ghi nhãn sản phẩm": "Packaging and product labelling",
    "Phong cách, ghi nhãn hàng hóa": "Style and goods labelling",
    "Phong cách, ghi nhãn sản phẩm (tem, nhãn gắn trên sản phẩm)":
        "Style and product labelling (stamps and labels on the product)",
    "Loại hình tổ chức sản xuất - kinh doanh": "Type of production and business organisation",
    "Đại diện pháp luật của chủ thể là nữ/đồng bào dân tộc thiểu số":
        "Legal representative is a woman / an ethnic-minority person",
    "Sử dụng lao động địa phương": "Use of local labour",
    "Tăng trưởng sản xuất kinh doanh": "Business growth",
    "Kế toán": "Accounting",
    "Sở hữu trí tuệ": "Intellectual property",
    # Part B criteria
    "Khu vực phân phối chính": "Main distribution area",
    "Tổ chức phân phối": "Distribution organisation",
    "Quảng bá sản phẩm": "Product promotion",
    "Câu chuyện về sản phẩm": "Product story",
    "Trí tuệ/bản sắc địa phương": "Local know-how / identity (content of the story)",
    "Cấu trúc câu chuyện": "Structure of the story",
    # Part C criteria (food, drinks, herbs)
    "Kích thước, hình dạng bề ngoài": "Size and outward shape",
    "Màu sắc, độ chín": "Colour and ripeness",
    "Mùi/vị": "Smell / taste",
    "Tính đầy đủ về sản phẩm, sạch": "Product completeness and cleanliness",
    "Chỉ ra hàm lượng của các chỉ tiêu dinh dưỡng như: Protit, Lipid, Vitamin,...":
        "Nutrient contents shown (protein, lipid, vitamins, ...)",
    "Chất lượng: Có nét riêng, khác biệt, có dấu hiệu nhận biết rõ ràng so với sản phẩm khác, "
    "tiềm năng thành thương hiệu của địa phương":
        "Quality: own character, distinct and clearly recognisable, potential local brand",
    "Công bố tiêu chuẩn sản phẩm của cơ sở sản xuất": "Product standard declared by the producer",
    "Công bố chất lượng sản phẩm": "Product quality declaration",
    "Công bố chất lượng sản phẩm theo quy định": "Product quality declared as required",
    "Kiểm tra định kỳ các chỉ tiêu ATTP theo quy định": "Periodic testing of food-safety indicators as required",
    "Tạp chất": "Foreign matter",
    "Tạp chất lạ": "Foreign matter",
    "Kích thước, độ đồng đều": "Size and uniformity",
    "Độ đồng đều của sản phẩm": "Product uniformity",
    "Màu sắc": "Colour",
    "Màu sắc, thể chất": "Colour and texture",
    "Mùi": "Smell",
    "Vị": "Taste",
    "Mùi, vị": "Smell and taste",
    "Hình dạng": "Shape",
    "Ngoại hình, đồng đều": "Appearance and uniformity",
    "Hình dạng, thể chất": "Shape and texture",
    "Thể chất": "Texture",
    "Ngoại hình": "Appearance",
    "Hình dạng, màu sắc cánh chè": "Shape and colour of the tea leaves",
    "Nước pha": "Infusion",
    "Màu nước": "Infusion colour",
    "Mùi nước": "Infusion aroma",
    "Vị nước": "Infusion taste",
    "Trạng thái/hình dạng": "State / shape",
    # handicrafts, garments, ornamentals
    "Mức độ tinh xảo/sắc nét của sản phẩm": "Finesse / sharpness of the product",
    "Thiết kế độc đáo": "Distinctive design",
    "Các yếu tố tích hợp lên giá trị của sản phẩm": "Elements integrated into the product's value",
    "Các tính năng của sản phẩm": "Product functions (use value)",
    "Chất lượng của nguyên liệu/thành phần": "Quality of raw materials / components",
    "Thiết kế sản phẩm (bao gói, chậu trồng,...)": "Product design (packing, planting pot, ...)",
    "Hình dáng so với loại sản phẩm": "Shape relative to the product type",
    "Kiểu dáng, tạo hình, mỹ thuật": "Form, shaping and artistry",
    "Thiết kế sản phẩm (chậu trồng, phụ kiện kèm theo...)": "Product design (planting pot, accessories, ...)",
    # tourism
    "Bộ phận điều phối quản lý và điều hành dịch vụ": "Unit coordinating, managing and operating the services",
    "Cơ chế quản lý/quy định": "Management mechanism / rules",
    "Bảo vệ môi trường trong cộng đồng làm du lịch/điểm du lịch":
        "Environmental protection in the tourism community / at the site",
    "Sử dụng năng lượng tiết kiệm": "Energy saving",
    "Nguồn gốc ý tưởng sản phẩm dịch vụ du lịch": "Origin of the tourism-service idea",
    "Tổ chức dịch vụ theo thị trường mục tiêu": "Services organised for target markets",
    "Bảo vệ, bảo tồn các di sản văn hóa, thiên nhiên, đa dạng sinh học liên quan đến sản phẩm dịch vụ du lịch":
        "Protection and conservation of cultural and natural heritage and biodiversity linked to the tourism product",
    "Liên kết chuỗi giá trị trong quảng bá sản phẩm du lịch": "Value-chain linkage in tourism promotion",
    "Liên kết vùng và chuỗi giá trị trong sản phẩm dịch vụ du lịch":
        "Regional and value-chain linkage in tourism products",
    "Tổ chức quảng bá, bán hàng": "Organisation of promotion and sales",
    "Bộ nhận diện quảng bá sản phẩm": "Promotional identity kit",
    "Trình bày câu chuyện sản phẩm": "Presentation of the product story",
    "Sản phẩm dịch vụ du lịch trên địa bàn đạt chuẩn nông thôn mới":
        "Tourism product in an area meeting the new-rural standard",
    "VỊ TRÍ": "Location",
    "KIẾN TRÚC VÀ CẢNH QUAN MÔI TRƯỜNG": "Architecture and landscape",
    "CHẤT LƯỢNG VỀ ĐIỀU KIỆN KINH DOANH DỊCH VỤ": "Quality of the business conditions for the services",
    "CHẤT LƯỢNG AN TOÀN VÀ AN NINH TRẬT TỰ": "Safety, security and public order",
    "TÍNH HOÀN THIỆN CỦA QUÁ TRÌNH DỊCH VỤ": "Completeness of the service process",
    "HOẠT ĐỘNG TRẢI NGHIỆM": "Experience activities",
    "QUẢN LÝ VÀ NHÂN VIÊN": "Management and staff",
    "CHẤT LƯỢNG SẢN PHẨM DỊCH VỤ DU LỊCH": "Quality of the tourism product",
    "CHẤT LƯỢNG PHỤC VỤ": "Service quality",
    "TIỆN NGHI": "Amenities",
    "HOẠT ĐỘNG THU HÚT KHÁCH DU LỊCH": "Activities attracting visitors",
    "HÀNG HÓA DỊCH VỤ (ĂN UỐNG, ĐỒ LƯU NIỆM...)": "Goods and services (food and drink, souvenirs, ...)",
}


def gloss_of(label: str) -> str:
    if label in GLOSS:
        return GLOSS[label]
    raise KeyError(f"no English gloss for label {label!r}")


# --------------------------------------------------------------------------------------------------
# Knock-outs and applicability (README vocabulary)
# --------------------------------------------------------------------------------------------------
NOTE_KNOCKOUTS = [
    (re.compile(r"Bị loại nếu sử dụng toàn bộ nguyên liệu nhập khẩu"), "raw-material-imported-or-unknown"),
    (re.compile(r"Bị loại nếu phát hiện giống hệt sản phẩm"), "identical-to-other-product"),
    (re.compile(r"Không đánh giá những sản phẩm có tính phổ biến"), "common-product-not-outstanding"),
    (re.compile(r"tạp chất.*(không đánh giá|không xem xét)|(không đánh giá|không xem xét).*tạp chất", re.I),
     "unacceptable-foreign-matter"),
    (re.compile(r"Không đánh giá các bước tiếp theo nếu (Giấy )?[Cc]hứng nhận đủ điều kiện ATTP"),
     "food-safety-certificate-noncompliant"),
    (re.compile(r"vi phạm sở hữu trí tuệ, sẽ bị loại bỏ"), "ip-infringement"),
]
STORY_RE = re.compile(r"Chỉ áp dụng khi có câu chuyện")
CASES_RE = re.compile(r"Lựa chọn một trong hai trường hợp")
KO_HINT_RE = re.compile(r"bị loại|không đánh giá|không xem xét", re.I)

# Catalogue: every id used in the forms + the 148 rejection cases confirmed for the Bến Tre rice form.
KNOCKOUT_CATALOGUE = [
    {"id": "forged-dossier", "effect": "disqualify",
     "label": "Hồ sơ bị loại khi: giả mạo hồ sơ",
     "label_en": "Dossier rejected: dossier forged (Bến Tre copy of the 148 rice form)", "tag": "CONFIRMED"},
    {"id": "food-safety-certificate-noncompliant", "effect": "disqualify",
     "label": "Hồ sơ bị loại khi không tuân thủ đầy đủ các quy định về giấy chứng nhận cơ sở đủ điều kiện an toàn "
              "thực phẩm (hoặc tương đương); trên phiếu: Không đánh giá các bước tiếp theo nếu (Giấy) Chứng nhận đủ "
              "điều kiện ATTP (hoặc tương đương) không phù hợp theo quy định",
     "label_en": "Food-safety facility certificate (or equivalent) missing or not compliant: dossier rejected "
                 "(Bến Tre form header); the council spreadsheet prints it as 'no further evaluation'",
     "tag": "CONFIRMED"},
    {"id": "labelling-noncompliant", "effect": "disqualify",
     "label": "Hồ sơ bị loại khi: tự công bố / ghi nhãn không đúng quy định",
     "label_en": "Dossier rejected: self-declaration or labelling not compliant (Bến Tre copy of the 148 rice form)",
     "tag": "CONFIRMED"},
    {"id": "registration-dossier-noncompliant", "effect": "disqualify",
     "label": "Hồ sơ bị loại khi: hồ sơ đăng ký (dự thi) không đáp ứng quy định",
     "label_en": "Dossier rejected: registration (competition) dossier not compliant (Bến Tre copy of the 148 rice form)",
     "tag": "CONFIRMED"},
    {"id": "raw-material-imported-or-unknown", "effect": "disqualify",
     "label": "Bị loại nếu sử dụng toàn bộ nguyên liệu nhập khẩu hoặc không rõ nguồn gốc",
     "label_en": "Disqualified if all raw material is imported or of unknown origin", "tag": "DATASET"},
    {"id": "identical-to-other-product", "effect": "disqualify",
     "label": "Bị loại nếu phát hiện giống hệt sản phẩm của nhà sản xuất khác, chỉ thay đổi tên sản phẩm, nhà sản xuất",
     "label_en": "Disqualified if identical to another maker's product with only the product or maker name changed",
     "tag": "DATASET"},
    {"id": "common-product-not-outstanding", "effect": "stop_evaluation",
     "label": "Không đánh giá những sản phẩm có tính phổ biến của nhóm sản phẩm chủ lực cấp quốc gia, cấp tỉnh mà "
              "không có sự nổi trội và đặc sắc",
     "label_en": "Common product of a national/provincial key product group without distinction: not evaluated",
     "tag": "DATASET"},
    {"id": "unacceptable-foreign-matter", "effect": "stop_evaluation",
     "label": "Nếu có tạp chất không chấp nhận được (có nguy cơ gây mất ATTP) sẽ không đánh giá các bước tiếp theo",
     "label_en": "Unacceptable foreign matter (food-safety risk): the remaining criteria are not evaluated",
     "tag": "DATASET"},
    {"id": "ip-infringement", "effect": "disqualify",
     "label": "Nếu sản phẩm vi phạm sở hữu trí tuệ, sẽ bị loại bỏ",
     "label_en": "Disqualified on intellectual-property infringement", "tag": "DATASET"},
]
BENTRE_KOS = ["forged-dossier", "food-safety-certificate-noncompliant", "labelling-noncompliant",
              "registration-dossier-noncompliant"]

# --------------------------------------------------------------------------------------------------
# Classification (reference §2.2): Vietnamese names without the reference's English glosses.
# code and form # are re-read from the table and asserted; the ✔/◐ mark becomes the tag.
# --------------------------------------------------------------------------------------------------
SECTORS = {
    "I": ("Thực phẩm", "Food"),
    "II": ("Đồ uống", "Beverages"),
    "III": ("Dược liệu và sản phẩm từ dược liệu", "Medicinal herbs and herbal products"),
    "IV": ("Hàng thủ công mỹ nghệ", "Handicrafts"),
    "V": ("Sinh vật cảnh", "Ornamental plants and animals"),
    "VI": ("Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch",
           "Community tourism, eco-tourism services and tourist sites"),
}
CLASS_NAMES = {  # form # -> (group, subgroup)
    1: ("Thực phẩm tươi sống", "Rau, củ, quả, hạt tươi"),
    2: ("Thực phẩm tươi sống", "Thịt, thủy sản, trứng, sữa tươi"),
    3: ("Thực phẩm thô, sơ chế", "Gạo, ngũ cốc, hạt sơ chế khác"),
    4: ("Thực phẩm thô, sơ chế", "Mật ong, mật khác và nông sản thực phẩm khác"),
    5: ("Thực phẩm chế biến", "Đồ ăn nhanh"),
    6: ("Thực phẩm chế biến", "Chế biến từ gạo, ngũ cốc"),
    7: ("Thực phẩm chế biến", "Chế biến từ rau, củ, quả, hạt"),
    8: ("Thực phẩm chế biến", "Chế biến từ thịt, trứng, sữa, thủy sản, các sản phẩm từ mật ong, mật khác và nông "
                               "sản thực phẩm khác"),
    9: ("Gia vị", "Tương, nước mắm, gia vị dạng lỏng khác"),
    10: ("Gia vị", "Gia vị khác"),
    11: ("Chè", "Chè tươi, chế biến"),
    12: ("Chè", "Sản phẩm chè từ thực vật khác"),
    13: ("Cà phê, ca cao", None),
    14: ("Đồ uống có cồn", "Rượu trắng"),
    15: ("Đồ uống có cồn", "Đồ uống có cồn khác"),
    16: ("Đồ uống không cồn", "Nước khoáng thiên nhiên, nước uống đóng chai"),
    17: ("Đồ uống không cồn", "Đồ uống không cồn"),
    18: ("Thực phẩm chức năng, thuốc dược liệu, thuốc cổ truyền", None),
    19: ("Mỹ phẩm có thành phần từ dược liệu", None),
    20: ("Tinh dầu và dược liệu khác", None),
    21: ("Thủ công mỹ nghệ gia dụng, trang trí", None),
    22: ("Vải, may mặc", None),
    23: ("Hoa", None),
    24: ("Cây cảnh", None),
    25: ("Động vật cảnh", None),
    26: ("Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch", None),
}
# Form-name differences between the spreadsheet title and the §2.2 (sub)group name, checked by hand: same set.
NAME_DIFFERENCES = {
    8: "the spreadsheet title stops at 'các sản phẩm từ mật ong' (§2.2: '…, mật khác và nông sản thực phẩm khác')",
    10: "title adds '(muối, hành, tỏi, tiêu,...)' (§2.2 notes the same addition)",
    11: "'Chè tươi, chè chế biến' (§2.2: 'Chè tươi, chế biến')",
    12: "'Sản phẩm trà …' (§2.2: 'Sản phẩm chè từ thực vật khác'; the reference notes the form title uses 'trà')",
    13: "'Sản phẩm cà phê, ca cao' (§2.2 group: 'Cà phê, ca cao')",
    16: "'… nước uống tinh khiết đóng chai' (§2.2: '… nước uống đóng chai')",
    17: "'Đồ uống không cồn khác' (§2.2: 'Đồ uống không cồn'; the reference notes the form adds 'khác')",
    18: "'… thuốc y học cổ truyền' (§2.2: '… thuốc cổ truyền')",
    19: "'… từ Thảo dược' (§2.2: '… từ dược liệu')",
    20: "'Tinh dầu và thảo dược khác' (§2.2: 'Tinh dầu và dược liệu khác')",
}

# --------------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------------
LINES_RE = re.compile(r"\r?\n")
GROUP_RE = re.compile(r"^(\d+)\s*\.\s*(.*)$", re.S)
LETTER_RE = re.compile(r"^([a-zđ])\s*[\).]\s*(.*)$", re.S)
CASE_RE = re.compile(r"^([a-z])\s*\.\s*(Trường hợp\s*\d+\s*:.*)$", re.S)
PART_RE = re.compile(r"^Phần\s+([ABC])\s*[:.]?\s*(.*?)\s*(?:\((\d+)\s*Điểm\))?\s*$", re.S)
STAR_TAIL_RE = re.compile(r"\s*(\*{1,})\s*([.;,]?)\s*$")


def read_index() -> dict[int, str]:
    titles = {}
    for line in (FORMS_DIR / "INDEX.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\|\s*(\d\d)\.csv\s*\|\s*(.+?)\s*\|\s*\d+\s*\|$", line)
        if m:
            titles[int(m.group(1))] = nfc(m.group(2))
    assert sorted(titles) == list(range(1, 27)), sorted(titles)
    return titles


def form_name(title: str) -> str:
    return nfc(re.sub(r"^Bộ sản phẩm\s*[_;:]\s*", "", title))


def read_classification() -> dict[int, dict]:
    """§2.2 rows: Form # -> code and 148-check mark."""
    text = MD_PATH.read_text(encoding="utf-8")
    start = text.index("### 2.2 Classification table")
    end = text.index("### 2.3", start)
    rows = {}
    for line in text[start:end].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 7 and re.match(r"^[IV]+\.\d", cells[0]):
            code, _sector, _group, _sub, _ministry, form_no, check = cells
            rows[int(form_no)] = {"code": code, "check": check}
    assert sorted(rows) == list(range(1, 27)), sorted(rows)
    return rows


def read_csv(no: int) -> list[dict]:
    with open(FORMS_DIR / f"{no:02d}.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for i, r in enumerate(rows):
        r["row"] = i + 2  # line of the record's start in a spreadsheet view (header = 1)
    return rows


def split_lines(title: str) -> list[str]:
    return [nfc(x) for x in LINES_RE.split(title) if nfc(x)]


def strip_stars(text: str) -> tuple[str, int]:
    m = STAR_TAIL_RE.search(text)
    if not m:
        return text, 0
    return nfc(text[: m.start()] + m.group(2)), len(m.group(1))


def parse_int(cell: str) -> int | None:
    cell = cell.strip()
    return int(cell) if re.fullmatch(r"\d+", cell) else None


# --------------------------------------------------------------------------------------------------
# Raw tree: parts -> groups -> items (criteria, sub-items, cases) with their option rows
# --------------------------------------------------------------------------------------------------
def raw_tree(rows: list[dict]) -> list[dict]:
    parts: list[dict] = []
    group = crit = None
    target = None  # where level-3 rows go
    for r in rows:
        level = r["level"].strip()
        lines = split_lines(r["title"])
        desc = nfc(r["description"])
        if level == "0":
            m = PART_RE.match(nfc(r["title"]))
            assert m, r["title"]
            parts.append({"letter": m.group(1), "label": nfc(m.group(2)), "printed_title": m.group(3),
                          "printed": parse_int(r["score"]), "groups": [], "row": r["row"]})
            group = crit = target = None
        elif level == "1":
            m = GROUP_RE.match(lines[0])
            assert m, r["title"]
            group = {"num": int(m.group(1)), "title": nfc(m.group(2)), "more": lines[1:], "desc": desc,
                     "stars": r["stars"].strip(), "printed": parse_int(r["score"]), "raw_score": r["score"],
                     "items": [], "options": [], "row": r["row"]}
            parts[-1]["groups"].append(group)
            crit, target = None, group
        elif level == "2":
            first = lines[0] if lines else ""
            item = {"more": lines[1:], "desc": desc, "stars": r["stars"].strip(), "printed": parse_int(r["score"]),
                    "raw_score": r["score"], "options": [], "subs": [], "row": r["row"]}
            mc = CASE_RE.match(first)
            ml = LETTER_RE.match(first)
            if first.startswith("-"):
                item.update(kind="sub", title=nfc(first[1:]))
                assert crit is not None and not crit["options"], r
                crit["subs"].append(item)
                target = item
                continue
            if mc:
                item.update(kind="case", letter=mc.group(1), title=nfc(mc.group(2)))
            elif ml:
                item.update(kind="crit", letter=ml.group(1), title=nfc(ml.group(2)))
            else:
                item.update(kind="crit", letter=None, title=nfc(first))
            group["items"].append(item)
            crit = target = item
        elif level == "3":
            assert target is not None, r
            target["options"].append({"lines": lines, "raw_title": r["title"], "score": r["score"],
                                      "stars": r["stars"].strip(), "row": r["row"]})
        else:
            raise ValueError(f"unknown level {level!r}")
    return parts


def regroup_dash_items(group: dict) -> None:
    """Rows printed 'a) Ngoại hình - Tạp chất lạ', 'a) Ngoại hình - Màu sắc' … (same letter repeated): a heading
    'Ngoại hình' (letter a) whose sub-items are the parts after ' - '."""
    items = group["items"]
    out: list[dict] = []
    i = 0
    while i < len(items):
        it = items[i]
        run = [it]
        while (i + len(run) < len(items) and it["kind"] == "crit" and it["letter"]
               and items[i + len(run)].get("letter") == it["letter"]):
            run.append(items[i + len(run)])
        heads = {x["title"].split(" - ", 1)[0] for x in run}
        if len(run) > 1 and all(" - " in x["title"] for x in run) and len(heads) == 1:
            head = {"kind": "crit", "letter": it["letter"], "title": heads.pop(), "more": [], "desc": "",
                    "stars": "", "printed": None, "raw_score": "", "options": [], "row": it["row"],
                    "synthetic_heading": True,
                    "subs": [dict(x, kind="sub", title=x["title"].split(" - ", 1)[1],
                                  printed_title=x["title"]) for x in run]}
            out.append(head)
        else:
            out.extend(run)
        i += len(run)
    group["items"] = out


# --------------------------------------------------------------------------------------------------
# Building nodes
# --------------------------------------------------------------------------------------------------
class FormBuilder:
    def __init__(self, no: int):
        self.no = no
        self.anomalies: list[dict] = []
        self.notes: list[str] = []
        self.kos_used: set[str] = set()
        self.partial = False
        self.ladder_reports: list[str] = []
        self.criterion_marks: list[str] = []

    # ---- text helpers -------------------------------------------------------------------------
    def split_notes(self, texts: list[str]) -> tuple[list[str], list[dict], bool]:
        """Notes (as printed) -> (plain notes, knock-outs, story applicability)."""
        notes, kos, story = [], [], False
        for t in texts:
            if not t:
                continue
            if STORY_RE.search(t):
                story = True
                notes.append(t)
                continue
            hit = None
            for rx, kid in NOTE_KNOCKOUTS:
                if rx.search(t):
                    hit = kid
                    break
            if hit:
                kos.append({"id": hit, "text": t})
                self.kos_used.add(hit)
            else:
                if KO_HINT_RE.search(t):
                    raise ValueError(f"form {self.no}: unclassified knock-out-like note {t!r}")
                notes.append(t)
        return notes, kos, story

    def label_parts(self, title: str, more: list[str], desc: str) -> tuple[str, list[str]]:
        """Label = first line (trailing asterisks removed); an applicability sentence printed on the same line
        after the label is split off into the notes."""
        label, _ = strip_stars(title)
        extra = []
        m = STORY_RE.search(label)
        if m and m.start() > 0:
            extra.append(nfc(label[m.start():]))
            label = nfc(label[: m.start()])
        return label, extra + list(more) + ([desc] if desc else [])

    # ---- options ------------------------------------------------------------------------------
    def options(self, raw_opts: list[dict], number: str, node_notes: list[str], node_kos: list[dict],
                case: str | None = None) -> list[dict]:
        out = []
        for o in raw_opts:
            first = o["lines"][0]
            assert first.startswith("□"), (self.no, number, first)
            text, n_ast = strip_stars(nfc(first.lstrip("□")))
            if "*" in text:
                self.anomalies.append({"kind": "other", "criterion": number,
                                       "description": f"Asterisks inside the option text (not trailing): {text!r}."})
            extra_notes, kos, _ = self.split_notes(o["lines"][1:])
            node_kos.extend(kos)
            node_notes.extend(f"Dưới lựa chọn '{text}': {t}" for t in extra_notes)
            points = parse_int(o["score"])
            if points is None:
                self.partial = True
                raw = o["score"]
                self.anomalies.append({
                    "kind": "points_missing", "criterion": number,
                    "description": (f"Option '{text}' (CSV row {o['row']}) has score cell {raw!r}, not a number: the "
                                    "option is left out (its points are not invented); the criterion's maximum is "
                                    "unaffected, but a dossier that would choose this option cannot be scored on it.")})
                continue
            col = int(o["stars"]) if o["stars"] else None
            if col is not None and col not in (3, 4, 5):
                raise ValueError(f"form {self.no} {number}: stars column {o['stars']!r}")
            if (col or 0) != n_ast:
                self.anomalies.append({
                    "kind": "other", "criterion": number, "points": [points],
                    "description": (f"Star mark of option '{text}' ({points} pts): the stars column says "
                                    f"{col if col else 'none'}, the title carries "
                                    f"{n_ast if n_ast else 'no'} trailing asterisk(s); encoded from the stars column "
                                    f"({'stars ' + str(col) if col else 'no mark'}).")})
            opt = {"points": points, "text": text}
            if col:
                opt["stars"] = col
            if case:
                opt["case"] = case
            out.append(opt)
        return out

    def criterion_mark(self, number: str, label_raw: str, stars_cell: str, opts: list[dict],
                       notes: list[str]) -> None:
        """A mark on a criterion row means the option worth the criterion's maximum (INDEX.md)."""
        _, n_ast = strip_stars(label_raw)
        col = int(stars_cell) if stars_cell else None
        if not col and not n_ast:
            return
        if (col or 0) != n_ast:
            self.anomalies.append({"kind": "other", "criterion": number,
                                   "description": f"Criterion title mark: stars column {col}, {n_ast} asterisk(s)."})
        mark = col or n_ast
        best = max(o["points"] for o in opts)
        tops = [o for o in opts if o["points"] == best]
        if len(tops) != 1:
            self.anomalies.append({"kind": "other", "criterion": number,
                                   "description": f"Criterion mark {'*' * mark} but {len(tops)} options share the maximum."})
            return
        top = tops[0]
        if "stars" in top and top["stars"] != mark:
            self.anomalies.append({
                "kind": "other", "criterion": number, "points": [best],
                "description": (f"The criterion title carries {'*' * mark} (stars {mark}) but its best option "
                                f"({best} pts) is marked {top['stars']}: kept the option's own mark.")})
            return
        if "stars" not in top:
            top["stars"] = mark
        notes.append(f"Dấu {'*' * mark} in ở tên tiêu chí (cột stars = {mark}): theo INDEX.md là mức tối thiểu "
                     f"ứng với lựa chọn có điểm tối đa ({best} điểm) — ghi một lần, trên lựa chọn đó.")
        self.criterion_marks.append(number)

    # ---- ladders ------------------------------------------------------------------------------
    def check_ladder(self, number: str, opts: list[dict]) -> None:
        by_case: dict[str | None, list[dict]] = {}
        for o in opts:
            by_case.setdefault(o.get("case"), []).append(o)
        for case, lst in by_case.items():
            pts = [o["points"] for o in lst]
            where = f"{number}" + (f" (case {case})" if case else "")
            dup = sorted({p for p in pts if pts.count(p) > 1})
            if dup:
                self.anomalies.append({"kind": "suspected_typo", "criterion": number, "points": dup,
                                       "description": f"Ladder {pts} of {where} repeats points {dup} (reported, not fixed)."})
                self.ladder_reports.append(f"{where}: duplicated {pts}")
            if any(b < a for a, b in zip(pts, pts[1:])):
                self.anomalies.append({"kind": "suspected_typo", "criterion": number, "points": pts,
                                       "description": f"Ladder {pts} of {where} is not in increasing order (reported, not fixed)."})
                self.ladder_reports.append(f"{where}: non-monotone {pts}")
            marks = {}
            for o in lst:
                if "stars" in o:
                    marks.setdefault(o["stars"], o["points"])
            levels = sorted(marks)
            if any(marks[b] < marks[a] for a, b in zip(levels, levels[1:])):
                self.anomalies.append({"kind": "other", "criterion": number,
                                       "points": [marks[s] for s in levels],
                                       "description": f"Star marks of {where} decrease with the star level: {marks}."})
                self.ladder_reports.append(f"{where}: star marks {marks}")

    # ---- printed maxima -----------------------------------------------------------------------
    def compare_max(self, number: str | None, what: str, printed: int | None, raw: str, real: int,
                    points: list[int] | None = None, extra: str = "") -> None:
        if printed is None:
            if raw.strip():
                self.anomalies.append({"kind": "other", **({"criterion": number} if number else {}),
                                       "description": f"{what}: printed maximum cell {raw!r} is not a number; "
                                                      f"encoded maximum {real} (sum of what is encoded)."})
            return
        if printed == real:
            return
        kind = "points_missing" if printed > real else "other"
        if kind == "points_missing":
            self.partial = True
        a = {"kind": kind, "description": f"{what}: printed maximum {printed}, but what is encoded sums to {real}; "
                                          f"the encoded (real) maximum {real} is used. {extra}".strip()}
        if number:
            a["criterion"] = number
        if points:
            a["points"] = points
        self.anomalies.append(a)

    # ---- nodes --------------------------------------------------------------------------------
    def leaf(self, number: str, label: str, notes: list[str], kos: list[dict], story: bool, opts: list[dict],
             cases: list[dict] | None = None) -> dict | None:
        if not opts:
            self.partial = True
            self.anomalies.append({"kind": "points_missing", "criterion": number,
                                   "description": f"Criterion {number} '{label}' has no option with usable points: "
                                                  "left out of the form (a criterion with no options cannot be scored)."})
            return None
        self.check_ladder(number, opts)
        node = {"number": number, "label": label, "gloss": gloss_of(label), "max": max(o["points"] for o in opts)}
        if notes:
            node["notes"] = notes
        if kos:
            node["knockouts"] = kos
        if story:
            node["applies_when"] = "story_exists"
        if cases:
            node["cases"] = cases
        node["options"] = opts
        return node

    def heading(self, number: str, label: str, notes: list[str], kos: list[dict], children: list[dict]) -> dict:
        node = {"number": number, "label": label, "gloss": gloss_of(label),
                "max": sum(c["max"] for c in children)}
        if notes:
            node["notes"] = notes
        if kos:
            node["knockouts"] = kos
        node["children"] = children
        return node

    def build_item(self, g_num: int, pos: int, it: dict, group_label: str) -> dict | None:
        """A lettered criterion; `printed` keeps its number as on the paper form ("1.a" for "a)" under "1.")."""
        node = self._build_item(g_num, pos, it, group_label)
        if node is None or not it["letter"]:
            return node
        return {"number": node["number"], "printed": f"{g_num}.{it['letter']}",
                **{k: v for k, v in node.items() if k != "number"}}

    def _build_item(self, g_num: int, pos: int, it: dict, group_label: str) -> dict | None:
        number = f"{g_num}.{pos + 1}"
        expected = VI_LETTERS[pos]
        label, texts = self.label_parts(it["title"], it["more"], it["desc"])
        notes0 = []
        if not label:  # a single "a)" row with a blank label cell: the group's title is repeated
            label = group_label
            notes0.append("Dòng tiêu chí không có tên riêng trên phiếu: lặp lại tên nhóm")
        if it["letter"]:
            notes0.append(f"Số in trên phiếu: {it['letter']})")
            if it["letter"] != expected:
                self.anomalies.append({"kind": "numbering", "criterion": number,
                                       "description": (f"Criterion printed '{it['letter']})' in position {pos + 1} of "
                                                       f"group {g_num} (expected '{expected})'): numbered {number} by "
                                                       "position.")})
        else:
            self.anomalies.append({"kind": "numbering", "criterion": number,
                                   "description": f"Unlettered criterion row '{label}' in group {g_num}: numbered "
                                                  f"{number} by position."})
        notes, kos, story = self.split_notes(texts)
        notes = notes0 + notes
        if it["subs"]:
            if it.get("synthetic_heading"):
                notes.append(f"Phiếu in các dòng '{it['letter']}) {label} - …' (không có dòng tiêu đề riêng): "
                             f"mã hóa thành tiêu chí {number} gồm các tiểu mục.")
            children = []
            for j, sub in enumerate(it["subs"]):
                snum = f"{number}.{j + 1}"
                slabel, stexts = self.label_parts(sub["title"], sub["more"], sub["desc"])
                snotes, skos, sstory = self.split_notes(stexts)
                if sub.get("printed_title"):
                    snotes = [f"In trên phiếu: {sub['printed_title']}"] + snotes
                else:
                    snotes = ["Tiểu mục in '- ' (không đánh số) trên phiếu"] + snotes
                opts = self.options(sub["options"], snum, snotes, skos)
                self.criterion_mark(snum, sub["title"], sub["stars"], opts, snotes) if opts else None
                node = self.leaf(snum, slabel, snotes, skos, sstory, opts)
                if node:
                    self.compare_max(snum, f"Criterion {snum} '{slabel}'", sub["printed"], sub["raw_score"],
                                     node["max"])
                    children.append(node)
            if not children:
                return None
            node = self.heading(number, label, notes, kos, children)
            self.compare_max(number, f"Criterion {number} '{label}'", it["printed"], it["raw_score"], node["max"])
            return node
        opts = self.options(it["options"], number, notes, kos)
        if opts:
            self.criterion_mark(number, it["title"], it["stars"], opts, notes)
        node = self.leaf(number, label, notes, kos, story, opts)
        if node and it["printed"] is None and not it["raw_score"].strip():
            self.notes.append(f"Criterion {number}: its score cell is blank; the group's printed maximum is used "
                              "for the check.")
        if node:
            extra = ""
            if it["printed"] is not None and it["printed"] > node["max"]:
                extra = (f"No option of '{label}' is worth {it['printed']}: either an option is missing from the "
                         f"export or a cell was mistyped; the encoded ladder is {[o['points'] for o in opts]}.")
            self.compare_max(number, f"Criterion {number} '{label}'", it["printed"], it["raw_score"], node["max"],
                             points=[o["points"] for o in opts] if extra else None, extra=extra)
        return node

    def build_group(self, g: dict, expected_num: int) -> dict | None:
        number = str(g["num"])
        if g["num"] != expected_num:
            self.anomalies.append({"kind": "numbering", "criterion": number,
                                   "description": f"Group printed '{g['num']}.' where {expected_num} was expected."})
        label, texts = self.label_parts(g["title"], g["more"], g["desc"])
        notes, kos, story = self.split_notes(texts)
        regroup_dash_items(g)
        items = g["items"]
        # cases: "a. Trường hợp 1 …" blocks under "Lựa chọn một trong hai trường hợp sau"
        if items and all(it["kind"] == "case" for it in items):
            assert any(CASES_RE.search(n) for n in notes), (self.no, number)
            cases, opts = [], []
            for it in items:
                cases.append({"id": it["letter"], "label": it["title"]})
                case_opts = self.options(it["options"], number, notes, kos, case=it["letter"])
                self.compare_max(number, f"Group {number} '{label}', case {it['letter']}", it["printed"],
                                 it["raw_score"], max((o["points"] for o in case_opts), default=0))
                opts.extend(case_opts)
            node = self.leaf(number, label, notes, kos, story, opts, cases=cases)
            if node:
                self.compare_max(number, f"Group {number} '{label}'", g["printed"], g["raw_score"], node["max"])
            return node
        assert not any(it["kind"] == "case" for it in items), (self.no, number)
        # scored directly only when the options sit under the group itself (no "a)" row). A single "a)" row —
        # even nameless or repeating the group's title — is criterion N.1 ("1. a)" → "1.1", as everywhere)
        direct = None
        if g["options"]:
            assert not items, (self.no, number)
            direct = g["options"]
        if direct is not None:
            opts = self.options(direct, number, notes, kos)
            if opts:
                self.criterion_mark(number, g["title"], g["stars"], opts, notes)
            node = self.leaf(number, label, notes, kos, story, opts)
            if node:
                self.compare_max(number, f"Group {number} '{label}'", g["printed"], g["raw_score"], node["max"])
            return node
        assert not g["stars"], (self.no, number)
        children = [n for n in (self.build_item(g["num"], i, it, label) for i, it in enumerate(items)) if n]
        if not children:
            return None
        assert not story, (self.no, number)
        node = self.heading(number, label, notes, kos, children)
        self.compare_max(number, f"Group {number} '{label}'", g["printed"], g["raw_score"], node["max"])
        return node


# --------------------------------------------------------------------------------------------------
# Forms
# --------------------------------------------------------------------------------------------------
PARTIAL_CONTEXT = {
    7: ("Printed Part C is 35 (6 CHỈ TIÊU CẢM QUAN 16 + 5 + 4 + 5 + 2 + 3) but criterion 6.4 'Mùi' prints maximum 4 "
        "while its options are worth 1/2/3: one point is missing at a single criterion, in Part C only (real Part C "
        "34, group 6 15). For context only (another decision, not used): QĐ 26/2026's form 7 prints the same Mùi "
        "ladder 1/2/3 under maximum 3."),
    11: ("Part C is printed 35, but its groups as printed — 6 CHỈ TIÊU CẢM QUAN 13 (a) Ngoại hình 4 = 2+2; "
         "b) Nước pha 9 = 3+3+3), 7 TÍNH ĐỘC ĐÁO 5, 8 4, 9 5, 10 2, 11 3 — sum to 32. Every criterion's printed "
         "maximum equals its best option and every group's printed maximum equals the sum of its criteria, so the "
         "3 missing points are not blank cells: a whole criterion (or more) is absent from the export, and which one "
         "cannot be told from this source. By comparison with the other processed-food forms of the same spreadsheet "
         "(group 6 = 16 in forms 5–10, 14, 15) the shortfall is most likely in group 6 (inference)."),
    12: ("Part C is printed 35, but its groups as printed — 6 CHỈ TIÊU CẢM QUAN 13 (2+2+3+3+3), 7 5, 8 4, 9 5, 10 2, "
         "11 3 — sum to 32. Every criterion's printed maximum equals its best option and every group's printed maximum "
         "equals the sum of its criteria, so the 3 missing points are a whole criterion (or more) absent from the "
         "export, not blank cells; which one cannot be told from this source (most likely in group 6 by comparison "
         "with forms 5–10, 14, 15 where group 6 = 16 — inference)."),
    13: ("Part C is printed 35 (the part titles of this file carry no '(35 Điểm)'; the score column does), but its "
         "groups as printed — 6 CHỈ TIÊU CẢM QUAN 14 (seven sub-items of 2), 7 5, 8 4, 9 5, 10 2, 11 3 — sum to 33. "
         "Every criterion's printed maximum equals its best option and every group's printed maximum equals the sum "
         "of its criteria, so the 2 missing points are a whole criterion (or more) absent from the export, not blank "
         "cells; which one cannot be told from this source (most likely in group 6 — inference)."),
}


def build_form(no: int, title: str, cls: dict) -> tuple[dict, FormBuilder]:
    fb = FormBuilder(no)
    rows = read_csv(no)
    raw_parts = raw_tree(rows)
    assert [p["letter"] for p in raw_parts] == ["A", "B", "C"], (no, [p["letter"] for p in raw_parts])
    parts = []
    expected = 1
    for rp in raw_parts:
        children = []
        for g in rp["groups"]:
            node = fb.build_group(g, expected)
            expected = g["num"] + 1
            if node:
                children.append(node)
        real = sum(c["max"] for c in children)
        label = rp["label"]
        if "KHẢ NĂNC" in label:
            fb.anomalies.append({"kind": "wording", "description": f"Part {rp['letter']} title printed "
                                                                   f"'{label}' (typo for 'KHẢ NĂNG'): kept as printed."})
        printed = rp["printed"]
        if rp["printed_title"] and int(rp["printed_title"]) != printed:
            fb.anomalies.append({"kind": "other", "description": f"Part {rp['letter']}: title says "
                                                                 f"({rp['printed_title']} Điểm), score cell {printed}."})
        if printed is not None and printed != real:
            fb.partial = True
            desc = PARTIAL_CONTEXT.get(no, "")
            fb.anomalies.append({
                "kind": "points_missing" if printed > real else "other",
                "description": (f"Part {rp['letter']}: printed maximum {printed}, encoded (real) maximum {real}. "
                                + desc).strip()})
        parts.append({"part": rp["letter"], "label": label, "label_en": PART_EN[rp["letter"]], "max": real,
                      "children": children})

    name = form_name(title)
    slug = slugify(name)
    status = "partial" if fb.partial else "complete"
    notes = [SINGLE_NOTE]
    if fb.criterion_marks:
        notes.append("Star marks printed on a criterion title (" + ", ".join(fb.criterion_marks) + ") are encoded on "
                     "the option worth the criterion's maximum, as INDEX.md defines them (once, never twice).")
    notes.extend(fb.notes)
    if no in NAME_DIFFERENCES:
        notes.append(f"Form name vs reference §2.2 (same product set, matched by position and content): "
                     f"{NAME_DIFFERENCES[no]}.")
    notes.append("The spreadsheet export has no form header: the 'Hồ sơ bị loại khi …' line of the official form, "
                 "the product-code line and the star-mark legend are not in this source.")
    cross = {"status": "single-source"}
    knockouts: list[dict] = []
    if no == 3:
        c11 = [o["points"] for o in parts[0]["children"][0]["children"][0]["options"]]
        c12 = [o["points"] for o in parts[0]["children"][0]["children"][1]["options"]]
        l11 = parts[0]["children"][0]["children"][0]["label"]
        l12 = parts[0]["children"][0]["children"][1]["label"]
        agree = (l11, c11) == ("Nguồn gốc sản phẩm", [1, 3, 5]) and (l12, c12) == ("Gia tăng giá trị", [1, 2, 3])
        assert agree, (l11, c11, l12, c12)
        cross = {"status": "agrees", "against": "ocop.bentre.gov.vn fragment (2 criteria)", "criteria_agreeing": 2,
                 "criteria_differing": 0}
        notes.append("Cross-check: the Bến Tre portal's copy of this 148 form (reference §4.1, published 10/05/2023) "
                     "shows only Phần A 40, group 1 TỔ CHỨC SẢN XUẤT 18, 1.a Nguồn gốc sản phẩm 1/3/5 (with 'Yêu cầu: "
                     "100% sản phẩm được trồng trên địa bàn cấp tỉnh') and 1.b Gia tăng giá trị 1/2/3 — all equal "
                     "here (the fragment's third 1.b value is itself inferred from its printed max 3).")
        notes.append("Form-level knock-outs forged-dossier, food-safety-certificate-noncompliant, labelling-noncompliant "
                     "and registration-dossier-noncompliant come from the Bến Tre copy's 'Hồ sơ bị loại khi' line "
                     "(reference §1.3b, CONFIRMED for this form); the reference gives it in paraphrase only, so no "
                     "printed text is attached.")
        knockouts = [{"id": k} for k in BENTRE_KOS]
    form = {
        "criteria_set": SET_ID,
        "slug": slug,
        "aliases": [],
        "number": no,
        "code": cls["code"],
        "name": name,
        "name_en": NAME_EN[no],
        "status": status,
        "provenance": {
            "sources": [f"reference/qd148-2023-forms/{no:02d}.csv (title in the source: '{title}')", DATASET],
            "tag": "DATASET",
            "cross_check": cross,
            "anomalies": fb.anomalies,
            "notes": notes,
        },
        "knockouts": knockouts,
        "parts": parts,
    }
    return form, fb


# --------------------------------------------------------------------------------------------------
# set.json
# --------------------------------------------------------------------------------------------------
def build_set(forms: list[dict], cls: dict[int, dict], used_kos: set[str]) -> dict:
    catalogue_ids = [k["id"] for k in KNOCKOUT_CATALOGUE]
    assert used_kos <= set(catalogue_ids), used_kos - set(catalogue_ids)
    unused = [k for k in catalogue_ids if k not in used_kos and k not in BENTRE_KOS]
    assert not unused, unused
    classification = []
    for f in forms:
        c = cls[f["number"]]
        roman = c["code"].split(".")[0]
        sector, sector_en = SECTORS[roman]
        group, sub = CLASS_NAMES[f["number"]]
        classification.append({
            "form": f["slug"], "number": f["number"], "code": c["code"], "sector": sector, "sector_en": sector_en,
            "group": group, "subgroup": sub, "ministry": None,
            "tag": {"✔": "CONFIRMED", "◐": "UNCONFIRMED"}[c["check"][0]],
        })
    partial = [f"{f['number']:02d} {f['name']}" for f in forms if f["status"] == "partial"]
    return {
        "id": SET_ID,
        "decision": {
            "number": "148/QĐ-TTg",
            "title": "Bộ tiêu chí và quy trình đánh giá, phân hạng sản phẩm Chương trình mỗi xã một sản phẩm",
            "title_en": "Criteria and procedure for evaluating and rating products of the One Commune One Product "
                        "(OCOP) programme",
            "signed": "2023-02-24",
            "amended_by": [{
                "number": "1489/QĐ-TTg",
                "signed": "2025-07-06",
                "effect": ("Sửa đổi Phụ lục II (two-tier local government): district level removed; UBND cấp xã "
                           "pre-checks the dossier and assesses four local items; the provincial council evaluates "
                           "and UBND cấp tỉnh recognises 3★ and 4★; products with ≥ 90 points go to the Ministry of "
                           "Agriculture and Environment (Bộ Nông nghiệp và Môi trường) for 5★."),
                "tag": "CONFIRMED",
            }],
        },
        "in_force": {
            "from": "2023-02-24",
            "to": "2026-05-21",
            "lapses": "2026-07-21",
            "finish_by": {
                "lodged_before": "2026-05-22",
                "kinds": {"new": "2026-07-21", "upgrade": "2026-07-21", "re-evaluation": "2026-06-21"},
                "source": ("QĐ 26/2026/QĐ-TTg Điều 12 k2: hồ sơ nộp trước ngày 22/05/2026 — a) lần đầu hoặc nâng hạng: "
                           "hoàn thành đánh giá, phân hạng không quá 60 ngày; b) phân hạng lại: không quá 30 ngày, kể "
                           "từ ngày Quyết định này có hiệu lực (22/05/2026 + 60 days = 21/07/2026, + 30 days = "
                           "21/06/2026; reference qd26-2026-process.md §11)"),
            },
            "note": ("Effective on signature (24/02/2023), replacing QĐ 1048/QĐ-TTg and QĐ 781/QĐ-TTg. Superseded for "
                     "evaluations from 22/05/2026 by QĐ 26/2026/QĐ-TTg (set qd26-2026), whose Điều 11.2 makes 148 and "
                     "1489 cease to have effect 60 days after 22/05/2026 (≈ 21/07/2026); Điều 12: files lodged before "
                     "22/05/2026 and not yet rated are finished under the old rules (first time / upgrade within 60 "
                     "days, re-evaluation within 30 days); certificates already issued stay valid until expiry."),
        },
        "parts": [
            {"part": "A", "label": "Sản phẩm và sức mạnh cộng đồng", "label_en": PART_EN["A"], "max": 40,
             "subheadings": ["tổ chức sản xuất", "phát triển sản phẩm", "sức mạnh cộng đồng"]},
            {"part": "B", "label": "Khả năng tiếp thị", "label_en": PART_EN["B"], "max": 25,
             "subheadings": ["tiếp thị", "câu chuyện về sản phẩm"]},
            {"part": "C", "label": "Chất lượng sản phẩm", "label_en": PART_EN["C"], "max": 35,
             "subheadings": ["chỉ tiêu cảm quan, dinh dưỡng, tính độc đáo", "tiêu chuẩn sản phẩm",
                             "khả năng xuất khẩu, phân phối tại thị trường quốc tế"]},
        ],
        "total_max": 100,
        "bands": [
            {"stars": 5, "min": 90, "below": None, "label": "Hạng 5 sao: từ 90 đến 100 điểm",
             "label_en": "5 stars (national level): characteristic, branded, high quality standard, ready to export; "
                         "recognised at central level only", "tag": "CONFIRMED"},
            {"stars": 4, "min": 70, "below": 90, "label": "Hạng 4 sao: từ 70 đến dưới 90 điểm",
             "label_en": "4 stars: characteristic, good quality and market access, can be upgraded to 5 stars",
             "tag": "CONFIRMED"},
            {"stars": 3, "min": 50, "below": 70, "label": "Hạng 3 sao: từ 50 đến dưới 70 điểm",
             "label_en": "3 stars: distinctive, stable quality, managed and traded stably", "tag": "CONFIRMED"},
            {"stars": 2, "min": 30, "below": 50, "label": "Hạng 2 sao: từ 30 đến dưới 50 điểm",
             "label_en": "2 stars: quality first taking shape (not recognised, no certificate)", "tag": "CONFIRMED"},
            {"stars": 1, "min": 0, "below": 30, "label": "Hạng 1 sao: dưới 30 điểm",
             "label_en": "1 star: embryonic, not yet traded (not recognised, no certificate)", "tag": "CONFIRMED"},
        ],
        "certificate_months": 36,
        "recognised_min_stars": 3,
        "star_minimums": {
            "mechanism": "option_marks",
            "cumulative": True,
            "tag": "DATASET",
            "note": ("The marks (***, ****, ***** on answer options: reaching that star needs at least that option's "
                     "points on the criterion) come from the council spreadsheet (stars column and trailing asterisks "
                     "of reference/qd148-2023-forms); a mark printed on a criterion title is put on the option worth "
                     "the criterion's maximum. QĐ 148 is confirmed to have 'tiêu chí bắt buộc của sản phẩm OCOP 3 sao' "
                     "(press on Đồng Tháp revocations), but the decision's own list of mandatory criteria and its "
                     "marking convention were not found (reference §1.3a): the marks are the district council's "
                     "transcription, not checked against the decision. Cumulative reading (a 4★ product must also "
                     "meet every *** mark, a 5★ product every *** and **** mark) is the reference's inference."),
        },
        "periods": [
            {
                "id": "qd148-three-level",
                "from": "2023-02-24",
                "to": "2025-07-05",
                "label": "QĐ 148/QĐ-TTg as issued: xã đánh giá sơ bộ → huyện (3 sao) → tỉnh (4 sao) → trung ương (5 sao)",
                "levels": ["district", "province", "central"],
                "prechecks": ["commune"],
                "recognition": {"district": [3], "province": [4], "central": [5]},
                "gates": [
                    {"id": "district-to-province", "from_level": "district", "to_level": "province", "min_total": 70,
                     "tag": "UNCONFIRMED",
                     "note": ("The district forwards higher-scoring files to the province; the quoted Phụ lục II text "
                              "is cut off before the threshold. 70 fits 'province recognises 4★' (and is the 70–100 of "
                              "the 1048/781 text) — UNCONFIRMED verbatim for 148 (reference §3.1).")},
                    {"id": "province-to-central", "from_level": "province", "to_level": "central", "min_total": 90,
                     "tag": "CONFIRMED",
                     "note": ("Provincial council recognises 4★ and selects products with ≥ 90 points ('tiềm năng 5 "
                              "sao') for the Ministry (Hải Dương 2023 council decision).")},
                ],
                "tag": "CONFIRMED",
                "note": ("Phụ lục II of 148: UBND cấp xã assesses four items (nguồn gốc sản phẩm/nguyên liệu địa "
                         "phương; sử dụng lao động địa phương; nguồn gốc ý tưởng sản phẩm; bản sắc/trí tuệ địa "
                         "phương) and issues a report, without scoring; the district council scores and UBND cấp "
                         "huyện recognises and certifies 3★; the provincial council 4★; the Ministry of Agriculture "
                         "and Rural Development's central council 5★ (reference §3.1)."),
            },
            {
                "id": "qd148-1489-two-level",
                "from": "2025-07-06",
                "to": "2026-07-21",
                "label": "QĐ 148 sửa đổi bởi QĐ 1489/QĐ-TTg: xã đánh giá sơ bộ → tỉnh (3–4 sao) → trung ương (5 sao)",
                "levels": ["province", "central"],
                "prechecks": ["commune"],
                "recognition": {"province": [3, 4], "central": [5]},
                "gates": [
                    {"id": "province-to-central", "from_level": "province", "to_level": "central", "min_total": 90,
                     "tag": "CONFIRMED",
                     "note": "Products with ≥ 90 points are proposed to the Ministry of Agriculture and Environment for 5★."},
                ],
                "tag": "CONFIRMED",
                "note": ("QĐ 1489/QĐ-TTg (06/07/2025), two-tier local government: no district level; UBND cấp xã "
                         "assesses the four local items and forwards the file; the provincial council evaluates and "
                         "recognises 3★ and 4★ (reference §3.2). Ends when 148/1489 cease to have effect (≈ 21/07/2026); "
                         "from 22/05/2026 only files lodged earlier are finished under it."),
            },
        ],
        "knockouts": KNOCKOUT_CATALOGUE,
        "classification": classification,
        "council": {
            "aggregation": "mean_of_member_totals",
            "max_spread": 10,
            "tag": "UNCONFIRMED",
            "note": ("148 scores by 'tổng điểm trung bình' (reading it as the mean of the council members' totals is "
                     "the reference's inference). Council composition, minimum members, quorum, aggregation and the "
                     "allowed spread were not found for 148: the 10-point spread (otherwise re-discuss) comes from "
                     "1048-era provincial council regulations (Tây Ninh, Đồng Tháp), not national law. No rounding rule."),
        },
        "provenance": {
            "sources": [
                f"{MD_REF} §0, §1.1–§1.3, §3.1–§3.2 (decision facts of QĐ 148/QĐ-TTg and QĐ 1489/QĐ-TTg; URLs in its §6)",
                f"{MD_REF} §2.2 (classification; codes and the '148 check' column), §4.1 (Bến Tre fragment of the 148 "
                "rice form, the only other 148 form text)",
                "reference/qd148-2023-forms/NN.csv + INDEX.md — " + DATASET,
            ],
            "tag": "CONFIRMED",
            "notes": [
                "Parts A 40 / B 25 / C 35, total 100, the half-open star bands, 36-month certificates, recognition "
                "from 3★ and the process (2023: district 3★, province 4★, ≥ 90 to central; from 06/07/2025 under QĐ "
                "1489: commune pre-check, province 3★–4★, ≥ 90 to the Ministry) are CONFIRMED from press and "
                "decision-quoting pages (reference §1–§3). Band labels restate the 'từ … đến dưới …' wording; their "
                "English meanings paraphrase §1.2.",
                "All 26 forms come from ONE source, a district council's spreadsheet (DATASET); no complete official "
                "148 form was found. Only form 3's first two criteria could be cross-checked (Bến Tre portal) and "
                "they agree.",
                "Partial forms (points missing, real maxima used): " + "; ".join(partial) + ".",
                "Knock-out effects: 'bị loại' → disqualify; 'không đánh giá / không xem xét (các bước tiếp theo)' → "
                "stop_evaluation. food-safety-certificate-noncompliant is a rejection ('Hồ sơ bị loại khi …') on the "
                "Bến Tre form and a 'không đánh giá các bước tiếp theo' note in the spreadsheet: catalogued as "
                "disqualify. The Vietnamese labels of the four Bến Tre cases follow the README vocabulary wording: "
                "the reference quotes that line in English paraphrase only.",
                "Classification: codes and form order from §2.2, which numbers the forms as in 26/2026; the 148 "
                "spreadsheet's 26 forms follow the same order (checked by name and content, differences noted on "
                "the forms). Tag CONFIRMED where §2.2 marks the row as seen for 148 (✔), UNCONFIRMED where only "
                "indirectly (◐, transcribed from 26/2026). Ministry left null: §2.2's column is 26/2026's (Bộ Nông "
                "nghiệp và Môi trường did not exist in 2023); the 148 rows seen name 'Nông nghiệp và Phát triển "
                "nông thôn', not row by row.",
                "Decision title: the 148 title as given by the source page cited in reference §6 (hangthat…/ban-hanh-"
                "bo-tieu-chi-va-quy-trinh-danh-gia-phan-hang-san-pham-chuong-trinh-moi-xa-mot-san-pham).",
            ],
            "gaps": [
                "Complete official text of 148 Phụ lục III (any form): every point value here is a district council's "
                "transcription (DATASET); forms 7, 11, 12, 13 miss points and forms 17, 18 each lose one option to a "
                "stray letter in a score cell.",
                "148's own list of mandatory criteria per star (the '***/****/*****' minima) — only the spreadsheet's "
                "marks are available.",
                "The 'Hồ sơ bị loại khi …' line of each form (only the rice form's, in paraphrase, from Bến Tre); the "
                "star-mark legend and product-code line of the forms.",
                "148 council composition, minimum members, quorum, aggregation, spread and rounding; 148 "
                "district→province threshold verbatim (70 assumed); 148 dossier list verbatim; 148 timelines.",
                "Minimum points per part (none reported for 148 — UNCONFIRMED); the fallback when a total reaches a "
                "band but a mark of that band is missed.",
            ],
        },
    }


# --------------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------------
def iter_nodes(nodes):
    for n in nodes:
        yield n
        yield from iter_nodes(n.get("children", []))


def check_form(form: dict, catalogue: set[str]) -> None:
    numbers = []
    for part in form["parts"]:
        assert part["max"] == sum(c["max"] for c in part["children"]), (form["number"], part["part"])
        for n in iter_nodes(part["children"]):
            numbers.append(n["number"])
            if "children" in n:
                assert "options" not in n
                assert n["max"] == sum(c["max"] for c in n["children"]), (form["number"], n["number"])
                for c in n["children"]:
                    assert c["number"].startswith(n["number"] + "."), (form["number"], c["number"])
            else:
                assert n["options"], (form["number"], n["number"])
                assert n["max"] == max(o["points"] for o in n["options"]), (form["number"], n["number"])
                for o in n["options"]:
                    assert isinstance(o["points"], int) and o["points"] >= 0
                    assert o.get("stars") in (None, 3, 4, 5), (form["number"], n["number"], o)
                    if "cases" in n:
                        assert o.get("case") in {c["id"] for c in n["cases"]}
                    else:
                        assert "case" not in o
            for k in n.get("knockouts", []):
                assert k["id"] in catalogue, k
    for k in form["knockouts"]:
        assert k["id"] in catalogue, k
    dup = [k for k, v in Counter(numbers).items() if v > 1]
    assert not dup, (form["number"], dup)
    if form["status"] == "complete":
        assert {p["part"]: p["max"] for p in form["parts"]} == SET_PARTS, (form["number"], form["status"])
        assert not any(a["kind"] == "points_missing" for a in form["provenance"]["anomalies"])
    else:
        assert any(a["kind"] == "points_missing" for a in form["provenance"]["anomalies"]), form["number"]


def counts(form: dict) -> dict:
    leaves = [n for p in form["parts"] for n in iter_nodes(p["children"]) if "options" in n]
    opts = [o for n in leaves for o in n["options"]]
    stars = Counter(o["stars"] for o in opts if "stars" in o)
    return {"criteria": len(leaves), "options": len(opts), "stars": (stars[3], stars[4], stars[5]),
            "parts": tuple(p["max"] for p in form["parts"])}


def main() -> None:
    titles = read_index()
    cls = read_classification()
    form_schema = json.loads((SCHEMA_DIR / "form.schema.json").read_text(encoding="utf-8"))
    set_schema = json.loads((SCHEMA_DIR / "set.schema.json").read_text(encoding="utf-8"))

    forms, used = [], set()
    report = []
    for no in range(1, 27):
        form, fb = build_form(no, titles[no], cls[no])
        forms.append(form)
        used |= fb.kos_used
        report.append((form, fb))
    used |= set(BENTRE_KOS)
    meta = build_set(forms, cls, used)

    slugs = [f["slug"] for f in forms]
    assert len(set(slugs)) == 26, slugs
    (OUT / "forms").mkdir(parents=True, exist_ok=True)
    for old in (OUT / "forms").glob("*.json"):
        old.unlink()
    written = []
    for f in forms:
        path = OUT / "forms" / f"{f['number']:02d}-{f['slug']}.json"
        mark_no_story(f)
        write_json(path, f)
        written.append(path)
    write_json(OUT / "set.json", meta)
    written.append(OUT / "set.json")

    # validate what was written, re-read from disk
    catalogue = {k["id"] for k in meta["knockouts"]}
    fv, sv = Draft202012Validator(form_schema), Draft202012Validator(set_schema)
    for path in written:
        doc = json.loads(path.read_text(encoding="utf-8"))
        validator = sv if path.name == "set.json" else fv
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        assert not errors, f"{path}: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
        if path.name != "set.json":
            check_form(doc, catalogue)
    assert meta["total_max"] == sum(p["max"] for p in meta["parts"])
    assert {r["form"] for r in meta["classification"]} == set(slugs)

    for form, fb in report:
        c = counts(form)
        print(f"{form['number']:02d} {form['slug']:<70} {form['code']:<7} {form['status']:<8} "
              f"crit={c['criteria']:2d} opts={c['options']:3d} stars={c['stars']} parts={c['parts']} "
              f"anomalies={len(form['provenance']['anomalies'])}")
        for line in fb.ladder_reports:
            print("     ladder:", line)
    print(f"wrote {len(written)} files under {OUT}; knock-out ids used: {sorted(used)}")


if __name__ == "__main__":
    main()
