"""Start-up of the Lambda's process: lean imports, pyarrow without pandas, long-lived objects frozen.

`importing` surrounds the handler's imports (pyarrow, numpy, botocore: ~50k objects, 0.25 s). It
first sets up the process's allocators (`memory.before_pyarrow`: Arrow's default pool is chosen as
pyarrow loads). numpy,
which pyarrow imports, loads OpenBLAS, and OpenBLAS starts a thread per core that spins waiting for
work: 0.1 CPU s of the start-up measured on 2 cores, taken from the main thread on a Lambda with less
than one vCPU (1024 MB). The package calls no BLAS routine (no matrix product, no linalg), so the
pool is held to one thread (OPENBLAS_NUM_THREADS=1, read when numpy loads it: set only when numpy
is not imported yet, and an explicit setting wins). The garbage collector waits meanwhile, and what
the imports made is frozen at their end (`gc.freeze`): it lives as long as the process, and the
young generations' runs would otherwise walk it once each (0.02 CPU s; a pause alone only defers
that walk). The handler is imported by the Lambda's process, the local runtime and tests, all of
which freeze at the first invocation anyway; Django imports other modules of the package only.

The AWS SDK for pandas layer ships pandas beside pyarrow. Whenever pyarrow infers a type from
Python objects (`pa.array(["a"])`, `pa.scalar(1)`, `pc.equal(array, 1)`) it imports pandas to
recognise pandas' missing values, and the first `pa.array` call imports it to ask whether the
object is a pandas Series: 0.2 CPU s, 0.25 s and 38 MB of the handler's start-up, for a library
the handler never uses. `keep_pandas_out` installs an import finder that refuses pandas to those
probes, i.e. to imports made from pyarrow's or this package's code; pyarrow then carries on as
without pandas (same arrays: this package never hands it pandas objects). Any other code that
imports pandas gets it, and once pandas is imported the finder is no longer asked.

Beside those imports, which hold the GIL, a thread loads the native libraries that numpy's and
pyarrow's first extension modules need (`preload`: dlopen of numpy's _multiarray_umath with
OpenBLAS, and of pyarrow.lib with libarrow, libarrow_compute, libarrow_python, libparquet,
libarrow_dataset...: their relocations and static initialisers, which need no GIL), while the main
thread imports botocore; the imports then find them loaded. Nothing is imported by it, and it is
joined before `importing` ends. Import of the handler in a fresh process (2026-12-02, alternating,
at loads of 4-7): the main thread's CPU 0.342 -> 0.327 s (median; min 0.276 -> 0.248; 40 pairs),
the process's 0.342 -> 0.349; wall median 0.842 -> 0.787 s (Python 3.11), 0.952 -> 0.878 s (the
layer's 3.12; 20 pairs each at a load of 4-5; 30 more pairs later: a per-pair ratio of 1.007). It
takes a core idle meanwhile: on a Lambda of under one vCPU the CPU is the same and only the reads of
the libraries' pages from the layer at a cold start (not measured) can overlap.

pyarrow.compute, as it is imported, writes a docstring for each of its ~290 functions, and for each of
the ~110 that take options parses its options class's docstring again (numpydoc's parser,
`pyarrow.vendored.docscrape.NumpyDocString`: 109 parses of 57 texts with pyarrow 26), a third of that
import's CPU; memoised, ~15 of ~50 ms less at a load of 3 (8 alternating imports: 49.7 -> 34.3 ms); the
handler's whole import in a fresh process: callgrind 1,207 M -> 1,176 M instructions (-2.5 %). While
`importing` runs, the parser is memoised by the docstring's text (`_parsed_once`): each class's is parsed
once, the docstrings made are the same (test_startup), and the parser is put back as it was found once
the imports are done.

`settle` runs once per process, at the first invocation: it makes what lives as long as the
process (the S3 client with its service model, created then as AWS advises for the init phase),
with the garbage collector paused meanwhile, and hands every object alive to `gc.freeze`, so the
collector no longer walks the ~85k objects of the imports and the client in each full collection,
nor at the process's exit (0.1-0.25 s -> 0.03 s measured after a 1M-row file). Objects frozen are
never collected: only what exists before any file is processed, i.e. imports and clients.

Two modules are imported lazily by what the cleaning calls, each the first time on the path every
later step waits for: numpy.ma, by pyarrow's first `pa.array` of a numpy array (phase 1's first
chunk; ~9 ms CPU), and pyarrow.acero with pyarrow.dataset, by the first `Table.group_by` (phase 2's
first bucket; ~7 ms CPU). Two more are imported where they are first used, in phase 2: pyarrow.parquet
with pyarrow.fs (the first month file's writer, `output`; ~7 ms CPU) and s3transfer.utils with
multiprocessing.managers (the first upload, `multipart`; ~13 ms CPU). `settle` has a thread import
them all (`LAZY`) while the process waits on the network for its first S3 answers (the raw object's
first bytes, the first manifest's PUT): time the main thread spends idle anyway. On the local twin,
whose GET answers in 4-8 ms, they share the GIL with that GET and the run's setup instead ("read.open
object" took 25-30 ms in the benchmark's profile); importing only numpy.ma there and the rest where
first used (phase 2) reached the first parse ~25-40 ms sooner on a loaded machine, but moves ~27 CPU
ms onto phase 2's path, and on S3 the wait for a GET's first byte is the idle time they are meant
for: left as it is (2026-12-01).
"""

import functools
import gc
import importlib
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from . import memory, profile

