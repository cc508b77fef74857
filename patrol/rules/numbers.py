"""Numbers and money written the Indonesian way: ``10.000``, ``1.234,5``, ``Rp100.000``.

One function behind the one Jinja filter ``angka`` (``{{ n | angka }}``,
``{{ fine | angka("Rp") }}``, ``{{ hours | angka(decimals=1) }}``), so that no page
formats a number on its own.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def angka(value, prefix: str = "", decimals: int = 0) -> str:
    """``value`` with dots between thousands and a decimal comma; "–" when there is none."""
    if value is None or value == "":
        return "–"
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    if not number.is_finite():
        return str(value)
    quantum = Decimal(1).scaleb(-decimals)
    number = number.quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{abs(number):,.{decimals}f}"  # 1,234.5
    text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    sign = "-" if number < 0 else ""
    return f"{sign}{prefix}{text}"
