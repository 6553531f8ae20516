"""websockets' Sans-I/O protocol on both its builds (pure-Python fallback and
C extension) with and without the drop-in's ``Frame.parse``: the same events
(and the types of their payloads), the same bytes sent back (close codes and
reasons), the same errors and the same buffered bytes after every read, for
server and client, with size limits, compression, and streams split at
random points or cut short, on both wscodec backends."""

import random

import pytest

pytest.importorskip("websockets")
import test_dropin_websockets as shared  # noqa: E402
import websockets.frames as frames  # noqa: E402
import websockets.streams as streams  # noqa: E402

import wire  # noqa: E402
from wscodec.integrations import _websockets_parse  # noqa: E402
from dropins import assert_refuses, install_or_skip  # noqa: E402
from wscodec.integrations import websockets as dropin  # noqa: E402
from wscodec.integrations._support import version_in_range  # noqa: E402

if not version_in_range(dropin.installed_version(), dropin.SUPPORTED_VERSIONS):
    pytest.skip(f"websockets {dropin.installed_version()} is outside {dropin.SUPPORTED_VERSIONS}", allow_module_level=True)
if not _websockets_parse.is_mirrored(frames, streams):
    # test_dropin_websockets proves that install() then refuses cleanly.
    pytest.skip("this websockets' parser is not the one the drop-in mirrors: install() refuses it",
                allow_module_level=True)

mine, build = shared.mine, shared.build  # fixtures


