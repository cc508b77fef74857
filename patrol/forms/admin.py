"""Admin planning forms (zones, offices, users, shifts, guard posts); Indonesian labels."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from patrol.forms.base import TextForm
from patrol.rules.timeutil import FIRST_DAY, LAST_DAY, in_calendar
from patrol.web.urls import MAX_ID

REQUIRED = _l("Wajib diisi.")
NUMBER = _l("Harus berupa angka.")
# More people than a city holds is a typing error (and would overflow the column).
MAX_CAPACITY = 1_000_000


def record_id(value) -> int:
    """A select's value as a row id; anything the database cannot hold is not a choice."""
    number = int(value)
    if not 0 <= number <= MAX_ID:
        raise ValueError(value)
    return number


def calendar_day(_form, field) -> None:
    """A shift's day within the app's calendar (a window beyond it overflows)."""
    if field.data is not None and not in_calendar(field.data):
        raise ValidationError(
            _l(
                "Tanggal harus antara tahun %(first)d dan %(last)d.",
                first=FIRST_DAY.year,
                last=LAST_DAY.year,
            )
        )


def zone_kind_choices():
    return [
        SelectChoice("taman", _l("Taman")),
        SelectChoice("alun_alun", _l("Alun-alun")),
        SelectChoice("hutan_kota", _l("Hutan kota")),
        SelectChoice("lapangan", _l("Lapangan")),
        SelectChoice("other", _l("Lainnya")),
    ]


def role_choices():
    return [
        SelectChoice("officer", _l("Petugas patroli (Satpol PP)")),
        SelectChoice("guard", _l("Petugas keamanan kantor")),
        SelectChoice("admin", _l("Admin")),
    ]


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class ZoneForm(TextForm):
    name = StringField(_l("Nama zona"), validators=[DataRequired(REQUIRED), Length(max=120)])
    kind = SelectField(_l("Jenis"), choices=zone_kind_choices())
    kecamatan = StringField(_l("Kecamatan"), validators=[Optional(), Length(max=80)])
    capacity = IntegerField(
        _l("Kapasitas (orang sekaligus)"),
        default=0,
        validators=[
            InputRequired(REQUIRED),
            NumberRange(min=0, message=_l("Kapasitas tidak boleh negatif.")),
            NumberRange(max=MAX_CAPACITY, message=_l("Kapasitas terlalu besar.")),
        ],
    )
    active = BooleanField(_l("Aktif"), default=True)
    geometry = TextAreaField(_l("Geometri (GeoJSON)"), validators=[Optional()])
    center_lat = FloatField(_l("Lintang pusat"), validators=[Optional()])
    center_lon = FloatField(_l("Bujur pusat"), validators=[Optional()])
    radius_m = FloatField(_l("Jari-jari (meter)"), validators=[Optional()])


class OfficeForm(TextForm):
    name = StringField(_l("Nama kantor"), validators=[DataRequired(REQUIRED), Length(max=120)])
    address = StringField(_l("Alamat"), validators=[Optional(), Length(max=250)])
    lat = FloatField(_l("Lintang"), validators=[InputRequired(REQUIRED)])
    lon = FloatField(_l("Bujur"), validators=[InputRequired(REQUIRED)])
    radius_m = FloatField(
        _l("Jari-jari (meter)"), default=100, validators=[InputRequired(REQUIRED)]
    )
    capacity = IntegerField(
        _l("Kapasitas (orang sekaligus)"),
        default=0,
        validators=[
            InputRequired(REQUIRED),
            NumberRange(min=0, message=_l("Kapasitas tidak boleh negatif.")),
            NumberRange(max=MAX_CAPACITY, message=_l("Kapasitas terlalu besar.")),
        ],
    )
    opens_at = TimeField(_l("Jam buka (WIB)"), validators=[InputRequired(REQUIRED)])
    closes_at = TimeField(_l("Jam tutup (WIB)"), validators=[InputRequired(REQUIRED)])
    active = BooleanField(_l("Aktif"), default=True)
    # Check-in rules of this office (services.checkins).
    wait_when_full = BooleanField(
        _l("Saat penuh, pengunjung menunggu di pintu sampai petugas mempersilakan"), default=True
    )
    hold_red = BooleanField(
        _l("Tiket merah (bergejala) menunggu keputusan petugas, tidak dihitung di dalam"),
        default=True,
    )
    after_hours_checkin = BooleanField(_l("Izinkan check-in di luar jam buka"), default=False)


class EntranceForm(TextForm):
    name = StringField(_l("Nama pintu"), validators=[DataRequired(REQUIRED), Length(max=120)])


class NewUserForm(TextForm):
    username = StringField(_l("Nama pengguna"), validators=[DataRequired(REQUIRED), Length(max=64)])
    full_name = StringField(
        _l("Nama lengkap"), validators=[DataRequired(REQUIRED), Length(max=120)]
    )
    role = SelectField(_l("Peran"), choices=role_choices())
    password = PasswordField(_l("Kata sandi awal"), validators=[DataRequired(REQUIRED)])


class EditUserForm(TextForm):
    full_name = StringField(
        _l("Nama lengkap"), validators=[DataRequired(REQUIRED), Length(max=120)]
    )
    role = SelectField(_l("Peran"), choices=role_choices())
    active = BooleanField(_l("Aktif (boleh masuk)"))


class PasswordResetForm(TextForm):
    password = PasswordField(_l("Kata sandi baru"), validators=[DataRequired(REQUIRED)])


class ShiftForm(TextForm):
    officer_id = SelectField(_l("Petugas"), coerce=record_id, validate_choice=False)
    zone_id = SelectField(_l("Zona"), coerce=record_id, validate_choice=False)
    day = DateField(_l("Tanggal"), validators=[InputRequired(REQUIRED), calendar_day])
    starts_at = TimeField(_l("Mulai (WIB)"), validators=[InputRequired(REQUIRED)])
    ends_at = TimeField(_l("Selesai (WIB)"), validators=[InputRequired(REQUIRED)])
    repeat_days = IntegerField(
        _l("Ulangi selama (hari)"),
        default=1,
        validators=[
            InputRequired(REQUIRED),
            NumberRange(min=1, max=31, message=_l("Ulangi antara 1 dan 31 hari.")),
        ],
    )
    # A shift that already started would be "missed" at once: entering one takes a tick.
    confirm_past = BooleanField(_l("Saya sengaja mencatat shift yang sudah lewat"))


class CopyDayForm(TextForm):
    source = DateField(_l("Salin dari tanggal"), validators=[InputRequired(REQUIRED), calendar_day])
    target = DateField(_l("Ke tanggal"), validators=[InputRequired(REQUIRED), calendar_day])
    copy_zone_id = SelectField(_l("Hanya zona"), coerce=record_id, validate_choice=False, default=0)
    copy_confirm_past = BooleanField(_l("Saya sengaja mencatat shift yang sudah lewat"))


class GuardPostForm(TextForm):
    guard_id = SelectField(_l("Petugas keamanan"), coerce=record_id, validate_choice=False)
    office_id = SelectField(_l("Kantor"), coerce=record_id, validate_choice=False)
