#!/usr/bin/env python3
"""Search benchmark: zhan's static search index against Pagefind on the same built site.

    python3 bench/search.py [--stations N] [--runs K] [--work DIR] [--zhan PATH]
                            [--gencorpus PATH] [--output-dir DIR] [--quiet-wait S]
                            [--keep-outputs] [--pagefind-version V] [--pagefind-runs K]
                            [--chromium PATH] [--skip-pagefind]

Measures the two goals of zhan's search on the corpus of bench/build.py (WORK/zhan-N,
written on first use and reused afterwards):

  1. what building the index costs: K rounds of `zhan build --timings`, each round one
     build with search on (the corpus as it is) and one with `search: false` (a copy of
     the corpus whose content files are hard links), in alternating order (on/off,
     off/on, ...) after one warm-up build of each, every build into a fresh folder
     (on /dev/shm when it exists) under /usr/bin/time for wall seconds and peak RSS.
     Reports the median wall time of each, the time search adds as a percentage of the
     build without it (goal: at most 20%), and the `search` stage zhan prints itself.
     Each build waits (up to --quiet-wait seconds) for the rest of the machine to go
     nearly idle, and the CPU time the rest of the machine used during it is recorded
     (/proc/stat): the added time is also given for the quiet builds alone;
  2. what a query downloads: five queries a resident could type, each in a fresh browser
     context (empty cache) of Debian's Chromium driven by playwright-core, against the
     built site served by a static server on 127.0.0.1 (no compression). zhan: the page
     /search/?q=QUERY until its first results show with their snippets; the bytes are
     the bodies of every response under /search/ but the page itself (search.js is
     counted apart: it is fetched once). Goal: at most 150 KB per query.

Pagefind (npm package, installed into WORK/pagefind on first use) indexes a copy of the
site built with search off, timed the same way; then the same five queries run through
its API as its default UI would (`search(q)`, then `data()` of the first five results)
on a page of that site, counting every response under /pagefind/ but pagefind*.js and
its wasm, which are reported apart, and with them.

Prints the bytes per query (zhan, Pagefind, ratio), the build times and index sizes, and
a PASS/FAIL line for each goal; writes all of it, every file fetched included, to
WORK/search-results.json.

Exit status: 0 when every query of zhan downloads at most 150 KB; 1 when one downloads
more; 2 when a setup step fails (corpus, build, npm install, browser, server). The
build-time goal is reported (PASS/FAIL) but never fails the run: on a busy machine it
is noise as much as measure.

Defaults: --stations 600 (about 13,000 pages), --runs 5, --work <repo>/target/bench,
--output-dir /dev/shm/zhan-bench-search when /dev/shm exists (else WORK),
--zhan: `cargo build --release`, then target/release/zhan, --pagefind-version 1.6.0,
--pagefind-runs 1, --quiet-wait 20, --chromium /usr/bin/chromium (Debian: apt-get
install -y chromium).
Built sites on /dev/shm are removed at the end unless --keep-outputs.
Needs Python 3 (standard library only), GNU time at /usr/bin/time (else peak RSS comes
from wait4), node and npm (playwright-core and pagefind are installed under WORK).
"""
import argparse
import datetime
import gzip
import http.server
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ left in bench/ by the import below
import build  # noqa: E402  (bench/build.py: corpus(), install(), zhan_binary())

REPO = build.REPO
HOST = "127.0.0.1"
GNU_TIME = "/usr/bin/time"
BYTES_GOAL = 150 * 1024   # a query downloads at most 150 KB
TIME_GOAL_PCT = 20.0      # building the index adds at most 20% to the build time
PAGEFIND_RESULTS = 5      # results whose data() Pagefind's default UI loads first
QUERY_TIMEOUT_MS = 60000  # per query and tool, in the browser
QUIET_SHARE = 0.1         # a quiet build: the rest of the machine used at most a tenth of
                          # its CPUs meanwhile

# Five queries a resident could type, all found in gencorpus.py's pages.
QUERIES = [
    ("老人", "a two-character word"),
    ("垃圾分类", "a service topic"),
    ("楼门议事", "a phrase across two words (楼门 + 议事, from 楼门议事会)"),
    ("utf-8", "Latin letters and a digit (the code of the training lessons)"),
    ("惠里社区社工站", "a station's name (station s00000)"),
]


def fail(message, code=2):
    print(f"search.py: {message}", file=sys.stderr)
    sys.exit(code)


# build.py's helpers report through build.fail; let their messages carry our name.
build.fail = fail


def tail(text, lines=30):
    return "\n".join(text.rstrip().splitlines()[-lines:])


def kib(n):
    return "-" if n is None else f"{n / 1024:.1f}"


def fmt(value, spec):
    return "-" if value is None else format(value, spec)


def median(values):
    return statistics.median(values) if values else None


# ---- timed commands -------------------------------------------------------------


