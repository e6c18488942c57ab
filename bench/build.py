#!/usr/bin/env python3
"""Build benchmark: zhan against Zola and Hugo on the same synthetic sites.

    ZOLA=/path/to/zola python3 bench/build.py --output-dir /dev/shm/zhan-bench   # tmpfs
    ZOLA=/path/to/zola python3 bench/build.py                                    # on disk

    python3 bench/build.py [--stations N[,N...]] [--runs K] [--work DIR] [--zhan PATH]
                           [--zola PATH] [--gencorpus PATH] [--output-dir DIR]
                           [--results FILE] [--skip-zhan] [--skip-zola] [--skip-hugo]
                           [--rebuild]

For each station count (default 600 and 3000):
1. Writes the same pages in three flavors with ../shared/bench/gencorpus.py, kept in
   WORK/zhan-N, WORK/zola-N and WORK/hugo-N and reused by later runs: the zhan flavor
   gets the repository's themes/ copied in, the zola flavor the bare skeleton of
   bench/zola/, the hugo flavor the skeleton of bench/hugo/. A corpus written just now
   is left to age 4 s first, and so is zhan's binary (zhan trusts an input's mtime,
   and its own, only from 3 s on).
2. Builds each site once to warm up, then K rounds; in each round every size, in
   order, and at each size every tool builds once, in an order that changes from
   round to round (zhan, Zola, Hugo; Zola, Hugo, zhan; Hugo, zhan, Zola; then the
   same reversed), so that over six rounds each tool follows each other one twice:
   slow drift of the machine, and whatever a build leaves behind for the next one,
   hit all tools and sizes alike. Each build writes into a fresh output folder after
   `sync`, under /usr/bin/time for wall seconds, CPU seconds (user + system) and peak
   RSS.
3. zhan's no-change rebuilds, per size: K more zhan builds into the output folder its
   last round wrote, not deleted. Every output file's (inode, mtime in ns) is recorded
   before and after each, to count the files rewritten, created and removed (all
   must be 0).

At the end prints one table: per size and tool
the runs, wall and CPU seconds min/median/max, peak RSS, HTML pages and time per
HTML page (wall and CPU ms, from the medians); the ratios of medians zhan/zola and
zhan/hugo (wall, CPU); zhan's no-change rebuild min/median/max, its ratio to zhan's
fresh build and the files it changed. Then per size each tool's median user and
system CPU seconds, and for zhan against each other tool the min/median/max of the
wall and CPU ratios of builds of the same round. Then the goals per size and the time per page
at the largest size against the smallest: zhan's ratio of the medians, and for each
tool the min/median/max of the ratios of builds of the same round. Everything, one
object per size, goes to WORK/results-build.json (or --results), rewritten after
each round.

Goals: zhan's peak RSS (the highest of all its builds at that size: warm-up, rounds,
rebuilds) at most 1 GiB up to 600 stations, under 1.5 GiB above; a no-change rebuild
rewrites, creates and removes no file. Reported only: zhan's wall time at most 0.3 x
Hugo's, and time per page no worse at the largest size than at the smallest.

--rebuild: zhan only, no Zola, Hugo or rounds: per size, one build into a fresh
folder (WORK/out-zhan-N-rebuild; it stands for zhan's fresh build in the table), then
K no-change rebuilds into it. Results go to WORK/results-rebuild.json (or --results).

Exit status: 0 when all builds succeed and the goals are met; 1 when a memory goal or
the no-change rebuild's is not met at some size (every size is still measured); 2 when
a build or a setup step fails.

Time, 2 CPUs, outputs on a tmpfs: a round's builds take about 11 s at 600 stations
(zhan 1.3 s, Zola 2.0 s, Hugo 7.8 s) and 68 s at 3000 (zhan 5.9 s, Zola 9.8 s, Hugo 52 s;
Hugo needs about 7 GiB of memory there). With --runs 6 the whole run took 11 min 19 s
on 2026-12-05, so the default (warm-up + 3 rounds) takes about 7 minutes, more on a
slow disk; the first run also writes the corpora (about 2 min).

Defaults: --stations 600,3000 (about 13,800 and 69,000 pages), --runs 3,
--work <repo>/target/bench, --zhan: run `cargo build --release` in the repository and
use target/release/zhan. --zola: the environment variable ZOLA; with neither, Zola is
skipped. --skip-zhan / --skip-zola / --skip-hugo leave a generator out (and its ratio).
--output-dir DIR: where the builds write (default WORK). Creating ~14,000 files and
folders per 600 stations can cost more than rendering them on a slow disk; a tmpfs
such as /dev/shm/zhan-bench measures the generators rather than the disk, the default
(on disk) what users see.
Python 3 standard library only.
"""
import argparse
import atexit
import datetime
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SKELETON = os.path.join(REPO, "bench", "hugo")
ZOLA_SKELETON = os.path.join(REPO, "bench", "zola")
GNU_TIME = "/usr/bin/time"
SMALL_SITE_STATIONS = 600  # up to this size, the small-site memory goal applies
RSS_GOAL_SMALL_MIB = 1024  # zhan's peak RSS at most 1 GiB up to 600 stations
RSS_GOAL_LARGE_MIB = 1536  # and under 1.5 GiB above
RATIO_GOAL = 0.3           # zhan's wall-time goal, as a fraction of Hugo's
INPUTS_SETTLE_S = 4       # the age of its inputs from which zhan trusts their times


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


