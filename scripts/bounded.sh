#!/usr/bin/env bash
# Run a command under a wall-clock limit and an address-space (memory) limit, and say plainly
# which limit stopped it, so that a runaway tool fails with a message instead of taking the
# machine down.   Usage: scripts/bounded.sh SECONDS MEGABYTES COMMAND [ARG...]
set -uo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 SECONDS MEGABYTES COMMAND [ARG...]" >&2
  exit 2
fi
seconds=$1 megabytes=$2
shift 2
if command -v timeout >/dev/null; then
  ( ulimit -v $((megabytes * 1024)) && exec timeout --kill-after=5 "$seconds" "$@" )
else
  echo "bounded: 'timeout' (GNU coreutils) not found; running '$1' without a time limit" >&2
  ( ulimit -v $((megabytes * 1024)) && exec "$@" )
fi
rc=$?
case $rc in
  0) ;;
  124 | 137)
    echo "bounded: '$*' did not finish within $seconds s and was stopped (exit $rc)." >&2 ;;
  134 | 139)
    echo "bounded: '$*' was aborted (exit $rc), most likely by the memory limit of" \
         "$megabytes MB (a runaway allocation)." >&2 ;;
  *)
    echo "bounded: '$*' failed (exit $rc; limits: $seconds s, $megabytes MB of memory)." >&2 ;;
esac
exit $rc
