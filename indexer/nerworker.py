"""Helper processes for entity extraction.

A helper is `python -m indexer.nerworker [CACHE]`: it loads the model once, then
answers pickled (items, batch_size, wrapped) requests on stdin with pickled results
on stdout. A plain subprocess rather than multiprocessing, so a caller's
script needs no `if __name__ == "__main__"` guard and nothing is forked
from a process that already runs torch's threads.
"""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
import weakref
from pathlib import Path


class HelperError(RuntimeError):
    """A helper died: it cannot answer this request or any other."""


class ReplyError(RuntimeError):
    """A helper could not extract from what it was sent (an article the model
    chokes on); it is still running and in step, ready for the next request."""


class Helpers:
    def __init__(self, n: int, cache_path: Path | None = None):
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [str(Path(__file__).resolve().parent.parent)] + sys.path))
        args = [str(cache_path)] if cache_path else []
        self.procs = [subprocess.Popen([sys.executable, "-m", "indexer.nerworker", *args],
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
                      for _ in range(n)]
        weakref.finalize(self, Helpers._stop, list(self.procs))

    def send(self, chunks, batch_size: int, wrapped: bool = True) -> list[subprocess.Popen]:
        used = []
        for proc, chunk in zip(self.procs, chunks):
            pickle.dump((chunk, batch_size, wrapped), proc.stdin)
            proc.stdin.flush()
            used.append(proc)
        return used

    def receive(self, used: list[subprocess.Popen]) -> list:
        """The helpers' results in order. Every reply is read before a failed
        one is reported, so no answer is left in a pipe for the next request."""
        out, errors = [], []
        for proc in used:
            try:
                status, value = pickle.load(proc.stdout)
            except EOFError:
                raise HelperError(f"entity helper exited with {proc.wait()}") from None
            if status == "ok":
                out.extend(value)
            else:
                errors.append(value)
        if errors:
            raise ReplyError("; ".join(errors))
        return out

    def close(self) -> None:
        self._stop(self.procs)

    @staticmethod
    def _stop(procs) -> None:
        for proc in procs:
            try:
                proc.stdin.close()
                proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()


def main() -> None:
    from indexer.entities import EntityExtractor

    # Results go to the real stdout; anything a library prints goes to stderr.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    from indexer.nercache import NerCache

    cache = NerCache(sys.argv[1]) if len(sys.argv) > 1 else None
    extractor = EntityExtractor(workers=1, cache=cache)
    inp = sys.stdin.buffer
    while True:
        try:
            items, batch_size, wrapped = pickle.load(inp)
        except EOFError:
            return
        try:
            reply = ("ok", extractor._extract_here(items, batch_size, wrapped))
        except Exception as e:  # the parent raises it to its caller; this helper stays up
            reply = ("error", f"{type(e).__name__}: {e}")
        pickle.dump(reply, out)
        out.flush()


if __name__ == "__main__":
    main()
