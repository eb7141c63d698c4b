# shellcheck shell=bash
# Service helpers for .ci/run (sourced, not executed).
#
# ensure_services makes sure PostgreSQL (127.0.0.1:5432), MariaDB (127.0.0.1:3306) and
# Redis (127.0.0.1:6379) answer. A service that already answers is left alone; one that
# does not is started with the fixed command for this machine and then waited for (up
# to CI_SERVICE_WAIT seconds, default 30). Returns non-zero with a clear message if a
# service cannot be brought up.

CI_SERVICE_WAIT=${CI_SERVICE_WAIT:-30}

# tcp_open PORT: true if something accepts a TCP connection on 127.0.0.1:PORT.
tcp_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# <name>_ready: TCP probe plus, when the client tool is installed, a protocol-level check
# (a port can accept connections while the server is still starting up).
postgres_ready() {
  tcp_open 5432 || return 1
  if command -v pg_isready >/dev/null 2>&1; then
    timeout 5 pg_isready -q -h 127.0.0.1 -p 5432 -t 3 </dev/null >/dev/null 2>&1 || return 1
  fi
}

redis_ready() {
  tcp_open 6379 || return 1
  if command -v redis-cli >/dev/null 2>&1; then
    [[ "$(timeout 5 redis-cli -h 127.0.0.1 -p 6379 ping </dev/null 2>/dev/null)" == PONG ]] || return 1
  fi
}

mariadb_ready() {
  tcp_open 3306 || return 1
  local admin
  admin=$(command -v mariadb-admin || command -v mysqladmin || true)
  if [[ -n "$admin" ]]; then
    # "ping" succeeds even when access is denied: it only asks whether the server runs.
    timeout 5 "$admin" --connect-timeout=3 -h 127.0.0.1 -P 3306 ping </dev/null >/dev/null 2>&1 || return 1
  fi
}

# <name>_start: the start commands for this machine (see .ci/README.md).
postgres_start() {
  # shellcheck disable=SC2046 # one word per installed major version, as intended
  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start
}

redis_start() {
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
}

mariadb_start() {
  # /run is a tmpfs: recreate the socket/pid directory if it has gone.
  if [[ ! -d /run/mysqld ]]; then
    install -d -o mysql -g mysql /run/mysqld
  fi
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
}

# Where to look when a service does not come up.
service_hint() {
  case "$1" in
    postgres) echo "see /var/log/postgresql/ and 'pg_lsclusters'" ;;
    redis) echo "see /var/log/redis/ci.log" ;;
    mariadb) echo "see /var/log/mysql/ (if present) or run /usr/sbin/mariadbd in the foreground" ;;
  esac
}

# ensure_service NAME PORT: probe, start if down, wait for it to answer.
ensure_service() {
  local name=$1 port=$2 waited=0
  if "${name}_ready"; then
    echo "  $name (127.0.0.1:$port): up"
    return 0
  fi
  echo "  $name (127.0.0.1:$port): down, starting it"
  if ! "${name}_start" </dev/null; then
    echo "ci: ERROR: the start command for $name failed; $(service_hint "$name")" >&2
    return 1
  fi
  until "${name}_ready"; do
    if ((waited >= CI_SERVICE_WAIT)); then
      echo "ci: ERROR: $name did not answer on 127.0.0.1:$port within ${CI_SERVICE_WAIT}s; $(service_hint "$name")" >&2
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  echo "  $name (127.0.0.1:$port): up after ${waited}s"
}

ensure_services() {
  local failed=0
  ensure_service postgres 5432 || failed=1
  ensure_service mariadb 3306 || failed=1
  ensure_service redis 6379 || failed=1
  return "$failed"
}
