"""WTForms forms; messages in Bahasa Indonesia through Babel."""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class TextForm(FlaskForm):
    """A form of text fields that reads only the posted form fields.

    Flask-WTF would also hand uploaded files and JSON bodies to the fields, which then
    receive objects they cannot read (a 500 instead of a clear message beside the field).
    """

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            wrapped = super().wrap_formdata(form, formdata)
            if wrapped is None or wrapped is formdata:
                return wrapped
            return request.form


class LoginForm(TextForm):
    username = StringField(
        _l("Nama pengguna"),
        validators=[
            DataRequired(message=_l("Nama pengguna wajib diisi.")),
            Length(max=64, message=_l("Nama pengguna terlalu panjang.")),
        ],
    )
    password = PasswordField(
        _l("Kata sandi"),
        validators=[
            DataRequired(message=_l("Kata sandi wajib diisi.")),
            Length(max=200, message=_l("Kata sandi terlalu panjang.")),
        ],
    )
    remember = BooleanField(_l("Ingat saya di perangkat ini (satu shift, 12 jam)"))
