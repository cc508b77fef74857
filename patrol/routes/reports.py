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
from flask_login import current_user

from patrol.access import roles
from patrol.extensions import db
from patrol.rules.crowd import level_labels
from patrol.rules.timeutil import utcnow
from patrol.services import checkpoints, dashboard, exports
from patrol.services import reports as report_queries
from patrol.services.errors import ValidationError
from patrol.web.htmx import is_htmx

bp = Blueprint("reports", __name__, url_prefix="/admin")

# The reports, by the name in their URL.
REPORTS = ("pelanggaran", "keramaian", "kunjungan-kantor", "cakupan")


def _ratios() -> tuple[float, float]:
    return current_app.config["CROWD_BUSY_PERCENT"], current_app.config["CROWD_OVER_PERCENT"]


def _map_data(zones, offices, positions) -> dict:
    """What the city map draws: zones with their level, offices, officers in the field."""
    return {
        "zones": [
            {"name": z.name, "geometry": z.geometry, "level": z.level, "headcount": z.headcount}
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
        "officers": [{"name": p.full_name, "lat": p.lat, "lon": p.lon} for p in positions],
    }


def _figures_context(now, offices) -> dict:
    return {
        "now": now,
        "refresh_seconds": current_app.config["DASHBOARD_REFRESH_SECONDS"],
        "figures": dashboard.today_figures(now),
        "inside_now": sum(o.inside for o in offices),
        "alerts": dashboard.alerts(now, current_app.config["ALERT_UNVISITED_HOURS"]),
    }


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/dasbor")
@roles("admin")
def dashboard_page():
    """The admin dashboard: map, today in figures, alerts and open SOS calls."""
    now = utcnow()
    busy, over = _ratios()
    zones = dashboard.zone_levels(now, busy, over)
    offices = dashboard.office_loads()
    positions = dashboard.officer_positions(now)
    return render_template(
        "reports/dashboard.html",
        zones=zones,
        offices=offices,
        positions=positions,
        map_data=_map_data(zones, offices, positions),
        sos=dashboard.open_sos_alerts(),
        open_count=checkpoints.open_alert_count(now),
        level_labels=level_labels(),
        tile_url=current_app.config["TILE_URL"],
        **_figures_context(now, offices),
    )


@bp.route("/dasbor/angka")
@roles("admin")
def dashboard_figures():
    """Today in figures, with the alerts out of band (polled by the dashboard every 60 s)."""
    context = _figures_context(utcnow(), dashboard.office_loads())
    return _no_store(
        Response(render_template("reports/_dashboard_figures.html", refresh=True, **context))
    )


@bp.route("/dasbor/peta.json")
@roles("admin")
def dashboard_map():
    """The map's zones, offices and officers as JSON (fetched by the dashboard every 60 s)."""
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
            "level_labels": level_labels(),
        }
    if name == "kunjungan-kantor":
        return {"data": report_queries.checkins_report(f)}
    until = min(f.until, utcnow())
    return {
        "rows": report_queries.coverage_report(f),
        "rounds": checkpoints.rounds_per_shift(f.since, until),
        "missed_zones": checkpoints.missed_per_zone(f.since, until),
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
    if is_htmx():
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
        header = keys = ["officer", "shifts", "kept", "missed", "visits", "hours_inside"]
    return header, ([row[key] for key in keys] for row in rows)


TABLES = {
    "pelanggaran": exports.violations_table,
    "keramaian": lambda f: _summary_table("keramaian", f),
    "keramaian-detail": exports.crowd_table,
    "kunjungan-kantor": exports.checkins_table,
    "cakupan": lambda f: _summary_table("cakupan", f),
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
    """Violations of the period still to review (and the latest reviewed ones)."""
    f, error = _filters_or_422()
    if error is not None:
        return render_template("reports/review.html", error=error, filters=None), 422
    return render_template(
        "reports/review.html",
        error=None,
        filters=f,
        pending=report_queries.violation_rows(f, reviewed=False, limit=100),
        done=report_queries.violation_rows(f, reviewed=True, limit=20),
    )


@bp.route("/laporan/tinjauan/<int:violation_id>", methods=["POST"])
@roles("admin")
def review(violation_id: int):
    """Mark one violation as reviewed with a comment; the row swaps in place."""
    try:
        violation = report_queries.review_violation(
            violation_id, current_user.id, request.form.get("comment", ""), utcnow()
        )
    except ValidationError as error:
        db.session.rollback()
        return render_template("reports/_review_done.html", error=error, violation=None), 422
    if violation is None:
        abort(404)
    db.session.commit()
    return render_template("reports/_review_done.html", error=None, violation=violation)
