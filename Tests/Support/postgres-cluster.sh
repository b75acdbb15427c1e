#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback, for integration tests and the load test.
#   postgres-cluster.sh start DIR PORT   initdb in DIR/data, start on 127.0.0.1:PORT, create
#                                         database "swiftnas"; prints the storage URL
#   postgres-cluster.sh stop DIR         stop the server by the PID it recorded (idempotent)
# Everything lives in DIR (data, socket, log). initdb refuses to run as root, so as root the
# server runs as the `postgres` user that Debian's package creates.
set -euo pipefail
# The servers outlive the test that starts them: they must not keep its other open files (a
# Foundation Pipe is not close-on-exec, and its reader would wait on the server forever).
for descriptor in /proc/$$/fd/*; do
    descriptor=${descriptor##*/}
    # 255 and up: bash's own (the script it is reading).
    if [ "$descriptor" -gt 2 ] 2>/dev/null && [ "$descriptor" -lt 255 ]; then eval "exec $descriptor>&-" 2>/dev/null || true; fi
done

bin=${POSTGRES_BIN:-/usr/lib/postgresql/15/bin}
command=${1:?usage: postgres-cluster.sh start DIR PORT | stop DIR}
dir=${2:?a folder is needed}

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$command" in
start)
    port=${3:?a port is needed}
    if [ ! -x "$bin/initdb" ]; then
        echo "postgres-cluster: no $bin/initdb; install it with: apt-get install postgresql-15" >&2
        exit 69
    fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U swiftnas -A trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 \
        || { echo "postgres-cluster: initdb failed:" >&2; tail -20 "$dir/initdb.log" >&2; exit 1; }
    # Loopback only; the socket in DIR so no system server is disturbed.
    if ! as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null; then
        echo "postgres-cluster: the server did not start:" >&2
        tail -20 "$dir/server.log" >&2
        exit 1
    fi
    head -1 "$dir/data/postmaster.pid" >"$dir/server.pid"
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U swiftnas swiftnas
    echo "postgresql://swiftnas@127.0.0.1:$port/swiftnas"
    ;;
stop)
    [ -f "$dir/server.pid" ] || exit 0
    pid=$(cat "$dir/server.pid")
    # SIGINT is PostgreSQL's fast shutdown: clients are disconnected, nothing is waited for.
    kill -INT "$pid" 2>/dev/null || { rm -f "$dir/server.pid"; exit 0; }
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || { rm -f "$dir/server.pid"; exit 0; }
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$dir/server.pid"
    ;;
*)
    echo "usage: postgres-cluster.sh start DIR PORT | stop DIR" >&2
    exit 64
    ;;
esac
