#!/usr/bin/env python3
"""tests/cluster/load.py - the clients of tests/cluster/run.sh: threads, one keep-alive
connection each (http.client), every answer timed.

  load.py create URLS N THREADS OUT     N pastes (small text bodies) spread over URLS (a
                                        space-separated list), then each read once from
                                        URLS (GET /raw/ID, compared byte for byte); OUT gets
                                        "id<TAB>token" a line
  load.py read URL IDS RATE SECONDS THREADS
                                        GET URL/raw/ID of random ids of the file IDS (its
                                        first column) at about RATE a second in all
  load.py mixed URL THREADS SECONDS ACKED [creates-only]
                                        each thread creates (POST /, random bytes, binary
                                        or text) and reads a paste it created before, in
                                        turn; ACKED gets every acknowledged create (201 and
                                        an id): "id<TAB>token<TAB>hex of the body sent";
                                        afterwards every one of them is read back from URL
                                        and compared byte for byte
  load.py sse LISTEN_URL POST_URL       open LISTEN_URL/events, create a paste on POST_URL,
                                        and time from sending the create until its id is in
                                        the stream

Environment: LOAD_READY (a file touched once the first request was answered: the shell
waits for it before a fault), LOAD_MARK (a file holding the time.time() of a fault, read at
the end: the figures after it).

Each run prints "load: ..." lines and, last, one line "RESULT key=value ..." for the shell:
requests, ok (2xx), non2xx, errors (no answer: refused, reset, timeout), gap_ms (the
longest time without a 2xx answer, over all threads), and per mode: created, acked,
verified, mismatched, missing, duplicates, latency_ms, after_mark_errors, recovered_ms
(from the mark to the end of the longest stretch without a 2xx create after it, and at least
to the first 2xx create after the last failed request).
Exit status 0 when it ran (the shell judges the figures), 2 on bad usage.
"""
import http.client
import os
import random
import socket
import sys
import threading
import time
from urllib.parse import urlsplit

TIMEOUT = 10.0


class Client:
    """One keep-alive connection to host:port; a request that fails closes it."""

    def __init__(self, url):
        u = urlsplit(url)
        self.host, self.port = u.hostname, u.port or 80
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        """(status, headers dict lower-cased, body) or raises OSError/HTTPException."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
        try:
            self.conn.request(method, path, body=body, headers=headers or {})
            r = self.conn.getresponse()
            data = r.read()
            hdrs = {k.lower(): v for k, v in r.getheaders()}
            if r.will_close:
                self.close()
            return r.status, hdrs, data
        except Exception:
            self.close()
            raise

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Stats:
    """Counts and the times of the answers, shared by the threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = self.ok = self.non2xx = self.errors = 0
        self.statuses = {}
        self.ok_times = []          # time.time() of every 2xx answer
        self.fail_times = []        # of every non-2xx answer or error
        self.create_ok_times = []
        self.ready = os.environ.get("LOAD_READY")
        self.examples = {}          # what failed -> how often (5 kinds at most)

    def record(self, status, what="", is_create=False):
        now = time.time()
        with self.lock:
            self.requests += 1
            if status is None:
                self.errors += 1
                self.fail_times.append(now)
                self.example(what)
            elif 200 <= status < 300:
                self.ok += 1
                self.ok_times.append(now)
                if is_create:
                    self.create_ok_times.append(now)
            else:
                self.non2xx += 1
                self.fail_times.append(now)
                self.example(f"{status} {what}")
            if status is not None:
                self.statuses[status] = self.statuses.get(status, 0) + 1
            if self.ready and status is not None and 200 <= status < 300:
                open(self.ready, "a").close()
                self.ready = None

    def example(self, what):
        if what in self.examples or len(self.examples) < 5:
            self.examples[what] = self.examples.get(what, 0) + 1

    def gap_ms(self, start, end):
        """The longest time without a 2xx answer between start and end."""
        times = sorted([start] + [t for t in self.ok_times if start <= t <= end] + [end])
        return max((b - a for a, b in zip(times, times[1:])), default=0.0) * 1000

    def fields(self, start, end):
        out = {
            "requests": self.requests, "ok": self.ok, "non2xx": self.non2xx,
            "errors": self.errors, "gap_ms": round(self.gap_ms(start, end)),
            "seconds": round(end - start, 2),
        }
        mark = os.environ.get("LOAD_MARK")
        if mark and os.path.exists(mark):
            t = float(open(mark).read().strip() or 0)
            after = [f for f in self.fail_times if f >= t]
            out["after_mark_errors"] = len(after)
            oks = sorted(self.create_ok_times or self.ok_times)
            # back: the end of the longest stretch without a 2xx after the mark (requests that
            # waited), and not before the first 2xx after the last failure (requests that failed)
            back, longest = None, -1.0
            for a, b in zip([min(oks, default=t)] + oks, oks):
                if b > t and b - max(a, t) > longest:
                    longest, back = b - max(a, t), b
            last_fail = max(after, default=t)
            first_ok = min((c for c in oks if c > last_fail), default=None)
            if back is None or first_ok is None:
                out["recovered_ms"] = -1
            else:
                out["recovered_ms"] = round((max(back, first_ok) - t) * 1000)
        return out


