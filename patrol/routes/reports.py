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
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from patrol.access import roles
from patrol.extensions import db
from patrol.geofence import centre
from patrol.rules.crowd import level_labels
from patrol.rules.timeutil import utcnow
from patrol.services import checkpoints, complaints, dashboard, export_jobs, exports, nik_lookups
from patrol.services import reports as report_queries
from patrol.services.errors import ValidationError
from patrol.web.htmx import is_htmx
from patrol.web.sketchmap import sketch

bp = Blueprint("reports", __name__, url_prefix="/admin")

# The reports, by the name in their URL.
REPORTS = ("pelanggaran", "keramaian", "kunjungan-kantor", "cakupan", "aduan")


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
        "level_labels": level_labels(),
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
    now = utcnow()
    return render_template(
        "reports/dashboard.html",
        sos=dashboard.open_sos_alerts(),
        open_count=checkpoints.open_alert_count(now),
        tile_url=current_app.config["TILE_URL"],
        **_dashboard_context(now),
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
            "level_labels": level_labels(),
        }
    if name == "kunjungan-kantor":
        return {"data": report_queries.checkins_report(f)}
    if name == "aduan":  # public complaints (services/complaints.py)
        return {"data": complaints.report(f.since, f.until, f.zone_id)}
    rounds, missed_zones = checkpoints.coverage(f.since, min(f.until, utcnow()))
    return {
        "rows": report_queries.coverage_report(f),
        "rounds": rounds,
        "missed_zones": missed_zones,
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


MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "geojson": "application/geo+json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.route("/laporan/<name>.<fmt>")
@roles("admin")
def export(name: str, fmt: str):
    """A report as CSV, XLSX or GeoJSON: a screenful is answered at once, more becomes a
    background job whose page shows its progress and then gives the file."""
    if not exports.known(name, fmt):
        abort(404)
    f, error = _filters_or_422()
    if error is not None:
        return {"error": error.message, "field": error.field}, 422
    table = exports.table_for(name, fmt, f)
    filename = f"{name}_{f.start.isoformat()}_{f.end.isoformat()}.{fmt}"
    if table.streamed and table.exceeds(current_app.config["EXPORT_INLINE_ROWS"]):
        export_jobs.purge_expired()
        job = export_jobs.create_job(current_user.id, name, fmt, f.as_args(), filename)
        db.session.commit()
        export_jobs.enqueue(job.id)
        return redirect(url_for("reports.export_job", job_id=job.id), code=303)
    if fmt == "xlsx":
        return _xlsx_download(name, table, filename)
    response = Response(stream_with_context(exports.chunks(table, fmt)), mimetype=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _xlsx_download(name: str, table, filename: str) -> Response:
    # XLSX is a zip that is only complete when closed: write it to a temporary file in
    # constant-memory mode, then send the file; the file is gone once sent.
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115
    handle.close()
    try:
        exports.write_xlsx(handle.name, name, table)
        data = open(handle.name, "rb")  # noqa: SIM115 - closed by the response
    finally:
        os.unlink(handle.name)
    response = send_file(
        data, mimetype=MIMETYPES["xlsx"], as_attachment=True, download_name=filename
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _own_job_or_404(job_id: int):
    job = export_jobs.user_job(current_user.id, job_id)
    if job is None:
        abort(404)
    return job


@bp.route("/laporan/ekspor/")
@roles("admin")
def export_list():
    """The admin's recent exports, with their state and a link to each finished file."""
    jobs = [export_jobs.refresh_state(job) for job in export_jobs.recent_jobs(current_user.id)]
    db.session.commit()
    return _no_store(
        Response(
            render_template(
                "reports/exports.html",
                jobs=jobs,
                keep_hours=current_app.config["EXPORT_KEEP_HOURS"],
                error_message=export_jobs.error_message,
            )
        )
    )


@bp.route("/laporan/ekspor/<int:job_id>")
@roles("admin")
def export_job(job_id: int):
    """One export's progress (htmx polls the fragment until it is done), then its link."""
    job = export_jobs.refresh_state(_own_job_or_404(job_id))
    db.session.commit()
    template = (
        "reports/_export_progress.html"
        if request.headers.get("HX-Request") == "true"
        else "reports/export_job.html"
    )
    return _no_store(
        Response(
            render_template(
                template,
                job=job,
                error_message=export_jobs.error_message,
                keep_hours=current_app.config["EXPORT_KEEP_HOURS"],
            )
        )
    )


@bp.route("/laporan/ekspor/<int:job_id>/unduh")
@roles("admin")
def export_download(job_id: int):
    """The finished export's file; before it is ready, back to its progress page."""
    job = _own_job_or_404(job_id)
    if job.status != "done":
        return redirect(url_for("reports.export_job", job_id=job.id), code=303)
    path = export_jobs.file_path(job)
    if not path.is_file():
        abort(404)
    response = send_file(
        path, mimetype=MIMETYPES[job.fmt], as_attachment=True, download_name=job.download_name
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
