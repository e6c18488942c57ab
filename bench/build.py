#!/usr/bin/env python3
"""Build benchmark: zhan against Hugo on the same synthetic site.

    python3 bench/build.py [--stations N] [--runs K] [--work DIR] [--zhan PATH]
                           [--gencorpus PATH] [--output-dir DIR]
                           [--skip-hugo] [--skip-zhan]

Writes two corpora of the same pages with ../shared/bench/gencorpus.py (the zhan
flavor with the repository's themes/ copied in, and the hugo flavor with the
skeleton of bench/hugo/ copied in), once per station count: they are kept in
WORK/zhan-N and WORK/hugo-N and reused by later runs.
Then builds each site once to warm up, and K rounds alternating zhan and Hugo, each
into a fresh output folder, under /usr/bin/time for wall seconds and peak RSS.

Prints a table (tool, runs, median and min wall seconds, median peak RSS, HTML pages
written), the zhan/hugo ratio of median wall times and zhan's peak memory, and writes
the same figures to WORK/results-build.json.

Exit status: 0 when all builds succeed and zhan's peak RSS stays within 1 GiB; 1 when
zhan uses more than 1 GiB (a goal of the project); 2 when a build or a setup step
fails. The wall-time goal (zhan <= 0.3 x Hugo) is reported, never fails the run.

Defaults: --stations 600 (about 13,800 pages), --runs 3, --work <repo>/target/bench,
--zhan: run `cargo build --release` in the repository and use target/release/zhan.
--skip-hugo / --skip-zhan measure one generator only (no ratio then).
--output-dir DIR: where the builds write (default WORK). Creating ~14,000 files and
folders can cost more than rendering them on a slow disk; a tmpfs such as
/dev/shm/zhan-bench measures the generators rather than the disk.
Python 3 standard library only.
"""
import argparse
import datetime
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SKELETON = os.path.join(REPO, "bench", "hugo")
GNU_TIME = "/usr/bin/time"
RSS_LIMIT_MIB = 1024  # zhan's peak memory goal: 1 GiB
RATIO_GOAL = 0.3      # zhan's wall-time goal, as a fraction of Hugo's


def fail(message, code=2):
    print(f"build.py: {message}", file=sys.stderr)
    sys.exit(code)


