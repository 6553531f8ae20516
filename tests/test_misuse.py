"""No sequence of Python calls may crash the interpreter.

Each case runs in a child process (tests/childproc.py) on both backends and
fails if the child dies from a signal.  Deterministic cases print the outcome
of every call (a result or an exception type), and the two backends must
print the same.  The thread cases in test_threads.py use the same helper.
"""

import copy
import pickle
import zlib

import pytest
from childproc import outcome

from conftest import BACKEND_NAMES, PURE_LANE

# name -> snippet.  Every call goes through attempt(), which prints its
# result or its exception type.
CASES = {}


def case(name):
    def register(code):
        CASES[name] = code
        return code

    return register


case("reinit_smaller_limit_mid_message")("""
d = MessageDecoder(role="server", max_message_size=None)
n = 300000
attempt("feed", d.feed, bytes([0x82, 0xff]) + n.to_bytes(8, "big") + b"abcd" + b"x" * 10)
attempt("init", d.__init__, role="server", max_message_size=16)
attempt("feed", d.feed, bytes(200000))
attempt("feed", d.feed, bytes([0x82, 0x84]) + b"abcd" + b"wxyz")
""")

case("reinit_larger_limit_mid_message")("""
d = MessageDecoder(role="client", max_message_size=100)
attempt("feed", d.feed, bytes([0x02, 50]) + b"a" * 50)
attempt("init", d.__init__, role="client", max_message_size=1 << 30)
attempt("feed", d.feed, bytes([0x80, 126]) + struct.pack("!H", 60000) + b"b" * 60000)
attempt("feed", d.feed, bytes([0x82, 3]) + b"abc")
""")

case("reinit_other_role_mid_frame")("""
d = MessageDecoder(role="server", max_message_size=None)
attempt("feed", d.feed, bytes([0x81, 0xfe]) + struct.pack("!H", 1000) + b"abcd" + b"x" * 500)
attempt("init", d.__init__, role="client")
attempt("feed", d.feed, b"y" * 500 + bytes([0x81, 2]) + b"hi")
f = FrameDecoder(role="client")
attempt("feed", f.feed, bytes([0x02, 126]) + struct.pack("!H", 1000) + b"x" * 300)
attempt("init", f.__init__, role="server", max_frame_size=10)
attempt("feed", f.feed, b"z" * 2000)
""")

case("reinit_bad_arguments_mid_message")("""
d = MessageDecoder(role="client", max_message_size=1000)
attempt("feed", d.feed, bytes([0x01, 3]) + b"abc")
attempt("init role", d.__init__, role="neither")
attempt("init limit", d.__init__, role="server", max_message_size=-1)
attempt("init type", d.__init__, role="server", max_frame_size="big")
attempt("feed", d.feed, bytes([0x80, 3]) + b"def")
attempt("init positional", d.__init__, "client")
""")

case("reinit_failed_decoder")("""
d = MessageDecoder(role="client")
attempt("feed", d.feed, b"\\xff\\x00")
attempt("feed again", d.feed, b"\\x81\\x00")
attempt("init", d.__init__, role="client")
attempt("feed after init", d.feed, b"\\x81\\x02hi")
""")

case("reinit_toggles_deflate_mid_message")("""
pmd = PerMessageDeflate()
c = zlib.compressobj(wbits=-15)
body = c.compress(b"hello " * 2000) + c.flush(zlib.Z_SYNC_FLUSH)
d = MessageDecoder(role="client", deflate=pmd, max_message_size=None)
attempt("feed", d.feed, bytes([0x41, 126]) + struct.pack("!H", len(body)) + body[:10])
attempt("init without", d.__init__, role="client", max_message_size=10)
attempt("feed", d.feed, body[10:])
d = MessageDecoder(role="client", max_message_size=None)
attempt("feed", d.feed, bytes([0x02, 126]) + struct.pack("!H", 5000) + b"q" * 100)
attempt("init with", d.__init__, role="client", deflate=pmd, max_message_size=1)
attempt("feed", d.feed, b"q" * 4900 + bytes([0x82, 1]) + b"!")
""")

