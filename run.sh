#!/usr/bin/env bash
# Starts the plugin scheduler runtime with an interactive Gogo shell (prompt "g! ").
#
#   ./run.sh                                  interactive; Ctrl-D or 'stop 0' shuts it down
#   ./run.sh -Dgosh.args=--nointeractive &    no console, keeps running; 'kill <pid>' (SIGTERM) stops it cleanly
#   printf 'lb\n' | ./run.sh                  runs the piped commands, then shuts down at end of input
#
# The runtime is built only when its jar is missing; after changing code, rebuild with 'mvn install'.
#
# Extra arguments are JVM options (-D..., -Xmx...) and go before -jar; so does $JAVA_OPTS. A -D option overrides
# the same-named property of cnf/scheduler.bndrun (e.g. -Dfelix.fileinstall.poll=200).
#
# Working directory: ./runtime (deploy/ = plugin jars, hot; etc/ = configuration, hot; data/;
# log/scheduler.log; cache/ = framework storage, wiped at every start). Files from cnf/etc/ are copied into
# runtime/etc/ only when missing there, so an operator's changes are never overwritten.
#
# Exit status: 117 is the bnd launcher's "framework stopped" status, i.e. a normal shutdown ('stop 0', Ctrl-D,
# end of piped input); 143 after SIGTERM, once the framework has stopped.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JAR="$ROOT/scheduler.runtime/target/scheduler.jar"
RUNTIME="$ROOT/runtime"

# Build when the jar is missing or any source, pom or bnd file is newer than it (e.g. after a git pull).
stale() {
  [[ ! -f "$JAR" ]] && return 0
  [[ -n "$(find "$ROOT" -path "$ROOT/runtime" -prune -o -path '*/target' -prune -o \
      \( -name '*.java' -o -name 'pom.xml' -o -name '*.bnd' -o -name '*.bndrun' -o -path '*/src/main/resources/*' \) \
      -newer "$JAR" -print -quit)" ]]
}
if stale; then
  echo "run.sh: building the project (mvn -DskipTests install) ..." >&2
  (cd "$ROOT" && mvn -B -q -DskipTests install)
  [[ -f "$JAR" ]] || { echo "run.sh: the build did not produce $JAR" >&2; exit 1; }
fi

mkdir -p "$RUNTIME"/{deploy,etc,data,log}
for f in "$ROOT"/cnf/etc/*; do
  [[ -f "$f" ]] || continue
  target="$RUNTIME/etc/$(basename "$f")"
  [[ -e "$target" ]] || cp "$f" "$target"
done

cd "$RUNTIME"
# shellcheck disable=SC2086  # JAVA_OPTS is a list of options
exec java ${JAVA_OPTS:-} "$@" -jar "$JAR"
