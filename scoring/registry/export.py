"""`ocop registry export` and `backup`: the tables out as files, and a consistent copy of the database.

Exports are written atomically (a temporary file in the same folder, then os.replace) and never over
an input. Text cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a
carriage return) are written with a leading apostrophe in XLSX and CSV, so that opening an export
never executes data typed by someone else.
"""
from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ..errors import Issue, ValidationFailed
from ..safe_files import atomic_write
from .models import Base

if TYPE_CHECKING:
    from .api import Registry

FORMATS = (".xlsx", ".csv", ".parquet")
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any, escape: bool) -> Any:
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if escape and isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


EXCEL_MAX = 32_767


def _fits_excel(value: Any) -> Any:
    """Excel cells hold at most 32,767 characters: a longer one (a big dossier's JSON) would be cut
    silently; it is replaced by a note instead, and the CSV / Parquet exports carry it whole."""
    if isinstance(value, str) and len(value) > EXCEL_MAX:
        return (f"(quá dài cho Excel / too long for Excel: {len(value)} characters; "
                "xem bản xuất CSV hoặc Parquet / see the CSV or Parquet export)")
    return value


def _frames(reg: "Registry", escape: bool) -> dict[str, Any]:
    import pandas as pd

    out = {}
    with reg.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            cols = [c.name for c in table.columns]
            out[table.name] = pd.DataFrame([[_cell(v, escape) for v in r] for r in rows], columns=cols, dtype=object)
    return out


def export_tables(reg: "Registry", path: Path) -> list[Path]:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValidationFailed([Issue("[export-format] định dạng xuất không hỗ trợ / unsupported export format",
                                      str(path), "-o", suffix, ", ".join(FORMATS))], subject=str(path))
    if not path.parent.is_dir():
        raise ValidationFailed([Issue("[folder-missing] thư mục không tồn tại / the folder does not exist",
                                      str(path.parent), "-o")], subject=str(path))
    frames = _frames(reg, escape=suffix != ".parquet")
    if suffix == ".xlsx":
        def write(tmp: Path) -> None:
            import pandas as pd

            with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
                for name, frame in frames.items():
                    frame = frame.map(_fits_excel)
                    frame.to_excel(xl, sheet_name=name[:31], index=False)
                    # strings stay strings: openpyxl would otherwise type '=…' as a formula
                    ws = xl.sheets[name[:31]]
                    for row in ws.iter_rows(min_row=2):
                        for cell in row:
                            if isinstance(cell.value, str):
                                cell.data_type = "s"
        atomic_write(path, write)
        return [path]
    written = []
    for name, frame in frames.items():
        target = path.with_name(f"{path.stem}-{name}{suffix}")
        if suffix == ".csv":
            atomic_write(target, lambda tmp, f=frame: f.to_csv(tmp, index=False, encoding="utf-8-sig"))
        else:
            atomic_write(target, lambda tmp, f=frame: f.astype(str).where(f.notna(), None).to_parquet(tmp, index=False))
        written.append(target)
    return written


def backup(reg: "Registry", path: Path) -> Path:
    """SQLite: the online backup API (a consistent copy while others write). PostgreSQL: refuse,
    with the pg_dump command to run."""
    if reg.dialect != "sqlite":
        url = reg.engine.url
        cmd = (f"pg_dump --format=custom --file={path} --host={url.host or 'localhost'} "
               f"--port={url.port or 5432} --username={url.username or 'postgres'} {url.database}")
        raise ValidationFailed([Issue("[backup-postgresql] sao lưu PostgreSQL bằng pg_dump / backups of a PostgreSQL "
                                      "registry are made with pg_dump", None, "--db", reg.safe_url, cmd)], subject="backup")
    if path.exists() and path.resolve() == Path(reg.engine.url.database or "").resolve():
        raise ValidationFailed([Issue("[backup-over-database] bản sao lưu sẽ ghi đè chính cơ sở dữ liệu / the backup would "
                                      "overwrite the database itself", str(path), "-o")],
                               subject="backup")
    import sqlite3

    def write(tmp: Path) -> None:
        source = sqlite3.connect(reg.engine.url.database, timeout=60)
        target = sqlite3.connect(tmp)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()

    atomic_write(path, write)
    return path
