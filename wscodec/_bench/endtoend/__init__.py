"""The ``echo`` section: whole echo servers end to end over loopback.

- ``servers``: one echo server per library, run as a process of its own.
- ``loadgen``: the load generator, run as one or more processes.
- ``run``: starts each server in turn, drives it and collects the rows.
"""
