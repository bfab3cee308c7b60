#!/usr/bin/env bash
# A three-node RabbitMQ cluster on this machine, from the installed RabbitMQ,
# beside (never joined to) the broker that already runs on 5672:
#
#   scripts/rabbitmq-cluster.sh start          start rabbit-a/b/c@localhost, join them, print AMQP_URL
#   scripts/rabbitmq-cluster.sh urls           print AMQP_URL for the three nodes (comma separated)
#   scripts/rabbitmq-cluster.sh status         the cluster's status as node a sees it
#   scripts/rabbitmq-cluster.sh ctl a ARGS...  rabbitmqctl against one node (a, b or c)
#   scripts/rabbitmq-cluster.sh kill a         kill one node at once (SIGKILL), as a crashed machine would go
#   scripts/rabbitmq-cluster.sh stop           stop the three nodes and remove their data
#
# Ports: AMQP 5681-5683 and Erlang distribution 25681-25683 on 127.0.0.1
# (TURNOUT_CLUSTER_PORT moves the first); data and logs under
# TURNOUT_CLUSTER_DIR (default /tmp/turnout-rabbitmq-cluster). The nodes use the
# default node's Erlang cookie, so that a plain `rabbitmqctl -n rabbit-a@localhost`
# reaches them too; they read none of /etc/rabbitmq (own config, env file and
# plugins file), so they listen on their own ports only and run no plugin
# (Turnout needs none: quorum queues and streams are the core broker's).
set -euo pipefail

DIR=${TURNOUT_CLUSTER_DIR:-/tmp/turnout-rabbitmq-cluster}
FIRST_PORT=${TURNOUT_CLUSTER_PORT:-5681}
NODES=(a b c)
STARTUP_TIMEOUT_S=${TURNOUT_CLUSTER_STARTUP_TIMEOUT_S:-120}

fail() { echo "rabbitmq-cluster: $*" >&2; exit 1; }

node_name() { echo "rabbit-$1@localhost"; }
node_index() { case $1 in a) echo 0 ;; b) echo 1 ;; c) echo 2 ;; *) fail "no node \"$1\" (a, b or c)" ;; esac; }
amqp_port() { echo $((FIRST_PORT + $(node_index "$1"))); }
dist_port() { echo $((20000 + $(amqp_port "$1"))); }

# The real scripts, not Debian's /usr/sbin wrappers: those switch to the rabbitmq
# user and write under /var/lib/rabbitmq, the default node's home.
RABBITMQ_BIN=""
for candidate in /usr/lib/rabbitmq/bin "$(dirname "$(readlink -f "$(command -v rabbitmq-server 2>/dev/null || echo /nonexistent)")")"; do
  if [ -x "$candidate/rabbitmq-server" ] && [ -x "$candidate/rabbitmqctl" ]; then RABBITMQ_BIN=$candidate; break; fi
done
[ -n "$RABBITMQ_BIN" ] || fail "RabbitMQ is not installed (no rabbitmq-server and rabbitmqctl found); apt-get install rabbitmq-server"

# The cookie of the default node: the rabbitmq user's home on Debian, else this user's.
cookie_file() {
  local file
  for file in ${RABBITMQ_ERLANG_COOKIE_FILE:-} /var/lib/rabbitmq/.erlang.cookie "$HOME/.erlang.cookie"; do
    if [ -n "$file" ] && [ -r "$file" ]; then echo "$file"; return 0; fi
  done
  fail "no readable Erlang cookie (looked in /var/lib/rabbitmq/.erlang.cookie and $HOME/.erlang.cookie)"
}

# Everything a node's scripts read, pointed into its own directory (into NODE_ENV).
node_env() {
  local node=$1 base="$DIR/$1"
  NODE_ENV=(
    HOME="$DIR/home"
    RABBITMQ_NODENAME="$(node_name "$node")"
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
    RABBITMQ_NODE_PORT="$(amqp_port "$node")"
    RABBITMQ_DIST_PORT="$(dist_port "$node")"
    RABBITMQ_CONF_ENV_FILE="$base/rabbitmq-env.conf"
    RABBITMQ_CONFIG_FILE="$base/rabbitmq.conf"
    RABBITMQ_ADVANCED_CONFIG_FILE="$base/advanced.config"
    RABBITMQ_ENABLED_PLUGINS_FILE="$base/enabled_plugins"
    RABBITMQ_MNESIA_BASE="$base/mnesia"
    RABBITMQ_LOG_BASE="$base/log"
    RABBITMQ_PID_FILE="$base/rabbitmq.pid"
    ERL_CRASH_DUMP="$base/erl_crash.dump"
    ERL_EPMD_ADDRESS=127.0.0.1
    # Erlang distribution on loopback only, as the default node has it.
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  )
}

ctl() { # node, rabbitmqctl arguments...
  local node=$1; shift
  node_env "$node"
  env "${NODE_ENV[@]}" "$RABBITMQ_BIN/rabbitmqctl" -n "$(node_name "$node")" "$@"
}