PROBED_BY = ("pyarrow", __package__ or "filter_and_process_orders")
# numpy's and pyarrow's first extension modules: loading them (and OpenBLAS, libarrow, libarrow_python,
# libparquet... which they need) is ~0.02 CPU s (20-45 ms wall at loads of 4-7) that needs no GIL.
NATIVE = (("numpy", ("_core/_multiarray_umath", "core/_multiarray_umath")), ("pyarrow", ("lib",)))
LAZY = ("numpy.ma", "pyarrow.acero", "pyarrow.parquet", "s3transfer.utils")  # beside the first S3 round trips


def keep_pandas_out() -> bool:
    """Installs the finder (once); True when it is in place, False when pandas is already imported."""
    if "pandas" in sys.modules:
        return False
    if _PandasKeptOut not in sys.meta_path:
        sys.meta_path.insert(0, _PandasKeptOut)
    return True


class _PandasKeptOut:
    """An import finder that refuses pandas when pyarrow or this package asks for it."""

    @staticmethod
    def find_spec(name: str, path=None, target=None):
        if name != "pandas":
            return None
        frame = sys._getframe(1)
        while frame is not None and frame.f_globals.get("__name__", "").startswith(("_frozen_importlib", "importlib")):
            frame = frame.f_back  # the import machinery's own frames
        caller = frame.f_globals.get("__name__", "") if frame is not None else ""
        if caller.startswith(PROBED_BY):
            raise ModuleNotFoundError(f"pandas is kept out of the Lambda's process (asked by {caller})", name=name)
        return None


@contextmanager
def importing() -> Iterator[None]:
    """Around the handler's imports: the allocators set up, OpenBLAS held to one thread, numpy's and
    pyarrow's native libraries loaded by a thread meanwhile (`preload`), the collector paused, then
    what they made frozen (not on an exception) and the collector left as found."""
    memory.before_pyarrow()
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    loading = threading.Thread(target=preload, args=(NATIVE,), name="preload", daemon=True)
    loading.start()  # after the settings above: the libraries read them as they load
    collecting = gc.isenabled()
    gc.disable()
    try:
        with _parsed_once():
            yield
        gc.freeze()
    finally:
        if collecting:
            gc.enable()
        loading.join()  # long done: the imports needed the libraries; no thread outlives them (a fork)


@contextmanager
def _parsed_once() -> Iterator[None]:
    """pyarrow.compute's options docstrings parsed once each while it is imported (see above): an import
    finder memoises the parser as pyarrow.compute is about to be imported (pyarrow itself is not
    imported sooner: its libraries load beside botocore's import, `preload`); the finder goes and the
    parser is put back at the end."""
    finder = _ParsedOnce()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        finder.restore()


class _ParsedOnce:
    """An import finder that finds nothing: asked for pyarrow.compute, it first memoises numpydoc's parser
    (`pyarrow.vendored.docscrape.NumpyDocString`, where pyarrow 13-26 keep it; left alone elsewhere)."""

    def __init__(self):
        self.patched: tuple | None = None  # (docscrape, its parser)

    def find_spec(self, name: str, path=None, target=None):
        if name == "pyarrow.compute" and self.patched is None:
            try:
                from pyarrow.vendored import docscrape
            except ImportError:
                return None
            parser = getattr(docscrape, "NumpyDocString", None)
            if isinstance(parser, type):
                self.patched = (docscrape, parser)
                docscrape.NumpyDocString = functools.lru_cache(maxsize=None)(parser)  # keyed by the text
        return None

    def restore(self) -> None:
        if self.patched is not None:
            docscrape, parser = self.patched
            docscrape.NumpyDocString = parser
            self.patched = None


def preload(native: tuple[tuple[str, tuple[str, ...]], ...]) -> list[str]:
    """Loads (dlopen, as an import does: RTLD_NOW, local) each extension module of `native` (a package
    not imported yet, the module's candidate paths in it without the suffix), the first candidate
    found; the paths loaded. Nothing is imported: the import later finds the library, with every
    library it needs, loaded and initialised. ctypes loads without the GIL."""
    import ctypes
    from importlib.machinery import EXTENSION_SUFFIXES
    from importlib.util import find_spec

    loaded = []
    for package, candidates in native:
        if package in sys.modules:
            continue
        try:
            spec = find_spec(package)  # the package's folder; the package is not imported
        except (ImportError, ValueError):
            continue
        folders = list(spec.submodule_search_locations or []) if spec else []
        paths = [os.path.join(d, c + EXTENSION_SUFFIXES[0]) for d in folders for c in candidates]
        for path in [p for p in paths if os.path.isfile(p)][:1]:
            try:
                ctypes.CDLL(path, mode=os.RTLD_NOW | os.RTLD_LOCAL)
            except OSError:
                continue  # left to the import, which says why
            loaded.append(path)
    return loaded


_settled = False


@profile.timed("start-up.S3 client, gc.freeze")
def settle(*make: Callable[[], object]) -> bool:
    """At the first call in a process: calls each of `make` (kept alive by its owner) with the garbage
    collector paused, then gc.freeze(), then starts a thread that imports `LAZY`; True then, False on
    later calls. The collector is left as it was found (enabled, unless the caller had disabled it)."""
    global _settled
    if _settled:
        return False
    # The collector waits meanwhile: the S3 client's 35k new objects (its service model) would set
    # off a full collection of the 50k the imports made, all about to be frozen (13 ms of CPU, 20 ms
    # with the young generations' runs). Cyclic garbage they leave would be frozen too: none measured.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for function in make:
            function()
        gc.freeze()
    finally:
        if collecting:
            gc.enable()
    _settled = True
    threading.Thread(target=_import, args=(LAZY,), name="lazy-imports", daemon=True).start()
    return True


def _import(names: tuple[str, ...]) -> None:
    """Imports each of `names`; one that fails is left to fail where the code needs it."""
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:
            pass


keep_pandas_out()
