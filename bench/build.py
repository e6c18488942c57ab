#!/usr/bin/env python3
"""Build benchmark: zhan against Zola and Hugo on the same synthetic site.

    python3 bench/build.py [--stations N] [--runs K] [--work DIR] [--zhan PATH]
                           [--zola PATH] [--gencorpus PATH] [--output-dir DIR]
                           [--results FILE] [--skip-zhan] [--skip-zola] [--skip-hugo]
                           [--rebuild]

Writes the same pages in three flavors with ../shared/bench/gencorpus.py, once per
station count, kept in WORK/zhan-N, WORK/zola-N and WORK/hugo-N and reused by later
runs: the zhan flavor gets the repository's themes/ copied in, the zola flavor the
bare skeleton of bench/zola/, the hugo flavor the skeleton of bench/hugo/.
Then builds each site once to warm up, and K rounds alternating zhan, Zola and Hugo,
each into a fresh output folder after `sync`, under /usr/bin/time for wall seconds,
CPU seconds (user + system) and peak RSS.

Prints a table (tool, runs, wall and CPU min/median/max, peak RSS, HTML pages
written), the zhan/zola and zhan/hugo ratios of the medians (wall and CPU) and zhan's
peak memory, and writes the same figures to WORK/results-build.json (or --results).

--rebuild: a different mode, for zhan only. One build into a fresh output folder,
then K builds into that same folder without deleting it; before and after each,
every file's (inode, mtime in ns) is recorded, and the table gives how many files
each rebuild rewrote, created and removed, next to its wall and CPU time. Results go
to WORK/results-rebuild.json (or --results).

Exit status: 0 when all builds succeed and zhan's peak RSS stays within 1 GiB; 1 when
zhan uses more than 1 GiB (a goal of the project); 2 when a build or a setup step
fails. The wall-time goal (zhan <= 0.3 x Hugo) is reported, never fails the run.

Defaults: --stations 600 (about 13,800 pages), --runs 3, --work <repo>/target/bench,
--zhan: run `cargo build --release` in the repository and use target/release/zhan.
--zola: the environment variable ZOLA; with neither, Zola is skipped.
--skip-zhan / --skip-zola / --skip-hugo leave a generator out (and its ratio).
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
ZOLA_SKELETON = os.path.join(REPO, "bench", "zola")
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


def snapshot(folder):
    """{relative path: (inode, mtime in ns)} of every file under folder (not following
    symbolic links). A file written again gets a new mtime, and a new inode when it
    is replaced by a rename; either shows it was rewritten."""
    out = {}
    for dirpath, _, names in os.walk(folder):
        for n in names:
            path = os.path.join(dirpath, n)
            st = os.lstat(path)
            out[os.path.relpath(path, folder)] = (st.st_ino, st.st_mtime_ns)
    return out


def spread(values, digits=3):
    """min, median and max of a list of numbers, rounded."""
    return {"min": round(min(values), digits), "median": round(statistics.median(values), digits),
            "max": round(max(values), digits)}


class Tool:
    def __init__(self, name, site, out, command, caches=()):
        self.name, self.site, self.out, self.command, self.caches = name, site, out, command, caches
        self.walls, self.rss_kib, self.cpu = [], [], []
        self.warmup = None
        self.html_pages = None
        self.rebuilds = []  # --rebuild: the file changes of each measured build
        self.loads = []  # the 1-minute load average after each build, warm-up first

    def run(self, work, fresh=True):
        """One timed build; into a fresh output folder unless fresh is false.
        Returns (wall seconds, peak RSS KiB, CPU seconds, HTML pages)."""
        if fresh:
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
        self.stderr = r.stderr
        self.loads.append(round(os.getloadavg()[0], 2))
        return wall, rss, user + system, pages

    def build(self, work, record=True, fresh=True):
        wall, rss, cpu, pages = self.run(work, fresh)
        if not record and self.stderr.strip():
            print(f"  {self.name} printed on stderr (warm-up build):\n{tail(self.stderr, 20)}", flush=True)
        if not record:
            self.warmup = {"wall_s": wall, "peak_rss_kib": rss, "cpu_s": round(cpu, 2)}
        else:
            self.walls.append(wall)
            self.rss_kib.append(rss)
            self.cpu.append(round(cpu, 2))
        print(f"  {self.name:5} {'run:' if record else 'warm-up:':8} {wall:7.2f} s  "
              f"{rss / 1024:8.1f} MiB  cpu {cpu:6.2f} s  {pages} html", flush=True)

    def summary(self):
        wall, cpu = spread(self.walls), spread(self.cpu, 2)
        out = {
            "runs": len(self.walls),
            "wall_s": self.walls,
            "peak_rss_kib": self.rss_kib,
            "cpu_s": self.cpu,
            "wall": wall,
            "cpu": cpu,
            "median_wall_s": wall["median"],
            "min_wall_s": wall["min"],
            "max_wall_s": wall["max"],
            "median_cpu_s": cpu["median"],
            "median_peak_rss_mib": round(statistics.median(self.rss_kib) / 1024, 1),
            "max_peak_rss_mib": round(max(self.rss_kib) / 1024, 1),
            "warmup": self.warmup,
            # the highest peak RSS of every build, the warm-up included
            "peak_rss_mib": round(max(self.rss_kib + [self.warmup["peak_rss_kib"]]) / 1024, 1),
            "html_pages": self.html_pages,
            "output_files": sum(len(n) for _, _, n in os.walk(self.out)),
            "load_after_each_build": self.loads,
            "command": self.command,
        }
        if self.rebuilds:
            out["rebuilds"] = self.rebuilds
        return out


def print_table(head, rows):
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    for r in [head] + rows:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))


def mmm(d, fmt="{:.2f}"):
    return "/".join(fmt.format(d[k]) for k in ("min", "median", "max"))


def full_builds(tools, work, runs):
    """One warm-up each, then runs rounds alternating the tools."""
    for tool in tools:
        tool.build(work, record=False)
    for i in range(runs):
        for tool in tools:
            tool.build(work)
    results = {t.name: t.summary() for t in tools}
    print()
    head = ("tool", "runs", "wall s min/med/max", "CPU s min/med/max", "peak RSS MiB", "html pages")
    rows = [(t, str(s["runs"]), mmm(s["wall"]), mmm(s["cpu"]), f"{s['peak_rss_mib']:.1f}", str(s["html_pages"]))
            for t, s in results.items()]
    print_table(head, rows)
    print()
    ratios = {}
    if "zhan" in results:
        for other in ("zola", "hugo"):
            if other not in results:
                continue
            z, o = results["zhan"], results[other]
            ratios[f"zhan/{other}"] = {
                "wall_median": round(z["wall"]["median"] / o["wall"]["median"], 3),
                "cpu_median": round(z["cpu"]["median"] / o["cpu"]["median"], 3),
                "peak_rss": round(z["peak_rss_mib"] / o["peak_rss_mib"], 3),
            }
            r = ratios[f"zhan/{other}"]
            print(f"zhan/{other} ratio of medians: wall {r['wall_median']:.2f}, CPU {r['cpu_median']:.2f}"
                  f" (peak RSS {r['peak_rss']:.2f})")
            zp, op = z["html_pages"], o["html_pages"]
            if abs(zp - op) > 0.1 * max(zp, op):
                print(f"  note: the page counts differ by more than 10% ({zp} vs {op}); compare with care")
    return results, ratios


def rebuilds(tool, work, runs):
    """One build into a fresh folder, then runs builds into the same folder."""
    tool.build(work, record=False)
    for i in range(runs):
        before = snapshot(tool.out)
        tool.build(work, fresh=False)
        after = snapshot(tool.out)
        common = before.keys() & after.keys()
        change = {
            "files_before": len(before),
            "files_after": len(after),
            "rewritten": sum(1 for p in common if before[p] != after[p]),
            "inode_changed": sum(1 for p in common if before[p][0] != after[p][0]),
            "unchanged": sum(1 for p in common if before[p] == after[p]),
            "created": len(after.keys() - before.keys()),
            "removed": len(before.keys() - after.keys()),
        }
        tool.rebuilds.append(change)
        print(f"        rewritten {change['rewritten']} of {change['files_before']} files "
              f"({change['inode_changed']} with a new inode), unchanged {change['unchanged']}, "
              f"created {change['created']}, removed {change['removed']}", flush=True)
    s = tool.summary()
    print()
    head = ("tool", "rebuilds", "wall s min/med/max", "CPU s min/med/max", "peak RSS MiB",
            "files", "rewritten min/med/max")
    rw = spread([c["rewritten"] for c in tool.rebuilds], 0)
    rows = [(tool.name + " rebuild", str(s["runs"]), mmm(s["wall"]), mmm(s["cpu"]),
             f"{s['max_peak_rss_mib']:.1f}", str(tool.rebuilds[-1]["files_after"]), mmm(rw, "{:.0f}"))]
    w = tool.warmup
    rows.insert(0, (tool.name + " first build", "1", f"{w['wall_s']:.2f}", f"{w['cpu_s']:.2f}",
                    f"{w['peak_rss_kib'] / 1024:.1f}", str(tool.rebuilds[0]["files_before"]), ""))
    print_table(head, rows)
    print()
    s["rewritten"] = rw
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.split("\n")[2:]))
    ap.add_argument("--stations", type=int, default=600, help="corpus size (default 600, about 13,800 pages)")
    ap.add_argument("--runs", type=int, default=3,
                    help="measured rounds after the warm-up, or rebuilds with --rebuild (default 3)")
    ap.add_argument("--work", default=os.path.join(REPO, "target", "bench"),
                    help="corpora, outputs and results (default <repo>/target/bench)")
    ap.add_argument("--zhan", help="zhan binary (default: cargo build --release, target/release/zhan)")
    ap.add_argument("--zola", default=os.environ.get("ZOLA"),
                    help="zola binary (default: $ZOLA; without either, Zola is skipped)")
    ap.add_argument("--gencorpus", default=os.path.join(os.path.dirname(REPO), "shared", "bench", "gencorpus.py"),
                    help="corpus generator (default <repo>/../shared/bench/gencorpus.py)")
    ap.add_argument("--output-dir", help="where the builds write, e.g. a tmpfs (default: the work folder)")
    ap.add_argument("--results", help="results file (default WORK/results-build.json, "
                                      "WORK/results-rebuild.json with --rebuild)")
    ap.add_argument("--skip-zhan", action="store_true", help="leave zhan out")
    ap.add_argument("--skip-zola", action="store_true", help="leave Zola out")
    ap.add_argument("--skip-hugo", action="store_true", help="leave Hugo out")
    ap.add_argument("--rebuild", action="store_true",
                    help="measure zhan rebuilding into its existing output folder (zhan only)")
    args = ap.parse_args()
    if args.rebuild:
        if args.skip_zhan:
            fail("--rebuild measures zhan; it cannot be combined with --skip-zhan")
        args.skip_zola = args.skip_hugo = True
    if not args.zola:
        args.skip_zola = True
    if args.skip_hugo and args.skip_zhan and args.skip_zola:
        fail("nothing left to measure (Zola needs --zola PATH or $ZOLA)")
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

    tools, info = [], {"mode": "rebuild" if args.rebuild else "full", "stations": n, "runs": args.runs,
                       "cpus": os.cpu_count(),
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
        info["zhan_binary_sha256"] = sha256(zhan)
        out = os.path.join(outputs, f"out-zhan-{n}" + ("-rebuild" if args.rebuild else ""))
        tools.append(Tool("zhan", site, out, [zhan, "build", "--root", site, "--output", out]))
    if not args.skip_zola:
        zola = shutil.which(args.zola) or os.path.abspath(args.zola)
        if not (os.path.isfile(zola) and os.access(zola, os.X_OK)):
            fail(f"no zola executable at {args.zola} (see --zola, $ZOLA, --skip-zola)")
        r = subprocess.run([zola, "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        info["zola_binary"] = zola
        info["zola_version"] = r.stdout.strip()
        site = os.path.join(work, f"zola-{n}")
        info["zola_corpus_files"] = corpus(gencorpus, site, n, "zola")
        # the skeleton: config.toml, templates/
        install(ZOLA_SKELETON, sorted(os.listdir(ZOLA_SKELETON)), site)
        out = os.path.join(outputs, f"out-zola-{n}")
        # `zola build` refuses an existing output folder without --force; it is
        # deleted before each build anyway.
        tools.append(Tool("zola", site, out, [zola, "--root", site, "build", "--output-dir", out, "--force"]))
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

    print(f"{n} stations, {args.runs} {'rebuilds' if args.rebuild else 'rounds'}, {os.cpu_count()} CPUs;"
          f" work folder {work}" + (f", outputs in {outputs}" if outputs != work else ""), flush=True)
    for tool in tools:
        print(f"{tool.name}: {' '.join(tool.command)}", flush=True)

    status = 0
    if args.rebuild:
        results = {"zhan": rebuilds(tools[0], work, args.runs)}
        summary = dict(info, tools=results)
        default_results = "results-rebuild.json"
    else:
        results, ratios = full_builds(tools, work, args.runs)
        summary = dict(info, tools=results, ratios=ratios)
        default_results = "results-build.json"
        if "zhan/hugo" in ratios:
            ratio = ratios["zhan/hugo"]["wall_median"]
            summary["ratio_wall_median"] = ratio
            summary["ratio_goal"] = RATIO_GOAL
            summary["ratio_goal_met"] = ratio <= RATIO_GOAL
            print(f"  zhan/hugo wall-time goal <= {RATIO_GOAL:.2f}: "
                  f"{'met' if ratio <= RATIO_GOAL else 'NOT met'} (reported only)")
    if "zhan" in results:
        peak = results["zhan"]["peak_rss_mib"]
        summary["zhan_peak_rss_mib"] = peak
        summary["rss_limit_mib"] = RSS_LIMIT_MIB
        summary["rss_limit_met"] = peak <= RSS_LIMIT_MIB
        print(f"zhan peak memory: {peak:.1f} MiB (highest peak RSS of all its builds; limit {RSS_LIMIT_MIB} MiB)")
        if peak > RSS_LIMIT_MIB:
            print(f"FAIL: zhan's peak RSS {peak:.1f} MiB exceeds the 1 GiB goal", file=sys.stderr)
            status = 1
    path = os.path.abspath(args.results) if args.results else os.path.join(work, default_results)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(summary, f, ensure_ascii=False, indent=2)
        f.write("\n")
    print(f"results written to {path}")
    return status


if __name__ == "__main__":
    sys.exit(main())
