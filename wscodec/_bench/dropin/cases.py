"""What the library modules of ``dropin`` build their rows from."""

SIZES = (20, 1024, 64 * 1024)
STOCK, DROPIN = "stock", "install()"
"""The two contenders of every row: the library as shipped, and with the
drop-in installed."""


class Case:
    """One row: ``make()`` returns the timing bench (``timing.Call`` or
    ``timing.Batch``) of the library's own code path; ``output()``, when
    given, returns what that path produced, which must be equal with and
    without the drop-in (checked before timing).  ``make_dropin`` and
    ``output_dropin`` are for a replacement that is called instead of the
    original (a compat module) rather than installed into it."""

    def __init__(self, op, size, work, make, output=None, unit="MB/s", make_dropin=None, output_dropin=None):
        self.op = op
        self.size = size
        self.work = work  # payload bytes (MB/s) or operations (ops/s) per timed op
        self.make = make
        self.output = output
        self.unit = unit
        self.make_dropin = make_dropin
        self.output_dropin = output_dropin


def frames_per_op(size, quick):
    """Enough frames that one op moves about 256 KiB (64 KiB in a quick run)."""
    budget = (64 if quick else 256) * 1024
    return max(2, min(1000, budget // size))
