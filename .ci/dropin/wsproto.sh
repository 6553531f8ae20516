#!/usr/bin/env bash
# wsproto's own tests (shipped in its sdist), without and with
# wscodec.integrations.wsproto.install().  Budget: about 1 minute.
source "$(dirname "$0")/_lib.sh"
WSPROTO=$(release wsproto 1.3.2)
done_if_newest_is_pinned
py=$(make_venv wsproto "$WSPROTO" "pytest>=8.3,<9" "hypothesis>=6.119,<7")
src=$(unpack_sdist wsproto "$WSPROTO")
cd "$src"
# -p no:cacheprovider: nothing written into the unpacked sdist between runs.
run_twice wsproto "$py" wsproto junit pytest tests -q -p no:cacheprovider
compare wsproto 230
