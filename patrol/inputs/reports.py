"""The filters of the admin reports and exports (a query string)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AliasChoices, BeforeValidator, Field

from patrol.inputs.field import Input
from patrol.inputs.types import Day, RowId, text
from patrol.web.urls import MAX_ID


class ReportFiltersInput(Input):
    """WIB days from ``start`` to ``end`` (the last 7 days when absent), a zone, an office."""

    start: Day = Field(default=None, description="First WIB day (YYYY-MM-DD).")
    end: Day = Field(default=None, description="Last WIB day (YYYY-MM-DD), inclusive.")
    zone_id: RowId = None
    office_id: RowId = None


class ReviewFiltersInput(ReportFiltersInput):
    """The review queue: the report's period and zone, an officer, a category, a status and
    a page (the last 30 days when no start is given)."""

    officer_id: RowId = None
    category_id: RowId = None
    status: Literal["pending", "returned", "approved"] | None = Field(
        default=None, description="Which reviews: pending (the default), returned, approved."
    )
    page: RowId = Field(default=None, description="The page, from 1.")


class PlannerQuery(Input):
    """The shift planner's view: a day or its week, for one zone, one officer or everyone
    (the page's own words in the query string: ``tampilan``, ``tanggal``, ``zona``,
    ``petugas``)."""

    view: Annotated[
        Literal["day", "week"], BeforeValidator(lambda v: "week" if v == "minggu" else "day")
    ] = Field(default="day", validation_alias=AliasChoices("tampilan", "view"))
    day: Day = Field(default=None, validation_alias=AliasChoices("tanggal", "day"))
    zone_id: RowId = Field(default=None, validation_alias=AliasChoices("zona", "zone_id"))
    officer_id: RowId = Field(default=None, validation_alias=AliasChoices("petugas", "officer_id"))


def _paging_id(value):
    # A paging link that does not name an event (edited by hand, or huge) starts the list
    # from the newest: nothing to correct, so no error.
    text = value.strip() if isinstance(value, str) else ""
    return int(text) if text.isdigit() and 0 < int(text) <= MAX_ID else None


class AuditQuery(Input):
    """The audit log's filter: one kind of record, and the page before an event."""

    entity: text(64) = Field(default=None, validation_alias=AliasChoices("jenis", "entity"))
    before_id: Annotated[int | None, BeforeValidator(_paging_id)] = Field(
        default=None, validation_alias=AliasChoices("sebelum", "before_id")
    )
