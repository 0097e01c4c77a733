"""Synthetic e-learning data: the A/B test's four CSVs and the course tables.

Task A, in the original formats (groups.csv and checks.csv use `;`, the others `,`):
an 80/20 split (B is the test group), about 11 % of users active in the experiment days,
about 6.5 % of active users paying, B paying a higher check at about the same conversion;
1.5-2 % of payers are not in the active list; a handful of active users and payers are
absent from the groups; groups_add.csv (sent two days later) holds a few more users and
two ids that contradict groups.csv; a few users pay twice.
Task B: `studs` split into control and pilot, `peas` (exercises solved over about two
months, pilot students a bit more diligent) and `final_project_check` (course purchases).
Deterministic per seed; --scale multiplies the number of users.
"""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

PRICES = np.array([199, 290, 398, 580, 690, 840, 990, 1140, 1530, 1900, 2820, 3660])
PRICE_WEIGHTS_A = np.array([5, 14, 6, 12, 10, 7, 14, 8, 6, 10, 5, 3], dtype=float)
PRICE_WEIGHTS_B = np.array([3, 8, 4, 9, 9, 7, 13, 9, 8, 15, 9, 6], dtype=float)
SUBJECTS = ["Math", "Python", "Statistics", "Vizualization", "Theory of probability"]
COURSE_PRICES = [65_000, 70_000, 75_000, 85_000, 100_000]


def _write(path: Path, header: list[str], rows, delimiter: str = ",") -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _ab_test(out: Path, rng: np.random.Generator, scale: float) -> dict[str, int]:
    n_users = max(int(74_000 * scale), 200)
    ids = rng.choice(np.arange(1_000, 6_000_000), size=n_users, replace=False)
    grp = np.where(rng.random(n_users) < 0.8, "B", "A")
    late = rng.random(n_users) < 0.0013  # sent two days later, in groups_add.csv
    late[:3] = True

    active = rng.random(n_users) < 0.112
    pays = active & (rng.random(n_users) < 0.065)
    prices = {
        "A": PRICE_WEIGHTS_A / PRICE_WEIGHTS_A.sum(),
        "B": PRICE_WEIGHTS_B / PRICE_WEIGHTS_B.sum(),
    }
    checks = []
    for index in np.flatnonzero(pays):
        amount = rng.choice(PRICES, p=prices[grp[index]])
        checks.append((int(ids[index]), f"{amount:.4f}"))
        if rng.random() < 0.03:  # a second payment of the same user adds up
            checks.append((int(ids[index]), f"{rng.choice(PRICES):.4f}"))
    # Payers who never showed in the active list (a known quirk of the original data).
    inactive = np.flatnonzero(~active)
    n_inactive_payers = max(1, round(float(pays.sum()) * 0.018))
    for index in rng.choice(inactive, size=n_inactive_payers, replace=False):
        checks.append((int(ids[index]), f"{rng.choice(PRICES):.4f}"))
    # Ids that are in no group file: a few active users, two of them paying.
    strangers = rng.choice(np.arange(6_000_000, 7_000_000), size=5, replace=False)
    active_ids = [int(i) for i in ids[active]] + [int(i) for i in strangers]
    checks += [(int(strangers[0]), "990.0000"), (int(strangers[1]), "290.0000")]

    groups = [(int(i), g) for i, g, is_late in zip(ids, grp, late, strict=True) if not is_late]
    groups_add = [(int(i), g) for i, g, is_late in zip(ids, grp, late, strict=True) if is_late]
    # Two ids that groups_add.csv assigns to the other group: conflicts.
    for user_id, group in groups[:2]:
        groups_add.append((user_id, "A" if group == "B" else "B"))
    rng.shuffle(active_ids)
    rng.shuffle(checks)

    _write(out / "groups.csv", ["id", "grp"], groups, delimiter=";")
    _write(out / "groups_add.csv", ["id", "grp"], groups_add)
    _write(out / "active_studs.csv", ["student_id"], [(i,) for i in active_ids])
    _write(out / "checks.csv", ["student_id", "rev"], checks, delimiter=";")
    return {"ab_users": n_users, "active": len(active_ids), "checks": len(checks)}


def _courses(out: Path, rng: np.random.Generator, scale: float) -> dict[str, int]:
    n_students = max(int(600 * scale), 40)
    st_ids = np.sort(rng.choice(np.arange(100_000, 110_000), size=n_students, replace=False))
    test_grp = np.where(rng.random(n_students) < 0.5, "pilot", "control")
    start = datetime(2021, 10, 1)
    span = timedelta(days=61).total_seconds()
    peas = []
    for st_id, group in zip(st_ids, test_grp, strict=True):
        diligence = rng.lognormal(3.2 if group == "pilot" else 3.0, 0.8)
        favourite = rng.choice(SUBJECTS)
        for _ in range(min(int(diligence), 400)):
            subject = favourite if rng.random() < 0.4 else rng.choice(SUBJECTS)
            at = start + timedelta(seconds=float(rng.uniform(0, span)))
            correct = int(rng.random() < (0.55 if group == "pilot" else 0.5))
            peas.append((int(st_id), at.strftime("%Y-%m-%d %H:%M:%S.000"), correct, subject))
    peas.sort(key=lambda row: (row[1], row[0]))
    buyers = rng.random(n_students) < np.where(test_grp == "pilot", 0.11, 0.07)
    purchases = []
    for st_id in st_ids[buyers]:
        for subject in rng.choice(SUBJECTS, size=rng.choice([1, 1, 1, 2]), replace=False):
            at = start + timedelta(seconds=float(rng.uniform(0, span)))
            purchases.append(
                (int(st_id), at.strftime("%Y-%m-%d %H:%M:%S.000"),
                 int(rng.choice(COURSE_PRICES)), subject)
            )  # fmt: skip
    _write(out / "studs.csv", ["st_id", "test_grp"], zip(st_ids.tolist(), test_grp, strict=True))
    _write(out / "peas.csv", ["st_id", "timest", "correct", "subject"], peas)
    _write(out / "final_project_check.csv", ["st_id", "sale_time", "money", "subject"], purchases)
    return {"students": n_students, "peas": len(peas), "purchases": len(purchases)}


def generate(out: Path, *, seed: int = 42, scale: float = 1.0) -> dict[str, int]:
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    return {**_ab_test(out, rng, scale), **_courses(out, rng, scale)}
