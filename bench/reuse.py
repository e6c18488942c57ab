#!/usr/bin/env python3
"""Rebuild benchmark: zhan building again into an existing output folder.

    python3 bench/reuse.py --zhan PATH --site DIR --out DIR [--runs K]

For the site DIR (a corpus made as bench/build.py makes one), measures with
/usr/bin/time, K times each: a fresh build into an empty folder, a rebuild
with no change, and a rebuild after editing one service file (a different
edit each run). Counts the files each build rewrote: a path whose (inode,
mtime) differs from before, or that is new. Prints min/median/max of wall
and CPU seconds. Python 3 standard library only.
"""
import argparse
import glob
import os
import shutil
import statistics
import subprocess
import sys


def stamps(folder):
    found = {}
    for base, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(base, name)
            st = os.lstat(path)
            found[os.path.relpath(path, folder)] = (st.st_ino, st.st_mtime_ns)
    return found


def build(zhan, site, out):
    cmd = ["/usr/bin/time", "-f", "%e %U %S %M", zhan, "--root", site, "build", "--output", out]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit(f"build failed:\n{r.stderr[-2000:]}")
    wall, user, system, rss = r.stderr.strip().splitlines()[-1].split()
    return float(wall), float(user) + float(system), int(rss)


def summary(name, rows):
    walls = [r[0] for r in rows]
    cpus = [r[1] for r in rows]
    rewritten = [r[2] for r in rows]
    fmt = lambda xs: f"{min(xs):6.2f} {statistics.median(xs):6.2f} {max(xs):6.2f}"
    print(f"{name:10} wall {fmt(walls)}   cpu {fmt(cpus)}   rewritten {rewritten}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--zhan", required=True)
    ap.add_argument("--site", required=True)
    ap.add_argument("--out", required=True, help="the output folder (its parent must exist)")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    service = sorted(glob.glob(os.path.join(args.site, "content", "services", "*", "*.md")))[0]
    with open(service, encoding="utf-8") as f:
        original = f.read()
    results = {"fresh": [], "no change": [], "one edit": []}
    try:
        for run in range(args.runs):
            shutil.rmtree(args.out, ignore_errors=True)
            os.sync()
            wall, cpu, _ = build(args.zhan, args.site, args.out)
            results["fresh"].append((wall, cpu, len(stamps(args.out))))
            os.sync()
            before = stamps(args.out)
            wall, cpu, _ = build(args.zhan, args.site, args.out)
            after = stamps(args.out)
            results["no change"].append((wall, cpu, sum(1 for p, s in after.items() if before.get(p) != s)))
            with open(service, "w", encoding="utf-8") as f:
                f.write(original + f"\n第 {run + 1} 次修改。\n")
            os.sync()
            before = after
            wall, cpu, _ = build(args.zhan, args.site, args.out)
            after = stamps(args.out)
            results["one edit"].append((wall, cpu, sum(1 for p, s in after.items() if before.get(p) != s)))
    finally:
        with open(service, "w", encoding="utf-8") as f:
            f.write(original)
    print(f"{args.out}: {args.runs} runs; min median max")
    for name, rows in results.items():
        summary(name, rows)


if __name__ == "__main__":
    main()
