"""The filters of the admin reports and exports (a query string)."""

from __future__ import annotations

from pydantic import Field

from patrol.inputs.field import Input
from patrol.inputs.types import Day, RowId


class ReportFiltersInput(Input):
    """WIB days from ``start`` to ``end`` (the last 7 days when absent), a zone, an office."""

    start: Day = Field(default=None, description="First WIB day (YYYY-MM-DD).")
    end: Day = Field(default=None, description="Last WIB day (YYYY-MM-DD), inclusive.")
    zone_id: RowId = None
    office_id: RowId = None
