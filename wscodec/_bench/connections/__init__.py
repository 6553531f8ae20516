"""``bench --only connections``: what holding many connections costs each
server (memory per connection, idle and after a message), how fast it
opens them (one at a time and all at once), and how long one broadcast
and one heartbeat round over all of them take.  ``coordinator`` runs it,
``agent`` is a client process, ``servers`` the servers measured."""

METRICS = (
    # (key, unit, column title)
    ("idle memory per connection", "bytes", "idle"),
    ("memory per connection after one message each way", "bytes", "after a message"),
    ("handshakes one at a time", "handshakes/s", "handshake p50"),
    ("open all one at a time", "connections/s", "open all, one at a time"),
    ("open all at once", "connections/s", "open all at once"),
    ("one message each way on every connection", "messages/s", "a message on each"),
    ("broadcast 200 B to all", "deliveries/s", "broadcast to all"),
    ("heartbeat round", "pongs/s", "heartbeat round"),
)
"""The rows of the section, in table order: (key, unit, column title)."""