case("buffered_reads_into_a_lent_payload_misused")("""
body = bytes(range(256)) * 1200
for role, key in (("server", b"abcd"), ("client", None)):
    wire = encode_frame(2, body, mask=key) + encode_frame(9, b"p", mask=key)
    for cls in (MessageDecoder, FrameDecoder):
        d = cls(role=role)
        b = d.get_buffer(-1)
        b[:14] = wire[:14]
        attempt("header", d.buffer_updated, 14)
        v = attempt("lend", d.get_buffer, -1)
        attempt("window", lambda: 262144 <= len(v) <= len(body) + 14)
        kept = v[100:]
        exported = memoryview(v)
        again = attempt("get again", d.get_buffer, -1)
        attempt("feed while lent", d.feed, b"")
        attempt("write taken back", v.__setitem__, slice(0, 3), b"xyz")
        again[:1000] = wire[14:1014]
        attempt("updated", d.buffer_updated, 1000)
        attempt("write lent", v.__setitem__, slice(0, 3), b"xyz")
        attempt("write kept", kept.__setitem__, slice(0, 3), b"xyz")
        attempt("write exported", exported.__setitem__, slice(0, 3), b"xyz")
        attempt("release exported", exported.release)
        def rest(pos=1014):
            out = []
            while pos < len(wire):
                w = d.get_buffer(-1)
                n = min(len(w), len(wire) - pos)
                w[:n] = wire[pos:pos + n]
                out += d.buffer_updated(n)
                pos += n
            return out
        got = attempt("rest", rest)
        attempt("write kept after", kept.__setitem__, slice(0, 3), b"xyz")
        attempt("intact", lambda: [getattr(m, "data", getattr(m, "payload", None)) for m in got][0] == body)
""")

case("buffered_counts_and_reinit_mid_lent_payload")("""
body = b"z" * 600000
wire = encode_frame(1, body, mask=b"abcd")
for bad in (-1, 2**70, None, 1.5, "3", True, 700000):
    d = MessageDecoder(role="server", max_message_size=None)
    b = d.get_buffer(-1)
    b[:5000] = wire[:5000]
    attempt("start", d.buffer_updated, 5000)
    v = d.get_buffer(-1)
    attempt(f"updated {bad!r}", d.buffer_updated, bad)
    attempt("updated again", d.buffer_updated, 0)
    v = d.get_buffer(-1)
    attempt("reinit", d.__init__, role="client", max_message_size=10)
    attempt("write old", v.__setitem__, slice(0, 1), b"q")
    attempt("updated after reinit", d.buffer_updated, 1)
    attempt("feed", d.feed, bytes([0x82, 2]) + b"ok")
    attempt("new buffer", lambda: len(d.get_buffer(-1)))
    attempt("updated", d.buffer_updated, 0)
class Sneaky:
    # A count whose conversion calls back into the decoder.
    def __init__(self, action):
        self.action = action
    def __index__(self):
        attempt("  inside", self.action)
        return 3
for name in ("get", "feed", "updated", "init"):
    d = MessageDecoder(role="server", max_message_size=None)
    b = d.get_buffer(-1)
    b[:5000] = wire[:5000]
    attempt("start", d.buffer_updated, 5000)
    v = d.get_buffer(-1)
    v[:3] = wire[5000:5003]
    action = {"get": lambda: len(d.get_buffer(-1)), "feed": lambda: d.feed(b""),
              "updated": lambda: d.buffer_updated(0), "init": lambda: d.__init__(role="server")}[name]
    attempt(f"updated via {name}", d.buffer_updated, Sneaky(action))
    attempt("then", lambda: len(d.get_buffer(-1)) >= 262144)
    attempt("then", d.buffer_updated, 0)
u = MessageDecoder.__new__(MessageDecoder)
attempt("uninitialised get_buffer", u.get_buffer, -1)
attempt("uninitialised buffer_updated", u.buffer_updated, 0)
""")