urls() {
  local node list=""
  for node in "${NODES[@]}"; do list+="${list:+,}amqp://guest:guest@127.0.0.1:$(amqp_port "$node")"; done
  echo "$list"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

node_pid() { [ -r "$DIR/$1/rabbitmq.pid" ] && cat "$DIR/$1/rabbitmq.pid"; }

prepare_node() {
  local node=$1 base="$DIR/$1"
  mkdir -p "$base/mnesia" "$base/log"
  : >"$base/rabbitmq-env.conf"
  echo '[].' >"$base/enabled_plugins"
  cat >"$base/rabbitmq.conf" <<EOF
listeners.tcp.local = 127.0.0.1:$(amqp_port "$node")
# A node of this test cluster is one of three on one machine: a third of the default memory share each.
vm_memory_high_watermark.relative = 0.2
EOF
}

start_node() {
  local node=$1
  # -detached returns at once; the node writes its own logs under $DIR/<node>/log.
  node_env "$node"
  (cd "$DIR/$node" && env "${NODE_ENV[@]}" "$RABBITMQ_BIN/rabbitmq-server" -detached) >"$DIR/$node/startup.log" 2>&1 ||
    fail "$(node_name "$node") did not start: $(cat "$DIR/$node/startup.log")"
}

await_node() {
  local node=$1
  # `wait` follows the pid file the node writes as it boots, then its startup.
  if ! ctl "$node" -q wait --timeout "$STARTUP_TIMEOUT_S" "$DIR/$node/rabbitmq.pid" >"$DIR/$node/await.log" 2>&1; then
    echo "rabbitmq-cluster: $(node_name "$node") did not come up within ${STARTUP_TIMEOUT_S} s: $(cat "$DIR/$node/await.log")" >&2
    echo "--- last lines of its log ($DIR/$node/log) ---" >&2
    tail -n 30 "$DIR/$node/log/"*.log "$DIR/$node/startup.log" >&2 2>/dev/null || true
    return 1
  fi
}

start() {
  stop >/dev/null 2>&1 || true
  local node port
  for node in "${NODES[@]}"; do
    [ "$(node_name "$node")" != "rabbit@localhost" ] || fail "refusing to touch the default node"
    for port in "$(amqp_port "$node")" "$(dist_port "$node")"; do
      if port_in_use "$port"; then fail "port $port is taken (another cluster, or TURNOUT_CLUSTER_PORT=$FIRST_PORT meets something else); run '$0 stop' or set TURNOUT_CLUSTER_PORT"; fi
    done
  done
  mkdir -p "$DIR/home"
  install -m 400 "$(cookie_file)" "$DIR/home/.erlang.cookie"
  for node in "${NODES[@]}"; do prepare_node "$node"; start_node "$node"; done
  for node in "${NODES[@]}"; do await_node "$node" || fail "the cluster did not start (see above); '$0 stop' removes what did"; done
  for node in b c; do
    ctl "$node" -q stop_app
    ctl "$node" -q join_cluster "$(node_name a)" || fail "$(node_name "$node") could not join $(node_name a)"
    ctl "$node" -q start_app
  done
  local running
  running=$(ctl a -q eval 'length(rabbit_nodes:all_running()).')
  [ "$running" = 3 ] || fail "the cluster has $running running nodes, not 3: $(ctl a cluster_status 2>&1)"
  echo "three nodes running: $(node_name a), $(node_name b), $(node_name c)"
  echo "AMQP_URL=$(urls)"
}

kill_node() {
  local node=$1 pid
  node_index "$node" >/dev/null
  pid=$(node_pid "$node") || fail "$(node_name "$node") has no pid file: is the cluster started?"
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  echo "killed $(node_name "$node") (pid $pid)"
}

stop() {
  local node pid
  for node in "${NODES[@]}"; do
    [ -d "$DIR/$node" ] || continue
    if ! pid=$(node_pid "$node" 2>/dev/null); then
      # Started but not yet booted far enough to write its pid file.
      ctl "$node" -q stop >/dev/null 2>&1 || true
      continue
    fi
    if kill -0 "$pid" 2>/dev/null; then
      # A clean stop first; a node that does not answer is killed (its data goes anyway).
      ctl "$node" -q stop >/dev/null 2>&1 || kill -KILL "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  # Only what start made: TURNOUT_CLUSTER_DIR may name a directory that holds more.
  for node in "${NODES[@]}" home; do rm -rf "${DIR:?}/$node"; done
  rmdir "$DIR" 2>/dev/null || true
  echo "cluster stopped and removed ($DIR)"
}

command=${1:-}
shift || true
case $command in
  start) start ;;
  stop) stop ;;
  urls) urls ;;
  status) ctl a cluster_status ;;
  ctl) [ $# -ge 1 ] || fail "usage: $0 ctl a|b|c ARGS..."; node=$1; shift; ctl "$node" "$@" ;;
  kill) [ $# -eq 1 ] || fail "usage: $0 kill a|b|c"; kill_node "$1" ;;
  *) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; [ -z "$command" ] || exit 2 ;;
esac
