"""`newsarchive serve`: the web app behind waitress, a production WSGI server.

Why waitress: it reads requests on one event loop and hands a thread only a
complete request, so slow or half-open connections cost a socket, not a
thread, and an idle one is closed after `idle_timeout`. It never runs the
Werkzeug debugger, whatever FLASK_DEBUG says.

With `workers` > 1 (POSIX only) the listening socket is bound once and that
many processes, forked before the app (and its model) is created, accept on
it; a worker that dies is replaced.
"""
from __future__ import annotations

import ipaddress
import logging
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass
from typing import Callable

log = logging.getLogger("newsarchive.serve")

# A worker that dies this soon after starting is failing to start, not crashing
# under load: the server stops instead of forking it again and again.
MIN_WORKER_LIFE = 5.0


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 5000
    workers: int = 1
    threads: int = 8
    idle_timeout: float = 30.0
    connection_limit: int = 1000


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int, backlog: int = 1024) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host.strip("[]"), port))
    sock.listen(backlog)
    return sock


def make_server(app, sock: socket.socket, s: Settings):
    from waitress.server import create_server

    return create_server(
        app, sockets=[sock], threads=s.threads,
        channel_timeout=s.idle_timeout,
        # How often idle connections are looked for: a fraction of the timeout,
        # so one is closed within about 1.25 x idle_timeout.
        cleanup_interval=max(1.0, s.idle_timeout / 4),
        connection_limit=s.connection_limit,
        # select() cannot watch more than 1024 sockets; poll() can.
        asyncore_use_poll=True,
        expose_tracebacks=False, ident="newsarchive",
        clear_untrusted_proxy_headers=True)


def _no_debugger(app):
    # FLASK_DEBUG=1 makes Flask set debug mode; in a served app that would let
    # exceptions propagate past the app's own error pages.
    app.debug = False
    app.config["DEBUG"] = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def run(make_app: Callable, s: Settings, announce: Callable[[str], None]) -> int:
    """Serve until SIGINT or SIGTERM; returns the exit status."""
    sock = bind(s.host, s.port)
    port = sock.getsockname()[1]
    announce(f"http://{s.host if ':' not in s.host else f'[{s.host}]'}:{port}/")
    if s.workers <= 1:
        server = make_server(_no_debugger(make_app()), sock, s)
        _interrupt_on(signal.SIGTERM)
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        finally:
            server.close()
        return 0
    return _prefork(make_app, sock, s)


def _interrupt_on(sig) -> None:
    """Stop on `sig` as on Ctrl-C: waitress finishes its loop and shuts its threads down."""
    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(sig, stop)


def _prefork(make_app: Callable, sock: socket.socket, s: Settings) -> int:
    if not hasattr(os, "fork"):
        raise RuntimeError("--workers above 1 needs fork (Linux, macOS); use --threads")
    children: dict[int, float] = {}
    stopping = False

    def spawn() -> None:
        pid = os.fork()
        if pid == 0:
            status = 0
            try:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                server = make_server(_no_debugger(make_app()), sock, s)
                server.run()
            except BaseException:
                log.exception("worker %d failed", os.getpid())
                status = 1
            finally:
                os._exit(status)
        children[pid] = time.monotonic()

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(s.workers):
        spawn()
    status = 0
    while children:
        if stopping:
            for pid in children:
                _kill(pid)
            for pid in list(children):
                os.waitpid(pid, 0)
                children.pop(pid)
            break
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            time.sleep(0.2)
            continue
        started = children.pop(pid, None)
        if started is None:
            continue
        if time.monotonic() - started < MIN_WORKER_LIFE:
            print(f"worker {pid} exited right after starting; stopping", file=sys.stderr)
            stopping, status = True, 1
            continue
        print(f"worker {pid} died; starting another", file=sys.stderr)
        spawn()
    sock.close()
    return status


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
