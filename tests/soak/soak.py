#!/usr/bin/env python3
"""tests/soak/soak.py - the load of `make soak` (issue 12), started by tests/soak/soak.sh.

One pasted on loopback, honest clients and abusive ones at once, every load bounded in rate
and time. Python 3 standard library only (asyncio streams speaking HTTP/1.1 by hand).

  quiet phase  (SOAK_QUIET_SECONDS, 20)  the honest clients alone: their p99 without abuse
  soak phase   (SOAK_SECONDS, 600)       the same honest clients, plus the abusers
  read-back    every paste an honest client got a 201 for: GET /raw/<id>, byte-identical?

Processes: this one (the clock, /metrics snapshots, pasted's RSS every SOAK_RSS_EVERY s, the
read-back, the table), one for the honest clients, one for the abusers, so the abusers' own
CPU does not delay the honest clients' measurements in the same interpreter.

Who is who: pasted trusts 127.0.0.1 as a proxy (tests/soak/pasted-soak.conf) and does not
allowlist it, so each client names itself in X-Forwarded-For and gets its own budgets:
honest 10.1.0.N, abusers 10.66.0.N (slowloris 10.66.1.N), the read-back 10.2.x.y (one
address per request, so a missing paste's 404 cannot spend the next one's lookups).

Honest (SOAK_HONEST clients, 20): one keep-alive connection each; a create every
SOAK_CREATE_EVERY s (30, +-15 %; the first ones spread over the first interval), inside
pasted's default limit_creates 30/10m (one back every 20 s); between them a read every
SOAK_READ_EVERY s (0.3, +-50 %) of a paste of its own (30 %) or of another client: GET
/raw/<id> (80 %, the bytes must be the ones created), /<id> (10 %), /api/pastes/<id> (10 %);
now and then GET /recent. Bodies: text, binary (NUL, CR, any byte) and UTF-8, 100 B - 512 KiB
(mostly under 8 KiB); as POST / (octet-stream, or text labelled urlencoded as curl does),
PUT /, POST /?title=..., 10 % unlisted (22-character ids). A request succeeds when it gets
its expected status (201 and a URL; 200 and, for /raw/, the exact bytes) within 10 s.

Abusers (from the start of the soak phase):
  flooders   SOAK_FLOODERS (3) x SOAK_FLOOD_RATE (20/s): POST / of 100 B, keep-alive
             -> 201 for the first 30, then 429 "too many pastes"
  guessers   SOAK_GUESSERS (4) x SOAK_GUESS_RATE (10/s): GET /raw/, /, /api/pastes/ of random
             ids: 7 chars of the canonical range, 7 chars uniformly random (most of them
             outside the range ids.c can decode), 22 chars (secret shape) -> 404, then 429
  oversize   SOAK_OVERSIZE (2), one POST each SOAK_OVERSIZE_EVERY s (4), SOAK_OVERSIZE_MAX (100)
             in all: bodies over max_paste_size, half just over (pasted reads them: 413
             from the app), half over the HTTP layer's body limit (413 before the body)
  slowloris  SOAK_SLOWLORIS (200) connections sending a request head a few bytes a second,
             never finishing it -> 408 after header_timeout; each reconnects after its answer
  deleters   SOAK_DELETERS (2) x SOAK_DELETE_RATE (5/s): DELETE /<id> of public ids from
             /recent with a wrong X-Delete-Token -> 403, then 429

Goals (exit 1 when one is missed): honest success 100 % in both phases; honest p99 in the
soak phase <= SOAK_P99_RATIO (2) x the quiet phase's; every acknowledged paste reads back
byte-identical; pasted alive and answering /healthz at the end. Expectations about the
abusers (refused as designed, slowloris closed in time) are shown but do not fail the run.

Output: progress lines, the table, build/soak/results.csv (section,what,quiet,soak,goal,result),
build/soak/summary.json (everything measured).
"""
import argparse
import asyncio
import hashlib
import json
import multiprocessing as mp
import os
import random
import re
import resource
import socket
import sys
import time

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
TIMEOUT = 10.0                 # seconds a request may take before it counts as failed
MONO = time.monotonic          # CLOCK_MONOTONIC: the same clock in every process


def env_num(name, default, kind=int):
    v = os.environ.get(name, "")
    try:
        return kind(v) if v.strip() else default
    except ValueError:
        sys.exit(f"soak: ERROR: {name}={v!r} is not a number")


def say(msg):
    print(f"soak: {msg}", flush=True)


# shared counters (multiprocessing.Array of int64), for the progress lines
C_HONEST_OK, C_HONEST_FAIL, C_ABUSE_SENT, C_ABUSE_REFUSED, C_SLOW_OPEN, C_ACKED, C_STOP = range(7)
N_COUNTERS = 7


# ------------------------------------------------------------------------------- HTTP
class HTTPError(Exception):
    pass


