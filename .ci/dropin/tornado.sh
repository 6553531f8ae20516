#!/usr/bin/env bash
# tornado's own test suite (shipped inside the package: tornado.test), run
# by its own runner without and with wscodec.integrations.tornado.install().
# Budget: about 2 minutes.
source "$(dirname "$0")/_lib.sh"
TORNADO=$(release tornado 6.6.1)
done_if_newest_is_pinned
py=$(make_venv tornado "$TORNADO")
cd "$DROPIN_WORK/tornado"
# --verbose: one line per test, the pass set is read from it.
run_twice tornado "$py" tornado unittest tornado.test.runtests --verbose
compare_unittest tornado 1400 "$py" tornado tornado.test.runtests --verbose