case("get_buffer_from_inside_the_inflater")("""
class Calls:
    def __init__(self):
        self.inner = zlib.decompressobj(wbits=-15)
        self.seen = []
    def make_decompressor(self, role):
        return self
    def decompress(self, data, max_length=None):
        for name, call in (("get", lambda: d.get_buffer(-1)), ("updated", lambda: d.buffer_updated(0))):
            try:
                call()
                self.seen.append(name + " ok")
            except Exception as exc:
                self.seen.append(name + " " + type(exc).__name__)
        return self.inner.decompress(data)
    def end_message(self, max_length=None):
        return b""
c = zlib.compressobj(wbits=-15)
body = c.compress(b"hello " * 200) + c.flush(zlib.Z_SYNC_FLUSH)
fake = Calls()
d = MessageDecoder(role="client", deflate=fake, max_message_size=None)
attempt("feed", d.feed, bytes([0xc2, 126]) + struct.pack("!H", len(body)) + body)
print("  inside:", fake.seen)
attempt("after", lambda: len(d.get_buffer(-1)))
attempt("after", d.buffer_updated, 0)
""")

case("reentrant_calls_from_the_inflater")("""
class Reentrant:
    # How often each backend calls the inflater is its own business; what
    # the calls from inside it raise is not.
    def __init__(self, action):
        self.action = action
        self.inner = zlib.decompressobj(wbits=-15)
        self.raised = set()
    def make_decompressor(self, role):
        return self
    def call_back(self):
        try:
            self.action()
        except Exception as exc:
            self.raised.add(type(exc).__name__)
        else:
            self.raised.add("no error")
    def decompress(self, data, max_length=None):
        self.call_back()
        return self.inner.decompress(data)
    def end_message(self, max_length=None):
        self.call_back()
        return b""
c = zlib.compressobj(wbits=-15)
body = c.compress(b"hello " * 200) + c.flush(zlib.Z_SYNC_FLUSH)
msg = bytes([0x42, 126]) + struct.pack("!H", len(body)) + body
for action_name in ("feed", "init", "init_small", "reinit_plain"):
    d = None
    def action():
        if action_name == "feed":
            return d.feed(msg)
        if action_name == "init":
            return d.__init__(role="client", deflate=fake, max_message_size=None)
        if action_name == "init_small":
            return d.__init__(role="client", deflate=fake, max_message_size=3)
        return d.__init__(role="client")
    fake = Reentrant(action)
    d = MessageDecoder(role="client", deflate=fake, max_message_size=None)
    attempt(action_name, d.feed, msg[:20])
    attempt(action_name, d.feed, msg[20:] + bytes([0x80, 0]))
    attempt(action_name + " after", d.feed, bytes([0x82, 1]) + b"z")
    print("  inside:", sorted(fake.raised))
""")

case("odd_inflater_results")("""
class Odd:
    def __init__(self, result, end=b""):
        self.result, self.end = result, end
    def make_decompressor(self, role):
        return self
    def decompress(self, data, max_length=None):
        if isinstance(self.result, BaseException):
            raise self.result
        return self.result
    def end_message(self, max_length=None):
        return self.end
frame = bytes([0x82, 2]) + b"ok" + bytes([0xC1, 4]) + b"abcd"
for result in ("text", None, 5, memoryview(b"xyz")[::2], bytearray(b"fine"), b"x" * 5000,
               MemoryError(), ValueError("bad"), zlib.error("bad"), KeyboardInterrupt()):
    d = MessageDecoder(role="client", deflate=Odd(result), max_message_size=1000)
    exc = attempt(repr(type(result).__name__), d.feed, frame)
    print("  completed:", _show(getattr(exc, "completed", None)))
    attempt("  then", d.feed, bytes([0x82, 1]) + b"z")
d = MessageDecoder(role="client", deflate=Odd(b"", end="str"), max_message_size=1000)
attempt("end str", d.feed, frame)
""")