# Where earlier outputs wait until the run ends (see set_aside), beside the outputs.
SET_ASIDE = []


def filesystem_type(path):
    """The type of the file system holding path ("tmpfs", "ext4", ...), from
    /proc/mounts; None where that cannot be read."""
    try:
        with open("/proc/mounts") as f:
            mounts = [line.split()[1:3] for line in f if len(line.split()) >= 3]
    except OSError:
        return None
    path = os.path.realpath(path)
    best = None
    for point, kind in mounts:
        point = point.replace("\\040", " ")
        inside = path == point or path.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) > len(best[0])):
            best = (point, kind)
    return best[1] if best else None


def set_aside(folder):
    """Moves an earlier output out of the way instead of deleting it. ext4 without a
    journal (as on the machines this was measured on) skips, when it makes a new
    inode, every inode freed in the last minute, reading the inode table to know:
    deleting the last output just before a build made that build's kernel time grow
    round after round, more for the tool that makes more files. Renaming frees no
    inode; the folders set aside are deleted when the run is over (delete_set_aside).
    On a tmpfs, which has no such scan and holds everything in memory (the outputs
    of five rounds at 3,000 stations fill it), the folder is deleted at once."""
    if not os.path.exists(folder):
        return
    if filesystem_type(folder) == "tmpfs":
        shutil.rmtree(folder, ignore_errors=True)
        return
    parent = os.path.join(os.path.dirname(folder), ".set-aside")
    os.makedirs(parent, exist_ok=True)
    target = os.path.join(parent, f"{os.path.basename(folder)}-{len(SET_ASIDE)}-{os.getpid()}")
    os.rename(folder, target)
    SET_ASIDE.append(target)


def delete_set_aside():
    for folder in SET_ASIDE:
        shutil.rmtree(folder, ignore_errors=True)
    SET_ASIDE.clear()


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


def ratio(a, b, digits=3):
    """a / b rounded, or None when b is 0 (a build too short for the clock)."""
    return round(a / b, digits) if b else None


def same_round(a, b, scale=1.0, digits=3):
    """min/median/max of a's builds over b's, round by round, each times scale, for
    wall and CPU: {"wall": spread, "cpu": spread}, leaving out a key with no usable
    pair. a and b are Series summaries whose i-th builds ran in the same round."""
    out = {}
    for key, column in (("wall", "wall_s"), ("cpu", "cpu_s")):
        pairs = [x / y * scale for x, y in zip(a[column], b[column]) if y > 0]
        if pairs:
            out[key] = spread(pairs, digits)
    return out


def same_round_text(label, ratios, mark=""):
    """The line that prints same_round's ratios."""
    return (f"  {label}, builds of the same round, min/med/max: "
            + "; ".join(f"{key} {mark}{mmm(ratios[key])}" for key in ("wall", "cpu") if key in ratios))


def fmt_ratios(r, fmt="{:.2f}"):
    """ "wall, CPU" of a {"wall_median", "cpu_median"} dict, "-" for a missing ratio."""
    return ", ".join("-" if r[k] is None else fmt.format(r[k]) for k in ("wall_median", "cpu_median"))


def rss_goal(stations):
    """zhan's peak-RSS goal at a corpus size: (limit MiB, whether the limit itself is allowed)."""
    if stations <= SMALL_SITE_STATIONS:
        return RSS_GOAL_SMALL_MIB, True
    return RSS_GOAL_LARGE_MIB, False


