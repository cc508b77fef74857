"""The filters of the admin reports and exports (a query string)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from patrol.inputs.field import Input
from patrol.inputs.types import Day, RowId


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
