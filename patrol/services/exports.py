"""Exports: the tables behind every report download, and how each format writes them.

A ``Table`` is a header and either a query read row by row (``yield_per``, so a year of
data never sits in memory at once) or a small aggregated list. The same table is written
as CSV, XLSX or GeoJSON, to a response or to a file (services.export_jobs runs the long
ones off the request path). Times are in WIB: text in CSV and GeoJSON, real date cells
in XLSX. No personal data of the public (offender names, NIK digits, visitor names and
phones) is exported.

One rule against formula injection for every export: a CSV text cell that a spreadsheet
would run as a formula gets a leading quote (``spreadsheet_safe``), and XLSX cells are
written as plain strings with XlsxWriter's formula and URL guessing off.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from patrol.extensions import db
from patrol.models import CheckIn, CrowdCount, Entrance, Office, User, Violation, Visit, Zone
from patrol.rules.timeutil import WIB
from patrol.services import complaints, reports
from patrol.services.reports import Filters, checkins_in_range, violation_rows

BATCH = 2000
# Excel's rows per sheet; the header takes one on every sheet. Tests lower it.
XLSX_SHEET_ROWS = 1_048_576
# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A byte-order mark, so that Excel opens the UTF-8 CSV with its accents intact.
BOM = "\ufeff"
WIB_FORMAT = "%Y-%m-%d %H:%M:%S"


def spreadsheet_safe(value) -> str:
    """A cell's text, with a leading quote when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def wib_text(value: datetime | None) -> str:
    """A UTC instant as WIB wall-clock text, as exports show it."""
    return value.astimezone(WIB).strftime(WIB_FORMAT) if value is not None else ""


def csv_cell(value):
    """One value as a CSV cell: times in WIB, text made safe, numbers as they are."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return wib_text(value)
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, int | float):
        return value
    return spreadsheet_safe(value)


@dataclass
class Table:
    """A header and its rows: a query read in batches and shaped row by row, or a list."""

    header: list[str]
    query: sa.Select | None = None
    shape: Callable | None = None
    data: list[list] | None = None

    @property
    def streamed(self) -> bool:
        """Row by row from the database (and so possibly large), not an aggregated list."""
        return self.query is not None

    def rows(self) -> Iterator[list]:
        if self.query is None:
            return iter(self.data or [])
        return _stream(self.query, self.shape)

    def exceeds(self, limit: int) -> bool:
        """More than ``limit`` rows? Reads at most limit + 1 of them."""
        if self.query is None:
            return len(self.data or []) > limit
        sample = self.query.order_by(None).limit(limit + 1).subquery()
        return db.session.scalar(sa.select(sa.func.count()).select_from(sample)) > limit

    def count(self) -> int:
        """How many rows the table has (one COUNT over its query)."""
        if self.query is None:
            return len(self.data or [])
        everything = self.query.order_by(None).subquery()
        return db.session.scalar(sa.select(sa.func.count()).select_from(everything)) or 0


def _stream(query, shape):
    """Rows of ``query`` shaped by ``shape``, fetched in batches.

    A generator function, so that the query runs only once the response streams: a
    PostgreSQL server-side cursor lives in the transaction of the streaming phase.
    """
    for row in db.session.execute(query.execution_options(yield_per=BATCH)):
        yield shape(row)


# The tables -------------------------------------------------------------------------------


def violations_table(f: Filters) -> Table:
    """Every violation in the period, one line each."""
    header = [
        "id",
        "recorded_at_wib",
        "zone",
        "officer",
        "category",
        "action",
        "people_count",
        "fine_amount",
        "lat",
        "lon",
        "geofence",
        "reviewed_at_wib",
        "review_comment",
    ]
    return Table(
        header,
        violation_rows(f),
        lambda r: [
            r.id,
            r.recorded_at,
            r.zone,
            r.officer,
            r.category,
            r.action,
            r.people_count,
            r.fine_amount,
            r.lat,
            r.lon,
            r.geofence,
            r.reviewed_at,
            r.review_comment,
        ],
    )


def _crowd_query(f: Filters):
    query = (
        sa.select(
            CrowdCount.id,
            CrowdCount.recorded_at,
            Zone.name.label("zone"),
            Zone.capacity,
            CrowdCount.headcount,
            CrowdCount.level,
            CrowdCount.lat,
            CrowdCount.lon,
        )
        .join(Zone, Zone.id == CrowdCount.zone_id)
        .where(
            CrowdCount.recorded_at >= f.since,
            CrowdCount.recorded_at < f.until,
            CrowdCount.withdrawn_at.is_(None),
        )
        .order_by(CrowdCount.recorded_at, CrowdCount.id)
    )
    if f.zone_id:
        query = query.where(CrowdCount.zone_id == f.zone_id)
    return query


def crowd_table(f: Filters) -> Table:
    """Every crowd count in the period, one line each."""
    header = ["id", "recorded_at_wib", "zone", "capacity", "headcount", "level", "lat", "lon"]
    return Table(header, _crowd_query(f), lambda r: list(r))


def checkins_table(f: Filters) -> Table:
    """Every admitted check-in in the period, without the visitor's name or phone."""
    header = ["id", "office", "entrance", "checked_in_at_wib", "checked_out_at_wib", "checkout_by"]
    query = (
        sa.select(
            CheckIn.id,
            Office.name.label("office"),
            Entrance.name.label("entrance"),
            CheckIn.checked_in_at,
            CheckIn.checked_out_at,
            CheckIn.checkout_by,
        )
        .join(Office, Office.id == CheckIn.office_id)
        .outerjoin(Entrance, Entrance.id == CheckIn.entrance_id)
        .where(*checkins_in_range(f))
        .order_by(CheckIn.checked_in_at, CheckIn.id)
    )
    return Table(header, query, lambda r: list(r))