def tail(text, lines=40):
    return "\n".join(text.rstrip().splitlines()[-lines:])


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def zhan_binary(args):
    """The zhan binary to measure: --zhan, or a fresh release build of this repository."""
    if args.zhan:
        path = os.path.abspath(args.zhan)
    else:
        print("cargo build --release", flush=True)
        r = subprocess.run(["cargo", "build", "--release"], cwd=REPO,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            fail(f"`cargo build --release` failed (exit {r.returncode}):\n{tail(r.stdout)}")
        path = os.path.join(REPO, "target", "release", "zhan")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        fail(f"no zhan executable at {path}")
    return path


def corpus(gencorpus, folder, stations, flavor):
    """Write the corpus into folder unless the same one is already there.

    A marker written after a successful run records the generator's hash, the
    flavor and the station count; any difference regenerates from scratch."""
    marker = os.path.join(folder, ".corpus.json")
    want = {"gencorpus_sha256": sha256(gencorpus), "flavor": flavor, "stations": stations}
    try:
        with open(marker, encoding="utf-8") as f:
            have = json.load(f)
        if all(have.get(k) == v for k, v in want.items()):
            print(f"reusing {flavor} corpus {folder} ({have.get('files')} content files)", flush=True)
            return have.get("files")
    except (OSError, ValueError):
        pass
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    cmd = [sys.executable, gencorpus, folder, "--stations", str(stations), "--flavor", flavor]
    print(" ".join(cmd), flush=True)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        fail(f"gencorpus failed (exit {r.returncode}):\n{tail(r.stderr)}")
    files = sum(len(names) for _, _, names in os.walk(os.path.join(folder, "content")))
    with open(marker, "w", encoding="utf-8") as f:
        json.dump(dict(want, files=files), f)
    return files


def install(source, names, site):
    """Copy the named entries of folder source into the corpus folder site, replacing
    earlier copies so that template edits always take effect."""
    for name in names:
        src, dst = os.path.join(source, name), os.path.join(site, name)
        if os.path.isdir(dst):
            shutil.rmtree(dst)
        elif os.path.exists(dst):
            os.remove(dst)
        if os.path.isdir(src):
            shutil.copytree(src, dst)
        else:
            shutil.copy2(src, dst)


def count_html(folder):
    return sum(1 for _, _, names in os.walk(folder) for n in names if n.endswith(".html"))


class Tool:
    def __init__(self, name, site, out, command, caches=()):
        self.name, self.site, self.out, self.command, self.caches = name, site, out, command, caches
        self.walls, self.rss_kib, self.cpu = [], [], []
        self.warmup = None
        self.html_pages = None

    def build(self, work, record=True):
        """One build into a fresh output folder; returns (wall seconds, peak RSS KiB)."""
        shutil.rmtree(self.out, ignore_errors=True)
        for cache in self.caches:
            shutil.rmtree(cache, ignore_errors=True)
        # Flush what earlier builds wrote (and the deletions above) so that no build
        # pays for the disk writeback of the one before it.
        os.sync()
        timing = os.path.join(work, f"time-{self.name}.txt")
        cmd = [GNU_TIME, "-o", timing, "-f", "%e %M %U %S"] + self.command
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            fail(f"{self.name} build failed (exit {r.returncode}): {' '.join(self.command)}\n"
                 f"--- stderr (tail) ---\n{tail(r.stderr)}\n--- stdout (tail) ---\n{tail(r.stdout, 10)}")
        with open(timing, encoding="utf-8") as f:
            # the last line; GNU time puts a status line before it on failure
            fields = f.read().strip().splitlines()[-1].split()
        wall, rss, user, system = float(fields[0]), int(fields[1]), float(fields[2]), float(fields[3])
        pages = count_html(self.out)
        if pages == 0:
            fail(f"{self.name} exited 0 but wrote no HTML under {self.out}")
        if self.html_pages is not None and pages != self.html_pages:
            fail(f"{self.name} wrote {pages} HTML pages, {self.html_pages} in an earlier build")
        self.html_pages = pages
        if not record and r.stderr.strip():
            print(f"  {self.name} printed on stderr (warm-up build):\n{tail(r.stderr, 20)}", flush=True)
        if not record:
            self.warmup = {"wall_s": wall, "peak_rss_kib": rss, "cpu_s": round(user + system, 2)}
        else:
            self.walls.append(wall)
            self.rss_kib.append(rss)
            self.cpu.append(user + system)
        print(f"  {self.name:5} {'run:' if record else 'warm-up:':8} {wall:7.2f} s  "
              f"{rss / 1024:8.1f} MiB  cpu {user + system:6.2f} s  {pages} html", flush=True)
        return wall, rss

    def summary(self):
        return {
            "runs": len(self.walls),
            "wall_s": self.walls,
            "peak_rss_kib": self.rss_kib,
            "cpu_s": self.cpu,
            "median_wall_s": round(statistics.median(self.walls), 3),
            "min_wall_s": round(min(self.walls), 3),
            "median_peak_rss_mib": round(statistics.median(self.rss_kib) / 1024, 1),
            "max_peak_rss_mib": round(max(self.rss_kib) / 1024, 1),
            "warmup": self.warmup,
            # the highest peak RSS of every build, the warm-up included
            "peak_rss_mib": round(max(self.rss_kib + [self.warmup["peak_rss_kib"]]) / 1024, 1),
            "html_pages": self.html_pages,
            "command": self.command,
        }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.split("\n")[2:]))
    ap.add_argument("--stations", type=int, default=600, help="corpus size (default 600, about 13,800 pages)")
    ap.add_argument("--runs", type=int, default=3, help="measured rounds after the warm-up (default 3)")
    ap.add_argument("--work", default=os.path.join(REPO, "target", "bench"),
                    help="corpora, outputs and results (default <repo>/target/bench)")
    ap.add_argument("--zhan", help="zhan binary (default: cargo build --release, target/release/zhan)")
    ap.add_argument("--gencorpus", default=os.path.join(os.path.dirname(REPO), "shared", "bench", "gencorpus.py"),
                    help="corpus generator (default <repo>/../shared/bench/gencorpus.py)")
    ap.add_argument("--output-dir", help="where the builds write, e.g. a tmpfs (default: the work folder)")
    ap.add_argument("--skip-hugo", action="store_true", help="measure zhan only")
    ap.add_argument("--skip-zhan", action="store_true", help="measure Hugo only")
    args = ap.parse_args()
    if args.skip_hugo and args.skip_zhan:
        fail("--skip-hugo and --skip-zhan leave nothing to measure")
    if args.runs < 1 or args.stations < 1:
        fail("--runs and --stations must be at least 1")
    if not os.access(GNU_TIME, os.X_OK):
        fail(f"GNU time is needed at {GNU_TIME}")
    gencorpus = os.path.abspath(args.gencorpus)
    if not os.path.isfile(gencorpus):
        fail(f"no corpus generator at {gencorpus} (see --gencorpus)")
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    outputs = os.path.abspath(args.output_dir) if args.output_dir else work
    os.makedirs(outputs, exist_ok=True)
    n = args.stations

    tools, info = [], {"stations": n, "runs": args.runs, "cpus": os.cpu_count(),
                       "date": datetime.datetime.now().isoformat(timespec="seconds"),
                       "work": work, "output_dir": outputs}
    if not args.skip_zhan:
        zhan = zhan_binary(args)
        site = os.path.join(work, f"zhan-{n}")
        info["zhan_corpus_files"] = corpus(gencorpus, site, n, "zhan")
        # site.yaml names `theme: default`, which a site keeps in themes/default:
        # give the corpus the repository's current themes.
        if os.path.isdir(os.path.join(REPO, "themes")):
            install(REPO, ["themes"], site)
        info["zhan_binary"] = zhan
        out = os.path.join(outputs, f"out-zhan-{n}")
        tools.append(Tool("zhan", site, out, [zhan, "build", "--root", site, "--output", out]))
    if not args.skip_hugo:
        if not shutil.which("hugo"):
            fail("hugo is not on PATH (or pass --skip-hugo)")
        version = subprocess.run(["hugo", "version"], stdout=subprocess.PIPE, text=True).stdout.strip()
        info["hugo_version"] = version
        site = os.path.join(work, f"hugo-{n}")
        info["hugo_corpus_files"] = corpus(gencorpus, site, n, "hugo")
        # the skeleton: hugo.yaml, layouts/, data/, static/
        install(SKELETON, sorted(os.listdir(SKELETON)), site)
        out, cache = os.path.join(outputs, f"out-hugo-{n}"), os.path.join(outputs, f"hugo-cache-{n}")
        # --ignoreCache, and the cacheDir and resourceDir (SITE/resources) emptied
        # before each build: no run reuses anything an earlier one left behind.
        tools.append(Tool("hugo", site, out,
                          ["hugo", "--quiet", "--source", site, "--destination", out,
                           "--cacheDir", cache, "--ignoreCache"],
                          caches=(cache, os.path.join(site, "resources"))))

    print(f"{n} stations, {args.runs} rounds, {os.cpu_count()} CPUs; work folder {work}"
          + (f", outputs in {outputs}" if outputs != work else ""), flush=True)
    for tool in tools:
        print(f"{tool.name}: {' '.join(tool.command)}", flush=True)
    for tool in tools:
        tool.build(work, record=False)
    for i in range(args.runs):
        for tool in tools:
            tool.build(work)

    results = {t.name: t.summary() for t in tools}
    print()
    head = ("tool", "runs", "median wall s", "min wall s", "median peak RSS MiB", "html pages")
    rows = [(t, str(s["runs"]), f"{s['median_wall_s']:.2f}", f"{s['min_wall_s']:.2f}",
             f"{s['median_peak_rss_mib']:.1f}", str(s["html_pages"])) for t, s in results.items()]
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    for r in [head] + rows:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
    print()

    summary = dict(info, tools=results)
    status = 0
    if "zhan" in results and "hugo" in results:
        ratio = results["zhan"]["median_wall_s"] / results["hugo"]["median_wall_s"]
        summary["ratio_wall_median"] = round(ratio, 3)
        summary["ratio_goal"] = RATIO_GOAL
        summary["ratio_goal_met"] = ratio <= RATIO_GOAL
        print(f"zhan/hugo wall-time ratio (median): {ratio:.2f}")
        print(f"  goal <= {RATIO_GOAL:.2f}: {'met' if ratio <= RATIO_GOAL else 'NOT met'} (reported only)")
        zp, hp = results["zhan"]["html_pages"], results["hugo"]["html_pages"]
        if abs(zp - hp) > 0.1 * max(zp, hp):
            print(f"  note: the page counts differ by more than 10% ({zp} vs {hp}); compare with care")
    if "zhan" in results:
        peak = results["zhan"]["peak_rss_mib"]
        summary["zhan_peak_rss_mib"] = peak
        summary["rss_limit_mib"] = RSS_LIMIT_MIB
        summary["rss_limit_met"] = peak <= RSS_LIMIT_MIB
        print(f"zhan peak memory: {peak:.1f} MiB (highest peak RSS of all its builds; limit {RSS_LIMIT_MIB} MiB)")
        if peak > RSS_LIMIT_MIB:
            print(f"FAIL: zhan's peak RSS {peak:.1f} MiB exceeds the 1 GiB goal", file=sys.stderr)
            status = 1
    path = os.path.join(work, "results-build.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(summary, f, ensure_ascii=False, indent=2)
        f.write("\n")
    print(f"results written to {path}")
    return status


if __name__ == "__main__":
    sys.exit(main())
