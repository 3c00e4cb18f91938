"""Where parsed import batches come from: this process, or a parser process beside it.

For a large file the parsing (Python) runs in a child process while this one writes to the
store (SQLite), so that both cores work; batches travel through a bounded queue (at most
`DEPTH` ahead, so memory stays flat). Both feeds yield the same messages:
`("batch", Batch, bytes_read)` and, last, `("end", seen_domains, unknown_json_keys)`.
"""

from __future__ import annotations

import marshal
import multiprocessing
import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from domainwatch_tui.core.import_rows import (
    Batch,
    ImportFileError,
    RowParser,
    csv_batches,
    jsonl_batches,
    read_csv_header,
    text_stream,
)

DEPTH = 2
Message = tuple[str, Any, Any]


def _batches(path: Path, fmt: str, parser: RowParser, batch_size: int, fh: Any, text: Any,
             csv_state: Any, unknown: set[str]) -> Iterator[Message]:
    if fmt == "csv":
        if csv_state is None:
            csv_state = read_csv_header(text, path, lambda _m: None)
        batches = csv_batches(*csv_state, parser, batch_size)
    else:
        batches = jsonl_batches(text, parser, batch_size, unknown)
    for batch in batches:
        yield "batch", batch, fh.tell()
    yield "end", parser.seen, unknown


def local_feed(path: Path, fmt: str, now_iso: str, is_exempt: Callable[[str], bool], batch_size: int,
               fh: Any, text: Any, csv_state: Any) -> Iterator[Message]:
    """Parse in this process, from the already opened file (its CSV header already read)."""
    parser = RowParser(now_iso, is_exempt)
    yield from _batches(path, fmt, parser, batch_size, fh, text, csv_state, set())


def _produce(path: str, fmt: str, now_iso: str, is_exempt: Callable[[str], bool], batch_size: int,
             out: Any) -> None:
    """The parser process: read the file again from the start and send its batches."""
    try:
        with Path(path).open("rb") as fh:
            text = text_stream(fh)
            parser = RowParser(now_iso, is_exempt)
            for kind, body, extra in _batches(Path(path), fmt, parser, batch_size, fh, text, None, set()):
                if kind == "batch":  # marshal: several times faster than pickle for plain tuples
                    body = marshal.dumps((body.rows, body.accounts, body.emails, body.domains, body.rejects))
                out.put((kind, body, extra))
    except OSError as exc:
        out.put(("error", f"{path}: read failed: {exc.strerror or exc}", None))
    except BaseException as exc:  # reported to the parent, which raises it
        out.put(("error", f"{path}: {type(exc).__name__}: {exc}", None))


def process_feed(path: Path, fmt: str, now_iso: str, is_exempt: Callable[[str], bool],
                 batch_size: int) -> Iterator[Message]:
    """Parse in a child process. `is_exempt` must pickle (an `ExemptMatcher` does)."""
    # fork when this process is single-threaded (fast, no re-import of __main__); else spawn.
    methods = multiprocessing.get_all_start_methods()
    single = threading.active_count() == 1
    ctx = multiprocessing.get_context("fork" if single and "fork" in methods else "spawn")
    out = ctx.Queue(maxsize=DEPTH)
    child = ctx.Process(target=_produce, args=(str(path), fmt, now_iso, is_exempt, batch_size, out),
                        name="domainwatch-import-parser", daemon=True)
    child.start()
    try:
        while True:
            try:
                message = out.get(timeout=1.0)
            except queue.Empty:
                if not child.is_alive():
                    raise ImportFileError(
                        f"{path}: the parser process ended unexpectedly (exit {child.exitcode})") from None
                continue
            if message[0] == "error":
                raise ImportFileError(message[1])
            if message[0] == "batch":
                rows, accounts, emails, domains, rejects = marshal.loads(message[1])
                message = ("batch", Batch(rows, accounts, emails, domains, rejects), message[2])
            yield message
            if message[0] == "end":
                return
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=5)
        out.close()
