"""Superset's configuration for Pulse, read by Superset itself (SUPERSET_CONFIG_PATH).

Runs inside .venv-bi, not .venv: it imports nothing from Pulse. Everything that differs
per installation comes from the environment that `pulse bi` sets:
- PULSE_SUPERSET_HOME: the git-ignored folder with the metadata database (SQLite) and the
  generated secret key (`secret_key`, mode 0600).
"""

import os
from pathlib import Path

_HOME = Path(os.environ["PULSE_SUPERSET_HOME"])

SECRET_KEY = (_HOME / "secret_key").read_text(encoding="utf-8").strip()
SQLALCHEMY_DATABASE_URI = f"sqlite:///{_HOME / 'superset.db'}"

# Numbers as in the Telegram report: a space between thousands, a decimal comma, ₽ after.
D3_FORMAT = {
    "decimal": ",",
    "thousands": "\u00a0",
    "grouping": [3],
    "currency": ["", "\u00a0₽"],
}
CURRENCIES = ["RUB"]
# Dates in Russian on the axes («июль», «вт 08»): d3-time-format's locale, with the months
# in the nominative, since an axis shows a month alone.
D3_TIME_FORMAT = {
    "dateTime": "%A, %e %B %Y г. %X",
    "date": "%d.%m.%Y",
    "time": "%H:%M:%S",
    "periods": ["", ""],
    "days": ["воскресенье", "понедельник", "вторник", "среда", "четверг", "пятница", "суббота"],
    "shortDays": ["вс", "пн", "вт", "ср", "чт", "пт", "сб"],
    "months": [
        "январь",
        "февраль",
        "март",
        "апрель",
        "май",
        "июнь",
        "июль",
        "август",
        "сентябрь",
        "октябрь",
        "ноябрь",
        "декабрь",
    ],
    "shortMonths": [
        "янв",
        "фев",
        "мар",
        "апр",
        "май",
        "июн",
        "июл",
        "авг",
        "сен",
        "окт",
        "ноя",
        "дек",
    ],
}

# A local, single-user installation on 127.0.0.1: no examples, no thumbnails, no
# telemetry, no Content-Security-Policy warning at every start.
FEATURE_FLAGS = {"DASHBOARD_RBAC": False, "THUMBNAILS": False}
CONTENT_SECURITY_POLICY_WARNING = False
TALISMAN_ENABLED = False
SCARF_ANALYTICS = False
ROW_LIMIT = 50000
