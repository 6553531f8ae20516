"""``bench --only connections``: what holding many connections costs each
server (memory per connection, idle and after a message), how fast it
opens them (one at a time and all at once), and how long one broadcast
and one heartbeat round over all of them take.  ``coordinator`` runs it,
``agent`` is a client process, ``servers`` the servers measured."""
