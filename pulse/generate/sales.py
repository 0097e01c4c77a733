"""Synthetic sales-floor data in the raw contract of `raw_sales` (events, events_dict, payments).

Each lead walks the customer journey with drop-offs at every step:
lead → first-line call tasks attempted over about three hours → reached → intro lesson
booked (by the first line, or by the student alone) → teacher joins → lesson succeeds →
a purchase right after the lesson, or second-line calls and a purchase within a day.
About 10 % of users are in the demo-lesson or WhatsApp experiments; about a tenth of
buyers buy another package a month or two later. Leads are sometimes
re-created a minute later (a legitimate repeat), and about 0.5 % of rows are exported
twice (exact duplicates, a load artefact). A few payments are gifts or not in RUB. The
ids of event types are shuffled, so they are not in step order. Deterministic per seed.
"""

from __future__ import annotations

import csv
import random
from datetime import date, datetime, timedelta
from pathlib import Path

DESCRIPTIONS = {
    "lead_created": "Создание заявки",
    "first_line_task": "Назначение задачи на звонок 1Л",
    "first_line_reached": "Ученик ответил на звонок оператора 1л",
    "intro_booked": "Назначение ВУ",
    "intro_teacher_joined": "Выход МВУ на ВУ",
    "intro_succeeded": "Успешный ВУ",
    "second_line_task": "Назначена задача на вторую линию",
    "second_line_reached": "Дозвон 2Л",
    "demo_started": "Переход на ДУ (ДУ начался)",
    "demo_finished": "ДУ завершен",
    "wa_sent": "Отправка сообщения WA",
    "wa_replied": "У ответил на сообщение WA",
}
PACKAGES_RUB = [9_900, 19_900, 34_900, 59_900]
FOREIGN = {"USD": [110, 220, 390], "EUR": [100, 200, 350], "KZT": [49_000, 98_000]}
STAMP = "%Y-%m-%d %H:%M:%S"


class _Journey:
    def __init__(self, rng: random.Random, user_id: str, events: list, payments: list):
        self.rng, self.user_id, self.events, self.payments = rng, user_id, events, payments

    def event(self, step: str, at: datetime) -> datetime:
        self.events.append((step, self.user_id, at))
        return at

    def pay(self, at: datetime, tx_counter: list[int], renewal: bool = True) -> None:
        rng = self.rng
        tx = tx_counter[0]
        tx_counter[0] += 1
        if rng.random() < 0.02:
            currency = rng.choice(list(FOREIGN))
            amount = rng.choice(FOREIGN[currency])
        else:
            currency, amount = "RUB", rng.choice(PACKAGES_RUB)
        gift = rng.random() < 0.02
        self.payments.append((self.user_id, at, f"tx-{tx:08d}", amount, currency, gift))
        if renewal and not gift and rng.random() < 0.10:  # some buy another package later
            self.pay(at + timedelta(days=rng.uniform(20, 60)), tx_counter, renewal=False)

    def minutes(self, low: float, high: float) -> timedelta:
        return timedelta(minutes=self.rng.uniform(low, high))


def _lead_time(rng: random.Random, day: date) -> datetime:
    # Leads arrive from morning to late evening, most around lunch and in the evening.
    hour = min(23.9, max(7.0, rng.choice([rng.gauss(13, 2.5), rng.gauss(20, 1.8)])))
    return datetime.combine(day, datetime.min.time()) + timedelta(
        hours=hour, seconds=rng.randint(0, 59)
    )


