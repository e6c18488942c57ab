#!/usr/bin/env python3
"""Live-reload benchmark: from saving a content file to the reload message, zhan against Hugo.

    python3 bench/serve.py [--stations N] [--edits K] [--work DIR] [--zhan PATH]
                           [--gencorpus PATH] [--port-base P] [--hugo-full-render]
                           [--skip-hugo] [--skip-zhan]

Uses the corpora of bench/build.py (WORK/zhan-N and WORK/hugo-N, written on first use
and reused afterwards). For each generator in turn (zhan, then Hugo) it starts the
development server on a free port, waits until it says it is ready, connects the way a
browser's live-reload script does (zhan: Server-Sent Events at /__zhan/events; Hugo: the
LiveReload WebSocket at /livereload), loads the home page, and then K times:

  1. loads the page of one service (a different station each time), as a browser would
     show the page being edited;
  2. saves a new title into that service's file the way an editor's atomic save does
     (a hidden temporary file `.NAME.md.tmp` in the same folder, renamed over the file);
  3. times from just before the rename until the reload message arrives (at most 30 s,
     else the edit counts as failed); for zhan the message must name the page's URL;
  4. loads the page again and checks that it shows the new title (not timed; an old
     page counts as a failure), and waits 300 ms plus a random 0-500 ms (the same
     sequence every run) so that edits neither merge nor fall into step with a
     server's periodic timer.

Afterwards it stops the server (reading its peak RSS, VmHWM, first) and restores every
edited file, byte for byte and with its old modification time; what the server wrote into
the corpus folder (zhan's output/, Hugo's .hugo_build.lock and resources/) is removed
again unless it was there before.

Prints per generator: edits, failures, p50, p95 (nearest rank) and max latency in ms,
start-up seconds and peak RSS; then the zhan/Hugo ratios of p50 and p95 and whether
zhan's p95 is under 100 ms (a goal of the project: reported, never failing the run).
Writes everything, every edit included, to WORK/results-serve.json, and each server's
output to WORK/serve-TOOL-N.log.

Hugo runs `hugo server` in its default fast render mode (what users get);
--hugo-full-render adds --disableFastRender.

Exit status: 0 when both servers ran (failed edits are counted, not fatal); 2 when a
setup step fails: corpus, build of zhan, a server that does not start or dies, a reload
channel that cannot be opened or closes.
Python 3 standard library only.
"""
import argparse
import base64
import datetime
import hashlib
import http.client
import json
import math
import os
import queue
import random
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ left in bench/ by the import below
import build  # noqa: E402  (bench/build.py: corpus(), install(), zhan_binary())

REPO = build.REPO
HOST = "127.0.0.1"
EDIT_TIMEOUT_S = 30.0     # a reload later than this counts as a failed edit
STARTUP_TIMEOUT_S = 600.0  # building ~13,000 pages before serving
SETTLE_S = 1.0            # after opening the reload channel, before the first edit
PAUSE_S = 0.3             # between edits, so that the servers do not merge them,
JITTER_S = 0.5            # plus a random 0..0.5 s, so that saves do not fall into step
                          # with a server's periodic timer (Hugo's rebuilds start on a 500 ms grid)
GOAL_P95_MS = 100.0       # zhan's goal: reload within 100 ms of the save (p95)


def fail(message, code=2):
    print(f"serve.py: {message}", file=sys.stderr)
    sys.exit(code)


# build.py's helpers report through build.fail; let their messages carry our name.
build.fail = fail


class SetupError(Exception):
    """The measurement of one generator cannot go on (exit status 2)."""


def tail(lines, n=30):
    return "\n".join(lines[-n:])


def free_port(start):
    """The first port from start on that nothing listens on at HOST."""
    for port in range(start, min(start + 200, 65536)):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            # as servers bind: connections of an earlier run in TIME_WAIT do not count
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((HOST, port))
            except OSError:
                continue
            return port
    fail(f"no free port in {start}..{start + 199} (see --port-base)")


