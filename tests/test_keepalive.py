"""wscodec.keepalive: when to ping, which pongs count, and when a peer is
given up on, driven by a clock the test owns."""

import math

import pytest

from wscodec import CloseCode
from wscodec.keepalive import KEEPALIVE_CLOSE_CODE, Keepalive, PingDue, PongOverdue


def test_pings_every_interval_while_pongs_come_back():
    k = Keepalive(10, 5, now=100.0)
    assert k.deadline == 110.0
    assert k.poll(109.9) is None
    due = k.poll(110.0)
    assert isinstance(due, PingDue) and len(due.payload) == 4
    assert k.deadline == 115.0  # the pong is late from here on
    assert k.poll(112.0) is None  # one ping outstanding at a time
    assert k.pong(due.payload, 110.25) is True
    assert k.latency == pytest.approx(0.25)
    assert k.deadline == 120.0  # an interval after the previous ping
    second = k.poll(120.0)
    assert isinstance(second, PingDue) and second.payload != due.payload
    assert not k.expired


def test_a_late_pong_means_the_peer_is_given_up_on():
    k = Keepalive(10, 5, now=0.0)
    ping = k.poll(10.0)
    assert k.poll(14.99) is None
    overdue = k.poll(15.0)
    assert isinstance(overdue, PongOverdue) and overdue.waited == 5.0
    assert k.expired
    assert k.deadline == math.inf  # a timer driven by it stops
    assert isinstance(k.poll(30.0), PongOverdue)  # said again, never a new ping
    assert k.pong(ping.payload, 15.5) is False  # too late to count
    assert k.latency is None
    assert KEEPALIVE_CLOSE_CODE == CloseCode.INTERNAL_ERROR == 1011


def test_only_the_outstanding_pings_pong_counts():
    k = Keepalive(1, 1, now=0.0)
    assert k.pong(b"", 0.5) is False  # unsolicited: nothing outstanding
    ping = k.poll(1.0)
    assert k.pong(b"\x00\x00\x00\x00" if ping.payload != b"\x00" * 4 else b"x", 1.1) is False
    assert k.pong(bytearray(ping.payload), 1.2) is True  # any bytes-like payload
    assert k.pong(ping.payload, 1.3) is False  # a second answer to the same ping


def test_a_pong_after_the_next_ping_was_due_pings_again_at_once():
    k = Keepalive(1, 5, now=0.0)
    ping = k.poll(1.0)
    assert k.pong(ping.payload, 4.0)
    assert k.deadline == 4.0
    assert isinstance(k.poll(4.0), PingDue)


@pytest.mark.parametrize(("interval", "timeout", "error"), [
    (0, 1, ValueError), (1, -1, ValueError), (math.inf, 1, ValueError), (1, math.nan, ValueError),
    ("20", 1, TypeError), (1, None, TypeError), (True, 1, TypeError),
])
def test_settings_are_checked(interval, timeout, error):
    with pytest.raises(error):
        Keepalive(interval, timeout, now=0.0)


def test_repr_says_the_state():
    k = Keepalive(1, 1, now=0.0)
    assert "idle" in repr(k)
    k.poll(1.0)
    assert "waiting for a pong" in repr(k)
    k.poll(2.0)
    assert "expired" in repr(k)