case("uninitialised_objects")("""
for cls in (MessageDecoder, FrameDecoder):
    d = cls.__new__(cls)
    attempt(cls.__name__ + " repr", repr, d)
    attempt(cls.__name__ + " feed", d.feed, b"\\x81\\x02hi")
    attempt(cls.__name__ + " feed masked", d.feed, b"\\x81\\x82abcd\\x00\\x00")
    attempt(cls.__name__ + " feed empty", d.feed, b"")
    attempt(cls.__name__ + " init", d.__init__)
    attempt(cls.__name__ + " feed after init", d.feed, b"")
e = MessageEncoder.__new__(MessageEncoder)
for name in ("text", "binary", "ping", "pong"):
    attempt("encoder " + name, getattr(e, name), "x" if name == "text" else b"x")
attempt("encoder close", e.close, 1000)
attempt("encoder repr", repr, e)
attempt("encoder init", e.__init__, role="client")
attempt("encoder text after init", lambda: len(e.text("hi")))
attempt("Masker new", Masker.__new__, Masker)
m = Masker(b"abcd")
attempt("Masker init again", m.__init__, b"wxyz")
attempt("Masker process", m.process, b"\\x00" * 4)
attempt("Masker init bad", m.__init__, b"abc")
attempt("Masker process", m.process, b"\\x00" * 4)
v = Utf8Validator.__new__(Utf8Validator)
attempt("validator feed", v.feed, b"abc")
attempt("validator finish", v.finish)
attempt("validator reset", v.reset)
attempt("validator repr", repr, v)
# Not initialised and a bad argument: the not-initialised error comes first.
released = memoryview(b"abcd")
released.release()
for bad in (released, "str", None, memoryview(bytes(8))[::2]):
    label = type(bad).__name__
    attempt("new Masker process " + label, Masker.__new__(Masker).process, bad)
    attempt("new validator feed " + label, Utf8Validator.__new__(Utf8Validator).feed, bad)
    attempt("new decoder feed " + label, MessageDecoder.__new__(MessageDecoder).feed, bad)
    attempt("new frames feed " + label, FrameDecoder.__new__(FrameDecoder).feed, bad)
    for name in ("text", "binary", "ping", "pong", "close"):
        attempt(f"new encoder {name} {label}", getattr(MessageEncoder.__new__(MessageEncoder), name), bad)
for cls in (Frame, Message):
    o = cls.__new__(cls)
    for field in ("opcode", "payload", "data", "fin", "rsv1", "close_code", "close_reason"):
        attempt(cls.__name__ + "." + field, getattr, o, field)
    attempt(cls.__name__ + " repr", repr, o)
    attempt(cls.__name__ + " eq", lambda: o == cls.__new__(cls))
    attempt(cls.__name__ + " pickle", pickle.dumps, o)
""")

case("subclasses")("""
class LazyDecoder(MessageDecoder):
    def __init__(self):
        pass
class LazyFrames(FrameDecoder):
    def __init__(self, *args, **kwargs):
        self.extra = 1
class Wrapped(MessageDecoder):
    def feed(self, data):
        return ["wrapped"] + super().feed(data)
class LazyEncoder(MessageEncoder):
    def __init__(self):
        pass
class LazyValidator(Utf8Validator):
    def __init__(self):
        pass
for obj in (LazyDecoder(), LazyFrames()):
    attempt(type(obj).__name__ + " feed", obj.feed, b"\\x82\\x82abcd\\x00\\x00")
    attempt(type(obj).__name__ + " repr", lambda: repr(obj).split()[0])
w = Wrapped(role="client")
attempt("Wrapped feed", w.feed, b"\\x82\\x01z")
attempt("LazyEncoder binary", LazyEncoder().binary, b"x")
lv = LazyValidator()
attempt("LazyValidator feed", lv.feed, b"ok")
attempt("LazyValidator finish", lv.finish)
class MyFrame(Frame):
    pass
class MyMessage(Message):
    pass
f = MyFrame(Opcode.TEXT, b"hi")
attempt("MyFrame eq", lambda: f == Frame(Opcode.TEXT, b"hi"))
attempt("MyFrame pickle", lambda: type(pickle.loads(pickle.dumps(f))).__name__)
m = MyMessage(Opcode.BINARY, b"x")
attempt("MyMessage eq", lambda: m == Message(Opcode.BINARY, b"x"))
class Evil(bytes):
    def __len__(self):
        return 10 ** 9
attempt("bytes subclass feed", MessageDecoder(role="client").feed, Evil(b"\\x82\\x01z"))
attempt("bytes subclass apply_mask", apply_mask, Evil(b"hello"), b"abcd")
class Weird(bytearray):
    pass
buf = Weird(b"hello")
attempt("bytearray subclass mask_inplace", mask_inplace, buf, b"abcd", 0)
attempt("bytearray subclass result", bytes, buf)
""")

