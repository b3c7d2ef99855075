#!/usr/bin/env bash
# CTest fixture for the AWS tests: start moto_server (AWS APIs served locally) on a
# free 127.0.0.1 port, or stop it.
#   moto_fixture.sh start DIR   writes DIR/url (http://127.0.0.1:PORT) when it answers,
#                               or DIR/absent (why) when moto_server is not installed
#   moto_fixture.sh stop DIR    stops what start started (its process group)
# Every wait is bounded; nothing reads stdin; the server's output goes to DIR/log.
set -u
action=${1:?start or stop}
dir=${2:?directory}
mkdir -p "$dir"

stop() {
  [ -f "$dir/pid" ] || return 0
  local pid
  pid=$(cat "$dir/pid")
  rm -f "$dir/pid" "$dir/url"
  # The server was started as the leader of its own session (setsid): end its group.
  # A test server with nothing to save: killed at once (it takes seconds to end on
  # SIGINT or SIGTERM), then waited for.
  kill -KILL -- "-$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do
    kill -0 -- "-$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  echo "moto_server (process group $pid) did not end" >&2
  return 1
}

case "$action" in
stop)
  stop
  exit $?
  ;;
start)
  stop
  rm -f "$dir/absent" "$dir/url"
  server=${FLUXBURST_MOTO_SERVER:-$(command -v moto_server || true)}
  if [ -z "$server" ]; then
    echo "moto_server is not installed (pip install 'moto[server]')" >"$dir/absent"
    echo "SKIPPED: $(cat "$dir/absent"): the tests that need it skip"
    exit 0
  fi
  for attempt in 1 2 3; do
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    setsid "$server" -H 127.0.0.1 -p "$port" </dev/null >"$dir/log" 2>&1 &
    echo $! >"$dir/pid"
    for _ in $(seq 300); do  # at most 30 s
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "http://127.0.0.1:$port" >"$dir/url"
        echo "moto_server answers at $(cat "$dir/url") (pid $(cat "$dir/pid"))"
        exit 0
      fi
      kill -0 "$(cat "$dir/pid")" 2>/dev/null || break  # it died (port taken?): try another
      sleep 0.1
    done
    stop
  done
  echo "moto_server did not start: $(tail -5 "$dir/log")" >&2
  exit 1
  ;;
*)
  echo "usage: $0 start|stop DIR" >&2
  exit 2
  ;;
esac
