#!/usr/bin/env bash
# Prediction quality and speed beside penaltyblog, in one run:
#   1. ops/bench/predict_peers.py: penaltyblog's Dixon-Coles and Poisson, walk-forward with
#      weekly refits over the test seasons, the market-average and Pinnacle closing lines,
#      and the time of one penaltyblog Dixon-Coles fit on the last three seasons of E0;
#   2. `kickoff backtest` on the same CSVs imported into a scratch SQLite database, same
#      test seasons, same protocol (refit weekly before each Monday; a match is scored when
#      both teams have played in the training window);
#   3. the predict_bench example: one Dixon-Coles fit on the same three seasons, and batch
#      inference of full score grids (matches/s, one core);
# then the figures side by side, as ratios.
#
#   ops/bench/predict.sh [DATA_DIR] [TEST_SEASONS]
#     DATA_DIR      football-data.co.uk CSVs (default ../shared/data/football)
#     TEST_SEASONS  default 2022-23,2023-24
# Env: PYTHON, a Python with penaltyblog (`python3 -m venv v && v/bin/pip install penaltyblog`;
#      default .bench-work/pb/bin/python, created on first use); PROFILE=release for a
#      release build (default: the dev profile, whose dependencies are optimised).
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${1:-../shared/data/football}
tests=${2:-2022-23,2023-24}
work=${BENCH_DIR:-$PWD/.bench-work}/predict
mkdir -p "$work"
py=${PYTHON:-${BENCH_DIR:-$PWD/.bench-work}/pb/bin/python}
if [ ! -x "$py" ]; then
  python3 -m venv "$(dirname "$(dirname "$py")")"
  "$py" -m pip install -q penaltyblog
fi
target=${CARGO_TARGET_DIR:-target}
if [ "${PROFILE:-dev}" = release ]; then
  cargo build -q --release --workspace --bins --examples
  bin=$target/release
else
  cargo build -q --workspace --bins --examples
  bin=$target/debug
fi

echo "== penaltyblog (peer)"
"$py" ops/bench/predict_peers.py "$data" --test-seasons "$tests" --out "$work/peers.json" >"$work/peers.log"

echo "== kickoff backtest"
rm -f "$work/kickoff.db"*
export KICKOFF__DATABASE__URL="sqlite://$work/kickoff.db" KICKOFF_ENV=bench
"$bin/kickoff" import football-data "$data" >/dev/null 2>&1
"$bin/kickoff" backtest --test-seasons "$tests" --json "$work/kickoff.json" >"$work/kickoff.log"
sed -n '1,16p' "$work/kickoff.log"

echo "== kickoff fit and inference speed"
"$bin/examples/predict_bench" "$data" E0 20 | tee "$work/speed.log"

python3 - "$work" <<'PY'
import json, re, sys
work = sys.argv[1]
peers = json.load(open(f"{work}/peers.json"))
ours = json.load(open(f"{work}/kickoff.json"))
pooled = {s["model"]: s["scores"] for s in ours["scores"] if s["league"] == "all"}
pm = peers["models"]
print("\n== side by side (pooled over the test seasons of every league)")
print(f"{'forecast':<34} {'n':>6} {'RPS':>8} {'log loss':>9}")
rows = [("kickoff ensemble (results only)", pooled["ensemble"]), ("kickoff ensemble + market", pooled["ensemble_market"]),
        ("kickoff dixon_coles", pooled["dixon_coles"]), ("kickoff poisson", pooled["poisson"]), ("kickoff elo", pooled["elo"]),
        ("kickoff learned", pooled["learned"]), ("kickoff bivariate", pooled["bivariate"]),
        ("kickoff xg_ratings", pooled["xg_ratings"]), ("kickoff pi_ratings", pooled["pi_ratings"]),
        ("penaltyblog dixon_coles", pm["penaltyblog_dixon_coles"]), ("penaltyblog poisson", pm["penaltyblog_poisson"]),
        ("market average closing", pm["market_avg_closing"]), ("pinnacle closing", pm["pinnacle_closing"])]
for name, s in rows:
    n = s.get("n", s.get("matches"))
    print(f"{name:<34} {n:>6} {s['rps']:>8.4f} {s['log_loss']:>9.4f}")
dc = pm["penaltyblog_dixon_coles"]
e, m = pooled["ensemble"], pooled["ensemble_market"]
print(f"\nensemble vs penaltyblog Dixon-Coles: RPS {e['rps'] - dc['rps']:+.4f}, log loss {e['log_loss'] - dc['log_loss']:+.4f} (negative is better)")
by_league = {(s["model"], s["league"]): s["scores"] for s in ours["scores"]}
for league, models in sorted(peers.get("by_league", {}).items()):
    ours_l = by_league.get(("ensemble", league))
    if ours_l:
        d = ours_l["rps"] - models["penaltyblog_dixon_coles"]["rps"]
        print(f"  {league}: ensemble {ours_l['rps']:.4f} vs penaltyblog Dixon-Coles {models['penaltyblog_dixon_coles']['rps']:.4f} ({d:+.4f}{', trails' if d > 0 else ''})")
promoted = {s["model"]: s["scores"] for s in ours.get("promoted", [])}
if promoted:
    n = promoted["ensemble"]["n"]
    print(f"promoted teams' first ten matches ({n}): " + ", ".join(f"{k} {promoted[k]['rps']:.4f}" for k in ["ensemble", "dixon_coles", "elo", "pi_ratings", "pinnacle_opening_shin"] if k in promoted))
print(f"ensemble + market vs its input, the market-average pre-closing line (Shin): RPS {m['rps'] - pooled['market_avg_opening_shin']['rps']:+.4f} (negative: it adds information)")
print(f"ensemble + market vs market-average closing: RPS {m['rps'] - pm['market_avg_closing']['rps']:+.4f} (target within +0.002)")
speed = open(f"{work}/speed.log").read()
ours_ms = float(re.search(r"Dixon-Coles fit: median ([0-9.]+) ms", speed).group(1))
peer_ms = peers["dixon_coles_fit_seconds"]["median"] * 1000
rate = float(re.search(r"inference: ([0-9.]+) matches/s", speed).group(1))
print(f"Dixon-Coles fit, last three E0 seasons: kickoff {ours_ms:.2f} ms, penaltyblog {peer_ms:.1f} ms -> {peer_ms / ours_ms:.1f}x faster (target 10x)")
print(f"Batch inference of full score grids: {rate:,.0f} matches/s on one core (target 100,000)")
PY