def result(fields, stats=None):
    if stats is not None:
        print("load: statuses " + (" ".join(f"{k}:{v}" for k, v in sorted(stats.statuses.items())) or "none"))
        for e, n in stats.examples.items():
            print(f"load: failed: {e}" + (f" (x{n})" if n > 1 else ""))
    print("RESULT " + " ".join(f"{k}={v}" for k, v in fields.items()), flush=True)


def id_of(body):
    """The id of a create's answer: the last path segment of the URL it printed."""
    line = body.decode("utf-8", "replace").strip().splitlines()[0] if body.strip() else ""
    seg = line.rstrip("/").rsplit("/", 1)[-1]
    return seg if seg.isalnum() else None


def run_threads(n, target):
    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


OCTET = {"Content-Type": "application/octet-stream"}


def post_paste(c, body, stats, what):
    """POST / with body, its outcome recorded in stats as what: (id, delete token) of a
    201, else None."""
    try:
        st, h, data = c.request("POST", "/", body, OCTET)
    except Exception as e:
        stats.record(None, f"{what}: {e!r}")
        return None
    stats.record(st, what, True)
    pid = id_of(data) if st == 201 else None
    return (pid, h.get("x-delete-token", "")) if pid else None


# ---------------------------------------------------------------- create
def cmd_create(urls, n, nthreads, out):
    urls = urls.split()
    stats = Stats()
    made = {}                       # index -> (id, token, body)
    lock = threading.Lock()
    next_i = [0]
    tag = "%08x" % random.getrandbits(32)

    def take():
        with lock:
            i = next_i[0]
            next_i[0] += 1
            return i if i < n else None

    def worker(k):
        clients = [Client(u) for u in urls]
        while (i := take()) is not None:
            c = clients[i % len(clients)]
            body = f"cluster paste {i} of run {tag}\n{'x' * (i % 97)}\n".encode()
            got = post_paste(c, body, stats, "create")
            if got:
                with lock:
                    made[i] = (*got, body)

    start = time.time()
    run_threads(nthreads, worker)
    created_s = time.time() - start
    print(f"load: created {len(made)} of {n} in {created_s:.1f} s ({len(made) / max(created_s, 1e-9):.0f}/s)")
    with open(out, "w") as f:
        for i in sorted(made):
            f.write(f"{made[i][0]}\t{made[i][1]}\n")
    # read each once, from the instances in turn (so each is cached), byte for byte
    items = list(made.values())
    bad = [0]
    pos = [0]

    def reader(k):
        clients = [Client(u) for u in urls]
        while True:
            with lock:
                j = pos[0]
                pos[0] += 1
            if j >= len(items):
                return
            pid, _, body = items[j]
            try:
                st, _, data = clients[j % len(clients)].request("GET", f"/raw/{pid}")
            except Exception as e:
                stats.record(None, f"read {pid}: {e!r}")
                continue
            stats.record(st, f"read {pid}")
            if st != 200 or data != body:
                with lock:
                    bad[0] += 1

    t1 = time.time()
    run_threads(nthreads, reader)
    read_s = time.time() - t1
    print(f"load: read each back once in {read_s:.1f} s; {bad[0]} not 200 or not byte-exact")
    f = stats.fields(start, time.time())
    f.update(created=len(made), mismatched=bad[0], create_s=round(created_s, 1), read_s=round(read_s, 1))
    result(f, stats)


# ---------------------------------------------------------------- read
def cmd_read(url, ids_file, rate, seconds, nthreads):
    ids = [ln.split("\t")[0].strip() for ln in open(ids_file) if ln.strip()]
    if not ids:
        print("load: no ids to read")
        result({"requests": 0, "ok": 0, "non2xx": 0, "errors": 0, "gap_ms": 0})
        return
    stats = Stats()
    start = time.time()
    end = start + seconds
    interval = nthreads / rate

    def worker(k):
        c = Client(url)
        rnd = random.Random(k * 7919 + int(start))
        t = time.time()
        while True:
            t += interval
            now = time.time()
            if t > end:
                return
            if t > now:
                time.sleep(t - now)
            pid = rnd.choice(ids)
            try:
                st, _, _ = c.request("GET", f"/raw/{pid}")
            except Exception as e:
                stats.record(None, f"GET /raw/{pid}: {e!r}")
                continue
            stats.record(st, f"GET /raw/{pid}")

    run_threads(nthreads, worker)
    f = stats.fields(start, time.time())
    print(f"load: {f['requests']} reads in {f['seconds']} s ({f['requests'] / max(f['seconds'], 1e-9):.0f}/s)")
    result(f, stats)


