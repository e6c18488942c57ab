#!/usr/bin/env python3
"""Photos at build time: a site with N phone photos (4000x3000 JPEG, 3-5 MB,
EXIF orientation and GPS, made by the `phone_photos` example), built
with `zhan build` three times:

1. a first build with an empty image cache (every photo decoded, turned,
   resized to four widths and encoded): wall and CPU time;
2. a rebuild after a text edit, with the cache warm: wall time, and the
   time spent on photos (`--timings`: reading them through the cache's
   index, and writing their variants into the output);
3. the same into a fresh output folder (every variant copied out again).

    cargo build --release --bin zhan --example phone_photos
    python3 bench/images.py [--photos 200] [--zhan target/release/zhan] [--work DIR]

Nothing it makes is kept unless --work is given.
"""
import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def default_zhan():
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.path.join(target, "release", "zhan")


def run(cmd):
    """Runs cmd; returns (wall s, cpu s, stderr)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stderr}")
    return wall, cpu, done.stderr


def laps(stderr):
    """The --timings laps, by name, in ms."""
    found = {}
    for name, ms in re.findall(r"^\s*([a-z][a-z ]*):\s+([\d.]+) ms", stderr, re.MULTILINE):
        found[name.strip()] = float(ms)
    return found


def folder_bytes(path, suffixes):
    total = count = 0
    for base, _, files in os.walk(path):
        for f in files:
            if f.lower().endswith(suffixes):
                total += os.path.getsize(os.path.join(base, f))
                count += 1
    return total, count


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--photos", type=int, default=200)
    ap.add_argument("--zhan", default=default_zhan())
    ap.add_argument("--work", help="folder to make the site in (kept)")
    args = ap.parse_args()
    zhan = os.path.abspath(args.zhan)
    maker = os.path.join(os.path.dirname(zhan), "examples", "phone_photos")
    for binary in (zhan, maker):
        if not os.path.exists(binary):
            sys.exit(f"{binary} missing: cargo build --release --bin zhan --example phone_photos")
    work = args.work or tempfile.mkdtemp(prefix="zhan-images-")
    site = os.path.join(work, "site")
    shutil.rmtree(site, ignore_errors=True)
    subprocess.run([zhan, "init", site, "--empty"], check=True, capture_output=True)
    news = os.path.join(site, "content", "news")
    start = time.perf_counter()
    subprocess.run([maker, news, str(args.photos)], check=True)
    photos = sorted(f for f in os.listdir(news) if f.endswith(".jpg"))
    source_bytes, _ = folder_bytes(news, (".jpg",))
    print(f"{len(photos)} photos, {source_bytes / len(photos) / 1e6:.1f} MB each on average "
          f"(made in {time.perf_counter() - start:.0f} s)")
    # Ten photos a news item, in its gallery.
    for n in range(0, len(photos), 10):
        gallery = "".join(f"  - file: {p}\n    caption: 活动照片 {p}\n" for p in photos[n:n + 10])
        with open(os.path.join(news, f"huodong-{n // 10:02d}.md"), "w", encoding="utf-8") as f:
            f.write(f"---\ntitle: 活动 {n // 10}\ndate: 2026-11-01\ngallery:\n{gallery}---\n\n活动的经过。\n")
    out = os.path.join(work, "output")
    build = [zhan, "--root", site, "build", "--timings", "--output", out]

    wall, cpu, err = run(build)
    published, files = folder_bytes(out, (".jpg", ".png"))
    print(f"first build (cold cache): {wall:.1f} s wall, {cpu:.1f} s CPU "
          f"({cpu / wall:.2f} cores busy); {files} image files, "
          f"{published / 1e6:.1f} MB published from {source_bytes / 1e6:.0f} MB of photos")

    with open(os.path.join(news, "huodong-00.md"), "a", encoding="utf-8") as f:
        f.write("\n又补充了一句。\n")
    wall, cpu, err = run(build)
    t = laps(err)
    print(f"rebuild after a text edit (warm cache): {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU; "
          f"photos read {t.get('of which photos', 0):.1f} ms, variants written {t.get('images', 0):.1f} ms")

    fresh = [zhan, "--root", site, "build", "--timings", "--output", os.path.join(work, "output-2")]
    wall, cpu, err = run(fresh)
    t = laps(err)
    print(f"build into a new output folder (warm cache): {wall * 1000:.0f} ms wall; "
          f"photos read {t.get('of which photos', 0):.1f} ms, variants written {t.get('images', 0):.1f} ms")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
