"""Admin planning forms (zones, offices, users, shifts, guard posts); Indonesian labels."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
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
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

REQUIRED = _l("Wajib diisi.")
NUMBER = _l("Harus berupa angka.")


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


class ZoneForm(FlaskForm):
    name = StringField(_l("Nama zona"), validators=[DataRequired(REQUIRED), Length(max=120)])
    kind = SelectField(_l("Jenis"), choices=zone_kind_choices())
    kecamatan = StringField(_l("Kecamatan"), validators=[Optional(), Length(max=80)])
    capacity = IntegerField(
        _l("Kapasitas (orang sekaligus)"),
        default=0,
        validators=[
            InputRequired(REQUIRED),
            NumberRange(min=0, message=_l("Kapasitas tidak boleh negatif.")),
        ],
    )
    active = BooleanField(_l("Aktif"), default=True)
    geometry = TextAreaField(_l("Geometri (GeoJSON)"), validators=[Optional()])
    center_lat = FloatField(_l("Lintang pusat"), validators=[Optional()])
    center_lon = FloatField(_l("Bujur pusat"), validators=[Optional()])
    radius_m = FloatField(_l("Jari-jari (meter)"), validators=[Optional()])


class OfficeForm(FlaskForm):
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
        ],
    )
    opens_at = TimeField(_l("Jam buka (WIB)"), validators=[InputRequired(REQUIRED)])
    closes_at = TimeField(_l("Jam tutup (WIB)"), validators=[InputRequired(REQUIRED)])
    active = BooleanField(_l("Aktif"), default=True)


class EntranceForm(FlaskForm):
    name = StringField(_l("Nama pintu"), validators=[DataRequired(REQUIRED), Length(max=120)])


class NewUserForm(FlaskForm):
    username = StringField(_l("Nama pengguna"), validators=[DataRequired(REQUIRED), Length(max=64)])
    full_name = StringField(
        _l("Nama lengkap"), validators=[DataRequired(REQUIRED), Length(max=120)]
    )
    role = SelectField(_l("Peran"), choices=role_choices())
    password = PasswordField(_l("Kata sandi awal"), validators=[DataRequired(REQUIRED)])


class EditUserForm(FlaskForm):
    full_name = StringField(
        _l("Nama lengkap"), validators=[DataRequired(REQUIRED), Length(max=120)]
    )
    role = SelectField(_l("Peran"), choices=role_choices())
    active = BooleanField(_l("Aktif (boleh masuk)"))


class PasswordResetForm(FlaskForm):
    password = PasswordField(_l("Kata sandi baru"), validators=[DataRequired(REQUIRED)])


class ShiftForm(FlaskForm):
    officer_id = SelectField(_l("Petugas"), coerce=int, validate_choice=False)
    zone_id = SelectField(_l("Zona"), coerce=int, validate_choice=False)
    day = DateField(_l("Tanggal"), validators=[InputRequired(REQUIRED)])
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


class CopyDayForm(FlaskForm):
    source = DateField(_l("Salin dari tanggal"), validators=[InputRequired(REQUIRED)])
    target = DateField(_l("Ke tanggal"), validators=[InputRequired(REQUIRED)])
    copy_zone_id = SelectField(_l("Hanya zona"), coerce=int, validate_choice=False, default=0)


class GuardPostForm(FlaskForm):
    guard_id = SelectField(_l("Petugas keamanan"), coerce=int, validate_choice=False)
    office_id = SelectField(_l("Kantor"), coerce=int, validate_choice=False)