def _stream(rng, masked):
    """What a server (``masked``) or a client receives, valid and not."""
    def key():
        wrong = rng.random() < 0.05
        return rng.randbytes(4) if masked != wrong else None

    out = []
    for _ in range(rng.randrange(1, 7)):
        size = rng.choice([0, 1, 20, 125, 126, 1024, 65535, 65536, 70000])
        kind = rng.randrange(11)
        if kind == 0:
            out.append(wire.frame(1, "été €".encode() * (size // 9), mask=key()))
        elif kind == 1:
            out.append(wire.frame(2, rng.randbytes(size), mask=key()))
        elif kind == 2:
            out.append(wire.frame(1, "日本".encode() * (size // 12), fin=False, mask=key()))
            out.append(wire.frame(rng.choice([9, 10]), rng.randbytes(rng.randrange(126)), mask=key()))
            out.append(wire.frame(0, "語".encode() * (size // 6), mask=key()))
        elif kind == 3:
            out.append(wire.frame(1, b"ok\xed\xa0\x80", mask=key()))
        elif kind == 4:
            out.append(wire.frame(rng.choice([1, 2]), wire.deflated(b"deflate me " * (size // 11 + 1)), rsv=4, mask=key()))
        elif kind == 5:
            out.append(wire.frame(rng.choice([3, 7, 11, 15]), b"reserved opcode", mask=key()))
        elif kind == 6:
            out.append(wire.frame(2, b"reserved bits", rsv=rng.choice([1, 2]), mask=key()))
        elif kind == 7:
            out.append(wire.frame(9, rng.randbytes(126 + size % 10), mask=key()))  # control frame too long
        elif kind == 8:
            out.append(wire.frame(2, rng.randbytes(size % 300), form=64, mask=key()))
        elif kind == 9:
            out.append(wire.frame(8, (1000).to_bytes(2, "big") + b"bye", mask=key()))
        else:
            out.append(wire.frame(10, b"", fin=False, mask=key()))  # fragmented control frame
    return b"".join(out)


def _protocol(server, max_size, deflate):
    from websockets.client import ClientProtocol
    from websockets.extensions.permessage_deflate import PerMessageDeflate
    from websockets.protocol import OPEN
    from websockets.server import ServerProtocol

    if server:
        proto = ServerProtocol(state=OPEN, max_size=max_size)
    else:
        proto = ClientProtocol("ws://127.0.0.1/", state=OPEN, max_size=max_size)
    if deflate:
        proto.extensions = [PerMessageDeflate(False, False, 15, 15)]
    return proto


def _sent(proto, server):
    """What ``proto`` sends back; a client masks with random keys, so its
    frames are compared unmasked."""
    sent = b"".join(proto.data_to_send())
    if server:
        return sent
    from wscodec._pure import FrameDecoder

    return FrameDecoder(role="server", max_frame_size=None).feed(sent)


def _receive(stream, rng, *, server, max_size, deflate, cut):
    proto = _protocol(server, max_size, deflate)
    log, pos = [], 0
    end = len(stream) - cut
    while pos < end:
        step = min(rng.choice([1, 2, 5, rng.randrange(1, 300), rng.randrange(1, 80000)]), end - pos)
        proto.receive_data(stream[pos : pos + step])
        pos += step
        events = [(type(e).__name__, e.opcode, bytes(e.data), type(e.data).__name__, e.fin, e.rsv1)
                  for e in proto.events_received()]
        log.append((events, _sent(proto, server), bytes(proto.reader.buffer), repr(proto.parser_exc),
                    proto.state, proto.close_rcvd, proto.close_sent))
    proto.receive_eof()
    log.append((proto.events_received(), _sent(proto, server), repr(proto.parser_exc), proto.state))
    return log


@pytest.mark.parametrize("server", [True, False], ids=["server", "client"])
@pytest.mark.parametrize("max_size", [None, 1000, 65536])
@pytest.mark.parametrize("deflate", [False, True], ids=["plain", "deflate"])
def test_protocol_receives_and_fails_the_same(mine, build, server, max_size, deflate):
    rng = random.Random(f"{server}/{max_size}/{deflate}")
    for trial in range(20):
        stream, seed = _stream(rng, masked=server), rng.random()
        settings = dict(server=server, max_size=max_size, deflate=deflate, cut=rng.choice([0, 0, 1, 5]))
        stock = _receive(stream, random.Random(seed), **settings)
        install_or_skip(mine)
        assert frames.Frame.__dict__["parse"].__func__.__module__ == _websockets_parse.__name__
        dropped_in = _receive(stream, random.Random(seed), **settings)
        mine.uninstall()
        assert frames.Frame.__dict__["parse"].__func__.__module__ == frames.__name__
        assert dropped_in == stock, (trial, settings)


def test_other_readers_get_websockets_own_parser(mine, build):
    """A ``read_exact`` that is not a StreamReader's (legacy code, tests)."""
    hello = wire.frame(1, b"hello", mask=b"abcd")
    pieces = iter([hello[:2], hello[2:6], hello[6:]])

    def read_exact(n):
        yield
        return next(pieces)

    install_or_skip(mine)
    parsing = frames.Frame.parse(read_exact, mask=True)
    next(parsing)
    with pytest.raises(StopIteration) as done:
        while True:
            parsing.send(None)
    assert done.value.value == frames.Frame(frames.Opcode.TEXT, b"hello")


def test_only_over_the_parser_it_mirrors(monkeypatch, build):
    own_mask = frames.apply_mask
    monkeypatch.setattr(_websockets_parse, "MIRRORED", frozenset())
    assert_refuses(dropin, "Frame.parse")
    assert frames.apply_mask is own_mask  # on the fallback too: nothing is swapped
    assert frames.Frame.__dict__["parse"].__func__.__module__ == frames.__name__


def test_refuses_a_changed_parser(monkeypatch, build):
    own = frames.Frame.__dict__["parse"].__func__

    def parse(cls, read_exact, *, mask, max_size=None, extensions=None):
        return (yield from own(cls, read_exact, mask=mask, max_size=max_size, extensions=extensions))

    changed = classmethod(parse)
    monkeypatch.setattr(frames.Frame, "parse", changed)
    assert_refuses(dropin, "Frame.parse")
    assert frames.Frame.__dict__["parse"] is changed


def test_uninstall_restores_the_classmethod(build):
    own = frames.Frame.__dict__["parse"]
    install_or_skip(dropin)
    assert isinstance(frames.Frame.__dict__["parse"], classmethod)
    dropin.uninstall()
    assert frames.Frame.__dict__["parse"] is own
