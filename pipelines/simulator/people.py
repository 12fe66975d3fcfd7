"""Vectorised generators for people's attributes: names, 身份证号 (GB 11643 check digit), phone numbers."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from pipelines.simulator import reference

ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
ID_CHECK = np.array(list("10X98765432"))
DISTRICT_SUFFIXES = np.array(["02", "03", "04", "05", "06", "11", "21", "22", "23", "81"])
EPOCH = np.datetime64("1970-01-01", "D")


def names(rng: np.random.Generator, genders: np.ndarray) -> np.ndarray:
    """Chinese names: surname by frequency, one or two given-name characters by gender."""
    sur = reference.load("surnames")
    surnames = sur["surname"].to_numpy()[rng.choice(len(sur), size=len(genders), p=reference.weights(sur))]
    chars = reference.load("given_name_chars").set_index("gender")["chars"]
    out = np.empty(len(genders), dtype=object)
    for g in ("男", "女"):
        mask = genders == g
        pool = np.array(chars[g].split())
        n = int(mask.sum())
        first = pool[rng.integers(0, len(pool), n)]
        second = pool[rng.integers(0, len(pool), n)]
        two = (rng.random(n) < 0.7) & (np.char.str_len(first.astype(str)) == 1)
        given = np.where(two, np.char.add(first.astype(str), second.astype(str)), first)
        out[mask] = np.char.add(surnames[mask].astype(str), given.astype(str))
    return out


def regions(rng: np.random.Generator, n: int, local_share: float | None = None) -> pd.DataFrame:
    """Province, city and 6-digit region code of birth/origin, weighted as the reference list says."""
    reg = reference.load("regions")
    idx = rng.choice(len(reg), size=n, p=reference.weights(reg))
    picked = reg.iloc[idx].reset_index(drop=True)
    suffix = DISTRICT_SUFFIXES[rng.integers(0, len(DISTRICT_SUFFIXES), n)]
    picked["region_code"] = picked["city_code"].str[:4].to_numpy().astype(str) + suffix
    picked["origin"] = picked["province"] + picked["city"]
    return picked


def to_dates(days: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 → numpy datetime64[D]."""
    return EPOCH + days.astype("timedelta64[D]")


def days_of(d: date) -> int:
    return int((np.datetime64(d, "D") - EPOCH).astype(int))


def id_cards(rng: np.random.Generator, region_codes: np.ndarray, birth: np.ndarray, genders: np.ndarray) -> np.ndarray:
    """18-digit 身份证号: region + birth date + sequence (odd = male) + GB 11643 check digit."""
    n = len(region_codes)
    ymd = pd.to_datetime(birth).strftime("%Y%m%d").to_numpy().astype(str)
    seq = rng.integers(0, 50, n) * 2 + np.where(genders == "男", 1, 0)  # 3rd digit of the order code: parity
    order = np.char.zfill(rng.integers(0, 100, n).astype(str), 2)
    first17 = np.char.add(np.char.add(np.char.add(region_codes.astype(str), ymd), order), (seq % 10).astype(str))
    digits = np.frombuffer("".join(first17.tolist()).encode("ascii"), dtype=np.uint8).reshape(n, 17) - 48
    check = ID_CHECK[(digits.astype(np.int64) @ ID_WEIGHTS) % 11]
    return np.char.add(first17, check)


def phones(rng: np.random.Generator, n: int) -> np.ndarray:
    prefixes = np.array(["133", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159",
                         "177", "180", "181", "182", "187", "188", "189", "191", "198", "199"])
    head = prefixes[rng.integers(0, len(prefixes), n)]
    return np.char.add(head, np.char.zfill(rng.integers(0, 10**8, n).astype(str), 8))