case("deleted_and_replaced_fields")("""
for make in (lambda: Frame(Opcode.TEXT, b"hi"), lambda: Message(Opcode.CLOSE, b"", 1000, "")):
    o = make()
    for field in ("opcode", "payload", "data", "fin", "close_code"):
        if hasattr(o, field):
            attempt("del " + field, delattr, o, field)
    attempt("repr", repr, o)
    attempt("eq", lambda: o == make())
    attempt("pickle", pickle.dumps, o)
    attempt("copy", copy.copy, o)
    o = make()
    for field in ("opcode", "payload", "data"):
        if hasattr(o, field):
            attempt("set " + field, setattr, o, field, object())
    attempt("repr", lambda: repr(o).split("(")[0])
    attempt("eq", lambda: o == make())
    o.opcode = 99
    attempt("repr 99", lambda: repr(o).split("(")[0])
# A deleted field, then the constructor again or a new value.
for make, field, args in ((lambda: Frame(Opcode.TEXT, b"hi"), "payload", (Opcode.BINARY, b"again")),
                          (lambda: Message(Opcode.TEXT, "hi"), "data", (Opcode.BINARY, b"again"))):
    o = make()
    attempt("del then init", delattr, o, field)
    attempt("init after del", o.__init__, *args)
    attempt("read after init", getattr, o, field)
    o = make()
    delattr(o, field)
    attempt("set after del", setattr, o, field, b"new")
    attempt("read after set", getattr, o, field)
    o = make()
    delattr(o, "opcode")
    attempt("pickle after del", pickle.dumps, o)
d = MessageDecoder()
attempt("set unknown", setattr, d, "role", "client")
attempt("feed", d.feed, b"")
""")

case("pickle_and_copy")("""
objects = {
    "Frame": Frame(Opcode.BINARY, b"xyz", fin=False, rsv1=True),
    "Message": Message(Opcode.CLOSE, b"\\x03\\xe8bye", 1000, "bye"),
    "MessageDecoder": MessageDecoder(role="client"),
    "MessageDecoder mid": MessageDecoder(role="client"),
    "FrameDecoder": FrameDecoder(),
    "MessageEncoder": MessageEncoder(role="client"),
    "Masker": Masker(b"abcd"),
    "Utf8Validator": Utf8Validator(),
    "ProtocolError": ProtocolError("x", 1009, completed=[Message(Opcode.TEXT, "a")]),
}
objects["MessageDecoder mid"].feed(b"\\x02\\x05ab")
for name, obj in objects.items():
    for proto in (0, 2, pickle.HIGHEST_PROTOCOL):
        attempt(f"{name} pickle {proto}", lambda: pickle.loads(pickle.dumps(obj, proto)))
    attempt(name + " copy", copy.copy, obj)
    attempt(name + " deepcopy", copy.deepcopy, obj)
    attempt(name + " reduce_ex", lambda: type(obj.__reduce_ex__(2)).__name__)
def rebuilder(obj):
    try:
        return obj.__reduce__()[0]
    except Exception as exc:
        print("reduce ->", type(exc).__name__)
        return type(obj)
fn = rebuilder(Frame(Opcode.TEXT, b"hi"))
for bad in ((), (99,), ("x", b""), (1, "str"), (1, b"", 1, 2, 3, 4, 5, 6), (2 ** 70,), (-1,)):
    attempt("Frame rebuild " + repr(bad), fn, *bad)
fn = rebuilder(Message(Opcode.TEXT, "hi"))
for bad in ((), (0, b""), (99, b""), ("text", "x"), (Opcode.CLOSE, b"", "code", None)):
    attempt("Message rebuild " + repr(bad), fn, *bad)
""")