def rss_goal_text(stations):
    limit, inclusive = rss_goal(stations)
    return f"{'<=' if inclusive else '<'} {limit} MiB"


def rss_goal_met(stations, peak_mib):
    limit, inclusive = rss_goal(stations)
    return peak_mib <= limit if inclusive else peak_mib < limit


class Series:
    """The measured builds of one kind (fresh or no-change rebuild) of one tool."""

    def __init__(self):
        self.walls, self.cpu, self.user, self.system, self.rss_kib, self.loads = [], [], [], [], [], []

    def add(self, wall, rss_kib, user, system):
        self.walls.append(wall)
        self.rss_kib.append(rss_kib)
        self.cpu.append(round(user + system, 2))
        self.user.append(user)
        self.system.append(system)
        self.loads.append(round(os.getloadavg()[0], 2))

    def summary(self):
        return {
            "runs": len(self.walls),
            "wall_s": self.walls,
            "cpu_s": self.cpu,
            "peak_rss_kib": self.rss_kib,
            "wall": spread(self.walls),
            "cpu": spread(self.cpu, 2),
            "user_s": self.user,
            "system_s": self.system,
            "user": spread(self.user, 2),
            "system": spread(self.system, 2),
            "max_peak_rss_mib": round(max(self.rss_kib) / 1024, 1),
            "load_after_each_build": self.loads,
        }


class Tool:
    def __init__(self, name, site, out, command, caches=()):
        self.name, self.site, self.out, self.command, self.caches = name, site, out, command, caches
        self.warmup = None       # the first build, not measured (None with --rebuild)
        self.fresh = Series()    # builds into a fresh output folder
        self.rebuilt = Series()  # no-change rebuilds into the existing output folder
        self.changes = []        # the file changes of each no-change rebuild
        self.html_pages = None

    def run(self, work, fresh):
        """One timed build; into a fresh output folder unless fresh is false.
        Returns (wall seconds, peak RSS KiB, user and system CPU seconds, HTML pages, stderr)."""
        if fresh:
            set_aside(self.out)
        for cache in self.caches:
            set_aside(cache)
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
            fail(f"{self.name} has {pages} HTML pages, {self.html_pages} after an earlier build")
        self.html_pages = pages
        return wall, rss, user, system, pages, r.stderr

    def build(self, work, kind):
        """kind: "warm-up" or "fresh" (into a fresh folder), "rebuild" (into the existing one)."""
        wall, rss, user, system, pages, stderr = self.run(work, fresh=kind != "rebuild")
        cpu = user + system
        if kind == "warm-up":
            if stderr.strip():
                print(f"  {self.name} printed on stderr (warm-up build):\n{tail(stderr, 20)}", flush=True)
            self.warmup = {"wall_s": wall, "peak_rss_kib": rss, "cpu_s": round(cpu, 2),
                           "load_after": round(os.getloadavg()[0], 2)}
        else:
            (self.rebuilt if kind == "rebuild" else self.fresh).add(wall, rss, user, system)
        print(f"  {self.name:5} {kind + ':':9} {wall:7.2f} s  {rss / 1024:8.1f} MiB  "
              f"cpu {cpu:6.2f} s (user {user:5.2f}, system {system:5.2f})  {pages} html", flush=True)

    def peak_rss_mib(self):
        """The highest peak RSS of all this tool's builds, the warm-up included."""
        kib = self.fresh.rss_kib + self.rebuilt.rss_kib + ([self.warmup["peak_rss_kib"]] if self.warmup else [])
        return round(max(kib) / 1024, 1)

    def summary(self):
        out = dict(self.fresh.summary(), warmup=self.warmup)
        out["peak_rss_mib"] = round(max(self.fresh.rss_kib + ([self.warmup["peak_rss_kib"]] if self.warmup else []))
                                    / 1024, 1)
        out["html_pages"] = self.html_pages
        out["output_files"] = sum(len(n) for _, _, n in os.walk(self.out))
        out["ms_per_html_page"] = {
            "wall_median": ratio(out["wall"]["median"] * 1000, self.html_pages, 4),
            "cpu_median": ratio(out["cpu"]["median"] * 1000, self.html_pages, 4),
        }
        out["command"] = self.command
        return out

    def rebuild_summary(self):
        out = self.rebuilt.summary()
        out["changes"] = self.changes
        for k in ("rewritten", "created", "removed"):
            out[k] = spread([c[k] for c in self.changes], 0)
        out["no_file_changed"] = all(c["rewritten"] == c["created"] == c["removed"] == 0 for c in self.changes)
        fresh = self.fresh.summary()
        out["fraction_of_fresh"] = {
            "wall_median": ratio(out["wall"]["median"], fresh["wall"]["median"], 4),
            "cpu_median": ratio(out["cpu"]["median"], fresh["cpu"]["median"], 4),
        }
        return out


