"""Synthetic marketplace telemetry in the raw contract of `raw_shop.telemetry`.

One CSV, `dataset_telemetry.csv`, shaped like the original export: an unnamed pandas index,
then `userid, sessionid, timestamp, action, value, category, age, gender, city`.

What makes it look like a shop rather than noise:
- a user population with arrivals and churn: users arrive at a steady rate, live for weeks
  (a third try the shop and leave) or years, and are active on a day with their own
  propensity; about 1,000 users a day at the default 10M-row size;
- sessions spread over the day with an evening peak, one to six a user-day, never
  overlapping; each browses (mainpage, category, search, product), maybe adds items to the
  cart, checks out (`value` = the sum of the carts since the previous checkout) and
  confirms or abandons; a few sessions check out twice, a few confirm twice (a repeat), a
  few check out and never confirm;
- ARPU peaks from September to January; women convert more and buy pricier baskets;
  Товары для детей bring the most revenue; Москва is the largest city;
- about 0.5 % of rows are exported twice (an exact copy right after the row);
- a few anomaly days a year: sales (revenue spike), payment outages (checkouts without
  confirmations) and site outages (few users); see `anomaly_days`.

Every day is simulated from (seed, day) alone and the users from (seed, user number)
alone, so a file for the next days (start = previous start + previous days, with the same
rows per day) continues the previous one: same users with the same attributes, session ids
derived from the day (`day.toordinal() * 10 + n-th session of the user that day`).
Deterministic: the same arguments give the same bytes.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
from tqdm import tqdm

FILE = "dataset_telemetry.csv"
HEADER = ",userid,sessionid,timestamp,action,value,category,age,gender,city"
ACTIONS = ["mainpage", "category", "search", "product", "cart", "checkout", "confirmation"]
MAINPAGE, CATEGORY, SEARCH, PRODUCT, CART, CHECKOUT, CONFIRMATION = range(7)
CATEGORIES = [
    "Товары для детей",
    "Красота и здоровье",
    "Одежда и обувь",
    "Электроника и бытовая техника",
    "Авто/мото товары",
    "Продовольственные товары",
]
NO_CATEGORY = len(CATEGORIES)
# Median item price, how often women and men look at the category, how readily it is bought.
PRICE_MEDIAN = np.array([1900.0, 950.0, 2400.0, 5200.0, 2600.0, 650.0])
VIEWS_WOMEN = np.array([0.30, 0.20, 0.22, 0.08, 0.03, 0.17])
VIEWS_MEN = np.array([0.16, 0.06, 0.16, 0.28, 0.18, 0.16])
CART_RATE = np.array([1.25, 1.10, 0.90, 0.45, 0.60, 1.30])
CITIES = [
    ("Москва", 27.0), ("Санкт-Петербург", 12.0), ("Новосибирск", 4.5),
    ("Екатеринбург", 4.5), ("Казань", 4.0), ("Нижний Новгород", 3.5), ("Краснодар", 3.5),
    ("Челябинск", 3.0), ("Самара", 3.0), ("Ростов-на-Дону", 3.0), ("Омск", 2.5),
    ("Уфа", 2.5), ("Красноярск", 2.5), ("Воронеж", 2.5), ("Пермь", 2.5), ("Волгоград", 2.0),
    ("Саратов", 2.0), ("Тюмень", 2.0), ("Тольятти", 1.5), ("Ижевск", 1.5), ("Барнаул", 1.5),
    ("Иркутск", 1.5), ("Владивосток", 1.4), ("Ульяновск", 1.3), ("Хабаровск", 1.2),
    ("Ярославль", 1.2), ("Томск", 1.2), ("Махачкала", 1.0), ("Оренбург", 1.0),
    ("Кемерово", 1.0),
]  # fmt: skip
AGE_BANDS = [(14, 17, 3), (18, 24, 17), (25, 34, 32), (35, 44, 25), (45, 54, 13),
             (55, 64, 7), (65, 80, 3)]  # fmt: skip
# Share of sessions starting in each hour: a night low, a lunch bump, the evening peak.
HOURS = np.array([0.9, 0.5, 0.3, 0.2, 0.2, 0.3, 0.6, 1.2, 2.0, 2.6, 3.0, 3.2,
                  3.6, 3.5, 3.2, 3.1, 3.2, 3.6, 4.4, 5.4, 6.2, 6.4, 5.0, 2.6])  # fmt: skip
HOURS_P = HOURS / HOURS.sum()
WEEKDAY = np.array([1.0, 1.0, 0.98, 0.97, 0.92, 0.95, 1.08])  # Monday..Sunday activity
# January..December: how likely a session is to buy (ARPU peaks September to January).
BUY_SEASON = np.array([1.30, 0.85, 0.85, 0.88, 0.85, 0.80, 0.78, 0.88, 1.18, 1.22, 1.35, 1.55])
TRAFFIC_SEASON = np.array([1.02, 0.98, 0.98, 0.97, 0.97, 0.95, 0.94, 0.96, 1.02, 1.03, 1.06, 1.10])
# Anomalies: multipliers of traffic, of buying sessions and of carts per item view, and
# the probability that a checkout is confirmed (0.9 on an ordinary day).
ANOMALIES = {"sale": (1.3, 2.2, 1.4, 0.90), "payment_outage": (1.0, 1.0, 1.0, 0.08),
             "site_outage": (0.35, 1.0, 1.0, 0.90)}  # fmt: skip
ANOMALIES_A_YEAR = ["sale", "sale", "payment_outage", "site_outage"]

EPOCH = date(2021, 1, 1)  # arrivals are counted from here; users before it are "founders"
LIFETIME = ((1 / 3, 20.0), (2 / 3, 520.0))  # (share, mean days) of short and long lives
MEAN_LIFETIME = sum(share * mean for share, mean in LIFETIME)
MEAN_ACTIVITY = 0.9 / (0.9 + 2.6)  # mean of the Beta(0.9, 2.6) activity propensity
BLOCK = 4096  # users are drawn in blocks, each from its own stream: stable for any span
DAU_AT_10M = 1000
ROWS_PER_ACTIVE_USER = 9.1  # measured: rows a day ÷ active users a day (calibrates days)
DUPLICATE_SHARE = 0.005


def daily_active_users(rows: int, days: int | None = None) -> int:
    """The daily active users aimed at: ~1,000 at 10M rows, fewer for small files. Whole
    numbers, so that files of about the same rows a day share one population."""
    if days is None:
        return max(1, round(DAU_AT_10M * min(1.0, (rows / 10_000_000) ** 0.5)))
    return max(1, round(rows / (days * ROWS_PER_ACTIVE_USER)))


def default_days(rows: int) -> int:
    """The span for `rows` rows when `days` is not given (10M rows ≈ three years)."""
    return max(1, round(rows / (daily_active_users(rows) * ROWS_PER_ACTIVE_USER)))


def anomaly_days(seed: int, start: date, days: int) -> dict[date, str]:
    """The injected anomaly days in [start, start + days): two sales, a payment outage and
    a site outage a year, between mid-March and November, fixed per (seed, year)."""
    end = start + timedelta(days=days)
    found: dict[date, str] = {}
    for year in range(start.year, end.year + 1):
        rng = np.random.default_rng([seed, 3, year])
        offsets = rng.choice(np.arange(75, 330), size=len(ANOMALIES_A_YEAR), replace=False)
        for offset, kind in zip(offsets, ANOMALIES_A_YEAR, strict=True):
            day = date(year, 1, 1) + timedelta(days=int(offset))
            if start <= day < end:
                found[day] = kind
    return dict(sorted(found.items()))


class _Users:
    """Users 0..n-1 (`user_{10000 + n}`): attributes from (seed, block) only."""

    def __init__(self, seed: int, count: int):
        blocks = [self._block(seed, b) for b in range(-(-count // BLOCK))]
        columns = {key: np.concatenate([b[key] for b in blocks])[:count] for key in blocks[0]}
        self.woman = columns["woman"]
        self.age = columns["age"]
        self.city = columns["city"]
        self.activity = columns["activity"]
        self.buying = columns["buying"]
        self.life_draw = columns["life_draw"]
        self.life_short = columns["life_short"]
        self.view_cum = columns["view_cum"]
        self.ids = [f"user_{10000 + n}" for n in range(count)]
        self.tails = [
            f"{age},{'Ж' if woman else 'М'},{CITIES[city][0]}"
            for age, woman, city in zip(
                self.age.tolist(), self.woman.tolist(), self.city.tolist(), strict=True
            )
        ]

    @staticmethod
    def _block(seed: int, block: int) -> dict[str, np.ndarray]:
        rng = np.random.default_rng([seed, 1, block])
        n = BLOCK
        woman = rng.random(n) < 0.56
        band_p = np.array([w for _, _, w in AGE_BANDS], dtype=float)
        band = rng.choice(len(AGE_BANDS), size=n, p=band_p / band_p.sum())
        low = np.array([a for a, _, _ in AGE_BANDS])[band]
        high = np.array([b for _, b, _ in AGE_BANDS])[band]
        age = low + (rng.random(n) * (high - low + 1)).astype(np.int64)
        city_p = np.array([w for _, w in CITIES])
        city = rng.choice(len(CITIES), size=n, p=city_p / city_p.sum())
        activity = rng.beta(0.9, 2.6, size=n)
        buying = rng.beta(1.0, 4.5, size=n) * np.where(woman, 1.1, 1.0)
        life_draw = rng.exponential(1.0, size=n)
        life_short = rng.random(n)  # which lifetime component (see _Population)
        views = np.where(woman[:, None], VIEWS_WOMEN, VIEWS_MEN)
        views[:, 0] *= np.where((age >= 25) & (age <= 44), 1.8, np.where(age < 22, 0.4, 0.9))
        favourite = rng.choice(NO_CATEGORY, size=n, p=VIEWS_WOMEN / VIEWS_WOMEN.sum())
        views = views / views.sum(axis=1, keepdims=True)
        views[np.arange(n), favourite] += 0.25
        view_cum = np.cumsum(views / views.sum(axis=1, keepdims=True), axis=1)
        view_cum[:, -1] = 1.0
        return {"woman": woman, "age": age, "city": city, "activity": activity,
                "buying": buying, "life_draw": life_draw, "life_short": life_short,
                "view_cum": view_cum}  # fmt: skip


class _Population:
    """Who is alive on a day, for a given number of daily active users.

    Founders (users 0..founders-1) are alive at EPOCH with a residual lifetime from the
    steady state; later users arrive at `rate` a day from EPOCH on. Before EPOCH only the
    founders exist.
    """

    def __init__(self, seed: int, dau: int, last_day: date):
        alive = dau / (MEAN_ACTIVITY * float(WEEKDAY.mean()) * float(TRAFFIC_SEASON.mean()))
        self.rate = alive / MEAN_LIFETIME
        self.founders = max(1, round(alive))
        self.users = _Users(seed, self.count_by(last_day))
        n = len(self.users.ids)
        short_share, short_mean = LIFETIME[0]
        long_mean = LIFETIME[1][1]
        number = np.arange(n)
        founder = number < self.founders
        # A founder's residual life is length-biased: few founders are short-lived.
        short_cut = np.where(founder, short_share * short_mean / MEAN_LIFETIME, short_share)
        mean = np.where(self.users.life_short < short_cut, short_mean, long_mean)
        self.arrival = np.where(
            founder, -(10**9), np.floor((number - self.founders) / self.rate)
        ).astype(np.int64)
        self.death = np.where(founder, 0, self.arrival) + np.ceil(
            self.users.life_draw * mean
        ).astype(np.int64)
        self.death = np.maximum(self.death, np.where(founder, 1, self.arrival + 1))

    def count_by(self, day: date) -> int:
        """Users that exist by the end of `day`."""
        t = (day - EPOCH).days
        return self.founders + (int(np.ceil((t + 1) * self.rate)) if t >= 0 else 0)


def _lognormal_gap(rng: np.random.Generator, median: np.ndarray) -> np.ndarray:
    gap = median * np.exp(rng.normal(0.0, 0.8, size=len(median)))
    return np.clip(np.rint(gap), 1, 1200).astype(np.int64)


# Typical seconds before a row of each action (first rows of sessions get 0).
GAP_MEDIAN = np.array([20.0, 15.0, 20.0, 25.0, 40.0, 60.0, 45.0])


COLUMNS = ["user", "session", "second", "action", "category", "value"]


def _simulate_day(seed: int, day: date, pop: _Population, anomaly: str | None) -> dict:
    """All rows of one day, in file order: arrays of user, sessionid, second of day,
    action, category, value."""
    rng = np.random.default_rng([seed, 2, day.toordinal()])
    users = pop.users
    t = (day - EPOCH).days
    n = pop.count_by(day)
    traffic, buy_boost, cart_boost, confirm_p = ANOMALIES.get(anomaly, (1.0, 1.0, 1.0, 0.90))
    month = day.month - 1

    # Who is active: alive users by their propensity; everyone on their arrival day.
    alive = (pop.arrival[:n] <= t) & (t < pop.death[:n])
    p = users.activity[:n] * WEEKDAY[day.weekday()] * TRAFFIC_SEASON[month] * traffic
    p = np.where(pop.arrival[:n] == t, 0.9 * traffic, p)
    active = np.flatnonzero(alive & (rng.random(n) < p))

    # Sessions: 1..6 a user, each buying-minded or not.
    per_user = np.minimum(1 + rng.poisson(0.55, size=len(active)), 6)
    s_user = np.repeat(active, per_user)
    n_s = len(s_user)
    if n_s == 0:
        empty = np.zeros(0, np.int64)
        return {**dict.fromkeys(COLUMNS, empty), "duplicates": 0}
    woman = users.woman[s_user]
    buy_p = users.buying[s_user] * BUY_SEASON[month] * buy_boost
    buying = rng.random(n_s) < np.clip(buy_p, 0.0, 0.95)
    bounce = rng.random(n_s) < np.where(buying, 0.05, 0.22)
    views = np.where(bounce, 0, np.minimum(rng.geometric(np.where(buying, 0.3, 0.36)), 20))

    # Item views: an optional navigation row, the product, maybe a cart row.
    n_v = int(views.sum())
    v_sess = np.repeat(np.arange(n_s), views)
    v_pos = np.arange(n_v) - np.repeat(np.cumsum(views) - views, views) + 1
    cum = users.view_cum[s_user[v_sess]]
    v_cat = np.minimum((rng.random(n_v)[:, None] > cum).sum(axis=1), NO_CATEGORY - 1)
    nav_draw = rng.random(n_v)
    nav = np.select(
        [nav_draw < 0.5, nav_draw < 0.75, nav_draw < 0.8], [CATEGORY, SEARCH, MAINPAGE], -1
    )
    nav_blank = rng.random(n_v)
    nav_cat = np.where(
        (nav == CATEGORY)
        | ((nav == SEARCH) & (nav_blank < 0.7))
        | ((nav == MAINPAGE) & (nav_blank < 0.4)),
        v_cat,
        NO_CATEGORY,
    )
    v_woman = woman[v_sess]
    cart_p = (
        np.where(buying[v_sess], 0.42, 0.035)
        * CART_RATE[v_cat]
        * np.where(v_woman, 1.15, 1)
        * cart_boost
    )
    carted = rng.random(n_v) < cart_p
    price = (
        PRICE_MEDIAN[v_cat]
        * np.exp(rng.normal(0.0, 0.55, size=n_v))
        * np.where(v_woman, 1.12, 1.0)
        * (1 + (BUY_SEASON[month] - 1) * 0.3)
    )
    price = np.maximum(np.rint(price / 10) * 10 - 1, 49).astype(np.int64)

    # Checkouts: after the last item view; a few sessions check out twice (the first time
    # right after an earlier cart), and the second time only sometimes.
    n_cart = np.bincount(v_sess[carted], minlength=n_s)
    checks = (n_cart > 0) & (rng.random(n_s) < np.where(buying, 0.72, 0.15))
    twice = checks & (n_cart >= 2) & (rng.random(n_s) < 0.05)
    # the first checkout of a twice session follows its k-th cart, k in 1..n_cart-1
    kth = 1 + (rng.random(n_s) * np.maximum(n_cart - 1, 1)).astype(np.int64)
    cart_rank = np.cumsum(carted) - np.repeat(np.cumsum(n_cart) - n_cart, views)
    split_view = carted & twice[v_sess] & (cart_rank == kth[v_sess])
    second = twice & (rng.random(n_s) < 0.6)
    last = checks & (~twice | second)
    co_sess = np.concatenate([v_sess[split_view], np.flatnonzero(last)])
    co_key = np.concatenate([10 * v_pos[split_view] + 5, 10 * views[last] + 5])
    confirmed = rng.random(len(co_sess)) < confirm_p
    repeat = confirmed & (rng.random(len(co_sess)) < 0.03)

    # Session rows, ordered by (session, key); the entry row has key 0.
    entry_draw = rng.random(n_s)
    entry = np.select([entry_draw < 0.75, entry_draw < 0.9], [MAINPAGE, SEARCH], CATEGORY)
    entry_cat = np.minimum(
        (rng.random(n_s)[:, None] > users.view_cum[s_user]).sum(axis=1), NO_CATEGORY - 1
    )
    entry_blank = rng.random(n_s) < np.select([entry == MAINPAGE, entry == SEARCH], [0.6, 0.4], 0)
    entry_cat = np.where(entry_blank, NO_CATEGORY, entry_cat)
    has_nav = nav >= 0
    parts = [
        (np.arange(n_s), np.zeros(n_s, np.int64), entry, entry_cat, 0),
        (v_sess[has_nav], 10 * v_pos[has_nav] + 1, nav[has_nav], nav_cat[has_nav], 0),
        (v_sess, 10 * v_pos + 2, PRODUCT, v_cat, 0),
        (v_sess[carted], 10 * v_pos[carted] + 3, CART, v_cat[carted], price[carted]),
        (co_sess, co_key, CHECKOUT, NO_CATEGORY, 0),
        (co_sess[confirmed], co_key[confirmed] + 1, CONFIRMATION, NO_CATEGORY, 0),
        (co_sess[repeat], co_key[repeat] + 2, CONFIRMATION, NO_CATEGORY, 0),
    ]
    sizes = [len(part[0]) for part in parts]
    r_sess = np.concatenate([part[0] for part in parts])
    r_key = np.concatenate([part[1] for part in parts])
    r_act = np.concatenate(
        [np.broadcast_to(part[2], size) for part, size in zip(parts, sizes, strict=True)]
    )
    r_cat = np.concatenate(
        [np.broadcast_to(part[3], size) for part, size in zip(parts, sizes, strict=True)]
    )
    r_val = np.concatenate(
        [np.broadcast_to(part[4], size) for part, size in zip(parts, sizes, strict=True)]
    ).astype(np.int64)
    order = np.argsort(r_sess * 1000 + r_key, kind="stable")
    r_sess, r_act, r_cat, r_val = r_sess[order], r_act[order], r_cat[order], r_val[order]

    # Values: a checkout carries the carts since the previous checkout of the session, a
    # confirmation its checkout's value.
    n_r = len(r_sess)
    index = np.arange(n_r)
    first = np.r_[True, r_sess[1:] != r_sess[:-1]]
    is_co = r_act == CHECKOUT
    carts_so_far = np.cumsum(np.where(r_act == CART, r_val, 0))
    boundary = np.maximum.accumulate(np.where(is_co | first, index, 0))
    co_rows = np.flatnonzero(is_co)
    r_val[co_rows] = carts_so_far[co_rows] - carts_so_far[boundary[co_rows - 1]]
    last_co = np.maximum.accumulate(np.where(is_co, index, 0))
    conf_rows = np.flatnonzero(r_act == CONFIRMATION)
    r_val[conf_rows] = r_val[last_co[conf_rows]]

    # Times: gaps within the session, then non-overlapping session starts within the day.
    gap = np.where(first, 0, _lognormal_gap(rng, GAP_MEDIAN[r_act]))
    offset = np.cumsum(gap)
    sess_first = np.flatnonzero(first)
    offset -= np.repeat(offset[sess_first], np.diff(np.r_[sess_first, n_r]))
    duration = offset[np.r_[sess_first[1:] - 1, n_r - 1]]
    start = rng.choice(24, size=n_s, p=HOURS_P) * 3600 + rng.integers(0, 3600, size=n_s)
    start = start[np.lexsort((start, s_user))]  # a user's sessions in time order
    rank = np.arange(n_s) - np.repeat(np.cumsum(per_user) - per_user, per_user)
    start = np.where(rank == 0, np.minimum(start, 86_399 - duration), start)
    pause = rng.integers(120, 1800, size=n_s)
    for r in range(1, int(rank.max(initial=0)) + 1):
        at = np.flatnonzero(rank == r)
        start[at] = np.maximum(start[at], start[at - 1] + duration[at - 1] + pause[at])
    keep = start + duration <= 86_399  # later sessions pushed past midnight are dropped

    row_keep = keep[r_sess]
    r_sess, r_act, r_cat, r_val = (
        r_sess[row_keep],
        r_act[row_keep],
        r_cat[row_keep],
        r_val[row_keep],
    )
    second_of_day = start[r_sess] + offset[row_keep]
    by_time = np.argsort(second_of_day, kind="stable")
    r_sess, r_act, r_cat, r_val = r_sess[by_time], r_act[by_time], r_cat[by_time], r_val[by_time]
    second_of_day = second_of_day[by_time]

    # About 0.5 % of rows exported twice: an exact copy right after the row.
    copies = 1 + (rng.random(len(r_sess)) < DUPLICATE_SHARE)
    return {
        "user": np.repeat(s_user[r_sess], copies),
        "session": np.repeat(day.toordinal() * 10 + rank[r_sess], copies),
        "second": np.repeat(second_of_day, copies),
        "action": np.repeat(r_act, copies),
        "category": np.repeat(r_cat, copies),
        "value": np.repeat(r_val, copies),
        "duplicates": int(np.count_nonzero(copies > 1)),
    }


def generate(
    out: Path,
    *,
    rows: int = 200_000,
    seed: int = 42,
    start: date = date(2021, 1, 1),
    days: int | None = None,
    progress: bool = False,
) -> dict[str, int]:
    """Write `out / dataset_telemetry.csv` with about `rows` rows over `days` days from
    `start` (by default the span in which ~1,000 daily active users make `rows`; fewer
    users for small files). Returns counts, and one `anomaly <day> <kind>` key per injected
    anomaly day."""
    if days is None:
        days = default_days(rows)
    if days < 1:
        raise ValueError("days must be at least 1")
    dau = daily_active_users(rows, days)
    last_day = start + timedelta(days=days - 1)
    pop = _Population(seed, dau, last_day)
    anomalies = anomaly_days(seed, start, days)
    out.mkdir(parents=True, exist_ok=True)

    clock = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]
    category_text = [*CATEGORIES, ""]
    ids, tails = pop.users.ids, pop.users.tails
    seen = np.zeros(len(ids), dtype=bool)
    written = duplicates = 0
    with (out / FILE).open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(HEADER + "\n")
        lines: list[str] = []
        for offset in tqdm(range(days), desc="shop", unit="day", disable=not progress):
            day = start + timedelta(days=offset)
            data = _simulate_day(seed, day, pop, anomalies.get(day))
            seen[data["user"]] = True
            duplicates += int(data.pop("duplicates"))
            prefix = day.isoformat() + "T"
            values = [f"{v}.0" for v in data["value"].tolist()]
            lines.extend(
                f"{i},{ids[u]},{s},{prefix}{clock[t]},{ACTIONS[a]},{v},{category_text[c]},{tails[u]}"
                for i, u, s, t, a, v, c in zip(
                    range(written, written + len(values)),
                    data["user"].tolist(),
                    data["session"].tolist(),
                    data["second"].tolist(),
                    data["action"].tolist(),
                    values,
                    data["category"].tolist(),
                    strict=True,
                )
            )
            written += len(values)
            if len(lines) >= 100_000:
                handle.write("\n".join(lines) + "\n")
                lines = []
        if lines:
            handle.write("\n".join(lines) + "\n")

    counts = {
        "rows": written,
        "users": int(seen.sum()),
        "days": days,
        "duplicates": duplicates,
    }
    for day, kind in anomalies.items():
        counts[f"anomaly {day.isoformat()} {kind}"] = 1
    return counts