def percentile(values, p):
    """Nearest-rank percentile: the smallest value with at least p% of them at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def fetch(port, path, timeout=10.0):
    """GET path from the server; (status, body text). Not timed."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept": "text/html", "Cache-Control": "no-cache"})
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


def vm_hwm_kib(pid):
    """Peak resident set size of a running process, from /proc (None if unreadable)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def cpu_seconds(pid):
    """User + system CPU seconds a running process has used so far (None if unreadable)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 2)
    except (OSError, ValueError, IndexError):
        return None


# --- the server process -------------------------------------------------------------

class Server:
    """A development server whose merged stdout and stderr are drained by a thread,
    timestamped, kept for the edit records and copied to a log file."""

    def __init__(self, name, command, ready_text, log_path):
        self.name, self.command, self.ready_text, self.log_path = name, command, ready_text, log_path
        self.lines = []            # (perf_counter, line)
        self.ready = threading.Event()
        self.built = threading.Event()   # zhan: its first build ended ("built ...")
        self.started = self.ready_at = self.built_at = None
        self.proc = None

    def start(self):
        self.log = open(self.log_path, "w", encoding="utf-8")
        self.log.write("$ " + " ".join(self.command) + "\n")
        self.started = time.perf_counter()
        # A session of its own: a Ctrl+C in the terminal reaches this script, which
        # then stops the server and restores the corpus, not the server directly.
        self.proc = subprocess.Popen(self.command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for raw in iter(self.proc.stdout.readline, b""):
            now = time.perf_counter()
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.lines.append((now, line))
            self.log.write(f"[{now - self.started:9.3f}] {line}\n")
            self.log.flush()
            if not self.ready.is_set() and self.ready_text in line:
                self.ready_at = now
                self.ready.set()
            if not self.built.is_set() and (line.startswith("built ") or " error" in line):
                self.built_at = now
                self.built.set()
        self.log.write(f"[{time.perf_counter() - self.started:9.3f}] (output closed)\n")
        self.log.flush()

    def wait_ready(self, timeout):
        deadline = time.perf_counter() + timeout
        while not self.ready.wait(0.2):
            if self.proc.poll() is not None:
                time.sleep(0.2)  # let the drain thread take the last lines
                raise SetupError(f"{self.name} server exited with status {self.proc.returncode} before "
                                 f"it was ready; its output:\n{tail([l for _, l in self.lines])}")
            if time.perf_counter() > deadline:
                raise SetupError(f"{self.name} server not ready after {timeout:.0f} s (no line with "
                                 f"{self.ready_text!r}); its output:\n{tail([l for _, l in self.lines])}")
        return self.ready_at - self.started

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def lines_between(self, start, end):
        return [line for t, line in list(self.lines) if start <= t < end]

    def stop(self):
        """Ctrl+C, as a user stops it; killed if still there after 15 s."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        time.sleep(0.1)
        self.log.close()


# --- reload channels: a reader thread puts (perf_counter, kind, text) on a queue ------

class Channel:
    def __init__(self, port):
        self.port = port
        self.messages = queue.Queue()
        self.sock = None
        self.closing = False

    def _connect(self, request):
        try:
            self.sock = socket.create_connection((HOST, self.port), timeout=10)
            self.sock.sendall(request.encode("ascii"))
            self.reader = self.sock.makefile("rb")
            status = self.reader.readline().decode("latin-1").strip()
            headers = {}
            while True:
                line = self.reader.readline().decode("latin-1")
                if line in ("\r\n", "\n", ""):
                    break
                key, _, value = line.partition(":")
                headers[key.strip().lower()] = value.strip()
        except OSError as e:
            raise SetupError(f"cannot open the reload channel on port {self.port}: {e}")
        # from here on the reader thread blocks until data comes
        self.sock.settimeout(None)
        return status, headers

    def start(self):
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        reason = "end of stream"
        try:
            self.read_messages()
        except (OSError, ValueError) as e:
            reason = f"{type(e).__name__}: {e}"
        if not self.closing:
            self.messages.put((time.perf_counter(), "closed", reason))

    def close(self):
        self.closing = True
        if self.sock is not None:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.sock.close()


class SSEChannel(Channel):
    """zhan: GET /__zhan/events, text/event-stream, plain or chunked body."""

    PATH = "/__zhan/events"

    def open(self):
        status, headers = self._connect(
            f"GET {self.PATH} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n"
            "Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n")
        if status.split()[1:2] != ["200"]:
            raise SetupError(f"GET {self.PATH} answered {status!r}, not 200 (no live reload in this zhan?)")
        ctype = headers.get("content-type", "")
        if not ctype.startswith("text/event-stream"):
            raise SetupError(f"GET {self.PATH} answered Content-Type {ctype!r}, not text/event-stream")
        self.chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        self.start()

    def _body(self):
        """The body as it arrives, with any chunked transfer coding removed."""
        while True:
            if self.chunked:
                size_line = self.reader.readline()
                if not size_line:
                    return
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    return
                data = self.reader.read(size)
                self.reader.readline()  # the CRLF after the chunk
            else:
                data = self.reader.read1(65536)
            if not data:
                return
            yield data

    def read_messages(self):
        pending, event, data = b"", "", []
        for piece in self._body():
            pending += piece
            *lines, pending = pending.split(b"\n")
            for raw in lines:
                line = raw.rstrip(b"\r").decode("utf-8", "replace")
                if line == "":
                    # a blank line dispatches the event, as EventSource does
                    if data or event:
                        self.messages.put((time.perf_counter(), event or "message", "\n".join(data)))
                    event, data = "", []
                elif line.startswith(":"):
                    continue  # keep-alive comment
                else:
                    field, _, value = line.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    if field == "event":
                        event = value
                    elif field == "data":
                        data.append(value)


class WebSocketChannel(Channel):
    """Hugo: the LiveReload protocol over a WebSocket at /livereload (RFC 6455, client side)."""

    PATH = "/livereload"
    GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    def open(self):
        key = base64.b64encode(os.urandom(16)).decode("ascii")
        status, headers = self._connect(
            f"GET {self.PATH} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: http://{HOST}:{self.port}\r\n\r\n")
        if status.split()[1:2] != ["101"]:
            raise SetupError(f"GET {self.PATH} answered {status!r}, not 101 Switching Protocols")
        accept = base64.b64encode(hashlib.sha1((key + self.GUID).encode("ascii")).digest()).decode("ascii")
        if headers.get("sec-websocket-accept") != accept:
            raise SetupError(f"bad Sec-WebSocket-Accept {headers.get('sec-websocket-accept')!r}")
        self.send_lock = threading.Lock()
        # Hugo broadcasts reloads without it, but livereload.js says hello first: so do we.
        self.send_frame(0x1, json.dumps({"command": "hello", "protocols": [
            "http://livereload.com/protocols/official-7"]}).encode("utf-8"))
        self.start()

    def send_frame(self, opcode, payload):
        """One final frame, masked as a client must mask."""
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        with self.send_lock:
            self.sock.sendall(head + mask + body)

    def _exactly(self, n):
        data = self.reader.read(n)
        if len(data) < n:
            raise EOFError
        return data

    def read_messages(self):
        fragments, first_opcode = [], None
        try:
            while True:
                b0, b1 = self._exactly(2)
                fin, opcode = b0 & 0x80, b0 & 0x0F
                n = b1 & 0x7F
                if n == 126:
                    n = struct.unpack("!H", self._exactly(2))[0]
                elif n == 127:
                    n = struct.unpack("!Q", self._exactly(8))[0]
                mask = self._exactly(4) if b1 & 0x80 else None  # servers should not mask
                payload = self._exactly(n)
                if mask:
                    payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
                if opcode == 0x8:    # close: answer it and stop
                    self.send_frame(0x8, payload[:2])
                    return
                if opcode == 0x9:    # ping
                    self.send_frame(0xA, payload)
                    continue
                if opcode == 0xA:    # pong
                    continue
                if opcode != 0x0:    # the first frame of a message
                    fragments, first_opcode = [], opcode
                fragments.append(payload)
                if fin:
                    if first_opcode == 0x1:
                        self.messages.put((time.perf_counter(), "text",
                                           b"".join(fragments).decode("utf-8", "replace")))
                    fragments = []
        except EOFError:
            return


# --- one generator's batch of edits ---------------------------------------------------

def service_files(site, edits):
    """The content files to edit, relative to site: edit i takes a station spread evenly
    over the sorted list (all different when edits <= stations) and one of its services."""
    base = os.path.join(site, "content", "services")
    stations = sorted(d for d in os.listdir(base)
                      if os.path.isdir(os.path.join(base, d)) and not d.startswith((".", "_")))
    if not stations:
        fail(f"no station folders in {base}")
    picked = []
    for i in range(edits):
        j = i * len(stations) // edits if edits <= len(stations) else i % len(stations)
        folder = os.path.join(base, stations[j])
        names = sorted(n for n in os.listdir(folder) if n.endswith(".md") and not n.startswith((".", "_")))
        if not names:
            fail(f"no service files in {folder}")
        picked.append(os.path.join("content", "services", stations[j], names[(i * 7) % len(names)]))
    return picked


def page_url(rel):
    """content/services/s00042/s00042-v03.md -> /services/s00042/s00042-v03/"""
    return "/" + os.path.splitext(rel)[0].split(os.sep, 1)[1].replace(os.sep, "/") + "/"


def retitle(text, marker):
    """The file with marker appended to the front-matter title."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise ValueError("no front matter")
    for k, line in enumerate(lines[1:], 1):
        if line.strip() == "---":
            break
        m = re.match(r'^title:\s*(.*?)\s*$', line)
        if m:
            value = m.group(1)
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                lines[k] = f"title: {value[:-1]} {marker}{value[-1]}"
            else:
                lines[k] = f"title: {value} {marker}"
            return "\n".join(lines)
    raise ValueError("no title in the front matter")


def atomic_save(path, text):
    """Write a hidden temporary file beside path, then rename it over path. Returns the
    perf_counter taken just before the rename: the moment the save becomes visible."""
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, f".{name}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    t0 = time.perf_counter()
    os.replace(tmp, path)
    return t0


class Run:
    """One generator: the server, its reload channel, how to read a reload message."""

    def __init__(self, name, site, command, ready_text, channel_class, log_path, needs_path, litter=()):
        self.name, self.site, self.command = name, site, command
        # what the server writes into the corpus folder; removed afterwards if it was not there before
        self.litter = [os.path.join(site, name) for name in litter]
        self.ready_text, self.channel_class, self.log_path = ready_text, channel_class, log_path
        self.needs_path = needs_path  # zhan: the reload must name the edited page
        self.result = {"tool": name, "site": site, "command": command, "log": log_path}

    def judge(self, kind, text, url):
        """What a message means for the edit of url: 'ok', 'error', or None (keep waiting);
        with a note for the record."""
        if self.needs_path:                    # zhan's Server-Sent Events
            if kind == "errors":
                return "error", f"errors event: {text[:300]}"
            if kind != "reload":
                return None, f"{kind} event"
            try:
                data = json.loads(text)
            except ValueError:
                return "error", f"reload data is not JSON: {text[:300]}"
            paths = data.get("paths") or []
            if url in paths:
                return "ok", None
            if data.get("all") is True:
                return "ok", "all: true"
            return None, f"reload without {url}: {text[:300]}"
        try:                                   # Hugo's LiveReload messages
            data = json.loads(text)
        except ValueError:
            return None, f"not JSON: {text[:300]}"
        if data.get("command") == "reload":
            return "ok", None
        return None, f"{data.get('command')} message"

    def measure(self, edits, port, originals):
        server = Server(self.name, self.command, self.ready_text, self.log_path)
        channel = None
        self.result["port"] = port
        # Other work on the machine shows up in the latencies: keep the load next to them.
        self.result["loadavg_before"] = [round(x, 2) for x in os.getloadavg()]
        try:
            print(f"{self.name}: {' '.join(self.command)}", flush=True)
            print(f"  load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
            server.start()
            startup = server.wait_ready(STARTUP_TIMEOUT_S)
            self.result["startup_s"] = round(startup, 2)
            print(f"  ready after {startup:.1f} s", flush=True)
            if self.name == "zhan":
                # zhan serves before its first build ends (the last output, or a
                # page that says the site is being made): time the first 200
                # for the home page, then wait for the build before editing.
                deadline = time.perf_counter() + STARTUP_TIMEOUT_S
                first_page = None
                while first_page is None and time.perf_counter() < deadline:
                    try:
                        status, _ = fetch(port, "/")
                    except (OSError, http.client.HTTPException):
                        status = None
                    if status == 200:
                        first_page = time.perf_counter() - server.started
                    else:
                        time.sleep(0.05)
                if first_page is not None:
                    self.result["first_page_s"] = round(first_page, 2)
                    print(f"  home page served after {first_page:.2f} s", flush=True)
                if not server.built.wait(max(0.0, deadline - time.perf_counter())):
                    raise SetupError("zhan's first build did not end")
                self.result["first_build_s"] = round(server.built_at - server.started, 2)
                print(f"  first build done after {self.result['first_build_s']:.1f} s", flush=True)
            if self.name == "hugo":
                text = "\n".join(line for _, line in server.lines)
                self.result["hugo_render_mode"] = (
                    "fast render" if "Fast Render Mode" in text else "full render (--disableFastRender)")
            channel = self.channel_class(port)
            channel.open()
            try:
                status, _ = fetch(port, "/")   # the browser showing the home page
            except (OSError, http.client.HTTPException) as e:
                status = f"no answer ({e})"
            if status != 200:
                raise SetupError(f"GET / answered {status} on {self.name}'s server")
            time.sleep(SETTLE_S)
            stray = drain(channel)
            if stray:
                self.result["messages_before_first_edit"] = stray
            records = []
            self.result["edits"] = records
            token = os.urandom(3).hex()
            jitter = random.Random(20240601)  # the same pauses for every generator and run
            for i, rel in enumerate(edits):
                records.append(self.edit(i, rel, port, channel, server, originals, f"zb{token}e{i:02d}",
                                         PAUSE_S + jitter.uniform(0, JITTER_S)))
                r = records[-1]
                shown = f"{r['latency_ms']:8.1f} ms" if r["latency_ms"] is not None else f"FAILED ({r['failure']})"
                print(f"  edit {i + 1:3}/{len(edits)} {r['url']:40} {shown}", flush=True)
                if r.get("fatal"):
                    raise SetupError(r["failure"])
            self.result["peak_rss_kib"] = vm_hwm_kib(server.proc.pid)
            self.result["server_cpu_s"] = cpu_seconds(server.proc.pid)
            self.result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
        finally:
            if channel is not None:
                channel.close()
            if server.alive() and "peak_rss_kib" not in self.result:
                self.result["peak_rss_kib"] = vm_hwm_kib(server.proc.pid)
            server.stop()
        self.summarise()

    def edit(self, i, rel, port, channel, server, originals, marker, pause):
        path = os.path.join(self.site, rel)
        url = page_url(rel)
        record = {"file": rel, "url": url, "marker": marker, "latency_ms": None, "failure": None}
        try:
            status, _ = fetch(port, url)   # the page being edited, open in the browser
        except (OSError, http.client.HTTPException) as e:
            record.update(failure=f"GET {url} before the edit: {e}", fatal=not server.alive())
            return record
        if status != 200:
            record["failure"] = f"GET {url} answered {status} before the edit"
            return record
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
        if path not in originals:
            st = os.stat(path)
            originals[path] = (text.encode("utf-8"), st.st_atime_ns, st.st_mtime_ns)
        record["stray_before"] = drain(channel)
        try:
            edited = retitle(text, marker)
        except ValueError as e:
            raise SetupError(f"cannot edit {path}: {e}")
        t0 = atomic_save(path, edited)
        deadline = t0 + EDIT_TIMEOUT_S
        notes = []
        while record["latency_ms"] is None and record["failure"] is None:
            left = deadline - time.perf_counter()
            if left <= 0:
                missed = sum("reload without" in note for note in notes)
                record["failure"] = (f"no reload within {EDIT_TIMEOUT_S:.0f} s" if not missed else
                                     f"no reload naming the page within {EDIT_TIMEOUT_S:.0f} s "
                                     f"({missed} without it)")
                break
            try:
                t, kind, text = channel.messages.get(timeout=min(left, 0.5))
            except queue.Empty:
                if not server.alive():
                    record.update(failure=f"{self.name} server exited ({server.proc.returncode})", fatal=True)
                continue
            if kind == "closed":
                time.sleep(0.5)
                record.update(failure=f"reload channel closed ({text})", fatal=True)
                if not server.alive():
                    record["failure"] += (f"; the {self.name} server exited with status {server.proc.returncode}:\n"
                                          + tail([l for _, l in server.lines], 15))
                break
            verdict, note = self.judge(kind, text, url)
            if note:
                notes.append(f"+{(t - t0) * 1000:.1f} ms: {note}")
            if verdict == "ok":
                record["latency_ms"] = round((t - t0) * 1000, 2)
                record["message"] = text[:500]
                if self.needs_path:
                    record["reload_paths"] = len(json.loads(text).get("paths") or [])
            elif verdict == "error":
                record["failure"] = note
        if notes:
            record["notes"] = notes
        if record["latency_ms"] is not None:
            try:   # the browser reloading: the new title must be there
                status, body = fetch(port, url)
            except (OSError, http.client.HTTPException) as e:
                status, body = f"no answer ({e})", ""
            if status != 200 or marker not in body:
                record["failure"] = (f"GET {url} after the reload answered {status}"
                                     + ("" if status != 200 else " without the new title"))
                record["latency_ms_unverified"] = record["latency_ms"]
                record["latency_ms"] = None
        time.sleep(pause)
        extra = drain(channel)
        if extra:
            record["messages_after"] = extra
        log = server.lines_between(t0, time.perf_counter())
        if log:
            record["server_output"] = log[:20]
            # Hugo: "Total in 570 ms"; zhan: "rebuilt 6 pages in 5 ms"
            took = [float(m.group(1)) for m in (re.search(r"\bin (\d+(?:\.\d+)?) ?ms\b", l) for l in log) if m]
            if took:
                record["server_reported_ms"] = took[0]
        return record

    def summarise(self):
        records = self.result.get("edits", [])
        ok = [r["latency_ms"] for r in records if r["latency_ms"] is not None]
        self.result.update(edits_done=len(records), failures=len(records) - len(ok))
        if ok:
            self.result.update(p50_ms=round(statistics.median(ok), 1), p95_ms=round(percentile(ok, 95), 1),
                               max_ms=round(max(ok), 1), min_ms=round(min(ok), 1))
        reported = [r["server_reported_ms"] for r in records if "server_reported_ms" in r]
        if reported:
            self.result["server_reported_median_ms"] = statistics.median(reported)


def drain(channel):
    """Messages waiting on the channel, as short strings for the record."""
    out = []
    while True:
        try:
            t, kind, text = channel.messages.get_nowait()
        except queue.Empty:
            return out
        if kind == "closed":
            channel.messages.put((t, kind, text))  # for the next wait to see
            return out
        out.append(f"{kind}: {text[:200]}")


def restore(originals):
    """Put back every edited file as it was, bytes and times, and remove leftovers."""
    for path, (data, atime, mtime) in originals.items():
        with open(path, "wb") as f:
            f.write(data)
        os.utime(path, ns=(atime, mtime))
        folder, name = os.path.split(path)
        tmp = os.path.join(folder, f".{name}.tmp")
        if os.path.exists(tmp):
            os.remove(tmp)
    count = len(originals)
    originals.clear()
    return count


def fmt(value, spec):
    return "-" if value is None else format(value, spec)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.split("\n")[2:]))
    ap.add_argument("--stations", type=int, default=600, help="corpus size (default 600, about 13,000 pages)")
    ap.add_argument("--edits", type=int, default=25, help="edits per generator (default 25)")
    ap.add_argument("--work", default=os.path.join(REPO, "target", "bench"),
                    help="corpora and results, shared with build.py (default <repo>/target/bench)")
    ap.add_argument("--zhan", help="zhan binary (default: cargo build --release, target/release/zhan)")
    ap.add_argument("--gencorpus", default=os.path.join(os.path.dirname(REPO), "shared", "bench", "gencorpus.py"),
                    help="corpus generator (default <repo>/../shared/bench/gencorpus.py)")
    ap.add_argument("--port-base", type=int, default=18300,
                    help="first port to try; each server takes the first free one from here (default 18300)")
    ap.add_argument("--hugo-full-render", action="store_true",
                    help="run hugo server with --disableFastRender (default: its fast render mode)")
    ap.add_argument("--skip-hugo", action="store_true", help="measure zhan only")
    ap.add_argument("--skip-zhan", action="store_true", help="measure Hugo only")
    args = ap.parse_args()
    if args.skip_hugo and args.skip_zhan:
        fail("--skip-hugo and --skip-zhan leave nothing to measure")
    if args.edits < 1 or args.stations < 1:
        fail("--edits and --stations must be at least 1")
    if not 1024 <= args.port_base <= 65000:
        fail("--port-base must be between 1024 and 65000")
    gencorpus = os.path.abspath(args.gencorpus)
    if not os.path.isfile(gencorpus):
        fail(f"no corpus generator at {gencorpus} (see --gencorpus)")
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    n = args.stations

    info = {"stations": n, "edits": args.edits, "cpus": os.cpu_count(),
            "date": datetime.datetime.now().isoformat(timespec="seconds"), "work": work,
            "edit_timeout_s": EDIT_TIMEOUT_S, "pause_s": [PAUSE_S, PAUSE_S + JITTER_S], "percentiles": "nearest rank"}
    runs = []
    next_port = args.port_base
    if not args.skip_zhan:
        zhan = build.zhan_binary(args)
        site = os.path.join(work, f"zhan-{n}")
        info["zhan_corpus_files"] = build.corpus(gencorpus, site, n, "zhan")
        if os.path.isdir(os.path.join(REPO, "themes")):
            build.install(REPO, ["themes"], site)
        info["zhan_binary"] = zhan
        port = free_port(next_port)
        next_port = port + 1
        # English messages: the lines this script waits for ("serving",
        # "built ...", "... in N ms") are matched in English.
        runs.append((Run("zhan", site, [zhan, "--lang", "en", "serve", "--root", site, "--port", str(port), "--bind", HOST],
                         "serving", SSEChannel, os.path.join(work, f"serve-zhan-{n}.log"), True,
                         litter=["output"]), port))
    if not args.skip_hugo:
        if not shutil.which("hugo"):
            fail("hugo is not on PATH (or pass --skip-hugo)")
        info["hugo_version"] = subprocess.run(["hugo", "version"], stdout=subprocess.PIPE,
                                              text=True).stdout.strip()
        site = os.path.join(work, f"hugo-{n}")
        info["hugo_corpus_files"] = build.corpus(gencorpus, site, n, "hugo")
        build.install(build.SKELETON, sorted(os.listdir(build.SKELETON)), site)
        port = free_port(next_port)
        # Pages are rendered to memory (the server's default); the cache folder is kept
        # in the work folder rather than $TMPDIR.
        command = ["hugo", "server", "--source", site, "--port", str(port), "--bind", HOST,
                   "--cacheDir", os.path.join(work, f"hugo-cache-serve-{n}")]
        if args.hugo_full_render:
            command.append("--disableFastRender")
        runs.append((Run("hugo", site, command, "Web Server is available", WebSocketChannel,
                         os.path.join(work, f"serve-hugo-{n}.log"), False,
                         litter=[".hugo_build.lock", "resources"]), port))

    print(f"{n} stations, {args.edits} edits per generator, {os.cpu_count()} CPUs; work folder {work}",
          flush=True)
    status, results = 0, {}
    for run, port in runs:
        edits = service_files(run.site, args.edits)
        originals = {}
        new_litter = [path for path in run.litter if not os.path.lexists(path)]
        try:
            run.measure(edits, port, originals)
        except SetupError as e:
            print(f"serve.py: {run.name}: {e}", file=sys.stderr, flush=True)
            run.result["setup_error"] = str(e)
            run.summarise()
            status = 2
        finally:
            restored = restore(originals)
            if restored:
                print(f"  restored {restored} edited files", flush=True)
            for path in new_litter:
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path, ignore_errors=True)
                elif os.path.lexists(path):
                    os.remove(path)
        results[run.name] = run.result

    print()
    head = ("tool", "edits", "failures", "p50 ms", "p95 ms", "max ms", "start-up s", "peak RSS MiB")
    rows = []
    for name, r in results.items():
        rss = r.get("peak_rss_kib")
        rows.append((name, str(r.get("edits_done", 0)), str(r.get("failures", 0)), fmt(r.get("p50_ms"), ".1f"),
                     fmt(r.get("p95_ms"), ".1f"), fmt(r.get("max_ms"), ".1f"), fmt(r.get("startup_s"), ".1f"),
                     fmt(rss / 1024 if rss else None, ".1f")))
    widths = [max(len(row[i]) for row in rows + [head]) for i in range(len(head))]
    for row in [head] + rows:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
    print()
    for name, r in results.items():
        if r.get("setup_error"):
            print(f"{name}: SETUP FAILED, figures incomplete: {r['setup_error'].splitlines()[0]}")
    if "hugo" in results and results["hugo"].get("hugo_render_mode"):
        print(f"hugo server ran in {results['hugo']['hugo_render_mode']} mode")

    summary = dict(info, tools=results)
    z, h = results.get("zhan", {}), results.get("hugo", {})
    if z.get("p50_ms") is not None and h.get("p50_ms") is not None:
        summary["ratio_p50"] = round(z["p50_ms"] / h["p50_ms"], 3)
        summary["ratio_p95"] = round(z["p95_ms"] / h["p95_ms"], 3)
        print(f"zhan/hugo latency ratio: p50 {summary['ratio_p50']:.2f}, p95 {summary['ratio_p95']:.2f}")
    if z.get("p95_ms") is not None:
        met = z["p95_ms"] < GOAL_P95_MS
        summary.update(goal_p95_ms=GOAL_P95_MS, goal_p95_met=met)
        print(f"zhan p95 {z['p95_ms']:.1f} ms: goal < {GOAL_P95_MS:.0f} ms {'met' if met else 'NOT met'}"
              " (reported only)")
    path = os.path.join(work, "results-serve.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(summary, f, ensure_ascii=False, indent=2)
        f.write("\n")
    print(f"results written to {path}")
    return status


if __name__ == "__main__":
    sys.exit(main())
