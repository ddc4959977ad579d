"""Fonts for PDFs with Vietnamese text: the DejaVu faces matplotlib ships (a dependency already),
so that `pip install .` alone renders every diacritic, with no system font package needed."""
from __future__ import annotations

from functools import cache
from pathlib import Path

FAMILY = "DejaVu"


@cache
def font_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def add_fonts(pdf) -> str:
    """Register DejaVu Sans (regular, bold, italic, bold italic) on an fpdf2 document."""
    d = font_dir()
    for style, name in (("", "DejaVuSans.ttf"), ("B", "DejaVuSans-Bold.ttf"), ("I", "DejaVuSans-Oblique.ttf"),
                        ("BI", "DejaVuSans-BoldOblique.ttf")):
        pdf.add_font(FAMILY, style, str(d / name))
    return FAMILY