case("buffer_types")("""
frame = bytes([0x82, 0x85]) + b"abcd" + apply_mask(b"hello", b"abcd")
inputs = {
    "bytes": frame,
    "bytearray": bytearray(frame),
    "memoryview": memoryview(frame),
    "readonly view of bytearray": memoryview(bytearray(frame)).toreadonly(),
    "array B": array.array("B", frame),
    "array I": array.array("I", frame[:8]),
    "array d": array.array("d", [1.0, 2.0]),
    "noncontiguous": memoryview(frame * 2)[::2],
    "2d": memoryview(bytes(16)).cast("B", (4, 4)),
    "2d fortran-ish": memoryview(bytes(16)).cast("B", (4, 4))[::2],
    "empty": memoryview(b""),
    "str": "text",
    "int": 5,
    "None": None,
    "list": [0x82, 0],
}
f = open(os.devnull, "rb")
mm = mmap.mmap(-1, len(frame))
mm.write(frame)
inputs["mmap"] = mm
released = memoryview(frame)
released.release()
inputs["released memoryview"] = released
for name, data in inputs.items():
    attempt(name + " MessageDecoder.feed", MessageDecoder(role="server").feed, data)
    attempt(name + " FrameDecoder.feed", FrameDecoder(role="server").feed, data)
    attempt(name + " apply_mask", apply_mask, data, b"abcd")
    attempt(name + " as mask", apply_mask, b"hello", data)
    attempt(name + " validate_utf8", validate_utf8, data)
    attempt(name + " Utf8Validator.feed", Utf8Validator().feed, data)
    attempt(name + " Masker.process", Masker(b"abcd").process, data)
    attempt(name + " encode_frame", encode_frame, Opcode.BINARY, data)
    attempt(name + " binary", MessageEncoder().binary, data)
    attempt(name + " parse_close_payload", parse_close_payload, data)
writable = {
    "bytearray": lambda: bytearray(frame),
    "array B": lambda: array.array("B", frame),
    "array I": lambda: array.array("I", frame[:8]),
    "mmap": lambda: mm,
    "noncontiguous": lambda: memoryview(bytearray(frame * 2))[::2],
    "2d": lambda: memoryview(bytearray(16)).cast("B", (4, 4)),
    "empty": lambda: bytearray(),
    "readonly view of bytearray": lambda: memoryview(bytearray(frame)).toreadonly(),
    "bytes": lambda: frame,
    "released memoryview": lambda: released,
}
for name, make in writable.items():
    attempt(name + " mask_inplace", mask_inplace, make(), b"abcd", 1)
attempt("mmap after", lambda: bytes(mm[:]))
mv = memoryview(bytearray(b"abcdefgh"))
attempt("mask_inplace on view", mask_inplace, mv[2:6], b"abcd", 0)
attempt("mmap close while viewed", mm.close)
del mv
mm2 = mmap.mmap(-1, 16)
mm2.close()
attempt("closed mmap feed", MessageDecoder().feed, mm2)
attempt("closed mmap mask_inplace", mask_inplace, mm2, b"abcd")
""")