def _walk(j: _Journey, start: datetime, tx_counter: list[int]) -> None:
    rng = j.rng
    t = j.event("lead_created", start)
    if rng.random() < 0.05:  # the lead form sent again a minute later
        t = j.event("lead_created", t + j.minutes(0.5, 2))
    experiment = rng.random()
    in_demo, in_wa = experiment < 0.09, 0.09 <= experiment < 0.15
    if in_wa:  # the experiment writes to the lead on WhatsApp before any call
        t = j.event("wa_sent", t + j.minutes(1, 20))

    booked_at = None
    if rng.random() < 0.10:  # the student books the intro lesson alone, no call needed
        booked_at = j.event("intro_booked", t + j.minutes(2, 60))
    elif rng.random() < 0.93:
        t = j.event("first_line_task", t + j.minutes(1, 10))
        reached = False
        for _attempt in range(rng.choice([1, 2, 3, 3])):  # tries over about three hours
            if rng.random() < 0.55:
                t = j.event("first_line_reached", t + j.minutes(2, 40))
                reached = True
                break
            t = j.event("first_line_task", t + j.minutes(30, 80))
        if in_wa and rng.random() < 0.6:
            t = j.event("wa_replied", t + j.minutes(5, 240))
            reached = reached or rng.random() < 0.5
        if reached and rng.random() < 0.70:
            booked_at = j.event("intro_booked", t + j.minutes(1, 15))
    if booked_at is None:
        return

    if in_demo:  # the experiment replaces the intro lesson by a self-serve demo
        t = j.event("demo_started", booked_at + j.minutes(60, 60 * 30))
        if rng.random() < 0.75:
            t = j.event("demo_finished", t + j.minutes(20, 45))
            if rng.random() < 0.25:
                j.pay(t + j.minutes(1, 90), tx_counter)
        return

    if rng.random() < 0.15 and rng.random() < 0.5:  # re-booked (moved) by the student
        booked_at = j.event("intro_booked", booked_at + j.minutes(60, 600))
    if rng.random() > 0.82:
        return
    t = j.event("intro_teacher_joined", booked_at + j.minutes(60 * 12, 60 * 72))
    if rng.random() > 0.80:
        return
    t = j.event("intro_succeeded", t + j.minutes(35, 50))
    if rng.random() < 0.12:  # bought right after the lesson
        j.pay(t + j.minutes(2, 60), tx_counter)
        return
    if rng.random() > 0.85:
        return
    t = j.event("second_line_task", t + j.minutes(5, 120))
    for _attempt in range(rng.choice([1, 2, 2, 3])):
        if rng.random() < 0.6:
            t = j.event("second_line_reached", t + j.minutes(10, 300))
            if rng.random() < 0.35:
                j.pay(t + j.minutes(5, 60 * 20), tx_counter)
            return
        t = j.event("second_line_task", t + j.minutes(60, 240))


def generate(
    out: Path,
    *,
    seed: int = 42,
    days: int = 270,
    start: date = date(2021, 6, 1),
    scale: float = 1.0,
) -> dict[str, int]:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    ids = list(range(1, len(DESCRIPTIONS) + 1))
    rng.shuffle(ids)  # event-type ids are not in step order
    type_id = dict(zip(DESCRIPTIONS, ids, strict=True))

    events: list = []
    payments: list = []
    tx_counter = [1]
    next_user = 12_426_747
    for offset in range(days):
        day = start + timedelta(days=offset)
        trend = 100 + 200 * offset / max(days - 1, 1)  # 100 → 300 leads a day
        weekly = 0.75 if day.weekday() >= 5 else 1.0
        leads = max(1, int(rng.gauss(trend * weekly, trend * 0.08) * scale))
        for _ in range(leads):
            user_id = str(next_user)
            next_user += rng.randint(1, 9)
            _walk(_Journey(rng, user_id, events, payments), _lead_time(rng, day), tx_counter)

    end = datetime.combine(start + timedelta(days=days), datetime.min.time())
    events = [e for e in events if e[2] < end]  # the export stops at midnight
    payments = [p for p in payments if p[1] < end]
    event_rows = [(type_id[step], user, at.strftime(STAMP)) for step, user, at in events]
    payment_rows = [
        (user, at.strftime(STAMP), tx, f"{amount:.2f}", currency, "true" if gift else "false")
        for user, at, tx, amount, currency, gift in payments
    ]
    event_rows.extend(rng.sample(event_rows, k=len(event_rows) // 200))  # exported twice
    payment_rows.extend(rng.sample(payment_rows, k=len(payment_rows) // 200))
    event_rows.sort(key=lambda row: row[2])
    payment_rows.sort(key=lambda row: row[1])

    def write(name: str, header: list[str], rows) -> None:
        with (out / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)

    write("events.csv", ["event_id", "_user_id", "happened_at"], event_rows)
    write(
        "events_dict.csv",
        ["id", "_description"],
        sorted((type_id[step], text) for step, text in DESCRIPTIONS.items()),
    )
    write(
        "payments.csv",
        ["_user_id", "transaction_created_at", "transaction_id", "amount", "currency", "is_gift"],
        payment_rows,
    )
    return {"events": len(event_rows), "payments": len(payment_rows)}
