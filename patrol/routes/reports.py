"""The city-wide picture for admins: dashboard, SOS alerts, reports and exports
(blueprint ``reports``)."""

from __future__ import annotations

import os
import tempfile

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    send_file,
    stream_with_context,
)
from flask_babel import gettext as _
from flask_login import current_user

from patrol.access import roles
from patrol.extensions import db
from patrol.geofence import centre
from patrol.numbers import angka
from patrol.services import checkpoints, complaints, dashboard, exports, nik_lookups
from patrol.services import reports as report_queries
from patrol.services.errors import ValidationError
from patrol.sketchmap import sketch
from patrol.timeutil import utcnow

bp = Blueprint("reports", __name__, url_prefix="/admin")

# The reports, by the name in their URL.
REPORTS = ("pelanggaran", "keramaian", "kunjungan-kantor", "cakupan", "aduan")


@bp.app_template_filter("angka")
def angka_filter(value, prefix: str = "", decimals: int = 0) -> str:
    """Numbers and money the Indonesian way on every page: 10.000, Rp100.000."""
    return angka(value, prefix, decimals)


def _ratios() -> tuple[float, float]:
    return current_app.config["CROWD_BUSY_PERCENT"], current_app.config["CROWD_OVER_PERCENT"]


def _map_data(zones, offices, positions) -> dict:
    """What the city map draws: zones with their level and centre, offices, officers."""
    return {
        "zones": [
            {
                "name": z.name,
                "geometry": z.geometry,
                "centre": centre(z.geometry),
                "level": z.level,
                "headcount": z.headcount,
                "capacity": z.capacity,
            }
            for z in zones
        ],
        "offices": [
            {
                "name": o.name,
                "lat": o.lat,
                "lon": o.lon,
                "inside": o.inside,
                "capacity": o.capacity,
                "level": o.level,
            }
            for o in offices
        ],
        "officers": [
            {
                "name": p.full_name + (" · " + _("di luar jadwal") if p.unscheduled else ""),
                "lat": p.lat,
                "lon": p.lon,
            }
            for p in positions
        ],
    }


def _dashboard_context(now) -> dict:
    """Everything the dashboard shows, for the page and for each refresh alike."""
    busy, over = _ratios()
    zones = dashboard.zone_levels(now, busy, over)
    offices = dashboard.office_loads()
    positions = dashboard.officer_positions(now)
    config = current_app.config
    return {
        "now": now,
        "refresh_seconds": config["DASHBOARD_REFRESH_SECONDS"],
        "zones": zones,
        "offices": offices,
        "positions": positions,
        "map_data": _map_data(zones, offices, positions),
        "level_labels": dashboard.level_labels(),
        "figures": dashboard.today_figures(now),
        "inside_now": sum(o.inside for o in offices),
        "alerts": dashboard.alerts(
            now, config["ALERT_UNVISITED_HOURS"], config["ALERT_GRACE_MINUTES"]
        ),
        "nik_bursts": nik_lookups.bursts(now, config["NIK_LOOKUP_ALERT"]),
    }


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/dasbor")
@roles("admin")
def dashboard_page():
    """The admin dashboard: map, today in figures, alerts and open SOS calls."""
    return render_template(
        "reports/dashboard.html",
        sos=dashboard.open_sos_alerts(),
        tile_url=current_app.config["TILE_URL"],
        **_dashboard_context(utcnow()),
    )


@bp.route("/dasbor/angka")
@roles("admin")
def dashboard_figures():
    """One refresh of the whole dashboard (polled every DASHBOARD_REFRESH_SECONDS): the
    figures, with the alerts, tables, officers and map data out of band."""
    context = _dashboard_context(utcnow())
    return _no_store(
        Response(render_template("reports/_dashboard_figures.html", refresh=True, **context))
    )


@bp.route("/dasbor/peta.json")
@roles("admin")
def dashboard_map():
    """The map's zones, offices and officers as JSON (the page itself takes them from
    its one refresh, /dasbor/angka)."""
    now = utcnow()
    busy, over = _ratios()
    data = _map_data(
        dashboard.zone_levels(now, busy, over),
        dashboard.office_loads(),
        dashboard.officer_positions(now),
    )
    return _no_store(current_app.json.response(data))


