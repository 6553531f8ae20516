"""A row's contenders and what is installed.

A factory of this package returns one ``Contender`` per column of its row:
a ready-to-time ``Call`` or ``Batch`` (see ``timing``) or the reason it
cannot run.  ``lineup`` builds them in the order of the row's names, which
each operation declares once.
"""

import importlib
import os

NOT_APPLICABLE = "not applicable"
"""The error of a contender that has no such operation (a client-only
library asked to decode masked frames, as a server does)."""


class Contender:
    """One column of a row.  ``kind``: "wscodec", "peer" or "baseline"."""

    def __init__(self, name, kind, bench=None, error=None, note=None):
        self.name = name
        self.kind = kind
        self.bench = bench
        self.error = error
        self.note = note

    @property
    def ok(self):
        return self.bench is not None

    def __repr__(self):
        state = "ok" if self.ok else f"error={self.error!r}"
        return f"<Contender {self.name} ({self.kind}) {state}>"


class CheckFailed(AssertionError):
    pass


def check(cond, what):
    if not cond:
        raise CheckFailed(what)


class NotInstalled(Exception):
    pass


class NotApplicable(Exception):
    pass


def guarded(name, kind, build):
    """Build a contender; an exception (import, setup or check) becomes its
    error, so one broken peer never takes the whole run down."""
    try:
        bench, note = build()
    except NotInstalled:
        return Contender(name, kind, error="not installed")
    except NotApplicable as exc:
        return Contender(name, kind, error=NOT_APPLICABLE, note=str(exc) or None)
    except CheckFailed as exc:
        return Contender(name, kind, error=f"FAIL check: {exc}")
    except Exception as exc:  # noqa: BLE001 - any failure is reported, not raised
        return Contender(name, kind, error=f"FAIL {type(exc).__name__}: {exc}")
    return Contender(name, kind, bench=bench, note=note)


# --- what is installed ---------------------------------------------------------

PEERS = {
    "websockets": "websockets",
    "wsproto": "wsproto",
    "aiohttp": "aiohttp",
    "picows": "picows",
    "wsaccel": "wsaccel",
    "websocket-client": "websocket",
}
"""The peer libraries, PyPI name -> import name: wscodec's ``[bench]`` extra."""


def peer_versions():
    """``{peer: version or None}`` for every known peer, importing each once."""
    from importlib.metadata import version as dist_version

    out = {}
    for name, module in PEERS.items():
        try:
            mod = importlib.import_module(module)
        except Exception:  # noqa: BLE001 - a peer that fails to import is absent
            out[name] = None
            continue
        try:
            # The distribution's version: a module's __version__ can lag it.
            out[name] = dist_version(name)
        except Exception:  # noqa: BLE001
            out[name] = str(getattr(mod, "__version__", "?"))
    return out


def need(name):
    """Import a peer or raise ``NotInstalled`` (a "not installed" column)."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise NotInstalled(name) from exc


def load_backends():
    """``({"native": module|None, "pure": module}, {"native": status, ...})``.

    The native backend is left out when ``WSCODEC_NO_EXTENSIONS`` is set, as
    ``import wscodec`` does, so the pure lane can be benchmarked alone.
    """
    modules, status = {}, {}
    if os.environ.get("WSCODEC_NO_EXTENSIONS", "") not in ("", "0"):
        modules["native"], status["native"] = None, "disabled (WSCODEC_NO_EXTENSIONS)"
    else:
        try:
            modules["native"] = importlib.import_module("wscodec._native")
            status["native"] = f"SIMD {modules['native'].SIMD}"
        except ImportError as exc:
            modules["native"], status["native"] = None, "NOT BUILT"
            status["native_reason"] = str(exc)
    modules["pure"] = importlib.import_module("wscodec._pure")
    status["pure"] = "ok"
    return modules, status


def wscodec_contender(backends, name, build):
    """Backend ``name`` built by ``build(module)``, or "not built"."""
    mod = backends.get(name)
    if mod is None:
        return Contender(name, "wscodec", error="not built")
    return guarded(name, "wscodec", lambda: build(mod))


BACKENDS = ("native", "pure")


def lineup(backends, names, ours, others, kinds=None):
    """The contenders of a row in the order of ``names``: each of wscodec's
    ``BACKENDS`` built by ``ours(module)``, every other name by
    ``others[name]()``, as a "peer" unless ``kinds`` says otherwise.  The
    names are the operation's, which a workload lists before anything is
    built, so the row and the list cannot drift apart."""
    kinds = kinds or {}
    out = []
    for name in names:
        if name in BACKENDS:
            out.append(wscodec_contender(backends, name, ours))
        else:
            out.append(guarded(name, kinds.get(name, "peer"), others[name]))
    return out


def wsclient_engine():
    """websocket-client masks and validates with wsaccel when it is installed."""
    import websocket._abnf as abnf

    return "on wsaccel" if "XorMaskerSimple" in vars(abnf) else "pure Python"