case("wrong_types_and_numbers")("""
huge = (2 ** 70, 2 ** 64, 2 ** 63, 2 ** 63 - 1, 2 ** 62, -1, -(2 ** 70), 1.0, float("nan"), True, None, "1", 1000)
for n in huge:
    attempt(f"encode_frame({n!r})", encode_frame, n)
    attempt(f"encode_frame(TEXT, fin={n!r})", encode_frame, 1, b"", fin=n)
    attempt(f"mask_inplace offset {n!r}", mask_inplace, bytearray(b"abcdef"), b"abcd", n)
    attempt(f"MessageDecoder(max_message_size={n!r})", lambda: repr(MessageDecoder(max_message_size=n)))
    attempt(f"MessageDecoder(max_frame_size={n!r})", lambda: repr(MessageDecoder(max_frame_size=n)))
    attempt(f"FrameDecoder(max_frame_size={n!r})", lambda: repr(FrameDecoder(max_frame_size=n)))
    attempt(f"MessageEncoder(max_frame_size={n!r})", lambda: repr(MessageEncoder(max_frame_size=n)))
    attempt(f"close({n!r})", MessageEncoder().close, n)
    attempt(f"encode_close_payload({n!r})", encode_close_payload, n)
    attempt(f"Frame({n!r})", Frame, n)
    attempt(f"Message({n!r}, b'')", Message, n, b"")
for role in ("SERVER", b"server", None, 1, object()):
    attempt(f"role {type(role).__name__}", MessageDecoder, role=role)
    attempt(f"encoder role {type(role).__name__}", MessageEncoder, role=role)
class EqBomb:
    def __eq__(self, other):
        raise RuntimeError("no")
    __hash__ = object.__hash__
attempt("role __eq__ raises", MessageDecoder, role=EqBomb())
e = MessageEncoder(role="server")  # a client's frames have random keys
for data in (None, 1, b"x", bytearray(b"x"), "x" * 10, "\\ud800"):
    attempt(f"text({type(data).__name__})", e.text, data)
    attempt(f"binary({type(data).__name__})", e.binary, data)
    attempt(f"ping({type(data).__name__})", e.ping, data)
for reason in ("x" * 124, "x" * 200, b"bytes", None, "\\ud800"):
    attempt(f"close reason {reason!r:.20}", e.close, 1000, reason)
for key in (b"", b"abc", b"abcde", "abcd", None, 1234, bytearray(b"abcd"), memoryview(b"abcdabcd")[::2]):
    label = f"{type(key).__name__}[{len(key) if hasattr(key, '__len__') else '-'}]"
    attempt(f"apply_mask key {label}", apply_mask, b"hello", key)
    attempt(f"Masker key {label}", lambda: repr(Masker(key)))
    attempt(f"encode_frame mask {label}", encode_frame, 2, b"hi", mask=key)
for code in (0, 999, 1000, 1004, 1005, 1006, 1015, 2999, 3000, 4999, 5000, 65535, 65536):
    attempt(f"parse_close_payload {code}", parse_close_payload, struct.pack("!H", code % 65536) + b"r")
    attempt(f"encode_close_payload {code}", encode_close_payload, code)
attempt("MessageDecoder positional", MessageDecoder, "server")
attempt("MessageDecoder unknown kw", MessageDecoder, nope=1)
attempt("feed no args", MessageDecoder().feed)
attempt("feed two args", MessageDecoder().feed, b"", b"")
attempt("deflate not an extension", MessageDecoder, deflate=5)
attempt("encoder deflate not an extension", MessageEncoder, deflate="x")
""")

case("declared_lengths_at_the_edges")("""
for length in (2 ** 63 - 1, 2 ** 63, 2 ** 64 - 1, 2 ** 32, 2 ** 31, 65536, 65535):
    head = bytes([0x82, 127]) + struct.pack("!Q", length)
    for max_size in (None, 0, 1, 2 ** 63 - 1):
        attempt(f"{length} limit {max_size}", MessageDecoder(role="client", max_message_size=max_size).feed, head + b"abc")
        attempt(f"{length} frames limit {max_size}", FrameDecoder(role="client", max_frame_size=max_size).feed, head + b"abc")
    d = FrameDecoder(role="client")
    attempt(f"{length} split header", lambda: [d.feed(bytes([b])) for b in head])
""")


@pytest.mark.parametrize("backend", BACKEND_NAMES)
@pytest.mark.parametrize("name", sorted(CASES))
def test_no_crash(name, backend):
    outcome(CASES[name], backend)


@pytest.mark.skipif(PURE_LANE, reason="pure lane: no native backend to compare")
@pytest.mark.parametrize("name", sorted(CASES))
def test_backends_agree(name):
    native = outcome(CASES[name], "native").splitlines()
    pure = outcome(CASES[name], "pure").splitlines()
    diffs = [f"native: {a}\n  pure: {b}" for a, b in zip(native, pure) if a != b]
    assert not diffs and len(native) == len(pure), "\n".join(diffs[:40])


# -- the feed contract, in process -------------------------------------------------------


class FailingInflater:
    """Stands in for a PerMessageDeflate: its decompressor raises ``error``."""

    def __init__(self, error):
        self.error = error

    def make_decompressor(self, role):
        return self

    def decompress(self, data, max_length=None):
        raise self.error

    def end_message(self, max_length=None):
        return b""


