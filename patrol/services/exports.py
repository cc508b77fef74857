"""Exports: CSV and GeoJSON streamed row by row, XLSX written in constant memory.

A ``*_table`` function returns a header and a lazy iterator of rows; the database hands
rows over in batches (``yield_per``), so a year of data never sits in memory at once.
No personal data of the public (offender names, NIK digits, visitor names and phones)
is exported.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import CheckIn, CrowdCount, Entrance, Office, Violation, Zone
from patrol.services.reports import Filters, checkins_in_range, violation_rows

BATCH = 2000


def csv_lines(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """A table as CSV text, in chunks of a few hundred lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for n, row in enumerate(rows, 1):
        writer.writerow(row)
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _stream(query, shape):
    """Rows of ``query`` shaped by ``shape``, fetched in batches.

    A generator function, so that the query runs only once the response streams: a
    PostgreSQL server-side cursor lives in the transaction of the streaming phase.
    """
    for row in db.session.execute(query.execution_options(yield_per=BATCH)):
        yield shape(row)


def _iso(value) -> str:
    return value.isoformat() if value is not None else ""


def violations_table(f: Filters) -> tuple[list[str], Iterator[list]]:
    """Every violation in the period, one line each."""
    header = [
        "id",
        "recorded_at_utc",
        "zone",
        "officer",
        "category",
        "action",
        "people_count",
        "fine_amount",
        "lat",
        "lon",
        "geofence",
        "reviewed_at_utc",
        "review_comment",
    ]
    rows = _stream(
        violation_rows(f),
        lambda r: [
            r.id,
            _iso(r.recorded_at),
            r.zone,
            r.officer,
            r.category,
            r.action,
            r.people_count,
            r.fine_amount if r.fine_amount is not None else "",
            r.lat if r.lat is not None else "",
            r.lon if r.lon is not None else "",
            r.geofence,
            _iso(r.reviewed_at),
            r.review_comment or "",
        ],
    )
    return header, rows


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


def crowd_table(f: Filters) -> tuple[list[str], Iterator[list]]:
    """Every crowd count in the period, one line each."""
    header = ["id", "recorded_at_utc", "zone", "capacity", "headcount", "level", "lat", "lon"]
    rows = _stream(
        _crowd_query(f),
        lambda r: [
            r.id,
            _iso(r.recorded_at),
            r.zone,
            r.capacity,
            r.headcount,
            r.level,
            r.lat if r.lat is not None else "",
            r.lon if r.lon is not None else "",
        ],
    )
    return header, rows


def checkins_table(f: Filters) -> tuple[list[str], Iterator[list]]:
    """Every admitted check-in in the period, without the visitor's name or phone."""
    header = ["id", "office", "entrance", "checked_in_at_utc", "checked_out_at_utc", "checkout_by"]
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
    rows = _stream(
        query,
        lambda r: [
            r.id,
            r.office,
            r.entrance or "",
            _iso(r.checked_in_at),
            _iso(r.checked_out_at),
            r.checkout_by or "",
        ],
    )
    return header, rows


def write_xlsx(path: str, sheet: str, header: list[str], rows: Iterable[Iterable]) -> int:
    """Write a table to an XLSX file in constant-memory mode; return the number of rows."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_numbers": False})
    worksheet = workbook.add_worksheet(sheet[:31])
    bold = workbook.add_format({"bold": True})
    worksheet.write_row(0, 0, header, bold)
    n = 0
    for n, row in enumerate(rows, 1):
        worksheet.write_row(n, 0, row)
    workbook.close()
    return n


def _feature_collection(features: Iterable[dict]) -> Iterator[str]:
    yield '{"type": "FeatureCollection", "features": ['
    first = True
    for feature in features:
        yield ("" if first else ",\n") + json.dumps(feature, ensure_ascii=False)
        first = False
    yield "]}\n"


def _point(lon, lat, properties: dict) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": properties,
    }


def violations_geojson(f: Filters) -> Iterator[str]:
    """Violations with a GPS fix as GeoJSON points."""
    query = violation_rows(f).where(Violation.lat.is_not(None))
    features = _stream(
        query,
        lambda r: _point(
            r.lon,
            r.lat,
            {
                "id": r.id,
                "recorded_at": _iso(r.recorded_at),
                "zone": r.zone,
                "category": r.category,
                "action": r.action,
                "people_count": r.people_count,
                "geofence": r.geofence,
            },
        ),
    )
    return _feature_collection(features)


def crowd_geojson(f: Filters) -> Iterator[str]:
    """Crowd counts with a GPS fix as GeoJSON points."""
    query = _crowd_query(f).where(CrowdCount.lat.is_not(None))
    features = _stream(
        query,
        lambda r: _point(
            r.lon,
            r.lat,
            {
                "id": r.id,
                "recorded_at": _iso(r.recorded_at),
                "zone": r.zone,
                "headcount": r.headcount,
                "level": r.level,
            },
        ),
    )
    return _feature_collection(features)