class Conn:
    """One HTTP/1.1 keep-alive connection to pasted on loopback, as client `xff`."""

    def __init__(self, port, xff=None):
        self.port = port
        self.xff = xff
        self.r = self.w = None
        self.used = False      # a request went over this connection already
        self.retries = 0       # requests sent again after a reused connection was found closed

    async def open(self):
        self.r, self.w = await asyncio.open_connection("127.0.0.1", self.port, limit=1 << 20)
        self.used = False

    def close(self):
        if self.w is not None:
            try:
                self.w.close()
            except Exception:
                pass
        self.r = self.w = None

    def head(self, method, path, body, headers, close=False):
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", "User-Agent: pasted-soak"]
        if self.xff:
            lines.append(f"X-Forwarded-For: {self.xff}")
        for k, v in (headers or {}).items():
            lines.append(f"{k}: {v}")
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        if close:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async def read_response(self):
        """(status, headers dict lower-case, body); closes the connection when the server does."""
        while True:
            line = await self.r.readline()
            if not line:
                raise ConnectionResetError("closed before a reply")
            m = re.match(rb"HTTP/1\.([01]) (\d{3})", line)
            if not m:
                raise HTTPError(f"bad status line {line[:60]!r}")
            minor, status = m.group(1), int(m.group(2))
            hdrs = {}
            while True:
                h = await self.r.readline()
                if not h:
                    raise ConnectionResetError("closed inside a reply head")
                if h in (b"\r\n", b"\n"):
                    break
                k, _, v = h.decode("latin-1").partition(":")
                hdrs[k.strip().lower()] = v.strip()
            if 100 <= status < 200:
                continue
            break
        if "content-length" in hdrs:
            body = await self.r.readexactly(int(hdrs["content-length"]))
        elif "chunked" in hdrs.get("transfer-encoding", "").lower():
            parts = []
            while True:
                size = int((await self.r.readline()).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while (await self.r.readline()) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                parts.append(await self.r.readexactly(size))
                await self.r.readexactly(2)
            body = b"".join(parts)
        elif status in (204, 304):
            body = b""
        else:
            body = await self.r.read()
            hdrs["connection"] = "close"
        conn_hdr = hdrs.get("connection", "").lower()
        if "close" in conn_hdr or (minor == b"0" and "keep-alive" not in conn_hdr):
            self.close()
        return status, hdrs, body

    async def request(self, method, path, body=None, headers=None):
        """One request on the keep-alive connection, within TIMEOUT; raises on any failure.
        A reused connection found closed before any byte of the reply (the server ended an
        idle keep-alive) is opened again and the request sent once more."""
        async def once():
            for attempt in (0, 1):
                if self.w is None:
                    await self.open()
                reused = self.used
                self.used = True
                try:
                    self.w.write(self.head(method, path, body, headers) + (body or b""))
                    await self.w.drain()
                    return await self.read_response()
                except (ConnectionError, asyncio.IncompleteReadError) as e:
                    self.close()
                    if reused and attempt == 0 and isinstance(e, ConnectionResetError) \
                            and "before a reply" in str(e):
                        self.retries += 1
                        continue
                    raise
        try:
            return await asyncio.wait_for(once(), TIMEOUT)
        except BaseException:
            self.close()
            raise


def err_name(e):
    if isinstance(e, asyncio.TimeoutError):
        return "timeout"
    if isinstance(e, ConnectionRefusedError):
        return "refused"
    if isinstance(e, (ConnectionError, asyncio.IncompleteReadError)):
        return "reset"
    if isinstance(e, HTTPError):
        return "bad reply"
    return type(e).__name__


def id_of(url_body):
    """The id in a create's answer: the URL's last path segment."""
    s = url_body.decode("utf-8", "replace").strip()
    seg = s.rstrip("/").rsplit("/", 1)[-1]
    return seg if re.fullmatch(r"[0-9A-Za-z]{7}|[0-9A-Za-z]{11}|[0-9A-Za-z]{22}", seg) else None


async def pace(next_t, period, stop_at):
    """Sleeps until next_t (never bursting to catch up); returns the next slot, or None at the end."""
    now = MONO()
    if next_t < now - period:
        next_t = now
    if next_t > now:
        await asyncio.sleep(next_t - now)
    return next_t + period if MONO() < stop_at else None


# ----------------------------------------------------------------------- honest clients
TEXT_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:-_()[]{}<>/*+!?#'\"\t"
UTF8_WORDS = ["grüße", "日本語", "κόσμε", "привет", "emoji 🎉", "naïve café", "ǅ", "∑∫√"]


def honest_body(rng):
    r = rng.random()
    size = rng.randint(100, 8192) if r < 0.90 else rng.randint(8192, 65536) if r < 0.99 \
        else rng.randint(65536, 512 * 1024)
    kind = rng.random()
    if kind < 0.30:                       # binary: any byte, NUL and CR included
        return os.urandom(size), "bin"
    if kind < 0.40:                       # UTF-8 text
        out, n = [], 0
        while n < size:
            w = rng.choice(UTF8_WORDS) + (" " if rng.random() < 0.8 else "\r\n")
            out.append(w)
            n += len(w.encode())
        return "".join(out).encode()[:size].decode("utf-8", "ignore").encode(), "utf8"
    lines, n = [], 0                      # text, no '=' or '&' (never a form by accident)
    while n < size:
        line = "".join(rng.choice(TEXT_CHARS) for _ in range(rng.randint(0, 100))) + "\n"
        lines.append(line)
        n += len(line)
    return "".join(lines).encode()[:size], "text"


class Shared:
    def __init__(self):
        self.ids = []          # acknowledged ids, in order
        self.expect = {}       # id -> (sha256 hex, size, client)
        self.rec = []          # (start, kind, latency s, ok)
        self.fail = {}         # "kind: why" -> count
        self.fail_examples = []
        self.status = {}       # "kind status" -> count
        self.retries = 0


class Honest:
    def __init__(self, i, n, port, sh, ctr, t0, t_end, create_every, read_every):
        self.i = i
        self.port = port
        self.sh = sh
        self.ctr = ctr
        self.t0 = t0
        self.t_end = t_end
        self.create_every = create_every
        self.read_every = read_every
        self.rng = random.Random(f"honest-{i}-{os.getpid()}-{time.time()}")
        self.conn = Conn(port, f"10.1.0.{i + 1}")
        self.mine = []
        self.next_create = t0 + create_every * i / n     # spread over the first interval

    def note(self, start, kind, ok, why=None, status=None):
        lat = MONO() - start
        self.sh.rec.append((start, kind, lat, ok))
        key = f"{kind} {status if status is not None else why}"
        self.sh.status[key] = self.sh.status.get(key, 0) + 1
        if ok:
            self.ctr[C_HONEST_OK] += 1
        else:
            self.ctr[C_HONEST_FAIL] += 1
            k = f"{kind}: {why}"
            self.sh.fail[k] = self.sh.fail.get(k, 0) + 1
            if len(self.sh.fail_examples) < 20:
                self.sh.fail_examples.append(f"t={start - self.t0:.1f}s client 10.1.0.{self.i + 1} {kind}: {why}")

    async def create(self):
        body, _ = honest_body(self.rng)
        r = self.rng.random()
        q = "?unlisted=1" if self.rng.random() < 0.10 else ""
        if r < 0.55:
            method, path, hdr = "POST", "/" + q, {"Content-Type": "application/octet-stream"}
        elif r < 0.70 and all(b not in body for b in (b"=", b"&", b"\0")) and body.isascii():
            method, path, hdr = "POST", "/" + q, {"Content-Type": "application/x-www-form-urlencoded"}
        elif r < 0.85:
            method, path, hdr = "PUT", "/" + q, {"Content-Type": "application/octet-stream"}
        else:
            sep = "&" if q else "?"
            method, path, hdr = "POST", "/" + q + f"{sep}title=soak%20{self.i}", {"Content-Type": "text/plain"}
        start = MONO()
        try:
            status, hdrs, answer = await self.conn.request(method, path, body, hdr)
        except Exception as e:
            self.note(start, "create", False, err_name(e))
            return
        pid = id_of(answer) if status == 201 else None
        if status != 201:
            self.note(start, "create", False, f"{status} {answer[:80].decode('utf-8', 'replace').strip()}", status)
        elif not pid or not hdrs.get("x-delete-token"):
            self.note(start, "create", False, f"201 without an id or token: {answer[:80]!r}", status)
        else:
            self.note(start, "create", True, status=201)
            self.sh.expect[pid] = (hashlib.sha256(body).hexdigest(), len(body), self.i)
            self.sh.ids.append(pid)
            self.mine.append(pid)
            self.ctr[C_ACKED] += 1

    async def read(self):
        rng = self.rng
        if rng.random() < 0.03:
            start = MONO()
            try:
                status, _, _ = await self.conn.request("GET", "/recent", None, {"Accept": "text/html"})
                self.note(start, "recent", status == 200, f"status {status}", status)
            except Exception as e:
                self.note(start, "recent", False, err_name(e))
            return
        pool = self.mine if self.mine and rng.random() < 0.30 else self.sh.ids
        if not pool:
            return
        pid = rng.choice(pool)
        r = rng.random()
        kind, path = ("raw", f"/raw/{pid}") if r < 0.80 else ("page", f"/{pid}") if r < 0.90 \
            else ("api", f"/api/pastes/{pid}")
        hdr = {"Accept": "text/html"} if kind == "page" else None
        start = MONO()
        try:
            status, _, body = await self.conn.request("GET", path, None, hdr)
        except Exception as e:
            self.note(start, kind, False, err_name(e))
            return
        if status != 200:
            self.note(start, kind, False, f"{status} {body[:80].decode('utf-8', 'replace').strip()}", status)
        elif kind == "raw" and hashlib.sha256(body).hexdigest() != self.sh.expect[pid][0]:
            self.note(start, kind, False, f"200 with other bytes than created ({len(body)} vs {self.sh.expect[pid][1]})", status)
        else:
            self.note(start, kind, True, status=200)

    async def run(self):
        next_read = self.t0 + self.rng.uniform(0, self.read_every)
        while not self.ctr[C_STOP]:
            now = MONO()
            if now >= self.t_end:
                break
            t = min(self.next_create, next_read)
            if t > now:
                await asyncio.sleep(min(t - now, self.t_end - now, 0.5))
                continue
            if self.next_create <= next_read:
                await self.create()
                self.next_create = max(self.next_create + self.create_every * self.rng.uniform(0.85, 1.15), MONO())
            else:
                await self.read()
                next_read = max(next_read + self.read_every * self.rng.uniform(0.5, 1.5), MONO() - 1)
        self.conn.close()
        self.sh.retries += self.conn.retries


def honest_main(a, t0, t_end, ctr, pipe):
    sh = Shared()

    async def main():
        cl = [Honest(i, a.honest, a.port, sh, ctr, t0, t_end, a.create_every, a.read_every)
              for i in range(a.honest)]
        await asyncio.gather(*(c.run() for c in cl))
    try:
        asyncio.run(main())
    finally:
        pipe.send({"ids": sh.ids, "expect": sh.expect, "rec": sh.rec, "fail": sh.fail,
                   "fail_examples": sh.fail_examples, "status": sh.status, "retries": sh.retries})
        pipe.close()


# ------------------------------------------------------------------------------ abusers
class Tally:
    def __init__(self):
        self.d = {}

    def add(self, cls, what, n=1):
        c = self.d.setdefault(cls, {})
        c[what] = c.get(what, 0) + n


def rand_id(rng, shape):
    if shape == "id7":        # canonical: decodes to a number below 2^40 (first digit < 19)
        return B62[rng.randrange(19)] + "".join(rng.choice(B62) for _ in range(6))
    if shape == "id7any":     # uniformly random 7 characters
        return "".join(rng.choice(B62) for _ in range(7))
    return "".join(rng.choice(B62) for _ in range(22))


async def abuse_http(cls, xff, rate, stop_at, make, port, tally, ctr):
    """A client sending make(rng) -> (method, path, body, headers, label) at `rate` per second."""
    rng = random.Random(f"{cls}-{xff}-{os.getpid()}")
    conn = Conn(port, xff)
    nxt = MONO() + rng.uniform(0, 1.0 / rate)
    while not ctr[C_STOP]:
        nxt = await pace(nxt, 1.0 / rate, stop_at)
        if nxt is None:
            break
        method, path, body, hdr, label = make(rng)
        ctr[C_ABUSE_SENT] += 1
        try:
            status, _, _ = await conn.request(method, path, body, hdr)
        except Exception as e:
            tally.add(cls, f"{label}error {err_name(e)}")
            continue
        tally.add(cls, f"{label}{status}")
        if 400 <= status < 500:
            ctr[C_ABUSE_REFUSED] += 1
    conn.close()
    tally.add(cls, "retried", conn.retries)


async def oversize_client(idx, a, stop_at, tally, ctr, budget):
    rng = random.Random(f"oversize-{idx}-{os.getpid()}")
    nxt = MONO() + rng.uniform(0, a.oversize_every)
    while not ctr[C_STOP] and budget[0] > 0:
        nxt = await pace(nxt, a.oversize_every, stop_at)
        if nxt is None:
            break
        budget[0] -= 1
        # half just over max_paste_size (read in full, refused by the app), half over the HTTP
        # layer's body limit (max_paste_size * 4/3 + form room: refused from the head)
        big = rng.random() < 0.5
        size = a.max_paste + (rng.randint(a.max_paste // 2, a.max_paste) if big else rng.randint(1, 65536))
        label = "over-http-limit " if big else "just-over "
        conn = Conn(a.port, f"10.66.0.{40 + idx}")
        ctr[C_ABUSE_SENT] += 1
        t = MONO()

        async def send():
            conn.w.write(conn.head("POST", "/", None, {"Content-Type": "application/octet-stream",
                                                       "Content-Length": size}, close=True))
            chunk = b"A" * 65536
            left = size
            while left > 0:
                conn.w.write(chunk[:min(left, 65536)])
                left -= min(left, 65536)
                await conn.w.drain()
        try:
            await conn.open()
            sender = asyncio.ensure_future(send())
            try:
                status, _, _ = await asyncio.wait_for(conn.read_response(), TIMEOUT + 5)
            finally:
                sender.cancel()
                try:
                    await sender
                except BaseException:
                    pass
            tally.add("oversize", f"{label}{status}")
            tally.add("oversize", "answer ms max", 0)
            d = tally.d["oversize"]
            d["answer ms max"] = max(d["answer ms max"], int((MONO() - t) * 1000))
            if 400 <= status < 500:
                ctr[C_ABUSE_REFUSED] += 1
        except Exception as e:
            tally.add("oversize", f"{label}error {err_name(e)}")
        finally:
            conn.close()


async def slowloris_one(idx, a, stop_at, tally, ctr, holds):
    """One slow connection at a time: a head that never ends, a few bytes a second; after
    pasted answers (408) or closes, the next one."""
    rng = random.Random(f"slow-{idx}-{os.getpid()}")
    await asyncio.sleep(rng.uniform(0, 5))       # spread the starts
    while not ctr[C_STOP] and MONO() < stop_at:
        try:
            r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", a.port), TIMEOUT)
        except Exception as e:
            tally.add("slowloris", f"connect error {err_name(e)}")
            await asyncio.sleep(1)
            continue
        tally.add("slowloris", "connections")
        ctr[C_ABUSE_SENT] += 1
        ctr[C_SLOW_OPEN] += 1
        head = (f"GET /raw/{rand_id(rng, 'id7')} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"X-Forwarded-For: 10.66.1.{idx % 250 + 1}\r\nX-Slow: ").encode()
        first = MONO()
        reader = asyncio.ensure_future(r.read(4096))
        outcome = None
        try:
            cut = rng.randint(5, len(head))
            w.write(head[:cut])
            rest = head[cut:]
            sent = 0
            while True:
                done, _ = await asyncio.wait({reader}, timeout=a.slow_drip)
                if done:
                    break
                if MONO() >= stop_at or ctr[C_STOP]:
                    outcome = "still open at the end"
                    break
                piece = rest[:3] if rest else b"x" * rng.randint(1, 3)
                rest = rest[3:]
                sent += len(piece)
                w.write(piece)
                await w.drain()
        except (ConnectionError, OSError):
            pass
        held = MONO() - first
        if outcome is None:
            try:
                data = await asyncio.wait_for(reader, 2)
                m = re.match(rb"HTTP/1\.[01] (\d{3})", data or b"")
                outcome = m.group(1).decode() if m else ("closed, no answer" if not data else "bad answer")
                holds.append(held)
            except Exception as e:
                outcome = f"error {err_name(e)}"
        else:
            reader.cancel()
        tally.add("slowloris", outcome)
        if outcome in ("408",) or outcome.startswith("4"):
            ctr[C_ABUSE_REFUSED] += 1
        ctr[C_SLOW_OPEN] -= 1
        try:
            w.close()
        except Exception:
            pass
        await asyncio.sleep(rng.uniform(0, 1))


async def deleter(idx, a, stop_at, tally, ctr):
    rng = random.Random(f"del-{idx}-{os.getpid()}")
    conn = Conn(a.port, f"10.66.0.{60 + idx}")
    ids, fetched = [], 0.0
    nxt = MONO()
    while not ctr[C_STOP]:
        nxt = await pace(nxt, 1.0 / a.delete_rate, stop_at)
        if nxt is None:
            break
        if MONO() - fetched > 20 or not ids:      # public ids, as anyone sees them
            fetched = MONO()
            try:
                st, _, page = await conn.request("GET", "/recent", None, {"Accept": "text/html"})
                found = sorted(set(re.findall(rb'href="/([0-9A-Za-z]{7})"', page)))
                if found:
                    ids = [x.decode() for x in found]
                tally.add("deleters", f"GET /recent {st}")
            except Exception as e:
                tally.add("deleters", f"GET /recent error {err_name(e)}")
        pid = rng.choice(ids) if ids else rand_id(rng, "id7")
        token = "".join(rng.choice(B62) for _ in range(43))
        path = f"/{pid}" if rng.random() < 0.5 else f"/api/pastes/{pid}"
        ctr[C_ABUSE_SENT] += 1
        try:
            st, _, _ = await conn.request("DELETE", path, None, {"X-Delete-Token": token})
        except Exception as e:
            tally.add("deleters", f"error {err_name(e)}")
            continue
        tally.add("deleters", str(st))
        if 400 <= st < 500:
            ctr[C_ABUSE_REFUSED] += 1
    conn.close()


def abuse_main(a, t_start, t_end, ctr, pipe):
    tally = Tally()
    holds = []

    async def main():
        now = MONO()
        if t_start > now:
            await asyncio.sleep(t_start - now)
        body100 = b"flood " * 17
        tasks = []
        for i in range(a.flooders):
            tasks.append(abuse_http(
                "flooders", f"10.66.0.{1 + i}", a.flood_rate, t_end,
                lambda rng: ("POST", "/", body100 + os.urandom(8).hex().encode(),
                             {"Content-Type": "application/octet-stream"}, ""),
                a.port, tally, ctr))

        def guess(rng):
            shape = rng.choice(("id7", "id7any", "id22"))
            route = rng.choice(("/raw/", "/", "/api/pastes/"))
            return "GET", route + rand_id(rng, shape), None, None, f"{shape} "
        for i in range(a.guessers):
            tasks.append(abuse_http("guessers", f"10.66.0.{20 + i}", a.guess_rate, t_end, guess,
                                    a.port, tally, ctr))
        budget = [a.oversize_max]
        for i in range(a.oversize):
            tasks.append(oversize_client(i, a, t_end, tally, ctr, budget))
        for i in range(a.slowloris):
            tasks.append(slowloris_one(i, a, t_end, tally, ctr, holds))
        for i in range(a.deleters):
            tasks.append(deleter(i, a, t_end, tally, ctr))
        for r in await asyncio.gather(*tasks, return_exceptions=True):
            if isinstance(r, BaseException):      # a bug of this script: shown with the table
                tally.add("load generator", f"{type(r).__name__}: {r}")
    try:
        asyncio.run(main())
    finally:
        pipe.send({"tally": tally.d, "holds": holds})
        pipe.close()


# ------------------------------------------------------------------ pasted: RSS, metrics
def proc_sample(pid):
    """VmRSS, VmHWM (KiB), threads, open fds, CPU ticks of pasted; None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            st = f.read()
        fields = st[st.rindex(")") + 2:].split()
        if fields[0] in ("Z", "X"):
            return None
        ticks = int(fields[11]) + int(fields[12])
        s = {}
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                s[k] = v.split()[0] if v.split() else ""
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        return {"rss": int(s["VmRSS"]), "hwm": int(s["VmHWM"]), "threads": int(s["Threads"]),
                "fds": fds, "ticks": ticks}
    except (OSError, KeyError, ValueError, IndexError):
        return None


def cpu_busy():
    """Busy CPU ticks of the whole machine (all cores): user nice system irq softirq steal."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[0] + v[1] + v[2] + v[5] + v[6] + v[7]


def pid_ticks(pids):
    t = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                st = f.read()
            fields = st[st.rindex(")") + 2:].split()
            t += int(fields[11]) + int(fields[12])
        except (OSError, ValueError, IndexError):
            pass
    return t


class CPUShare:
    """The share of all cores that processes outside the soak took between two marks (the
    soak: pasted, its Redis and FerretDB, this process and its two client processes).
    wrk-style benches on a shared machine call it "other": a phase with much of it has noisy
    latencies."""

    def __init__(self, pids):
        self.pids = pids
        self.marks = []

    def mark(self):
        self.marks.append((MONO(), cpu_busy(), pid_ticks(self.pids)))

    def other(self, i, j, hz, cores):
        if len(self.marks) <= j:
            return None
        (t0, b0, o0), (t1, b1, o1) = self.marks[i], self.marks[j]
        return max(0.0, ((b1 - b0) - (o1 - o0)) / max((t1 - t0) * hz * cores, 1e-9) * 100)


def http_get(port, path, timeout=5):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    head, _, body = data.partition(b"\r\n\r\n")
    m = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    return (int(m.group(1)) if m else 0), body


def metrics(port):
    try:
        st, body = http_get(port, "/metrics")
    except OSError:
        return None
    if st != 200:
        return None
    out = {}
    for line in body.decode("utf-8", "replace").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        k, _, v = line.rpartition(" ")
        try:
            out[k] = float(v)
        except ValueError:
            pass
    return out


# --------------------------------------------------------------------------- read-back
async def read_back(port, expect, outdir):
    """GET /raw/<id> of every acknowledged paste; (ok, missing, different, errors, examples)."""
    res = {"ok": 0, "missing": 0, "different": 0, "error": 0, "examples": []}
    todo = list(expect.items())
    n = [0]

    async def worker(w):
        while todo:
            pid, (sha, size, client) = todo.pop()
            n[0] += 1
            conn = Conn(port, f"10.2.{n[0] // 250 % 250}.{n[0] % 250 + 1}")
            why = None
            try:
                st, _, body = await conn.request("GET", f"/raw/{pid}", None, {"Connection": "close"})
                if st == 200 and hashlib.sha256(body).hexdigest() == sha:
                    res["ok"] += 1
                elif st == 200:
                    res["different"] += 1
                    why = f"200 with other bytes ({len(body)} B, created {size} B)"
                    with open(os.path.join(outdir, f"mismatch-{pid}"), "wb") as f:
                        f.write(body)
                else:
                    res["missing"] += 1
                    why = f"{st} {body[:80].decode('utf-8', 'replace').strip()}"
            except Exception as e:
                res["error"] += 1
                why = err_name(e)
            finally:
                conn.close()
            if why and len(res["examples"]) < 20:
                res["examples"].append(f"{pid} (client 10.1.0.{client + 1}): {why}")
    await asyncio.gather(*(worker(w) for w in range(4)))
    return res


# ------------------------------------------------------------------------------- report
def pct(xs, p):
    if not xs:
        return None
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, int(-(-p * len(xs) // 100)) - 1))   # nearest rank
    return xs[k]


def fmt_ms(v):
    return "-" if v is None else f"{v * 1000:.1f}"


def fmt_n(v):
    return f"{v:,}" if isinstance(v, int) else str(v)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--max-paste", type=int, default=1 << 20)
    ap.add_argument("--header-timeout", type=float, default=5)
    ap.add_argument("--also-pids", default="", help="the store's processes (their CPU is the soak's)")
    a = ap.parse_args()
    a.seconds = env_num("SOAK_SECONDS", 600)
    a.quiet = env_num("SOAK_QUIET_SECONDS", 20)
    a.honest = env_num("SOAK_HONEST", 20)
    a.create_every = env_num("SOAK_CREATE_EVERY", 30.0, float)
    a.read_every = env_num("SOAK_READ_EVERY", 0.3, float)
    a.flooders = env_num("SOAK_FLOODERS", 3)
    a.flood_rate = env_num("SOAK_FLOOD_RATE", 20.0, float)
    a.guessers = env_num("SOAK_GUESSERS", 4)
    a.guess_rate = env_num("SOAK_GUESS_RATE", 10.0, float)
    a.oversize = env_num("SOAK_OVERSIZE", 2)
    a.oversize_every = env_num("SOAK_OVERSIZE_EVERY", 4.0, float)
    a.oversize_max = env_num("SOAK_OVERSIZE_MAX", 100)
    a.slowloris = env_num("SOAK_SLOWLORIS", 200)
    a.slow_drip = env_num("SOAK_SLOW_DRIP", 1.0, float)
    a.deleters = env_num("SOAK_DELETERS", 2)
    a.delete_rate = env_num("SOAK_DELETE_RATE", 5.0, float)
    a.rss_every = env_num("SOAK_RSS_EVERY", 10.0, float)
    a.ratio_max = env_num("SOAK_P99_RATIO", 2.0, float)
    a.max_paste = a.max_paste
    if a.create_every < 20:
        say(f"warning: SOAK_CREATE_EVERY {a.create_every} s is faster than limit_creates refills (20 s): "
            "honest creates will be refused after their burst")
    os.makedirs(a.out, exist_ok=True)
    for f in os.listdir(a.out):
        if f.startswith("mismatch-"):
            os.remove(os.path.join(a.out, f))
    hz = os.sysconf("SC_CLK_TCK")

    s0 = proc_sample(a.pid)
    if not s0:
        sys.exit(f"soak: ERROR: pasted (pid {a.pid}) is not running")
    m_start = metrics(a.port)
    if m_start is None:
        sys.exit("soak: ERROR: pasted's /metrics does not answer")

    ctr = mp.Array("q", N_COUNTERS, lock=False)
    t0 = MONO() + 0.5
    t_soak = t0 + a.quiet
    t_end = t_soak + a.seconds
    hp_r, hp_w = mp.Pipe(duplex=False)
    ap_r, ap_w = mp.Pipe(duplex=False)
    hon = mp.Process(target=honest_main, args=(a, t0, t_end, ctr, hp_w), daemon=True)
    abu = mp.Process(target=abuse_main, args=(a, t_soak, t_end, ctr, ap_w), daemon=True)
    share = CPUShare([a.pid, os.getpid()] + [int(x) for x in a.also_pids.split() if x.isdigit()])
    share.mark()
    hon.start()
    abu.start()
    share.pids += [hon.pid, abu.pid]
    hp_w.close()
    ap_w.close()

    say(f"quiet phase: {a.honest} honest clients for {a.quiet}s (a create each ~{a.create_every:g}s, "
        f"a read each ~{a.read_every:g}s)")
    samples = []            # (t since t0, phase, sample)
    died_at = None
    m_soak = None
    last = (MONO(), s0["ticks"])
    next_sample = t0 + min(a.rss_every, a.quiet / 2 if a.quiet > 0 else a.rss_every)
    announced = False
    while True:
        now = MONO()
        if not announced and now >= t_soak - 0.2:
            m_soak = metrics(a.port)
            share.mark()
            say(f"soak phase: + {a.flooders} flooders x {a.flood_rate:g}/s, {a.guessers} guessers x "
                f"{a.guess_rate:g}/s, {a.oversize} oversize posters (one each {a.oversize_every:g}s, "
                f"{a.oversize_max} at most), {a.slowloris} slowloris connections, {a.deleters} "
                f"wrong-token deleters x {a.delete_rate:g}/s, for {a.seconds}s")
            announced = True
        if now >= t_end:
            share.mark()
            break
        if now >= next_sample:
            s = proc_sample(a.pid)
            phase = "quiet" if now < t_soak + 0.5 else "soak"   # a sample at the switch: still quiet
            if s is None:
                died_at = now - t0
                say(f"pasted (pid {a.pid}) is gone after {died_at:.0f}s: stopping the clients")
                ctr[C_STOP] = 1
                break
            t_prev, k_prev = last
            cpu = (s["ticks"] - k_prev) / hz / max(now - t_prev, 1e-3) * 100
            last = (now, s["ticks"])
            s["cpu"] = cpu
            samples.append((now - t0, phase, s))
            say(f"{now - t0:6.0f}s {phase:5}  rss {s['rss'] / 1024:6.1f} MiB (peak {s['hwm'] / 1024:.1f})  "
                f"fds {s['fds']:4}  threads {s['threads']}  cpu {cpu:3.0f}%  |  honest {ctr[C_HONEST_OK]:,} ok "
                f"{ctr[C_HONEST_FAIL]:,} failed, {ctr[C_ACKED]:,} pastes  |  abusive {ctr[C_ABUSE_SENT]:,} sent "
                f"{ctr[C_ABUSE_REFUSED]:,} refused, slowloris open {ctr[C_SLOW_OPEN]}")
            next_sample += a.rss_every
            while next_sample <= now:
                next_sample += a.rss_every
        if not hon.is_alive() and not abu.is_alive():
            break
        time.sleep(max(0.05, min(0.5, next_sample - MONO(), t_end - MONO())))

    # the clients end on their own at t_end; give them the longest request time to hand over
    results = {}
    for name, proc, pipe in (("honest", hon, hp_r), ("abuse", abu, ap_r)):
        if pipe.poll(TIMEOUT + 20):
            try:
                results[name] = pipe.recv()
            except EOFError:
                results[name] = None
        else:
            results[name] = None
        proc.join(5)
        if proc.is_alive():
            proc.terminate()
            proc.join(5)
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    gen_cpu = ru.ru_utime + ru.ru_stime
    hr = results["honest"] or {"ids": [], "expect": {}, "rec": [], "fail": {"no results": 1},
                               "fail_examples": ["the honest clients' process handed over nothing"],
                               "status": {}, "retries": 0}
    ar = results["abuse"] or {"tally": {}, "holds": []}

    s_end = proc_sample(a.pid)
    if s_end and died_at is None:
        now = MONO()
        t_prev, k_prev = last
        s_end["cpu"] = (s_end["ticks"] - k_prev) / hz / max(now - t_prev, 1e-3) * 100
        samples.append((now - t0, "end", s_end))
    elif died_at is None:
        died_at = MONO() - t0
    m_end = metrics(a.port) if died_at is None else None
    health = None
    if died_at is None:
        try:
            health = http_get(a.port, "/healthz")[0]
        except OSError:
            health = 0

    # read-back of every acknowledged paste
    rb = {"ok": 0, "missing": 0, "different": 0, "error": 0, "examples": []}
    expect = hr["expect"]
    if expect:
        say(f"read-back: GET /raw/<id> of the {len(expect):,} pastes the honest clients got a 201 for")
        t = MONO()
        rb = asyncio.run(read_back(a.port, expect, a.out))
        say(f"read-back: {rb['ok']:,} identical, {rb['missing']:,} missing, {rb['different']:,} different, "
            f"{rb['error']:,} errors ({MONO() - t:.1f}s)")
    if s_end is not None and proc_sample(a.pid) is None and died_at is None:
        died_at = MONO() - t0

    # ------------------------------------------------------------------ figures
    def phase_of(start):
        return "quiet" if start < t_soak else "soak"
    lat = {"quiet": [], "soak": []}
    lat_kind = {}
    n_ok = {"quiet": 0, "soak": 0}
    n_all = {"quiet": 0, "soak": 0}
    for start, kind, l, ok in hr["rec"]:
        ph = phase_of(start)
        n_all[ph] += 1
        if ok:
            n_ok[ph] += 1
            lat[ph].append(l)
            lat_kind.setdefault((ph, "create" if kind == "create" else "read"), []).append(l)
    p99 = {ph: pct(lat[ph], 99) for ph in lat}
    p50 = {ph: pct(lat[ph], 50) for ph in lat}
    ratio = (p99["soak"] / p99["quiet"]) if p99["quiet"] and p99["soak"] else None

    rows = []   # (section, what, quiet, soak, goal, result)

    def row(section, what, quiet="", soak="", goal="", result=""):
        rows.append((section, what, str(quiet), str(soak), goal, result))

    fails = []

    def goal(ok, what):
        if not ok:
            fails.append(what)
        return "ok" if ok else "MISSED"

    def rate(ph):
        return f"{100.0 * n_ok[ph] / n_all[ph]:.2f}%" if n_all[ph] else "-"
    succ_ok = all(n_all[ph] > 0 and n_ok[ph] == n_all[ph] for ph in ("quiet", "soak")) if a.quiet > 0 \
        else (n_all["soak"] > 0 and n_ok["soak"] == n_all["soak"])
    row("honest", "requests", fmt_n(n_all["quiet"]), fmt_n(n_all["soak"]))
    row("honest", "success", rate("quiet"), rate("soak"), "100%", goal(succ_ok, "honest success below 100 %"))
    row("honest", "p50 ms", fmt_ms(p50["quiet"]), fmt_ms(p50["soak"]))
    ratio_ok = ratio is not None and ratio <= a.ratio_max
    row("honest", "p99 ms", fmt_ms(p99["quiet"]), fmt_ms(p99["soak"]), f"soak <= {a.ratio_max:g}x quiet",
        goal(ratio_ok, f"honest p99 ratio {'-' if ratio is None else f'{ratio:.2f}'} > {a.ratio_max:g}")
        + (f" ({ratio:.2f}x)" if ratio is not None else " (no ratio)"))
    for k in ("read", "create"):
        row("honest", f"  {k}s p99 ms", fmt_ms(pct(lat_kind.get(("quiet", k), []), 99)),
            fmt_ms(pct(lat_kind.get(("soak", k), []), 99)))
    row("honest", "  max ms", fmt_ms(max(lat["quiet"]) if lat["quiet"] else None),
        fmt_ms(max(lat["soak"]) if lat["soak"] else None))
    row("honest", "pastes acknowledged (201)", "", fmt_n(len(expect)))
    rb_ok = rb["ok"] == len(expect) and len(expect) > 0
    row("honest", "read back byte-identical", "", f"{rb['ok']:,}/{len(expect):,}", "all",
        goal(rb_ok, f"acknowledged pastes: {rb['missing']} missing, {rb['different']} different, "
                    f"{rb['error']} unreadable"))
    alive_ok = died_at is None and health == 200
    row("pasted", "alive, /healthz 200 at the end", "", "yes" if alive_ok else
        (f"died after {died_at:.0f}s" if died_at is not None else f"/healthz {health}"), "yes",
        goal(alive_ok, "pasted died or does not answer /healthz"))

    rss = [s["rss"] for _, _, s in samples]
    rss_soak = [s["rss"] for _, ph, s in samples if ph != "quiet"]
    rss_quiet = [s["rss"] for _, ph, s in samples if ph == "quiet"]
    if rss:
        def mib(v):
            return f"{v / 1024:.1f}"
        row("pasted", "RSS MiB min / max", f"{mib(min(rss_quiet))} / {mib(max(rss_quiet))}" if rss_quiet else "-",
            f"{mib(min(rss_soak))} / {mib(max(rss_soak))}" if rss_soak else "-")
        row("pasted", "RSS MiB first / last sample", mib(rss[0]), mib(rss[-1]))
        row("pasted", "peak RSS (VmHWM) MiB", "", mib(samples[-1][2]["hwm"]))
        fds = [s["fds"] for _, _, s in samples]
        row("pasted", "open fds min / max / last", "", f"{min(fds)} / {max(fds)} / {fds[-1]}")
        cpus = [s["cpu"] for _, ph, s in samples if ph == "soak"]
        if cpus:
            row("pasted", "CPU % of one core, mean of samples", "", f"{sum(cpus) / len(cpus):.0f}")

    cores = os.cpu_count() or 1
    oq, os_ = share.other(0, 1, hz, cores), share.other(1, 2, hz, cores)
    row("machine", "other processes' CPU, % of all cores", "-" if oq is None else f"{oq:.0f}",
        "-" if os_ is None else f"{os_:.0f}", "(above ~10: noisy p99)")

    # refusals counted by pasted (/metrics deltas)
    def refused(m):
        return {k.split('"')[1]: int(v) for k, v in (m or {}).items() if k.startswith("pasted_refused_total{")}
    r0, r1, r2 = refused(m_start), refused(m_soak), refused(m_end)
    for reason in sorted(set(r0) | set(r2)):
        q = r1.get(reason, 0) - r0.get(reason, 0) if m_soak else "-"
        s = r2.get(reason, 0) - r1.get(reason, 0) if m_end and m_soak else "-"
        row("refused", f'pasted_refused_total{{reason="{reason}"}}', q, s)
    if m_end:
        for k in ("pasted_requests_total", "pasted_pastes_created_total", "pasted_store_errors_total"):
            if k in m_end:
                row("metrics", k.replace("pasted_", ""), int(m_soak.get(k, 0) - m_start.get(k, 0)) if m_soak else "-",
                    int(m_end[k] - (m_soak or m_start).get(k, 0)))
        if "pasted_store_id_lookups_indexed" in m_end:   # 1: FerretDB's _id index is in use
            row("metrics", "store_id_lookups_indexed (at the end)", "", int(m_end["pasted_store_id_lookups_indexed"]))

    # abusers: what each class saw, and what was expected
    tally = ar["tally"]

    def expect_line(cls, d):
        def n(pred):
            return sum(v for k, v in d.items() if pred(k))
        if cls == "flooders":
            c201, c429 = n(lambda k: k == "201"), n(lambda k: k == "429")
            okx = c429 > 0 and c201 <= a.flooders * (30 + a.seconds / 20 + 1)
            return f"201 <= 30 + 1 per 20 s each, then 429", okx
        if cls == "guessers":
            c429 = n(lambda k: k.endswith(" 429"))
            c200 = n(lambda k: k.endswith(" 200"))
            return "404, then 429; never 200", c429 > 0 and c200 == 0
        if cls == "oversize":
            bad = n(lambda k: (k.startswith("just-over") or k.startswith("over-http")) and not k.endswith(" 413"))
            return "413 every time", bad == 0 and n(lambda k: k.endswith(" 413")) > 0
        if cls == "slowloris":
            holds = ar["holds"]
            mx = max(holds) if holds else 0
            other = n(lambda k: k not in ("connections", "408", "still open at the end"))
            return (f"408 within header_timeout {a.header_timeout:g}s (+1 s); held at most {mx:.1f}s",
                    other == 0 and mx <= a.header_timeout + 1.0 and n(lambda k: k == "408") > 0)
        if cls == "deleters":
            c204 = n(lambda k: k == "204")
            return "403, then 429; never 204", c204 == 0 and n(lambda k: k == "429") > 0
        return "", True
    abuse_rows = []
    for k, v in tally.get("load generator", {}).items():
        say(f"load generator: an abusive client stopped early: {k} (x{v})")
    for cls in ("flooders", "guessers", "oversize", "slowloris", "deleters"):
        d = tally.get(cls)
        if not d:
            continue
        d = {k: v for k, v in d.items() if v}
        sent = sum(v for k, v in d.items() if re.search(r"(^| )(\d{3}|error .*)$", k)
                   and not k.startswith("GET /recent"))
        if cls == "slowloris":
            sent = d.get("connections", 0)
        counts = ", ".join(f"{k} {v:,}" for k, v in sorted(d.items(), key=lambda kv: kv[0])
                           if k not in ("connections", "answer ms max"))
        if "answer ms max" in d:
            counts += f" (answered within {d['answer ms max']:,} ms)"
        text, okx = expect_line(cls, d)
        abuse_rows.append((cls, sent, counts, text, "as expected" if okx else "UNEXPECTED"))
        row("abusers", cls, "", f"{sent:,} sent: {counts}", text, "as expected" if okx else "UNEXPECTED")

    # ------------------------------------------------------------------ print
    say("")
    run_s = a.quiet + a.seconds
    say(f"load generator: {gen_cpu:.0f} s of CPU over {run_s} s ({100 * gen_cpu / max(run_s, 1):.0f}% of one core, "
        f"both client processes); honest requests sent again after pasted closed a reused connection: "
        f"{hr['retries']}")
    if hr["fail"]:
        say("honest failures by kind: " + ", ".join(f"{k} x{v}" for k, v in sorted(hr["fail"].items())))
        for e in hr["fail_examples"][:10]:
            say(f"  {e}")
    for e in rb["examples"][:10]:
        say(f"read-back: {e}")
    w = [44, 9, 13, 22]
    say("=" * 100)
    say(f"{'what':<{w[0]}} {'quiet':>{w[1]}} {'soak':>{w[2]}}  {'goal':<{w[3]}} result")
    say("-" * 100)
    prev = None
    for sec, what, q, s, g, r in rows:
        if sec in ("abusers",):
            continue
        if sec != prev:
            say(f"[{sec}]")
            prev = sec
        say(f"{what:<{w[0]}} {q:>{w[1]}} {s:>{w[2]}}  {g:<{w[3]}} {r}".rstrip())
    say("-" * 100)
    say(f"{'abusers':<10} {'sent':>8}  what they got (status: count)")
    for cls, sent, counts, text, verdict in abuse_rows:
        say(f"{cls:<10} {sent:>8,}  {counts}")
        say(f"{'':<10} {'':>8}  expected: {text}: {verdict}")
    say("=" * 100)

    with open(os.path.join(a.out, "results.csv"), "w") as f:
        f.write("section,what,quiet,soak,goal,result\n")
        for r in rows:
            f.write(",".join('"' + str(x).replace('"', '""') + '"' for x in r) + "\n")
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump({"settings": {k: v for k, v in vars(a).items()},
                   "samples": [{"t": round(t, 1), "phase": ph, **s} for t, ph, s in samples],
                   "metrics": {"start": m_start, "soak": m_soak, "end": m_end},
                   "honest": {"status": hr["status"], "fail": hr["fail"], "examples": hr["fail_examples"],
                              "retries": hr["retries"], "acknowledged": len(expect)},
                   "readback": rb, "abusers": tally, "slowloris_holds_max": max(ar["holds"] or [0]),
                   "rows": rows, "missed": fails}, f, indent=1, default=str)
    say(f"CSV: {os.path.relpath(os.path.join(a.out, 'results.csv'))}, all figures in "
        f"{os.path.relpath(os.path.join(a.out, 'summary.json'))}")
    if fails:
        for x in fails:
            say(f"MISSED: {x}")
        return 1
    say("every goal met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