def no_change_rebuilds(tool, work, runs):
    """runs builds into tool's existing output folder, counting the files each changed."""
    for i in range(runs):
        before = snapshot(tool.out)
        tool.build(work, "rebuild")
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
        tool.changes.append(change)
        print(f"        rewritten {change['rewritten']} of {change['files_before']} files "
              f"({change['inode_changed']} with a new inode), unchanged {change['unchanged']}, "
              f"created {change['created']}, removed {change['removed']}", flush=True)


def round_order(tools, i):
    """The tools in the order of round i: turned by i, and reversed in every other
    cycle of len(tools) rounds. Over 2 x len(tools) rounds each tool then comes right
    after each other one equally often (a balanced Latin square, the crossover design
    of Williams), where turning alone keeps the cyclic order: zhan came right after
    Hugo, whose build at 3,000 stations takes 47 s and 7 GiB, in two rounds of three,
    Zola never."""
    k = i % len(tools)
    turned = tools[k:] + tools[:k]
    return turned[::-1] if (i // len(tools)) % 2 else turned


def measure_rounds(plans, work, runs, rebuild_only, after_round):
    """The builds of all sizes: warm-ups, then rounds in which every size and every
    tool builds once (or, with rebuild_only, zhan's first build of each size). Sizes
    are interleaved so that each round's builds of the sizes run minutes apart at
    most and time per page compares like with like; after_round(i) is called after
    round i."""
    if rebuild_only:
        for _, tools in plans:
            tools[0].build(work, "fresh")
        return
    for n, tools in plans:
        print(f"-- {n} stations: warm-up", flush=True)
        for tool in tools:
            tool.build(work, "warm-up")
    for i in range(runs):
        for n, tools in plans:
            print(f"-- {n} stations: round {i + 1} of {runs}", flush=True)
            for tool in round_order(tools, i):
                tool.build(work, "fresh")
        after_round(i)


def zhan_of(tools):
    """zhan's Tool among tools, or None when it is left out."""
    return next((t for t in tools if t.name == "zhan"), None)


def size_results(n, tools):
    """This size's results so far (the no-change rebuilds once they are done)."""
    zhan = zhan_of(tools)
    size = {"stations": n, "tools": {t.name: t.summary() for t in tools}, "ratios": {}}
    if zhan:
        z = size["tools"]["zhan"]
        for other in ("zola", "hugo"):
            if other in size["tools"]:
                o = size["tools"][other]
                size["ratios"][f"zhan/{other}"] = {
                    "wall_median": ratio(z["wall"]["median"], o["wall"]["median"]),
                    "cpu_median": ratio(z["cpu"]["median"], o["cpu"]["median"]),
                    "peak_rss": ratio(z["peak_rss_mib"], o["peak_rss_mib"]),
                    # Builds of the same round follow each other within seconds:
                    # their ratios show how far the machine moves a single comparison.
                    "same_round": same_round(z, o, digits=2),
                }
        if zhan.rebuilt.walls:
            size["zhan_no_change_rebuild"] = zhan.rebuild_summary()
        peak = zhan.peak_rss_mib()
        limit, inclusive = rss_goal(n)
        size["memory_goal"] = {"zhan_peak_rss_mib": peak, "limit_mib": limit, "limit_allowed": inclusive,
                               "met": rss_goal_met(n, peak)}
        if "zhan/hugo" in size["ratios"]:
            wall = size["ratios"]["zhan/hugo"]["wall_median"]
            if wall is not None:
                size["wall_goal"] = {"zhan_hugo_wall_median": wall, "goal": RATIO_GOAL, "met": wall <= RATIO_GOAL}
    return size


def print_table(head, rows):
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    for r in [head] + rows:
        print("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip())


def mmm(d, fmt="{:.2f}"):
    return "/".join(fmt.format(d[k]) for k in ("min", "median", "max"))


def print_summary(sizes):
    """One table for all the sizes measured so far, then the goals and the time per page."""
    head = ("stations", "build", "runs", "wall s min/med/max", "CPU s min/med/max", "peak RSS MiB",
            "html pages", "ms/page wall, CPU", "ratio of medians wall, CPU", "rewritten/created/removed")
    rows = []
    for size in sizes:
        n = str(size["stations"])
        for name, t in size["tools"].items():
            zhan_to = size["ratios"].get(f"zhan/{name}")
            rows.append((n, name, str(t["runs"]), mmm(t["wall"]), mmm(t["cpu"]), f"{t['peak_rss_mib']:.1f}",
                         str(t["html_pages"]), fmt_ratios(t["ms_per_html_page"], "{:.3f}"),
                         f"zhan/{name} {fmt_ratios(zhan_to)}" if zhan_to else "",
                         ""))
        r = size.get("zhan_no_change_rebuild")
        if r:
            rows.append((n, "zhan no-change rebuild", str(r["runs"]), mmm(r["wall"]), mmm(r["cpu"]),
                         f"{r['max_peak_rss_mib']:.1f}", "", "",
                         f"rebuild/fresh {fmt_ratios(r['fraction_of_fresh'], '{:.3f}')}",
                         "/".join(str(int(r[k]["max"])) for k in ("rewritten", "created", "removed"))))
    print()
    print_table(head, rows)
    print("(peak RSS: the highest of the tool's builds, warm-up included; ms/page: median time per "
          "HTML page; rewritten/created/removed: the most files of any rebuild)")
    for size in sizes:
        split = ", ".join(f"{name} {t['user']['median']:.2f} + {t['system']['median']:.2f}"
                          for name, t in size["tools"].items())
        print(f"{size['stations']} stations, CPU s as user + system (medians): {split}")
        for pair, r in size["ratios"].items():
            if r["same_round"]:
                print(same_round_text(pair, r["same_round"]))
    for size in sizes:
        n = size["stations"]
        goals = []
        if "memory_goal" in size:
            m = size["memory_goal"]
            goals.append(f"zhan peak RSS {m['zhan_peak_rss_mib']:.1f} MiB, goal {rss_goal_text(n)}: "
                         f"{'met' if m['met'] else 'NOT met'}")
        if "zhan_no_change_rebuild" in size:
            goals.append(f"no-change rebuild changes no file: "
                         f"{'met' if size['zhan_no_change_rebuild']['no_file_changed'] else 'NOT met'}")
        if "wall_goal" in size:
            w = size["wall_goal"]
            goals.append(f"zhan/hugo wall {w['zhan_hugo_wall_median']:.3f}, goal <= {RATIO_GOAL:.2f}: "
                         f"{'met' if w['met'] else 'NOT met'} (reported only)")
        if goals:
            print(f"{n} stations: " + "; ".join(goals))
        for other in ("zola", "hugo"):
            if "zhan" in size["tools"] and other in size["tools"]:
                zp, op = size["tools"]["zhan"]["html_pages"], size["tools"][other]["html_pages"]
                if abs(zp - op) > 0.1 * max(zp, op):
                    print(f"  note: zhan and {other} wrote {zp} and {op} HTML pages (more than 10% apart); "
                          f"compare with care")
    per_page = per_page_growth(sizes)
    if per_page:
        print(f"zhan time per page, {per_page['largest']} against {per_page['smallest']} stations: "
              f"wall x{per_page['wall_ratio']:.2f}, CPU x{per_page['cpu_ratio']:.2f} "
              f"({'no worse' if per_page['no_worse'] else 'worse'} at the larger size; reported only)")
        for name, g in per_page["same_round"].items():
            print(same_round_text(name, g, mark="x"))


def per_page_growth(sizes):
    """zhan's time per HTML page at the largest size against the smallest, or None:
    the ratio of the medians, and the ratios of the builds of the same round (taken
    minutes apart, so the machine's slow drift cancels), for each tool measured at
    both sizes; Zola's and Hugo's show what the machine does to the others."""
    measured = sorted((s for s in sizes if "zhan" in s["tools"]), key=lambda s: s["stations"])
    if len(measured) < 2:
        return None
    small, large = measured[0], measured[-1]
    a, b = small["tools"]["zhan"]["ms_per_html_page"], large["tools"]["zhan"]["ms_per_html_page"]
    wall, cpu = ratio(b["wall_median"], a["wall_median"]), ratio(b["cpu_median"], a["cpu_median"])
    if wall is None or cpu is None:
        return None
    by_round = {}
    for name, t in large["tools"].items():
        u = small["tools"].get(name)
        if not u:
            continue
        growth = same_round(t, u, scale=u["html_pages"] / t["html_pages"])
        if growth:
            by_round[name] = growth
    return {"smallest": small["stations"], "largest": large["stations"], "wall_ratio": wall,
            "cpu_ratio": cpu, "no_worse": wall <= 1 and cpu <= 1, "same_round": by_round}


def station_counts(text):
    """--stations: a comma-separated list of corpus sizes."""
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of numbers: {text!r}")
    if not counts or min(counts) < 1 or len(set(counts)) != len(counts):
        raise argparse.ArgumentTypeError(f"want distinct station counts of at least 1: {text!r}")
    return counts


def make_tools(n, args, binaries, work, outputs, info):
    """The corpora of size n and the tools that build them; corpus facts go into info."""
    gencorpus = binaries["gencorpus"]
    tools = []
    if "zhan" in binaries:
        site = os.path.join(work, f"zhan-{n}")
        info["zhan_corpus_files"] = corpus(gencorpus, site, n, "zhan")
        # site.yaml names `theme: default`, which a site keeps in themes/default:
        # give the corpus the repository's current themes.
        if os.path.isdir(os.path.join(REPO, "themes")):
            install(REPO, ["themes"], site)
        out = os.path.join(outputs, f"out-zhan-{n}" + ("-rebuild" if args.rebuild else ""))
        tools.append(Tool("zhan", site, out, [binaries["zhan"], "build", "--root", site, "--output", out]))
    if "zola" in binaries:
        site = os.path.join(work, f"zola-{n}")
        info["zola_corpus_files"] = corpus(gencorpus, site, n, "zola")
        # the skeleton: config.toml, templates/
        install(ZOLA_SKELETON, sorted(os.listdir(ZOLA_SKELETON)), site)
        out = os.path.join(outputs, f"out-zola-{n}")
        # `zola build` refuses an existing output folder without --force; it is
        # deleted before each build anyway.
        tools.append(Tool("zola", site, out,
                          [binaries["zola"], "--root", site, "build", "--output-dir", out, "--force"]))
    if "hugo" in binaries:
        site = os.path.join(work, f"hugo-{n}")
        info["hugo_corpus_files"] = corpus(gencorpus, site, n, "hugo")
        # the skeleton: hugo.yaml, layouts/, data/, static/
        install(SKELETON, sorted(os.listdir(SKELETON)), site)
        out, cache = os.path.join(outputs, f"out-hugo-{n}"), os.path.join(outputs, f"hugo-cache-{n}")
        # --ignoreCache, and the cacheDir and resourceDir (SITE/resources) emptied
        # before each build: no run reuses anything an earlier one left behind.
        tools.append(Tool("hugo", site, out,
                          [binaries["hugo"], "--quiet", "--source", site, "--destination", out,
                           "--cacheDir", cache, "--ignoreCache"],
                          caches=(cache, os.path.join(site, "resources"))))
    return tools


def settle(tools):
    """Waits until the corpora and zhan's binary are INPUTS_SETTLE_S old. zhan stamps an
    input, and its own executable, by its bytes while its mtime is under 3 s old
    (src/pipeline/skip.rs, RACY) and by its times after; a corpus or a binary written
    just now (by the `cargo build` this script runs) would make the first no-change
    rebuild see new stamps and build again."""
    newest = max(os.path.getmtime(path) for t in tools
                 for path in [os.path.join(t.site, ".corpus.json")] + ([t.command[0]] if t.name == "zhan" else []))
    wait = newest + INPUTS_SETTLE_S - time.time()
    if wait > 0:
        print(f"waiting {wait:.1f} s for the new corpora and zhan's binary to settle", flush=True)
        time.sleep(wait)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.split("\n")[2:]))
    ap.add_argument("--stations", type=station_counts, default=[600, 3000],
                    help="corpus sizes, comma-separated, measured in order (default 600,3000)")
    ap.add_argument("--runs", type=int, default=3,
                    help="measured rounds after the warm-up, and no-change rebuilds of zhan (default 3)")
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
                    help="zhan only: one build, then the no-change rebuilds, no rounds")
    args = ap.parse_args()
    if args.rebuild:
        if args.skip_zhan:
            fail("--rebuild measures zhan; it cannot be combined with --skip-zhan")
        args.skip_zola = args.skip_hugo = True
    if not args.zola:
        args.skip_zola = True
    if args.skip_hugo and args.skip_zhan and args.skip_zola:
        fail("nothing left to measure (Zola needs --zola PATH or $ZOLA)")
    if args.runs < 1:
        fail("--runs must be at least 1")
    if not os.access(GNU_TIME, os.X_OK):
        fail(f"GNU time is needed at {GNU_TIME}")
    gencorpus = os.path.abspath(args.gencorpus)
    if not os.path.isfile(gencorpus):
        fail(f"no corpus generator at {gencorpus} (see --gencorpus)")
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    outputs = os.path.abspath(args.output_dir) if args.output_dir else work
    os.makedirs(outputs, exist_ok=True)

    info = {"mode": "rebuild" if args.rebuild else "full", "stations": args.stations, "runs": args.runs,
            "cpus": os.cpu_count(), "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "work": work, "output_dir": outputs}
    binaries = {"gencorpus": gencorpus}
    if not args.skip_zhan:
        binaries["zhan"] = zhan_binary(args)
        info["zhan_binary"] = binaries["zhan"]
        info["zhan_binary_sha256"] = sha256(binaries["zhan"])
    if not args.skip_zola:
        zola = shutil.which(args.zola) or os.path.abspath(args.zola)
        if not (os.path.isfile(zola) and os.access(zola, os.X_OK)):
            fail(f"no zola executable at {args.zola} (see --zola, $ZOLA, --skip-zola)")
        r = subprocess.run([zola, "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        binaries["zola"] = info["zola_binary"] = zola
        info["zola_version"] = r.stdout.strip()
    if not args.skip_hugo:
        hugo = shutil.which("hugo")
        if not hugo:
            fail("hugo is not on PATH (or pass --skip-hugo)")
        binaries["hugo"] = hugo
        info["hugo_version"] = subprocess.run([hugo, "version"], stdout=subprocess.PIPE, text=True).stdout.strip()
    path = os.path.abspath(args.results) if args.results else \
        os.path.join(work, "results-rebuild.json" if args.rebuild else "results-build.json")

    # Old outputs are set aside during the run and deleted at its end (set_aside says why).
    atexit.register(delete_set_aside)
    plans, infos = [], {}
    for n in args.stations:
        print(f"== {n} stations, {args.runs} {'rebuilds' if args.rebuild else 'rounds'}, {os.cpu_count()} CPUs;"
              f" work folder {work}" + (f", outputs in {outputs}" if outputs != work else ""), flush=True)
        infos[n] = {}
        tools = make_tools(n, args, binaries, work, outputs, infos[n])
        for tool in tools:
            print(f"{tool.name}: {' '.join(tool.command)}", flush=True)
        plans.append((n, tools))
    settle([tool for _, tools in plans for tool in tools])

    def results():
        sizes = []
        for n, tools in plans:
            size = size_results(n, tools)
            size.update(infos[n])
            sizes.append(size)
        summary = dict(info, sizes=sizes)
        growth = per_page_growth(sizes)
        if growth:
            summary["zhan_per_page_largest_vs_smallest"] = growth
        summary["goals_met"] = all(s.get("memory_goal", {}).get("met", True) and
                                   s.get("zhan_no_change_rebuild", {}).get("no_file_changed", True)
                                   for s in sizes)
        # after each round, so that the figures so far survive a failure later
        with open(path, "w", encoding="utf-8") as f:
            json.dump(summary, f, ensure_ascii=False, indent=2)
            f.write("\n")
        return sizes, summary

    measure_rounds(plans, work, args.runs, args.rebuild, lambda i: results())
    for n, tools in plans:
        zhan = zhan_of(tools)
        if zhan:
            print(f"-- {n} stations: zhan's no-change rebuilds", flush=True)
            no_change_rebuilds(zhan, work, args.runs)
    sizes, summary = results()

    print("== all sizes" if len(sizes) > 1 else f"== {sizes[0]['stations']} stations")
    print_summary(sizes)
    print(f"results written to {path}")
    if not summary["goals_met"]:
        print("FAIL: a goal of zhan's (peak memory, or a no-change rebuild that changes no file) is not met",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
