# Sourced by the scripts. quietly COMMAND...: runs the command with its output held back and shows that
# output, on stderr, only when the command fails: a run that works prints only what it is for.
quietly() {
  local log status=0
  log="$(mktemp)"
  "$@" >"$log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    cat "$log" >&2
    echo "failed (exit ${status}): $*" >&2
  fi
  rm -f "$log"
  return "$status"
}
