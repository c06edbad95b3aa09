"""``python -m benchmarks [--check] [--runs N] [--sizes 100,1000,5000,10000] [--cache-dir DIR]
[--browser | --no-browser] [--browser-runs N]``

Seeds SQLite databases with ``seed_demo(initiatives=N)`` (cached for the run, or in ``--cache-dir``
across runs), measures each scenario ``--runs`` times after a warm-up, and prints the medians and
95th percentiles, the ratios against floors measured in the same run, and the targets of issue 6
with PASS/FAIL.

Then the board in headless Chromium (``benchmarks/browser.py``) at each size from 1,000 up: time
to the load event and DOM elements, against issue 12's targets (< 300 ms, < 3,000 elements). By
default it runs when Playwright and Chromium are there and is skipped with a note when not;
``--browser`` insists (a missing browser is then a failure), ``--no-browser`` leaves it out.

Exit code 0 unless ``--check`` is given and a target fails (or ``--browser`` cannot run).
"""

from __future__ import annotations

import argparse
import logging
import platform
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

from quickwin_tracker.demo import DEMO_PASSWORD

from . import browser
from .harness import Table, measure, ms, size
from .scenarios import MANAGER, Site, flask_floor, gzipped_size, jinja_floor, seeded_database

REFERENCE = 1000  # the size the targets are judged at
DIGEST_MANAGERS = 200
NOISE = 1.10  # "within noise" for first paint: at most 10 % more


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target fails")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per scenario (20)")
    parser.add_argument("--sizes", default="100,1000,5000,10000", help="initiative counts")
    parser.add_argument("--cache-dir", type=Path, help="keep seeded databases here across runs")
    parser.add_argument("--browser", action=argparse.BooleanOptionalAction, default=None,
                        help="measure the board in headless Chromium (default: when available)")
    parser.add_argument("--browser-runs", type=int, default=5,
                        help="page loads per size in the browser (5)")
    args = parser.parse_args(argv)
    sizes = sorted({int(s) for s in args.sizes.split(",")} | {REFERENCE})
    logging.disable(logging.INFO)
    warnings.simplefilter("ignore")

    work = Path(tempfile.mkdtemp(prefix="quickwin-bench-"))
    cache = args.cache_dir or work
    cache.mkdir(parents=True, exist_ok=True)
    try:
        code = run(sizes, args.runs, cache, work, args.check)
        if args.browser is False:
            return code
        browser_code = run_browser(sizes, args.browser_runs, cache, work, args.check,
                                   required=bool(args.browser))
        return code or browser_code
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(sizes: list[int], runs: int, cache: Path, work: Path, check: bool) -> int:
    print(f"Quick-Win Tracker benchmarks · Python {platform.python_version()} · SQLite · "
          f"{runs} runs after warm-up (times in ms)", flush=True)
    hello = measure(flask_floor(), runs=max(runs, 50), warmup=20)
    timings = Table(["scenario", "N", "median", "p95", "floor", "ratio", "notes"])
    timings.add("floor: minimal Flask route", "-", ms(hello.median), ms(hello.p95), "", "", "")
    results: dict[str, float] = {}
    gzipped_served = {}

    for n in sizes:
        print(f"· {n} initiatives", file=sys.stderr, flush=True)
        site = Site.open(seeded_database(cache, n), work)
        try:
            plain = site.board(gzip_ok=False)
            served = site.board()
            cards = plain.text.count("data-initiative-id=")
            html = len(plain.data)
            gzipped_served[n] = served.headers.get("Content-Encoding") == "gzip"
            zipped = len(served.data) if gzipped_served[n] else gzipped_size(plain.data)
            floor_render = measure(jinja_floor(cards), runs=runs)
            timings.add(f"floor: bare Jinja, {cards} cards", n, ms(floor_render.median),
                        ms(floor_render.p95), "", "", "")
            board = measure(site.board, runs=runs)
            floor = floor_render.median + hello.median
            timings.add("board GET /board/", n, ms(board.median), ms(board.p95), ms(floor),
                        f"{board.median / floor:.1f}×",
                        f"{cards} cards · {size(html)} · {html / max(cards, 1):.0f} B/card · "
                        f"gzip {size(zipped)}{'' if gzipped_served[n] else ' (not served gzipped)'}")
            cold = measure(site.board, runs=runs, before=site.forget_looks)
            timings.add("board, nothing kept", n, ms(cold.median), ms(cold.p95), ms(floor),
                        f"{cold.median / floor:.1f}×",
                        "every card assessed anew (first board of the day, new worker)")
            results[f"board_cold_ratio_{n}"] = cold.median / floor
            results[f"board_ms_{n}"] = board.median
            results[f"board_ratio_{n}"] = board.median / floor
            results[f"board_bytes_{n}"] = html
            results[f"card_bytes_{n}"] = html / max(cards, 1)
            results[f"board_p95_{n}"] = board.p95

            before, move = site.mover()
            moving = measure(move, runs=runs, before=before)
            timings.add("move (htmx POST, in-process)", n, ms(moving.median), ms(moving.p95),
                        ms(hello.median), f"{moving.median / hello.median:.0f}×", "reorder in a cell")
            results[f"move_ms_{n}"] = moving.median

            summary = measure(site.summary, runs=runs)
            queries = site.summary_queries()
            timings.add("summary GET /summary", n, ms(summary.median), ms(summary.p95),
                        ms(hello.median), f"{summary.median / hello.median:.0f}×",
                        f"reviewer, whole city, nothing changed · {queries} queries")
            results[f"summary_ms_{n}"] = summary.median
            changed = measure(site.summary, runs=runs, before=site.change_one)
            counted_queries = site.summary_queries(counted=True)
            timings.add("summary after a change", n, ms(changed.median), ms(changed.p95),
                        ms(hello.median), f"{changed.median / hello.median:.0f}×",
                        f"a milestone saved, then counted anew · {counted_queries} queries")
            results[f"summary_changed_ms_{n}"] = changed.median
            results[f"summary_queries_{n}"] = (queries, counted_queries)
            anew = measure(site.summary, runs=max(3, runs // 4), warmup=1,
                           before=site.forget_statuses)
            timings.add("summary, statuses anew", n, ms(anew.median), ms(anew.p95),
                        ms(hello.median), f"{anew.median / hello.median:.0f}×",
                        "no kept status (the nightly refresh did not run)")
            page = measure(site.initiative_page(), runs=runs)
            timings.add("initiative page", n, ms(page.median), ms(page.p95), ms(hello.median),
                        f"{page.median / hello.median:.0f}×", "")

            if n == REFERENCE:
                build = site.digest_builder(DIGEST_MANAGERS)
                digests = measure(build, runs=max(5, runs // 4), warmup=1)
                timings.add(f"digests, {DIGEST_MANAGERS} managers", n, ms(digests.median),
                            ms(digests.p95), ms(hello.median * DIGEST_MANAGERS),
                            f"{digests.median / (hello.median * DIGEST_MANAGERS):.0f}×",
                            f"build_digest ×{DIGEST_MANAGERS}, no delivery")
                results["digests_s"] = digests.median
        finally:
            site.close()

    print()
    print(timings.render())
    print()

    targets = Table(["target (issues 6 and 13, on SQLite)", "measured", "result"])
    verdicts: list[bool] = []

    def target(label: str, measured: str, ok: bool) -> None:
        verdicts.append(ok)
        targets.add(label, measured, "PASS" if ok else "FAIL")

    r = results
    target("board within 2× of its floor (Jinja + Flask)", f"{r[f'board_ratio_{REFERENCE}']:.2f}×"
           f" (nothing kept: {r[f'board_cold_ratio_{REFERENCE}']:.2f}×)",
           r[f"board_ratio_{REFERENCE}"] <= 2.0)
    target("≤ 1 KB of HTML per card", f"{r[f'card_bytes_{REFERENCE}']:.0f} B",
           r[f"card_bytes_{REFERENCE}"] <= 1024)
    target("whole board < 1 MB before gzip", size(r[f"board_bytes_{REFERENCE}"]),
           r[f"board_bytes_{REFERENCE}"] < 1024 * 1024)
    target("board served gzipped", "yes" if gzipped_served[REFERENCE] else "no",
           gzipped_served[REFERENCE])
    target("a move < 20 ms in-process", f"{ms(r[f'move_ms_{REFERENCE}'])} ms",
           r[f"move_ms_{REFERENCE}"] < 0.020)
    target(f"digests for {DIGEST_MANAGERS} managers < 2 s", f"{r['digests_s']:.2f} s",
           r["digests_s"] < 2.0)
    big = max(sizes)
    if big > REFERENCE:
        # First paint: GET /board/ shows at most BOARD_FIRST_PAINT_CARDS cards in all (each
        # cell its share, see board.reading.first_page_size), so it should cost the same.
        limit = max(r[f"board_ms_{REFERENCE}"] * NOISE, r[f"board_p95_{REFERENCE}"])
        target(f"first paint at {big:,} ≤ at {REFERENCE:,} (within noise)",
               f"{ms(r[f'board_ms_{big}'])} vs {ms(r[f'board_ms_{REFERENCE}'])} ms",
               r[f"board_ms_{big}"] <= limit)
    # Issue 13: the summary counts in SQL, so its cost hardly grows with the city.
    if 5000 in sizes:
        ratio = r["summary_ms_5000"] / r[f"summary_ms_{REFERENCE}"]
        target(f"summary at 5,000 ≤ 1.5× at {REFERENCE:,} (issue 13)",
               f"{ratio:.2f}× ({ms(r['summary_ms_5000'])} vs {ms(r[f'summary_ms_{REFERENCE}'])} ms)",
               ratio <= 1.5)
    counts = {n: r[f"summary_queries_{n}"] for n in sizes}
    target("summary: the same number of queries at every size (issue 13)",
           " / ".join(f"{a} ({b} counted)" for a, b in counts.values()),
           len(set(counts.values())) == 1)
    # The aim against Kanboard (0.3–0.4 s at 1,000 tasks, 1.9 s at 5,000).
    target("aim: 5× faster than Kanboard at 1,000 (< 70 ms)", f"{ms(r[f'board_ms_{REFERENCE}'])} ms",
           r[f"board_ms_{REFERENCE}"] < 0.070)
    if 5000 in sizes:
        target("aim: 20× faster than Kanboard at 5,000 (< 95 ms)", f"{ms(r['board_ms_5000'])} ms",
               r["board_ms_5000"] < 0.095)
    print(targets.render())
    failed = verdicts.count(False)
    print(f"\n{len(verdicts) - failed} of {len(verdicts)} targets met.")
    return 1 if check and failed else 0


def run_browser(sizes: list[int], runs: int, cache: Path, work: Path, check: bool,
                required: bool) -> int:
    """The board in headless Chromium at each size from REFERENCE up, as its own table."""
    print()
    reason = browser.missing()
    if reason:
        print(f"Browser measure skipped: {reason}.")
        return 1 if required else 0
    measured = [n for n in sizes if n >= REFERENCE]
    results, server = browser.run_browser({n: seeded_database(cache, n) for n in measured},
                                          MANAGER, DEMO_PASSWORD, runs, work)
    print(browser.render(results, runs, server))
    failed = sum(not r.ok for r in results)
    print(f"\n{len(results) - failed} of {len(results)} browser targets met.")
    return 1 if check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
