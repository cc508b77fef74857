"""What an officer sends from the field: a GPS fix, the field forms and the sync records.

A field form and the sync record of the same kind share one definition: the record is the
form's fields plus what the phone adds offline (its UUID, ``kind`` and ``recorded_at``).
The services get these models' values; the OpenAPI description is generated from them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

from patrol.inputs.types import (
    Accuracy,
    AwareTime,
    ClientUuid,
    Code,
    FineAmount,
    GpsError,
    Latitude,
    Longitude,
    OptionalUuid,
    RowId,
    WholeNumber,
    text,
)


class Input(BaseModel):
    """Every input: unknown fields are ignored, values are read as sent (forms send text)."""

    model_config = ConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True)


class GpsFields(Input):
    """The GPS fields of a form or a record: a fix, or the phone's reason for none."""

    lat: Latitude = None
    lon: Longitude = None
    # Forms call it ``accuracy``, JSON ``accuracy_m``.
    accuracy_m: Accuracy = Field(
        default=None, validation_alias=AliasChoices("accuracy_m", "accuracy")
    )
    gps_error: GpsError = None

    @property
    def gps(self) -> GpsFix:
        """These fields as a fix (a missing position keeps only the reason)."""
        return GpsFix(
            lat=self.lat, lon=self.lon, accuracy_m=self.accuracy_m, gps_error=self.gps_error
        )


class GpsFix(GpsFields):
    """A GPS fix from the phone, or the reason there is none."""

    @model_validator(mode="after")
    def _no_half_fix(self):
        # Half a position is no position: keep only why there is none.
        if self.lat is None or self.lon is None:
            object.__setattr__(self, "lat", None)
            object.__setattr__(self, "lon", None)
            object.__setattr__(self, "accuracy_m", None)
            object.__setattr__(self, "gps_error", self.gps_error or "unavailable")
        else:
            object.__setattr__(self, "gps_error", None)
        return self

    @property
    def error(self) -> str | None:
        """Why there is no fix (None when there is one)."""
        return self.gps_error

    @classmethod
    def missing(cls, reason: str = "unavailable") -> GpsFix:
        """No fix, for this reason."""
        return cls(gps_error=reason)


# The field forms ---------------------------------------------------------------------------


class VisitStartForm(GpsFields):
    """Start a visit: the zone and the phone's fix."""

    zone_id: RowId = None
    uuid: OptionalUuid = None


class VisitEndFields(Input):
    """What ending a visit may carry besides the fix."""

    result: text(
        500,
        "What was done, in a sentence the reporter reads: required when the visit answers a "
        "public complaint, which it then closes; ignored otherwise.",
    ) = None


class VisitEndForm(VisitEndFields, GpsFields):
    """End a visit with a last fix (and the result, for a visit answering a complaint)."""

    uuid: OptionalUuid = None


class ViolationFields(Input):
    """What a violation holds, checked again by the service against the rules in force."""

    category: Code = Field(default=None, description="The violation category's code.")
    action: Code = Field(default=None, description="The action's code.")
    people_count: WholeNumber = Field(default=1, description="How many people, 1 to 10 000.")
    fine_amount: FineAmount = None
    offender_name: text(120) = None
    offender_nik: text(
        32, "16 digits (spaces and dots allowed); stored only as a keyed hash and the last four."
    ) = None
    notes: text(2000) = None


class ViolationForm(ViolationFields, GpsFields):
    """The violation form in a visit."""

    uuid: OptionalUuid = None


class CrowdCountFields(Input):
    """A headcount."""

    headcount: WholeNumber = Field(default=None, description="People counted, 0 to 10 000.")


class CrowdCountForm(CrowdCountFields, GpsFields):
    """The crowd-count form in a visit."""

    uuid: OptionalUuid = None


class CheckpointScanFields(Input):
    """A checkpoint's QR sticker or NFC tag read during a visit."""

    token: text(200, "The token read from the QR sticker or NFC tag.") = None


class CheckpointScanForm(CheckpointScanFields, GpsFields):
    """A scan sent from the visit page."""

    uuid: OptionalUuid = None


# The sync records (the offline outbox) -----------------------------------------------------


class Record(GpsFields):
    """What every record of the offline outbox carries."""

    uuid: ClientUuid = Field(description="Chosen by the phone; a visit_end has its own UUID.")
    recorded_at: AwareTime = Field(description="When it happened on the phone.")


class InVisit(Record):
    """A record made in a visit (the visit's UUID)."""

    visit_uuid: ClientUuid = Field(description="The visit's UUID.")


class VisitStartRecord(Record):
    """A visit started on the phone (its UUID is the visit's)."""

    kind: Literal["visit_start"]
    zone_id: RowId = Field(description="The zone of the visit.")


class VisitEndRecord(VisitEndFields, InVisit):
    """A visit ended on the phone (its own UUID; the visit's in visit_uuid); one answering a
    public complaint carries the result and closes the complaint."""

    kind: Literal["visit_end"]


class ViolationRecord(ViolationFields, InVisit):
    """A violation in a visit."""

    kind: Literal["violation"]


class CrowdCountRecord(CrowdCountFields, InVisit):
    """A headcount in a visit."""

    kind: Literal["crowd_count"]


class CheckpointScanRecord(CheckpointScanFields, InVisit):
    """A checkpoint scanned in a visit."""

    kind: Literal["checkpoint_scan"]


class ComplaintAcceptRecord(Record):
    """*Terima* on an assigned public complaint: an unscheduled visit starts at its place
    (the record's UUID is the visit's)."""

    kind: Literal["complaint_accept"]
    complaint_id: RowId = Field(description="The complaint accepted.")


class ComplaintCloseRecord(Record):
    """The complaint's visit ended, with the result the reporter reads (its own UUID)."""

    kind: Literal["complaint_close"]
    complaint_id: RowId = Field(description="The complaint closed.")
    result: text(500, "What was done, in a sentence the reporter reads.") = None


RECORD_KINDS: dict[str, type[Record]] = {
    "visit_start": VisitStartRecord,
    "violation": ViolationRecord,
    "crowd_count": CrowdCountRecord,
    "checkpoint_scan": CheckpointScanRecord,
    "visit_end": VisitEndRecord,
    "complaint_accept": ComplaintAcceptRecord,
    "complaint_close": ComplaintCloseRecord,
}

SyncRecord = Annotated[
    VisitStartRecord
    | VisitEndRecord
    | ViolationRecord
    | CrowdCountRecord
    | CheckpointScanRecord
    | ComplaintAcceptRecord
    | ComplaintCloseRecord,
    Field(discriminator="kind"),
]