@bp.route("/dasbor/sos")
@roles("admin")
def sos_alerts():
    """The open SOS alerts (polled by the dashboard every few seconds)."""
    response = Response(
        render_template("reports/_sos_alerts.html", sos=dashboard.open_sos_alerts())
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/sos/<int:alert_id>/terima", methods=["POST"])
@roles("admin")
def acknowledge_sos(alert_id: int):
    """Acknowledge an SOS alert: it leaves the dashboard and its sound stops."""
    alert = dashboard.acknowledge_sos(alert_id, current_user.id, utcnow(), request.form.get("note"))
    if alert is None:
        abort(404)
    db.session.commit()
    return render_template("reports/_sos_alerts.html", sos=dashboard.open_sos_alerts())


def _filters_or_422():
    """The report filters from the query string, or the error to show."""
    try:
        return report_queries.parse_filters(request.args), None
    except ValidationError as error:
        return None, error


def _report_context(name: str, f) -> dict:
    busy, over = _ratios()
    if name == "pelanggaran":
        return {"data": report_queries.violations_report(f)}
    if name == "keramaian":
        return {
            "rows": report_queries.crowd_report(f, busy, over),
            "level_labels": dashboard.level_labels(),
        }
    if name == "kunjungan-kantor":
        return {"data": report_queries.checkins_report(f)}
    if name == "aduan":  # public complaints (services/complaints.py)
        return {"data": complaints.report(f.since, f.until, f.zone_id)}
    until = min(f.until, utcnow())
    return {
        "rows": report_queries.coverage_report(f),
        "rounds": checkpoints.rounds_per_shift(f.since, until),
        "missed_zones": checkpoints.missed_per_zone(f.since, until),
    }


@bp.app_context_processor
def chart_series() -> dict:
    """The continuous-axis helpers for the report charts (templates/reports/_charts.html)."""
    return {
        "daily_series": report_queries.daily_series,
        "hourly_series": report_queries.hourly_series,
    }


@bp.route("/laporan/")
@bp.route("/laporan/<name>")
@roles("admin")
def report(name: str = "pelanggaran"):
    """One report with its filters; htmx requests get only the refreshed body."""
    if name not in REPORTS:
        abort(404)
    f, error = _filters_or_422()
    status = 200
    context = {"name": name, "filters": f, "error": error, "reports": REPORTS}
    if error is None:
        context |= _report_context(name, f)
    else:
        status = 422
    if request.headers.get("HX-Request") == "true":
        return render_template("reports/_report_body.html", **context), status
    return (
        render_template("reports/report.html", choices=report_queries.filter_choices(), **context),
        status,
    )


def _summary_table(name: str, f):
    """The aggregated table of a report that has no row-by-row export."""
    if name == "keramaian":
        busy, over = _ratios()
        rows = report_queries.crowd_report(f, busy, over)
        header = ["zone", "day", "counts", "average", "peak", "capacity", "level"]
        keys = ["zone", "day", "n", "average", "peak", "capacity", "level"]
    else:
        rows = report_queries.coverage_report(f)
        header = keys = [
            "officer",
            "shifts",
            "kept",
            "missed",
            "visits",
            "unscheduled",
            "hours_inside",
        ]
    return header, ([row[key] for key in keys] for row in rows)


TABLES = {
    "pelanggaran": exports.violations_table,
    "keramaian": lambda f: _summary_table("keramaian", f),
    "keramaian-detail": exports.crowd_table,
    "kunjungan-kantor": exports.checkins_table,
    "cakupan": lambda f: _summary_table("cakupan", f),
    "aduan": lambda f: complaints.table(f.since, f.until, f.zone_id),
}
GEOJSON = {"pelanggaran": exports.violations_geojson, "keramaian": exports.crowd_geojson}
MIMETYPES = {
    "csv": "text/csv",
    "geojson": "application/geo+json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.route("/laporan/<name>.<fmt>")
@roles("admin")
def export(name: str, fmt: str):
    """Download a report as CSV or GeoJSON (streamed row by row) or XLSX."""
    known = GEOJSON if fmt == "geojson" else TABLES if fmt in ("csv", "xlsx") else {}
    if name not in known:
        abort(404)
    f, error = _filters_or_422()
    if error is not None:
        return {"error": error.message, "field": error.field}, 422
    filename = f"{name}_{f.start.isoformat()}_{f.end.isoformat()}.{fmt}"
    if fmt == "xlsx":
        return _xlsx_download(name, TABLES[name](f), filename)
    chunks = GEOJSON[name](f) if fmt == "geojson" else exports.csv_lines(*TABLES[name](f))
    response = Response(stream_with_context(chunks), mimetype=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _xlsx_download(name: str, table, filename: str) -> Response:
    # XLSX is a zip that is only complete when closed: write it to a temporary file in
    # constant-memory mode, then send the file; the file is gone once sent.
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115
    handle.close()
    try:
        exports.write_xlsx(handle.name, name, *table)
        data = open(handle.name, "rb")  # noqa: SIM115 - closed by the response
    finally:
        os.unlink(handle.name)
    response = send_file(
        data, mimetype=MIMETYPES["xlsx"], as_attachment=True, download_name=filename
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/laporan/tinjauan")
@roles("admin")
def review_list():
    """The review queue: each violation with its evidence, a total, paging and filters."""
    try:
        rf = report_queries.parse_review_filters(request.args)
    except ValidationError as error:
        return render_template(
            "reports/review.html", error=error, rf=None, choices=report_queries.review_choices()
        ), 422
    queue = report_queries.review_queue(rf)
    return render_template(
        "reports/review.html",
        error=None,
        rf=rf,
        queue=queue,
        sketches={
            row.id: sketch(row.zone_geometry, row.lat, row.lon, row.accuracy_m)
            for row in queue["rows"]
        },
        choices=report_queries.review_choices(),
    )


@bp.route("/laporan/tinjauan/<int:violation_id>", methods=["POST"])
@roles("admin")
def review(violation_id: int):
    """Approve a violation or send it back with a comment; the item swaps in place."""
    try:
        violation = report_queries.review_violation(
            violation_id,
            current_user.id,
            request.form.get("comment", ""),
            utcnow(),
            request.form.get("outcome") or "approved",
        )
    except ValidationError as error:
        db.session.rollback()
        return render_template(
            "reports/_review_done.html", error=error, violation=None, violation_id=violation_id
        ), 422
    if violation is None:
        abort(404)
    db.session.commit()
    return render_template("reports/_review_done.html", error=None, violation=violation)
