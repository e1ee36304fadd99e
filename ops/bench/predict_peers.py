#!/usr/bin/env python3
"""Walk-forward backtest of penaltyblog's Dixon-Coles and Poisson models, and the
bookmaker baselines, on football-data.co.uk CSVs: the peer side of `kickoff backtest`.

Protocol (the same as `kickoff backtest`): for each league and each test season, matches
are predicted week by week (weeks start on Monday); before each week the models are
refitted on every earlier match of that league (strictly before the week's Monday, so
never on a match's own date or later), time-decayed with xi per day. A match is scored
when both teams have at least one match in the training window.

    python ops/bench/predict_peers.py DATA_DIR [--test-seasons 2022-23,2023-24]
        [--leagues E0,D1,I1,SP1] [--xi 0.001] [--out results.json] [--predictions preds.csv]

Prints pooled RPS, log loss, Brier and accuracy per model, and the time of one
Dixon-Coles fit on three seasons of a league (the median of 5).
"""
import argparse
import csv
import glob
import json
import math
import os
import statistics
import time
from datetime import datetime, timedelta

import numpy as np
import penaltyblog as pb


def read(path):
    rows = []
    with open(path, encoding="utf-8-sig", errors="replace") as f:
        for r in csv.DictReader(f):
            if not r.get("HomeTeam") or not r.get("FTHG"):
                continue
            d = r["Date"]
            fmt = "%d/%m/%Y" if len(d.split("/")[-1]) == 4 else "%d/%m/%y"
            r["date"] = datetime.strptime(d, fmt).date()
            r["hg"], r["ag"] = int(float(r["FTHG"])), int(float(r["FTAG"]))
            rows.append(r)
    return rows


def market(r, prefix):
    try:
        o = [float(r[prefix + s]) for s in "HDA"]
    except (KeyError, ValueError):
        return None
    if min(o) <= 1.0:
        return None
    inv = [1 / x for x in o]
    s = sum(inv)
    return [x / s for x in inv]


def rps(p, outcome):
    cum_p, cum_o, total = 0.0, 0.0, 0.0
    for i in range(2):
        cum_p += p[i]
        cum_o += 1.0 if outcome == i else 0.0
        total += (cum_p - cum_o) ** 2
    return total / 2


def scores(preds):
    out = {}
    for model, items in preds.items():
        n = len(items)
        out[model] = {
            "matches": n,
            "rps": sum(rps(p, o) for p, o in items) / n,
            "log_loss": -sum(math.log(max(p[o], 1e-15)) for p, o in items) / n,
            "brier": sum(sum((p[i] - (1.0 if o == i else 0.0)) ** 2 for i in range(3)) for p, o in items) / n,
            "accuracy": sum(1 for p, o in items if max(range(3), key=lambda i: p[i]) == o) / n,
        }
    return out


def fit(kind, train, xi, as_of):
    gh = np.array([m["hg"] for m in train])
    ga = np.array([m["ag"] for m in train])
    th = np.array([m["HomeTeam"] for m in train])
    ta = np.array([m["AwayTeam"] for m in train])
    w = np.array([math.exp(-xi * (as_of - m["date"]).days) for m in train])
    model = (pb.models.DixonColesGoalModel if kind == "dixon_coles" else pb.models.PoissonGoalsModel)(gh, ga, th, ta, w)
    model.fit()
    return model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--test-seasons", default="2022-23,2023-24")
    ap.add_argument("--leagues", default="E0,D1,I1,SP1")
    ap.add_argument("--xi", type=float, default=0.001)
    ap.add_argument("--out")
    ap.add_argument("--predictions")
    a = ap.parse_args()
    tests = a.test_seasons.split(",")
    preds = {k: [] for k in ["penaltyblog_dixon_coles", "penaltyblog_poisson", "market_avg_closing", "pinnacle_closing"]}
    lines = []
    for league in a.leagues.split(","):
        files = sorted(glob.glob(os.path.join(a.data, f"{league}_*.csv")))
        seasons = {os.path.basename(f)[len(league) + 1 : -4]: read(f) for f in files}
        for season in tests:
            if season not in seasons:
                continue
            history = [m for s, ms in seasons.items() if s < season for m in ms]
            week = {}
            for m in seasons[season]:
                monday = m["date"] - timedelta(days=m["date"].weekday())
                week.setdefault(monday, []).append(m)
            for monday in sorted(week):
                train = [m for m in history + seasons[season] if m["date"] < monday]
                known = {m["HomeTeam"] for m in train} | {m["AwayTeam"] for m in train}
                models = {k: fit(k, train, a.xi, monday) for k in ["dixon_coles", "poisson"]}
                for m in week[monday]:
                    if m["HomeTeam"] not in known or m["AwayTeam"] not in known:
                        continue
                    o = {"H": 0, "D": 1, "A": 2}[m["FTR"]] if m.get("FTR") in ("H", "D", "A") else (0 if m["hg"] > m["ag"] else 1 if m["hg"] == m["ag"] else 2)
                    row = {"league": league, "date": m["date"].isoformat(), "home": m["HomeTeam"], "away": m["AwayTeam"], "outcome": o}
                    for k, model in models.items():
                        p = list(model.predict(m["HomeTeam"], m["AwayTeam"]).home_draw_away)
                        preds["penaltyblog_" + k].append((p, o))
                        row[k] = p
                    for name, prefix in [("market_avg_closing", "AvgC"), ("pinnacle_closing", "PSC")]:
                        p = market(m, prefix)
                        if p:
                            preds[name].append((p, o))
                    lines.append(row)
            print(f"{league} {season}: {sum(1 for r in lines if r['league'] == league)} matches so far", flush=True)
    result = {"protocol": {"test_seasons": tests, "xi": a.xi, "refit": "weekly"}, "models": scores(preds)}
    # Per league, so a league where a kickoff model trails can be named.
    result["by_league"] = {
        league: scores({"penaltyblog_" + k: [(r[k], r["outcome"]) for r in lines if r["league"] == league] for k in ["dixon_coles", "poisson"]})
        for league in a.leagues.split(",")
        if any(r["league"] == league for r in lines)
    }

    # One Dixon-Coles fit on three seasons of the first league.
    league = a.leagues.split(",")[0]
    files = sorted(glob.glob(os.path.join(a.data, f"{league}_*.csv")))[-3:]
    three = [m for f in files for m in read(f)]
    as_of = max(m["date"] for m in three) + timedelta(days=1)
    times = []
    for _ in range(5):
        t = time.perf_counter()
        fit("dixon_coles", three, a.xi, as_of)
        times.append(time.perf_counter() - t)
    result["dixon_coles_fit_seconds"] = {"matches": len(three), "median": statistics.median(times), "runs": times}

    print(json.dumps(result, indent=2))
    if a.out:
        with open(a.out, "w") as f:
            json.dump(result, f, indent=2)
    if a.predictions:
        with open(a.predictions, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["league", "date", "home", "away", "outcome", "dc_h", "dc_d", "dc_a", "po_h", "po_d", "po_a"])
            for r in lines:
                w.writerow([r["league"], r["date"], r["home"], r["away"], r["outcome"], *r["dixon_coles"], *r["poisson"]])


if __name__ == "__main__":
    main()
