"""wscodec/api.pxd: a Cython module compiled against the installed package
calls masking, UTF-8 and the decoders at C level, and reads the fields of
the decoders' results through the classes the .pxd declares."""

import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap

import pytest

from conftest import PURE_LANE

pytestmark = pytest.mark.skipif(PURE_LANE, reason="pure lane: the C-level API is the native backend's")

MODULE = """
# cython: language_level=3
from libc.stdint cimport uint8_t
from wscodec.api cimport ws_decoder_feed, ws_mask, ws_utf8_decode, ws_utf8_valid
from wscodec.api cimport Frame, FrameDecoder, Message, MessageDecoder, MessageEncoder

cdef const uint8_t *ptr(bytes b):
    return <const uint8_t *><const char *>b

def mask(bytes data, bytes key, unsigned phase):
    out = bytearray(len(data))
    cdef unsigned nxt = ws_mask(<uint8_t *><char *>out, ptr(data), len(data), ptr(key), phase)
    return bytes(out), nxt

def valid(bytes data):
    return ws_utf8_valid(ptr(data), len(data))

def decode(bytes data):
    return ws_utf8_decode(ptr(data), len(data))

def feed(decoder, bytes data):
    return ws_decoder_feed(decoder, ptr(data), len(data))

# Typed: feed is a C call (cpdef) and the fields are struct reads.
def messages(MessageDecoder decoder, data):
    cdef list out = decoder.feed(data)
    cdef Message m
    return [(m.opcode, m.data, m.close_code, m.close_reason) for m in out]

def frames(FrameDecoder decoder, data):
    cdef Frame f
    return [(f.opcode, f.payload, f.fin, f.rsv1, f.rsv2, f.rsv3) for f in decoder.feed(data)]

def is_encoder(obj):
    return isinstance(obj, MessageEncoder)
"""

CHECKS = """
import wscodec, uses_wscodec as m
from wscodec._native._ext import apply_mask
data = bytes(range(256)) * 5
assert m.mask(data, b"abcd", 0) == (apply_mask(data, b"abcd"), (0 + len(data)) % 4)
assert m.mask(data[:7], b"abcd", 2)[1] == 1
assert m.valid("héllo 日本 😀".encode()) and not m.valid(b"\\xed\\xa0\\x80")
assert m.decode("héllo 日本 😀".encode()) == "héllo 日本 😀"
try:
    m.decode(b"ab\\xff")
except UnicodeDecodeError as exc:
    assert exc.start == 2
else:
    raise AssertionError("no UnicodeDecodeError")
wire = wscodec.encode_frame(1, "hi 😀".encode(), mask=True) * 2
(a, b) = m.feed(wscodec.MessageDecoder(role="server"), wire)
assert a.data == b.data == "hi 😀"
(f,) = m.feed(wscodec.FrameDecoder(role="server"), wire[: len(wire) // 2])
assert f.payload == "hi 😀".encode()
try:
    m.feed(object(), b"")
except TypeError:
    pass
else:
    raise AssertionError("feed took a non-decoder")
for feed in (m.feed, m.messages):  # by pointer, and by the typed feed
    try:
        feed(wscodec.MessageDecoder(role="server"), b"\\x81\\x01x")
    except wscodec.ProtocolError as exc:
        assert exc.close_code == 1002
    else:
        raise AssertionError(f"unmasked client frame accepted by {feed.__name__}")

# The classes of the .pxd, called and read at C level.
from wscodec import Opcode
server = wscodec.MessageDecoder(role="server")
assert m.messages(server, wire[:5]) == []
assert m.messages(server, bytearray(wire[5:])) == [(Opcode.TEXT, "hi 😀", None, None)] * 2
client = wscodec.MessageEncoder(role="client")
assert m.is_encoder(client) and not m.is_encoder(server)
assert m.messages(server, client.binary(b"\\x00\\x01") + client.close(1001, "bye")) == [
    (Opcode.BINARY, b"\\x00\\x01", None, None),
    (Opcode.CLOSE, b"\\x03\\xe9bye", 1001, "bye"),
]
assert m.frames(wscodec.FrameDecoder(role="client"), wscodec.encode_frame(2, b"ab", fin=False)) == [
    (Opcode.BINARY, b"ab", False, False, False, False),
]
try:
    m.messages(wscodec.FrameDecoder(role="server"), b"")
except TypeError:
    pass
else:
    raise AssertionError("a FrameDecoder passed for a MessageDecoder")
print("C-level API ok")
"""


def _compiler():
    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    return shutil.which(cc)


def test_cython_module_built_against_the_package_calls_the_pxd_api(tmp_path):
    if _compiler() is None:
        pytest.skip("no C compiler on this machine: cannot build a Cython module")
    # Both come with the test extra; a bare venv (Python 3.12+ has no setuptools) skips.
    pytest.importorskip("setuptools")
    pytest.importorskip("Cython")
    import wscodec

    package_parent = os.path.dirname(os.path.dirname(wscodec.__file__))
    assert os.path.exists(os.path.join(package_parent, "wscodec", "api.pxd")), "api.pxd is not installed"
    (tmp_path / "uses_wscodec.pyx").write_text(textwrap.dedent(MODULE), encoding="utf-8")
    build = (
        "from setuptools import setup, Extension\n"
        "from Cython.Build import cythonize\n"
        "setup(name='uses_wscodec', script_args=['build_ext', '--inplace', '-q'],\n"
        "      ext_modules=cythonize([Extension('uses_wscodec', ['uses_wscodec.pyx'])], quiet=True))\n"
    )
    # Cython looks for wscodec/api.pxd on sys.path, as it would for any
    # installed package; the source tree is kept off it (-I, cwd elsewhere).
    env = dict(os.environ, PYTHONPATH=package_parent)
    done = subprocess.run([sys.executable, "-c", build], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), package_parent])
    run = subprocess.run([sys.executable, "-c", CHECKS], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "C-level API ok" in run.stdout