def visits_table(f: Filters) -> Table:
    """Every patrol visit started in the period, one line each, with its geofence verdicts."""
    header = [
        "id",
        "officer",
        "zone",
        "started_at_wib",
        "ended_at_wib",
        "minutes",
        "scheduled",
        "start_geofence",
        "start_distance_m",
        "end_geofence",
        "closed_by",
        "start_lat",
        "start_lon",
    ]
    query = (
        sa.select(
            Visit.id,
            User.full_name.label("officer"),
            Zone.name.label("zone"),
            Visit.started_at,
            Visit.ended_at,
            Visit.assignment_id,
            Visit.start_geofence,
            Visit.start_distance_m,
            Visit.end_geofence,
            Visit.closed_by,
            Visit.start_lat,
            Visit.start_lon,
        )
        .join(User, User.id == Visit.officer_id)
        .join(Zone, Zone.id == Visit.zone_id)
        .where(Visit.started_at >= f.since, Visit.started_at < f.until)
        .order_by(Visit.started_at, Visit.id)
    )
    if f.zone_id:
        query = query.where(Visit.zone_id == f.zone_id)

    def shape(r) -> list:
        minutes = None
        if r.ended_at is not None:
            minutes = round((r.ended_at - r.started_at).total_seconds() / 60)
        distance = round(r.start_distance_m) if r.start_distance_m is not None else None
        return [
            r.id,
            r.officer,
            r.zone,
            r.started_at,
            r.ended_at,
            minutes,
            r.assignment_id is not None,
            r.start_geofence,
            distance,
            r.end_geofence,
            r.closed_by,
            r.start_lat,
            r.start_lon,
        ]

    return Table(header, query, shape)


def _ratios() -> tuple[int, int]:
    config = current_app.config
    return config["CROWD_BUSY_PERCENT"], config["CROWD_OVER_PERCENT"]


def crowd_summary_table(f: Filters) -> Table:
    """The crowd report's table: per zone and day, counts, average, peak and level."""
    rows = reports.crowd_report(f, *_ratios())
    keys = ["zone", "day", "n", "average", "peak", "capacity", "level"]
    header = ["zone", "day", "counts", "average", "peak", "capacity", "level"]
    return Table(header, data=[[row[key] for key in keys] for row in rows])


def coverage_summary_table(f: Filters) -> Table:
    """The coverage report's table: per officer, shifts kept and missed, visits (and those
    outside the plan), hours inside, visits that arrived late."""
    keys = [
        "officer",
        "shifts",
        "kept",
        "missed",
        "visits",
        "unscheduled",
        "hours_inside",
        "late_visits",
    ]
    return Table(keys, data=[[row[key] for key in keys] for row in reports.coverage_report(f)])


def complaints_table(f: Filters) -> Table:
    """Public complaints, one row each; never the reporter's phone (services.complaints)."""
    header, rows = complaints.table(f.since, f.until, f.zone_id)
    return Table(header, data=list(rows))


# Tables by the name in their URL.
TABLES: dict[str, Callable[[Filters], Table]] = {
    "pelanggaran": violations_table,
    "keramaian": crowd_summary_table,
    "keramaian-detail": crowd_table,
    "kunjungan-kantor": checkins_table,
    "kunjungan": visits_table,
    "cakupan": coverage_summary_table,
    "aduan": complaints_table,
}