@pytest.mark.parametrize("error", [MemoryError(), ValueError("inflater bug"), KeyboardInterrupt()])
def test_any_exception_inside_feed_fails_the_decoder_with_what_completed(backend, error):
    decoder = backend.MessageDecoder(role="client", deflate=FailingInflater(error))
    with pytest.raises(type(error)) as info:
        decoder.feed(b"\x82\x02ok\x89\x01p" + b"\xc2\x03abc")
    assert [m.data for m in info.value.completed] == [b"ok", b"p"]
    with pytest.raises(backend.ProtocolError) as failed:
        decoder.feed(b"\x82\x01z")
    assert failed.value.close_code == 1011


def test_bad_argument_leaves_the_decoder_unchanged(backend):
    decoder = backend.MessageDecoder(role="client")
    assert decoder.feed(b"\x01\x03abc") == []
    released = memoryview(b"xyz")
    released.release()
    for bad in ("text", None, 5, released, memoryview(bytes(8))[::2]):
        with pytest.raises((TypeError, BufferError, ValueError)):
            decoder.feed(bad)
    assert decoder.feed(b"\x80\x03def") == [backend.Message(1, "abcdef")]


def test_second_init_is_a_full_reset_and_a_failed_one_changes_nothing(backend):
    decoder = backend.MessageDecoder(role="client", max_message_size=None)
    decoder.feed(b"\x02\x7f" + (300000).to_bytes(8, "big") + b"x" * 1000)
    with pytest.raises(ValueError):
        decoder.__init__(role="client", max_message_size=-1)
    assert decoder.feed(b"y" * 299000 + b"\x80\x00")[0].data == b"x" * 1000 + b"y" * 299000
    decoder.feed(b"\x02\x7f" + (300000).to_bytes(8, "big") + b"x" * 1000)
    decoder.__init__(role="client", max_message_size=16)
    # The old message is gone; the new limit holds from the next header on.
    assert decoder.feed(b"\x82\x02hi") == [backend.Message(2, b"hi")]
    with pytest.raises(backend.ProtocolError) as info:
        decoder.feed(b"\x82\x11" + b"z" * 17)
    assert info.value.close_code == 1009
    decoder.__init__(role="client")  # a failed decoder is usable again
    assert decoder.feed(b"\x81\x02ok") == [backend.Message(1, "ok")]


def test_reentrant_feed_and_init_raise_runtime_error(backend):
    calls = []

    class Reentrant(FailingInflater):
        def decompress(self, data, max_length=None):
            for call in (lambda: decoder.feed(b"\x82\x00"), lambda: decoder.__init__(role="client")):
                with pytest.raises(RuntimeError):
                    call()
                calls.append(1)
            return zlib.decompressobj(wbits=-15).decompress(data + b"\x00\x00\xff\xff")

    decoder = backend.MessageDecoder(role="client", deflate=Reentrant(None))
    body = zlib.compressobj(wbits=-15)
    payload = (body.compress(b"hello") + body.flush(zlib.Z_SYNC_FLUSH))[:-4]
    out = decoder.feed(bytes([0xC2, len(payload)]) + payload)
    assert out == [backend.Message(2, b"hello")] and len(calls) >= 2


def test_uninitialised_objects_raise_runtime_error(backend):
    for cls, call in (
        (backend.MessageDecoder, lambda o: o.feed(b"")),
        (backend.FrameDecoder, lambda o: o.feed(b"")),
        (backend.MessageEncoder, lambda o: o.text("x")),
        (backend.Masker, lambda o: o.process(b"x")),
        (backend.Utf8Validator, lambda o: o.feed(b"x")),
    ):
        with pytest.raises(RuntimeError, match="__init__ was not called"):
            call(cls.__new__(cls))


def test_stateful_objects_refuse_pickle_and_copy(backend):
    for obj in (
        backend.MessageDecoder(),
        backend.FrameDecoder(),
        backend.MessageEncoder(),
        backend.Masker(b"abcd"),
        backend.Utf8Validator(),
    ):
        for attempt in (pickle.dumps, copy.copy, copy.deepcopy):
            with pytest.raises(TypeError):
                attempt(obj)
    frame = backend.Frame(backend.Opcode.BINARY, b"x", fin=False)
    assert pickle.loads(pickle.dumps(frame)) == frame
    message = backend.Message(backend.Opcode.CLOSE, b"\x03\xe8", 1000, "")
    assert copy.copy(message) == message