def gnu_timed(command, cwd=None):
    """Runs command under GNU time (as build.py); returns (wall s, peak RSS KiB, cpu s,
    stdout, stderr). A non-zero exit stops the benchmark."""
    with tempfile.NamedTemporaryFile("r", encoding="utf-8", suffix=".time") as record:
        r = subprocess.run([GNU_TIME, "-o", record.name, "-f", "%e %M %U %S"] + command, cwd=cwd,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            fail(f"`{' '.join(command)}` failed (exit {r.returncode}):\n--- stderr (tail) ---\n"
                 f"{tail(r.stderr)}\n--- stdout (tail) ---\n{tail(r.stdout, 10)}")
        # the last line; GNU time puts a status line before it on failure
        fields = record.read().strip().splitlines()[-1].split()
    return float(fields[0]), int(fields[1]), float(fields[2]) + float(fields[3]), r.stdout, r.stderr


def wait4_timed(command, cwd=None):
    """gnu_timed() without GNU time: output to files, the child reaped by os.wait4,
    whose rusage of a child counts the children it waited for too (npx's binary)."""
    with tempfile.TemporaryFile() as o, tempfile.TemporaryFile() as e:
        started = time.perf_counter()
        p = subprocess.Popen(command, cwd=cwd, stdout=o, stderr=e)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - started
        p.returncode = os.waitstatus_to_exitcode(status)
        o.seek(0)
        e.seek(0)
        out, err = o.read().decode("utf-8", "replace"), e.read().decode("utf-8", "replace")
    if p.returncode != 0:
        fail(f"`{' '.join(command)}` failed (exit {p.returncode}):\n--- stderr (tail) ---\n{tail(err)}\n"
             f"--- stdout (tail) ---\n{tail(out, 10)}")
    return wall, usage.ru_maxrss, usage.ru_utime + usage.ru_stime, out, err


def run_timed(command, cwd=None):
    if os.access(GNU_TIME, os.X_OK):
        return gnu_timed(command, cwd=cwd)
    return wait4_timed(command, cwd=cwd)


# ---- the machine's other work ---------------------------------------------------


def busy_cpu_s():
    """CPU seconds the whole machine has spent busy since boot (/proc/stat), or None."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal ...: all but idle and iowait
    busy = sum(fields[:8]) - fields[3] - fields[4]
    return busy / os.sysconf("SC_CLK_TCK")


def wait_for_quiet(max_wait_s, share=0.25):
    """Waits (at most max_wait_s) until the rest of the machine uses at most `share`
    of its CPUs over half a second, so that a build does not start in the middle of
    someone else's compile. Returns the seconds waited."""
    if max_wait_s <= 0 or busy_cpu_s() is None:
        return 0.0
    started = time.perf_counter()
    cpus = os.cpu_count() or 1
    while True:
        before, t0 = busy_cpu_s(), time.perf_counter()
        time.sleep(0.5)
        used = (busy_cpu_s() - before) / (time.perf_counter() - t0) / cpus
        waited = time.perf_counter() - started
        if used <= share or waited >= max_wait_s:
            return waited


# ---- sizes ----------------------------------------------------------------------


def folder_size(folder):
    """(bytes, files) of everything under folder, and the same by group (see group)."""
    total, files, groups = 0, 0, {}
    for base, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(base, name)
            size = os.path.getsize(path)
            total += size
            files += 1
            g = groups.setdefault(group(os.path.relpath(path, folder)), [0, 0])
            g[0] += size
            g[1] += 1
    return {"bytes": total, "files": files,
            "groups": {k: {"bytes": v[0], "files": v[1]} for k, v in sorted(groups.items())}}


def group(rel):
    """What a file of either index is, from its path: s/*.bin -> 's/*.bin',
    fragment/zh-cn_abc.pf_fragment -> 'fragment/*.pf_fragment', pagefind.js -> itself."""
    head, name = os.path.split(rel)
    ext = name.rsplit(".", 1)[-1] if "." in name else ""
    if head:
        return f"{head}/*.{ext}"
    if ext.startswith("pf_"):
        return f"*.{ext}"
    return name


def count_html(folder):
    return sum(1 for _, _, names in os.walk(folder) for n in names if n.endswith(".html"))


def link_tree(source, target):
    """A copy of folder source whose files are hard links (copies across file systems)."""
    def link(src, dst):
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)
    shutil.copytree(source, target, copy_function=link)


# ---- build cost -----------------------------------------------------------------

# `name:  12.3 ms  cpu  20.1 ms  9.8%`: the wall time is taken (CPU time and
# share, printed since 2026-12-05, are optional).
TIMING_LINE = re.compile(r"^\s*([a-z_]+):\s+([0-9.]+) ms(?:\s+cpu\s+[0-9.]+ ms(?:\s+[0-9.]+%)?)?\s*$", re.M)