# ---------------------------------------------------------------- mixed
def cmd_mixed(url, nthreads, seconds, acked_file, creates_only=False):
    stats = Stats()
    acked = []                      # (id, token, body)
    lock = threading.Lock()
    mismatched_live = [0]
    start = time.time()
    end = start + seconds

    def worker(k):
        c = Client(url)
        rnd = random.Random(k * 104729 + int(start * 1000))
        mine = []
        n = 0
        while time.time() < end:
            n += 1
            if creates_only or n % 2 == 1 or not mine:
                size = rnd.randint(1, 3000)
                if rnd.random() < 0.5:
                    body = rnd.randbytes(size)          # binary, every byte value
                else:
                    body = "".join(rnd.choice("abcdefghij klmnop\n\t{}();é€") for _ in range(size)).encode()
                got = post_paste(c, body, stats, "POST /")
                if got:
                    rec = (*got, body)
                    mine.append(rec)
                    with lock:
                        acked.append(rec)
            else:
                pid, _, body = rnd.choice(mine)
                try:
                    st, _, data = c.request("GET", f"/raw/{pid}")
                except Exception as e:
                    stats.record(None, f"GET /raw/{pid}: {e!r}")
                    continue
                stats.record(st, f"GET /raw/{pid}")
                if st == 200 and data != body:
                    with lock:
                        mismatched_live[0] += 1

    run_threads(nthreads, worker)
    stop = time.time()
    f = stats.fields(start, stop)
    ids = [a[0] for a in acked]
    f["acked"] = len(acked)
    f["duplicates"] = len(ids) - len(set(ids))
    f["live_mismatched"] = mismatched_live[0]
    print(f"load: {f['requests']} requests in {f['seconds']} s, {len(acked)} creates acknowledged")
    with open(acked_file, "w") as out:
        for pid, tok, body in acked:
            out.write(f"{pid}\t{tok}\t{body.hex()}\n")
    # afterwards: every acknowledged paste, byte for byte
    missing = mismatched = 0
    pos = [0]
    bad_examples = []

    def verifier(k):
        nonlocal missing, mismatched
        c = Client(url)
        while True:
            with lock:
                j = pos[0]
                pos[0] += 1
            if j >= len(acked):
                return
            pid, _, body = acked[j]
            st = data = None
            for _ in range(3):      # a reset is not a lost paste: ask again
                try:
                    st, _, data = c.request("GET", f"/raw/{pid}")
                    break
                except Exception:
                    time.sleep(0.2)
            with lock:
                if st != 200:
                    missing += 1
                    if len(bad_examples) < 5:
                        bad_examples.append(f"{pid}: {st}")
                elif data != body:
                    mismatched += 1
                    if len(bad_examples) < 5:
                        bad_examples.append(f"{pid}: {len(data)} bytes read, {len(body)} sent")

    run_threads(4, verifier)
    print(f"load: read back {len(acked)} acknowledged pastes: {missing} not 200, {mismatched} not byte-exact")
    for e in bad_examples:
        print(f"load: e.g. {e}")
    f.update(verified=len(acked) - missing - mismatched, missing=missing, mismatched=mismatched)
    result(f, stats)


# ---------------------------------------------------------------- sse
def cmd_sse(listen_url, post_url):
    u = urlsplit(listen_url)
    s = socket.create_connection((u.hostname, u.port), timeout=5)
    s.sendall(f"GET /events HTTP/1.1\r\nHost: {u.netloc}\r\nAccept: text/event-stream\r\n\r\n".encode())
    buf = b""
    deadline = time.time() + 5
    while b": connected" not in buf and b"\r\n\r\n" not in buf and time.time() < deadline:
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
    if not buf.startswith(b"HTTP/1.1 200"):
        print(f"load: GET /events on {listen_url} answered {buf[:40]!r}")
        result({"latency_ms": -1})
        return
    body = f"sse check {random.getrandbits(48):x}\n".encode()
    t0 = time.time()            # the create's request leaves: the latency includes it
    st, _, data = Client(post_url).request("POST", "/", body, OCTET)
    pid = id_of(data) if st == 201 else None
    if not pid:
        print(f"load: create on {post_url} answered {st}")
        result({"latency_ms": -1})
        return
    s.settimeout(0.05)
    latency = -1
    while time.time() < t0 + 3:
        if pid.encode() in buf:
            latency = round((time.time() - t0) * 1000)
            break
        try:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        except socket.timeout:
            pass
    s.close()
    print(f"load: paste {pid} created on {post_url}, "
          + (f"in {listen_url}/events after {latency} ms" if latency >= 0 else f"not in {listen_url}/events within 3 s"))
    result({"latency_ms": latency, "id": pid})


def main(a):
    try:
        if a[0] == "create" and len(a) == 5:
            return cmd_create(a[1], int(a[2]), int(a[3]), a[4])
        if a[0] == "read" and len(a) == 6:
            return cmd_read(a[1], a[2], float(a[3]), float(a[4]), int(a[5]))
        if a[0] == "mixed" and len(a) in (5, 6):
            return cmd_mixed(a[1], int(a[2]), float(a[3]), a[4], len(a) == 6 and a[5] == "creates-only")
        if a[0] == "sse" and len(a) == 3:
            return cmd_sse(a[1], a[2])
    except (IndexError, ValueError):
        pass
    print(__doc__, file=sys.stderr)
    sys.exit(2)


if __name__ == "__main__":
    main(sys.argv[1:] or ["?"])