def violations_points(f: Filters) -> Table:
    """Violations with a GPS fix, for GeoJSON."""
    query = violation_rows(f).where(Violation.lat.is_not(None))
    header = ["id", "recorded_at", "zone", "category", "action", "people_count", "geofence"]
    return Table(
        header,
        query,
        lambda r: [
            r.lon,
            r.lat,
            [r.id, r.recorded_at, r.zone, r.category, r.action, r.people_count, r.geofence],
        ],
    )


def crowd_points(f: Filters) -> Table:
    """Crowd counts with a GPS fix, for GeoJSON."""
    query = _crowd_query(f).where(CrowdCount.lat.is_not(None))
    header = ["id", "recorded_at", "zone", "headcount", "level"]
    return Table(
        header,
        query,
        lambda r: [r.lon, r.lat, [r.id, r.recorded_at, r.zone, r.headcount, r.level]],
    )


POINTS: dict[str, Callable[[Filters], Table]] = {
    "pelanggaran": violations_points,
    "keramaian": crowd_points,
}
FORMATS = ("csv", "xlsx", "geojson")


def _registry(fmt: str) -> dict[str, Callable[[Filters], Table]]:
    return POINTS if fmt == "geojson" else TABLES if fmt in FORMATS else {}


def known(name: str, fmt: str) -> bool:
    """Is there an export ``/admin/laporan/<name>.<fmt>``?"""
    return name in _registry(fmt)


def table_for(name: str, fmt: str, f: Filters) -> Table | None:
    """The table behind ``/admin/laporan/<name>.<fmt>``, or None when there is none."""
    builder = _registry(fmt).get(name)
    return builder(f) if builder else None


# Writers ----------------------------------------------------------------------------------

Progress = Callable[[int], None]


def _counted(rows: Iterable, progress: Progress | None, every: int) -> Iterator:
    n = 0
    for n, row in enumerate(rows, 1):
        yield row
        if progress is not None and n % every == 0:
            progress(n)
    if progress is not None:
        progress(n)


def csv_chunks(table: Table, progress: Progress | None = None, every: int = 5000) -> Iterator[str]:
    """A table as CSV text (BOM and header first), in chunks of a few hundred lines."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer)
    writer.writerow(table.header)
    for n, row in enumerate(_counted(table.rows(), progress, every), 1):
        writer.writerow([csv_cell(value) for value in row])
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _geojson_value(value):
    if isinstance(value, datetime):
        return value.astimezone(WIB).isoformat()
    return value


def geojson_chunks(
    table: Table, progress: Progress | None = None, every: int = 5000
) -> Iterator[str]:
    """Points as a GeoJSON FeatureCollection, one feature per row, times in WIB."""
    yield '{"type": "FeatureCollection", "features": ['
    for n, (lon, lat, values) in enumerate(_counted(table.rows(), progress, every)):
        feature = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {k: _geojson_value(v) for k, v in zip(table.header, values, strict=True)},
        }
        yield ("" if n == 0 else ",\n") + json.dumps(feature, ensure_ascii=False)
    yield "]}\n"


def chunks(table: Table, fmt: str, progress: Progress | None = None) -> Iterator[str]:
    """A text format's chunks (CSV or GeoJSON)."""
    return geojson_chunks(table, progress) if fmt == "geojson" else csv_chunks(table, progress)


def write_xlsx(
    path: str, sheet: str, table: Table, progress: Progress | None = None, every: int = 5000
) -> int:
    """Write a table to an XLSX file in constant memory; return the number of rows.

    Past Excel's row limit the rows go on to a new sheet (``sheet (2)``...), each with the
    header. Times are real date cells in WIB; text is written as text, never a formula.
    """
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        path,
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    bold = workbook.add_format({"bold": True})
    when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    per_sheet = XLSX_SHEET_ROWS - 1
    worksheet = None
    sheets = 0
    line = 0
    n = 0
    for row in _counted(table.rows(), progress, every):
        n += 1
        if worksheet is None or line == per_sheet:
            sheets += 1
            title = sheet[:31] if sheets == 1 else f"{sheet[:25]} ({sheets})"
            worksheet = workbook.add_worksheet(title)
            worksheet.write_row(0, 0, table.header, bold)
            worksheet.set_column(0, len(table.header) - 1, 16)
            line = 0
        line += 1
        for column, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, datetime):
                local = value.astimezone(WIB).replace(tzinfo=None)
                worksheet.write_datetime(line, column, local, when)
            elif isinstance(value, bool):
                worksheet.write_string(line, column, "ya" if value else "tidak")
            elif isinstance(value, int | float):
                worksheet.write_number(line, column, value)
            else:
                worksheet.write_string(line, column, str(value))
    if worksheet is None:
        worksheet = workbook.add_worksheet(sheet[:31])
        worksheet.write_row(0, 0, table.header, bold)
    workbook.close()
    return n