class Variant:
    """zhan building one corpus folder, search on or off."""

    def __init__(self, name, zhan, site, out):
        self.name, self.site, self.out = name, site, out
        self.command = [zhan, "build", "--root", site, "--output", out, "--timings"]
        self.walls, self.rss_kib, self.cpu, self.stages = [], [], [], []
        self.others, self.waited = [], []
        self.warmup = None
        self.html_pages = None

    def build(self, record=True, quiet_wait_s=0.0):
        shutil.rmtree(self.out, ignore_errors=True)
        os.sync()  # no build pays for the writeback of the one before it
        waited = wait_for_quiet(quiet_wait_s)
        machine_before = busy_cpu_s()
        wall, rss, cpu, _, err = run_timed(self.command)
        machine = None if machine_before is None else busy_cpu_s() - machine_before
        # what the rest of the machine ran meanwhile, in CPU seconds (GNU time's own
        # sliver included): 0 on a quiet machine, up to (CPUs - 1) x wall on a busy one
        others = None if machine is None or cpu is None else max(0.0, machine - cpu)
        stages = {name: float(ms) for name, ms in TIMING_LINE.findall(err)}
        if not stages:
            fail(f"no --timings lines on zhan's stderr:\n{tail(err)}")
        pages = count_html(self.out)
        if self.html_pages is not None and pages != self.html_pages:
            fail(f"{self.name}: {pages} HTML pages, {self.html_pages} in an earlier build")
        self.html_pages = pages
        run = {"wall_s": wall, "peak_rss_kib": rss, "cpu_s": None if cpu is None else round(cpu, 2),
               "stages_ms": stages, "others_cpu_s": None if others is None else round(others, 2),
               "waited_for_quiet_s": round(waited, 1)}
        if record:
            self.walls.append(wall)
            self.rss_kib.append(rss)
            self.cpu.append(cpu)
            self.stages.append(stages)
            self.others.append(others)
            self.waited.append(round(waited, 1))
        else:
            self.warmup = run
        search = f"search {stages.get('search', 0):7.1f} ms" if "search" in stages else " " * 17
        rss_text = "-" if rss is None else f"{rss / 1024:8.1f} MiB"
        others_text = "" if others is None else f"  others {others:5.2f} cpu-s"
        print(f"  zhan {self.name:10} {'run:' if record else 'warm-up:':8} {wall:7.2f} s  {rss_text}  "
              f"{pages} html  {search}{others_text}" + (f"  (waited {waited:.0f} s)" if waited >= 1 else ""),
              flush=True)

    def quiet(self):
        """Wall times of the builds during which the rest of the machine stayed quiet."""
        cpus = os.cpu_count() or 1
        return [w for w, o in zip(self.walls, self.others) if o is not None and o <= QUIET_SHARE * cpus * w]

    def summary(self):
        stage_names = sorted({k for s in self.stages for k in s})
        rss = [r for r in self.rss_kib if r is not None]
        return {
            "runs": len(self.walls),
            "wall_s": self.walls,
            "peak_rss_kib": self.rss_kib,
            "cpu_s": self.cpu,
            "stages_ms": self.stages,
            "others_cpu_s": self.others,
            "waited_for_quiet_s": self.waited,
            "median_wall_s": round(median(self.walls), 3),
            "min_wall_s": round(min(self.walls), 3),
            "median_peak_rss_mib": round(median(rss) / 1024, 1) if rss else None,
            "median_cpu_s": round(median(self.cpu), 2) if None not in self.cpu else None,
            "median_others_cpu_s": round(median(self.others), 2) if None not in self.others else None,
            "quiet_wall_s": self.quiet(),
            "median_quiet_wall_s": round(median(self.quiet()), 3) if self.quiet() else None,
            "median_stage_ms": {k: round(median([s[k] for s in self.stages if k in s]), 1) for k in stage_names},
            "warmup": self.warmup,
            "html_pages": self.html_pages,
            "command": self.command,
        }


def variant_without_search(site, target):
    """WORK/zhan-N-nosearch: the corpus with `search: false` in its site.yaml; content
    and themes are hard links to the corpus's, made anew on every run."""
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(target)
    for name in sorted(os.listdir(site)):
        if name in ("site.yaml", "output") or name.startswith("."):
            continue
        src = os.path.join(site, name)
        if os.path.isdir(src):
            link_tree(src, os.path.join(target, name))
        else:
            shutil.copy2(src, os.path.join(target, name))
    with open(os.path.join(site, "site.yaml"), encoding="utf-8") as f:
        lines = [line for line in f.read().splitlines() if not line.startswith("search:")]
    with open(os.path.join(target, "site.yaml"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines + ["search: false"]) + "\n")


# ---- node packages --------------------------------------------------------------


def npm_package(folder, name, version=None):
    """Installs the npm package into folder/node_modules unless it is there (at the
    version asked, when one is); returns the installed version."""
    manifest = os.path.join(folder, "node_modules", name, "package.json")

    def installed():
        try:
            with open(manifest, encoding="utf-8") as f:
                return json.load(f).get("version")
        except (OSError, ValueError):
            return None

    have = installed()
    if have and (version is None or have == version):
        print(f"reusing {name} {have} in {folder}", flush=True)
        return have
    if not shutil.which("npm"):
        fail("npm is not on PATH (Debian: apt-get install -y npm)")
    os.makedirs(folder, exist_ok=True)
    package_json = os.path.join(folder, "package.json")
    if not os.path.exists(package_json):
        # so that npm installs here, not into a package.json further up
        with open(package_json, "w", encoding="utf-8") as f:
            json.dump({"name": "zhan-bench-" + name.replace("/", "-"), "private": True}, f)
    spec = f"{name}@{version}" if version else name
    cmd = ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", spec]
    print(f"{' '.join(cmd)}  (in {folder})", flush=True)
    r = subprocess.run(cmd, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0 or not installed():
        fail(f"`{' '.join(cmd)}` failed (exit {r.returncode}):\n{tail(r.stdout)}")
    return installed()


# ---- static server --------------------------------------------------------------


class Server:
    """A plain static server of one folder on 127.0.0.1 (a free port), in a thread.
    No compression, no caching headers beyond http.server's Last-Modified. It logs
    every response body it sends: (path with query, bytes)."""

    def __init__(self, root):
        self.root, self.log, self.lock = root, [], threading.Lock()
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            extensions_map = dict(http.server.SimpleHTTPRequestHandler.extensions_map,
                                  **{".js": "text/javascript", ".mjs": "text/javascript",
                                     ".json": "application/json", ".wasm": "application/wasm",
                                     ".bin": "application/octet-stream"})

            def __init__(self, *a, **kw):
                super().__init__(*a, directory=server.root, **kw)

            def copyfile(self, source, outputfile):
                sent = 0
                while True:
                    chunk = source.read(65536)
                    if not chunk:
                        break
                    outputfile.write(chunk)
                    sent += len(chunk)
                with server.lock:
                    server.log.append((self.path, sent))

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer((HOST, 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://{HOST}:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def take(self):
        with self.lock:
            log, self.log = self.log, []
        return log

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# ---- the browser ----------------------------------------------------------------

# Written to WORK/search-browser.cjs and run with node. Reads one JSON request a line on
# stdin ({tool, base, query}), measures it in a fresh browser context, answers one JSON
# line on stdout: the responses the browser got (path, status, body bytes) and what
# the page showed.
BROWSER_JS = r"""
"use strict";
const path = require("node:path");
const readline = require("node:readline");
const config = JSON.parse(process.argv[2]);
const { chromium } = require(path.join(config.playwright, "node_modules", "playwright-core"));

async function withContext(browser, work) {
  const context = await browser.newContext();
  const bodies = [];
  context.on("response", (response) => {
    const url = new URL(response.url());
    bodies.push(response.body().then(
      (body) => ({ path: url.pathname + url.search, status: response.status(), bytes: body.length }),
      (error) => ({ path: url.pathname + url.search, status: response.status(), bytes: null, error: String(error) })));
  });
  try {
    const page = await context.newPage();
    const shown = await work(page);
    // responses still reading their bodies when the page was done
    await page.waitForTimeout(300);
    return { shown, responses: await Promise.all(bodies) };
  } finally {
    await context.close();
  }
}

/* zhan: the search page with ?q=, until the first results show with snippets. */
async function zhan(page, base, query) {
  const started = Date.now();
  await page.goto(base + "/search/?q=" + encodeURIComponent(query));
  const handle = await page.waitForFunction((q) => {
    const results = document.getElementById("search-results");
    const status = document.getElementById("search-status");
    if (!results || !status) { return null; }
    const items = results.querySelectorAll("ol li");
    if (items.length) {
      return {
        results: items.length,
        snippets: Array.from(results.querySelectorAll(".result-snippet")).filter((e) => e.textContent.trim()).length,
        status: status.textContent,
        urls: Array.from(items).slice(0, 5).map((li) => li.querySelector("a").getAttribute("href")),
      };
    }
    if (status.textContent && status.textContent === results.dataset.failed) { return { failed: status.textContent }; }
    if (results.querySelector("ol") && status.textContent === results.dataset.none.replace("{q}", q)) {
      return { results: 0, snippets: 0, status: status.textContent, urls: [] };
    }
    return null;
  }, query, { timeout: config.timeout, polling: 20 });
  const shown = await handle.jsonValue();
  shown.ms = Date.now() - started;
  await page.waitForLoadState("networkidle");
  return shown;
}

/* Pagefind: its API on the home page, as its default UI: search, then the data of
   the first results. */
async function pagefind(page, base, query) {
  await page.goto(base + "/");
  await page.waitForLoadState("networkidle");
  const shown = await page.evaluate(async ([q, first]) => {
    const t0 = performance.now();
    const pf = await import("/pagefind/pagefind.js");
    const found = await pf.search(q);
    const data = await Promise.all(found.results.slice(0, first).map((r) => r.data()));
    return {
      results: found.results.length,
      snippets: data.filter((d) => d.excerpt && d.excerpt.trim()).length,
      urls: data.map((d) => d.url),
      ms: performance.now() - t0,
    };
  }, [query, config.pagefindResults]);
  await page.waitForLoadState("networkidle");
  return shown;
}

(async () => {
  const browser = await chromium.launch({ executablePath: config.chromium, args: ["--no-sandbox"] });
  process.stdout.write(JSON.stringify({ ready: true, version: browser.version() }) + "\n");
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line.trim()) { continue; }
    const job = JSON.parse(line);
    let answer;
    try {
      const work = job.tool === "zhan" ? zhan : pagefind;
      answer = await withContext(browser, (page) => work(page, job.base, job.query));
    } catch (error) {
      answer = { error: String(error && error.stack || error) };
    }
    process.stdout.write(JSON.stringify(answer) + "\n");
  }
  await browser.close();
})().catch((error) => { process.stderr.write(String(error && error.stack || error) + "\n"); process.exit(1); });
"""


class Browser:
    """The node process that drives Chromium; one request at a time."""

    def __init__(self, work, playwright, chromium):
        script = os.path.join(work, "search-browser.cjs")
        with open(script, "w", encoding="utf-8") as f:
            f.write(BROWSER_JS)
        config = {"playwright": playwright, "chromium": chromium, "timeout": QUERY_TIMEOUT_MS,
                  "pagefindResults": PAGEFIND_RESULTS}
        self.errors = open(os.path.join(work, "search-browser.log"), "w", encoding="utf-8")
        self.p = subprocess.Popen(["node", script, json.dumps(config)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=self.errors, text=True, encoding="utf-8")
        hello = self.read()
        if not hello.get("ready"):
            self.fail_with_log("the browser did not start")
        self.version = hello.get("version")

    def read(self):
        line = self.p.stdout.readline()
        if not line:
            self.fail_with_log("the browser's node process ended")
        return json.loads(line)

    def fail_with_log(self, message):
        self.errors.flush()
        with open(self.errors.name, encoding="utf-8") as f:
            log = f.read()
        fail(f"{message}; its stderr ({self.errors.name}):\n{tail(log)}")

    def measure(self, tool, base, query):
        self.p.stdin.write(json.dumps({"tool": tool, "base": base, "query": query}, ensure_ascii=False) + "\n")
        self.p.stdin.flush()
        return self.read()

    def close(self):
        try:
            self.p.stdin.close()
            self.p.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.p.kill()
            self.p.wait()
        self.errors.close()


def kind_of(tool, path):
    """What a response of tool is: 'index' (counts against the goal), 'page' (zhan's
    search page), 'script', 'wasm', or 'other' (the site's pages, css, ...)."""
    bare = path.split("?", 1)[0]
    if tool == "zhan":
        if bare == "/js/search.js":
            return "script"
        if bare.startswith("/search/"):
            return "page" if bare in ("/search/", "/search/index.html") else "index"
        return "other"
    if bare.startswith("/pagefind/"):
        name = bare.rsplit("/", 1)[-1]
        if name.endswith(".js"):
            return "script"
        if name.startswith("wasm."):
            return "wasm"
        return "index"
    return "other"


def gzip_size(folder, path):
    """The size of the file behind path gzipped at level 6 (what a compressing server
    would send), or None when it is not a file of folder."""
    bare = path.split("?", 1)[0].lstrip("/")
    file = os.path.join(folder, bare)
    if os.path.isdir(file):
        file = os.path.join(file, "index.html")
    try:
        with open(file, "rb") as f:
            return len(gzip.compress(f.read(), 6, mtime=0))
    except OSError:
        return None


def measure_query(browser, server, tool, query):
    server.take()
    answer = browser.measure(tool, server.url, query)
    served = server.take()
    if "error" in answer:
        fail(f"{tool}, query {query!r}: {tail(answer['error'], 15)}")
    shown = answer["shown"]
    if shown.get("failed"):
        fail(f"{tool}, query {query!r}: the search page says {shown['failed']!r}")
    bad = [r for r in answer["responses"] if r["bytes"] is None or r["status"] >= 400]
    if bad:
        fail(f"{tool}, query {query!r}: failed responses {bad}")
    prefix = "/search/" if tool == "zhan" else "/pagefind/"
    files = [dict(r, kind=kind_of(tool, r["path"])) for r in answer["responses"]]
    by_kind = {}
    for f in files:
        by_kind[f["kind"]] = by_kind.get(f["kind"], 0) + f["bytes"]
    index_files = [f for f in files if f["kind"] == "index"]
    for f in index_files:
        f["gzip_bytes"] = gzip_size(server.root, f["path"])
    # the server's own count of what it sent under the same prefix: a check that the
    # browser saw every request (a worker's too)
    browser_bytes = sum(f["bytes"] for f in files if f["path"].startswith(prefix))
    server_bytes = sum(n for p, n in served if p.startswith(prefix))
    index = by_kind.get("index", 0)
    results_total = shown.get("results")
    if tool == "zhan":
        # the first page shows 10 results; the status line says how many were found
        m = re.search(r"\d+", shown.get("status") or "")
        results_total = int(m.group(0)) if m else results_total
    groups = {}
    for f in index_files:
        g = groups.setdefault(group(f["path"].split("?", 1)[0][len(prefix):]), {"bytes": 0, "files": 0})
        g["bytes"] += f["bytes"]
        g["files"] += 1
    result = {
        "query": query,
        "index_bytes": index,
        "index_requests": len(index_files),
        "index_gzip_bytes": sum(f["gzip_bytes"] or 0 for f in index_files),
        "index_groups": dict(sorted(groups.items(), key=lambda kv: -kv[1]["bytes"])),
        "script_bytes": by_kind.get("script", 0),
        "wasm_bytes": by_kind.get("wasm", 0),
        "page_bytes": by_kind.get("page", 0),
        "total_bytes": index + by_kind.get("script", 0) + by_kind.get("wasm", 0),
        "server_bytes_under_prefix": server_bytes,
        "browser_bytes_under_prefix": browser_bytes,
        "results_total": results_total,
        "results_shown": shown.get("results") if tool == "zhan" else min(len(shown.get("urls") or []),
                                                                          shown.get("results") or 0),
        "snippets_shown": shown.get("snippets"),
        "first_urls": shown.get("urls"),
        "ms": round(shown.get("ms", 0), 1),
        "files": sorted(files, key=lambda f: -f["bytes"]),
    }
    if server_bytes != browser_bytes:
        print(f"  note: {tool} {query!r}: the server sent {server_bytes} B under {prefix}, "
              f"the browser counted {browser_bytes} B", flush=True)
    return result


def occurrences(site, query):
    """Content files of the corpus that hold the query (case-insensitive)."""
    q, count = query.lower(), 0
    for base, _, names in os.walk(os.path.join(site, "content")):
        for name in names:
            with open(os.path.join(base, name), encoding="utf-8") as f:
                if q in f.read().lower():
                    count += 1
    return count


# ---- main -----------------------------------------------------------------------


def width(text):
    """Columns text takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def table(head, rows):
    widths = [max(width(r[i]) for r in rows + [head]) for i in range(len(head))]
    for r in [head] + rows:
        cells = []
        for i, (c, w) in enumerate(zip(r, widths)):
            pad = " " * (w - width(c))
            cells.append(c + pad if i == 0 else pad + c)
        print("  ".join(cells).rstrip())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.split("\n")[2:]))
    ap.add_argument("--stations", type=int, default=600, help="corpus size (default 600, about 13,000 pages)")
    ap.add_argument("--runs", type=int, default=5, help="rounds of builds with search on and off (default 5)")
    ap.add_argument("--work", default=os.path.join(REPO, "target", "bench"),
                    help="corpora, npm packages and results (default <repo>/target/bench)")
    ap.add_argument("--zhan", help="zhan binary (default: cargo build --release, target/release/zhan)")
    ap.add_argument("--gencorpus", default=os.path.join(os.path.dirname(REPO), "shared", "bench", "gencorpus.py"),
                    help="corpus generator (default <repo>/../shared/bench/gencorpus.py)")
    ap.add_argument("--output-dir", help="where the builds write (default /dev/shm/zhan-bench-search "
                                         "when /dev/shm exists, else the work folder)")
    ap.add_argument("--quiet-wait", type=float, default=20.0,
                    help="before each build, wait up to this many seconds until the rest of the "
                         "machine uses at most a quarter of its CPUs (default 20; 0: no wait)")
    ap.add_argument("--keep-outputs", action="store_true",
                    help="keep the built sites when they are on /dev/shm (default: removed at the end)")
    ap.add_argument("--pagefind-version", default="1.6.0", help="npm version of pagefind (default 1.6.0)")
    ap.add_argument("--pagefind-runs", type=int, default=1, help="Pagefind indexing runs (default 1)")
    ap.add_argument("--chromium", default="/usr/bin/chromium", help="browser (default /usr/bin/chromium)")
    ap.add_argument("--skip-pagefind", action="store_true", help="measure zhan only")
    args = ap.parse_args()
    if args.runs < 1 or args.stations < 1 or args.pagefind_runs < 1:
        fail("--runs, --pagefind-runs and --stations must be at least 1")
    gencorpus = os.path.abspath(args.gencorpus)
    if not os.path.isfile(gencorpus):
        fail(f"no corpus generator at {gencorpus} (see --gencorpus)")
    if not os.access(args.chromium, os.X_OK):
        fail(f"no browser at {args.chromium} (Debian: apt-get install -y chromium; or --chromium PATH)")
    if not shutil.which("node"):
        fail("node is not on PATH (Debian: apt-get install -y nodejs npm)")
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    if args.output_dir:
        outputs = os.path.abspath(args.output_dir)
    elif os.path.isdir("/dev/shm"):
        outputs = "/dev/shm/zhan-bench-search"
    else:
        outputs = work
    os.makedirs(outputs, exist_ok=True)
    n = args.stations

    info = {"stations": n, "runs": args.runs, "cpus": os.cpu_count(),
            "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "work": work, "output_dir": outputs, "goals": {"bytes_per_query": BYTES_GOAL,
                                                           "added_build_time_pct": TIME_GOAL_PCT}}
    built = build.zhan_binary(args)
    # a copy, so that a `cargo build` in another terminal cannot swap the binary
    # between two of the builds measured
    zhan = os.path.join(work, "zhan-search-bench")
    shutil.copy2(built, zhan)
    info["zhan_binary"] = built
    info["zhan_binary_sha256"] = build.sha256(zhan)
    site = os.path.join(work, f"zhan-{n}")
    info["corpus_files"] = build.corpus(gencorpus, site, n, "zhan")
    if os.path.isdir(os.path.join(REPO, "themes")):
        build.install(REPO, ["themes"], site)
    with open(os.path.join(site, "site.yaml"), encoding="utf-8") as f:
        if re.search(r"^search:\s*false", f.read(), re.M):
            fail(f"{site}/site.yaml turns search off; regenerate the corpus")
    site_off = os.path.join(work, f"zhan-{n}-nosearch")
    variant_without_search(site, site_off)

    queries = []
    for q, why in QUERIES:
        found = occurrences(site, q)
        queries.append({"query": q, "why": why, "content_files": found})
        if found == 0:
            print(f"  note: {q!r} occurs in no content file of the corpus", flush=True)
    info["queries"] = queries

    if not args.skip_pagefind:
        info["pagefind_version"] = npm_package(os.path.join(work, "pagefind"), "pagefind", args.pagefind_version)
    playwright_dir = os.path.join(work, "playwright")
    info["playwright_core_version"] = npm_package(playwright_dir, "playwright-core")

    # 1. build cost: search on and off, alternating
    on = Variant("search-on", zhan, site, os.path.join(outputs, f"search-on-{n}"))
    off = Variant("search-off", zhan, site_off, os.path.join(outputs, f"search-off-{n}"))
    print(f"{n} stations, {args.runs} rounds, {os.cpu_count()} CPUs; work folder {work}, outputs in {outputs}",
          flush=True)
    print(f"zhan: {' '.join(on.command)}", flush=True)
    on.build(record=False, quiet_wait_s=args.quiet_wait)
    off.build(record=False, quiet_wait_s=args.quiet_wait)
    for i in range(args.runs):
        for v in ((on, off) if i % 2 == 0 else (off, on)):
            v.build(quiet_wait_s=args.quiet_wait)
    builds = {"on": on.summary(), "off": off.summary()}
    zhan_index = folder_size(os.path.join(on.out, "search"))
    page_file = os.path.join(on.out, "search", "index.html")
    page_bytes = os.path.getsize(page_file) if os.path.exists(page_file) else 0
    zhan_index_only = {"bytes": zhan_index["bytes"] - page_bytes,
                       "files": zhan_index["files"] - (1 if page_bytes else 0)}

    # 2. Pagefind on a copy of the site built with search off
    pagefind = None
    if not args.skip_pagefind:
        pf_dir = os.path.join(work, "pagefind")
        pf_site = os.path.join(outputs, f"pagefind-site-{n}")
        shutil.rmtree(pf_site, ignore_errors=True)
        shutil.copytree(off.out, pf_site)
        command = ["npx", "pagefind", "--site", pf_site]
        # what npx and the node wrapper cost before Pagefind itself starts
        overhead, _, _, version, _ = run_timed(["npx", "pagefind", "--version"], cwd=pf_dir)
        print(f"pagefind: {' '.join(command)}  (in {pf_dir}; {version.strip()}, "
              f"npx start-up {overhead:.2f} s)", flush=True)
        runs = []
        for i in range(args.pagefind_runs):
            shutil.rmtree(os.path.join(pf_site, "pagefind"), ignore_errors=True)
            os.sync()
            waited = wait_for_quiet(args.quiet_wait)
            machine_before = busy_cpu_s()
            wall, rss, cpu, out, _ = run_timed(command, cwd=pf_dir)
            others = None if machine_before is None or cpu is None else max(0.0, busy_cpu_s() - machine_before - cpu)
            runs.append({"wall_s": wall, "peak_rss_kib": rss, "cpu_s": None if cpu is None else round(cpu, 2),
                         "others_cpu_s": None if others is None else round(others, 2),
                         "waited_for_quiet_s": round(waited, 1)})
            said = {}
            for key, pattern in (("pages", r"Indexed (\d+) pages"), ("words", r"Indexed (\d+) words"),
                                 ("languages", r"Discovered \d+ languages?: (.+)")):
                m = re.search(pattern, out)
                said[key] = m.group(1).strip() if m else None
            rss_text = "-" if rss is None else f"{rss / 1024:.1f} MiB"
            print(f"  pagefind run: {wall:7.2f} s  {rss_text}  cpu {cpu or 0:.2f} s  {said['pages']} pages, "
                  f"{said['words']} words, languages {said['languages']}"
                  + ("" if others is None else f"  others {others:.2f} cpu-s"), flush=True)
        size = folder_size(os.path.join(pf_site, "pagefind"))
        index_groups = {k: v for k, v in size["groups"].items()
                        if not (k.endswith(".js") or k.endswith(".css"))}
        rss_runs = [r["peak_rss_kib"] for r in runs if r["peak_rss_kib"] is not None]
        pagefind = {"command": command, "version": version.strip(), "npx_overhead_s": round(overhead, 3),
                    "runs": runs, "median_wall_s": round(median([r["wall_s"] for r in runs]), 3),
                    "peak_rss_kib": max(rss_runs) if rss_runs else None,
                    "size": size,
                    "index_only": {"bytes": sum(v["bytes"] for v in index_groups.values()),
                                   "files": sum(v["files"] for v in index_groups.values())},
                    "reported": said, "html_pages": count_html(pf_site),
                    "whole_body": "Did not find a data-pagefind-body" in out,
                    "output_tail": tail(out, 15)}

    # 3. bytes per query, in the browser
    servers = {"zhan": Server(on.out)}
    if pagefind:
        servers["pagefind"] = Server(pf_site)
    browser = Browser(work, playwright_dir, args.chromium)
    info["chromium"] = browser.version
    per_query = {tool: [] for tool in servers}
    try:
        print(f"browser: Chromium {browser.version}; zhan at {servers['zhan'].url}"
              + (f", Pagefind at {servers['pagefind'].url}" if pagefind else ""), flush=True)
        for q in queries:
            for tool, server in servers.items():
                r = measure_query(browser, server, tool, q["query"])
                per_query[tool].append(r)
                label = q["query"] + " " * max(0, 14 - width(q["query"]))
                print(f"  {tool:8} {label} {kib(r['index_bytes']):>8} KiB in {r['index_requests']:3} "
                      f"requests, {r['results_total']} found, {r['results_shown']} shown with {r['snippets_shown']} "
                      f"snippets, {r['ms']:.0f} ms",
                      flush=True)
    finally:
        browser.close()
        for server in servers.values():
            server.close()

    # 4. report
    print()
    print("Bytes per query, response bodies: zhan: /search/ but the page and search.js"
          + ("; Pagefind: /pagefind/ but pagefind*.js and its wasm" if pagefind else "") + ".")
    z_script = max(r["script_bytes"] for r in per_query["zhan"])
    head = ["query", "zhan KiB", "files", "gzip KiB", "+js KiB"]
    if pagefind:
        head += ["Pagefind KiB", "files", "gzip KiB", "+js+wasm KiB", "zhan/Pagefind"]
    rows = []

    def cells(r):
        return [kib(r["index_bytes"]), str(r["index_requests"]), kib(r["index_gzip_bytes"]), kib(r["total_bytes"])]

    totals = {tool: {k: sum(r[k] for r in rs) for k in ("index_bytes", "index_requests", "index_gzip_bytes",
                                                        "total_bytes")} for tool, rs in per_query.items()}
    for i, q in enumerate(queries + [{"query": "total"}]):
        z = per_query["zhan"][i] if i < len(queries) else totals["zhan"]
        row = [q["query"]] + cells(z)
        if pagefind:
            p = per_query["pagefind"][i] if i < len(queries) else totals["pagefind"]
            row += cells(p) + [f"{z['index_bytes'] / p['index_bytes']:.2f}" if p["index_bytes"] else "-"]
        rows.append(row)
    table(head, rows)
    print(f"Fetched once, in +js: zhan's search.js {kib(z_script)} KiB"
          + (f"; Pagefind's pagefind.js and worker {kib(max(r['script_bytes'] for r in per_query['pagefind']))} KiB, "
             f"wasm {kib(max(r['wasm_bytes'] for r in per_query['pagefind']))} KiB" if pagefind else "")
          + ". gzip: each file gzipped (-6), as a compressing server would send it.")
    for tool in per_query:
        print(f"{'zhan' if tool == 'zhan' else 'Pagefind'}'s files per query (KiB, files):")
        for r in per_query[tool]:
            label = r["query"] + " " * max(0, 14 - width(r["query"]))
            print(f"  {label} " + ", ".join(f"{g} {kib(v['bytes'])} ({v['files']})"
                                            for g, v in r["index_groups"].items())
                  + f"; {r['results_total']} found")
    print()
    b_on, b_off = builds["on"], builds["off"]
    added = b_on["median_wall_s"] - b_off["median_wall_s"]
    added_pct = 100 * added / b_off["median_wall_s"]
    stage = b_on["median_stage_ms"].get("search")
    stage_pct = None if stage is None else 100 * stage / 1000 / b_off["median_wall_s"]
    head = ["", "median wall s", "min wall s", "median cpu s", "others cpu s", "peak RSS MiB", "html pages",
            "index MiB", "index files"]
    rows = [["zhan build, search off", f"{b_off['median_wall_s']:.2f}", f"{b_off['min_wall_s']:.2f}",
             fmt(b_off["median_cpu_s"], ".2f"), fmt(b_off["median_others_cpu_s"], ".2f"),
             fmt(b_off["median_peak_rss_mib"], ".1f"), str(b_off["html_pages"]), "-", "-"],
            ["zhan build, search on", f"{b_on['median_wall_s']:.2f}", f"{b_on['min_wall_s']:.2f}",
             fmt(b_on["median_cpu_s"], ".2f"), fmt(b_on["median_others_cpu_s"], ".2f"),
             fmt(b_on["median_peak_rss_mib"], ".1f"), str(b_on["html_pages"]),
             f"{zhan_index_only['bytes'] / 2**20:.2f}", str(zhan_index_only["files"])]]
    if pagefind:
        walls = [r["wall_s"] for r in pagefind["runs"]]
        cpus = [r["cpu_s"] for r in pagefind["runs"] if r["cpu_s"] is not None]
        others = [r["others_cpu_s"] for r in pagefind["runs"] if r["others_cpu_s"] is not None]
        rows.append(["Pagefind, indexing the site", f"{pagefind['median_wall_s']:.2f}", f"{min(walls):.2f}",
                     fmt(median(cpus), ".2f"), fmt(median(others), ".2f"),
                     "-" if pagefind["peak_rss_kib"] is None else f"{pagefind['peak_rss_kib'] / 1024:.1f}",
                     str(pagefind["html_pages"]), f"{pagefind['size']['bytes'] / 2**20:.2f}",
                     str(pagefind["size"]["files"])])
    table(head, rows)
    quiet_pct = None
    if b_on["median_quiet_wall_s"] and b_off["median_quiet_wall_s"]:
        quiet_pct = 100 * (b_on["median_quiet_wall_s"] - b_off["median_quiet_wall_s"]) / b_off["median_quiet_wall_s"]
    added_cpu_pct = None
    if b_on["median_cpu_s"] and b_off["median_cpu_s"]:
        added_cpu_pct = 100 * (b_on["median_cpu_s"] - b_off["median_cpu_s"]) / b_off["median_cpu_s"]
    print(f"Index build time: zhan {added:+.2f} s = {added_pct:+.1f}% of its build without search (medians of "
          f"{args.runs}), its `search` stage "
          + ("-" if stage is None else f"{stage:.0f} ms = {stage_pct:.1f}%")
          + ("" if added_cpu_pct is None else f", CPU time {added_cpu_pct:+.1f}%")
          + ("" if quiet_pct is None else f"; quiet builds only ({len(b_on['quiet_wall_s'])} on, "
             f"{len(b_off['quiet_wall_s'])} off): {quiet_pct:+.1f}%")
          + (f"; Pagefind {pagefind['median_wall_s']:.2f} s ({pagefind['median_wall_s'] / b_off['median_wall_s']:.1f}x "
             f"zhan's whole build without search)" if pagefind else ""))
    print(f"Index size: zhan {zhan_index_only['bytes'] / 2**20:.2f} MiB in {zhan_index_only['files']} files "
          f"(search/ without the search page, {kib(page_bytes)} KiB)"
          + (f"; Pagefind {pagefind['size']['bytes'] / 2**20:.2f} MiB in {pagefind['size']['files']} files "
             f"({pagefind['index_only']['bytes'] / 2**20:.2f} MiB in {pagefind['index_only']['files']} "
             f"without its UI's js and css)" if pagefind else ""))

    worst = max(per_query["zhan"], key=lambda r: r["index_bytes"])
    bytes_ok = worst["index_bytes"] <= BYTES_GOAL
    time_ok = added_pct <= TIME_GOAL_PCT
    print()
    print(f"{'PASS' if bytes_ok else 'FAIL'}: a query downloads at most 150 KB: the largest, {worst['query']}, "
          f"{kib(worst['index_bytes'])} KiB ({worst['index_bytes']} B)")
    print(f"{'PASS' if time_ok else 'FAIL'}: search adds at most {TIME_GOAL_PCT:.0f}% to the build time: "
          f"{added_pct:+.1f}% (medians of all builds"
          + ("" if quiet_pct is None else f"; {quiet_pct:+.1f}% for the quiet ones") + "; reported only, "
          "never fails the run)")
    if not bytes_ok:
        print("  its largest files: " + ", ".join(
            f"{f['path'].split('?')[0]} {f['bytes']} B" for f in worst["files"] if f["kind"] == "index")[:800])

    summary = dict(info, builds=builds, zhan_index={"folder": zhan_index, "index_only": zhan_index_only,
                                                    "page_bytes": page_bytes},
                   pagefind=pagefind, per_query=per_query,
                   added_build_time={"seconds": round(added, 3), "pct": round(added_pct, 2),
                                     "search_stage_ms": stage, "cpu_pct": None if added_cpu_pct is None
                                     else round(added_cpu_pct, 2),
                                     "quiet_builds_pct": None if quiet_pct is None else round(quiet_pct, 2),
                                     "quiet_share": QUIET_SHARE,
                                     "search_stage_pct": None if stage_pct is None else round(stage_pct, 2)},
                   goals_met={"bytes_per_query": bytes_ok, "added_build_time": time_ok})
    path = os.path.join(work, "search-results.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(summary, f, ensure_ascii=False, indent=2)
        f.write("\n")
    print(f"results written to {path}")
    if outputs.startswith("/dev/shm/") and not args.keep_outputs:
        # a tmpfs holds its files in memory: give it back (about 800 MB on 600 stations)
        for folder in (on.out, off.out) + ((pf_site,) if pagefind else ()):
            shutil.rmtree(folder, ignore_errors=True)
        print(f"removed the built sites from {outputs} (--keep-outputs keeps them)")
    return 0 if bytes_ok else 1


if __name__ == "__main__":
    sys.exit(main())
