#!/usr/bin/env bash
# Janus 1.1 (Debian's `janus` package) as the reference SFU for `govhub-load --target janus`:
# installs the package, writes a minimal configuration (the VideoRoom plugin and the websocket
# API, nothing else) into a directory of ours (never /etc/janus), and starts or stops Janus on
# loopback. How ops use it: docs/operations.md, "Side by side with Janus".
#
#   loadtests/janus/setup.sh [start]   install if missing, write the config, start Janus
#   loadtests/janus/setup.sh stop      stop the Janus this directory started
#   loadtests/janus/setup.sh status    print its pid, or fail
#   loadtests/janus/setup.sh install   only `apt-get install janus`
#   loadtests/janus/setup.sh netns     in a fresh network namespace (`unshare -n`,
#                                      `ip netns exec`): loopback up and the veth Janus needs
#
# Options (any command):
#   --dir DIR          config, log and pid file (default $GOVHUB_JANUS_DIR or /tmp/govhub-janus)
#   --iface IF         the only interface Janus gathers ICE candidates on (its ice_enforce_list)
#   --ws-port PORT     websocket API port on 127.0.0.1 (default 8188)
#   --rtp-ports A-B    UDP ports for media (default 20000-40000)
#   --cpu LIST         pin Janus with `taskset -c LIST` (e.g. 0)
#   --debug-level N    Janus log level 0-7 (default 3: errors and warnings)
#
# Why the veth: Janus never gathers ICE candidates on an interface flagged loopback, so in a
# namespace with only `lo` every join fails with error 490. `netns` adds a veth pair whose one
# end holds 127.0.0.2/32 (still no address outside 127.0.0.0/8); start Janus with
# `--iface ghjanus0` and bind the load clients to 127.0.0.2 (`govhub-load --bind-ip 127.0.0.2`),
# since libnice pins its sockets to that device.
set -euo pipefail

NETNS_IFACE=ghjanus0
NETNS_PEER=ghjanus1
NETNS_ADDR=127.0.0.2

cmd=start
case "${1:-}" in
  start | stop | status | install | netns) cmd=$1; shift ;;
  -h | --help) sed -n '2,27p' "$0"; exit 0 ;;
esac

dir=${GOVHUB_JANUS_DIR:-/tmp/govhub-janus}
iface=""
ws_port=8188
rtp_ports=20000-40000
cpu=""
debug_level=3
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift 2 ;;
    --iface) iface=$2; shift 2 ;;
    --ws-port) ws_port=$2; shift 2 ;;
    --rtp-ports) rtp_ports=$2; shift 2 ;;
    --cpu) cpu=$2; shift 2 ;;
    --debug-level) debug_level=$2; shift 2 ;;
    *) echo "setup.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
pid_file=$dir/janus.pid
log_file=$dir/janus.log

install_janus() {
  if command -v janus >/dev/null; then return 0; fi
  echo "setup.sh: installing Debian's janus package" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends janus >&2 ||
    { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends janus >&2; }
  # The package enables a system service; ours runs from our own directory instead.
  if command -v systemctl >/dev/null && systemctl is-active --quiet janus 2>/dev/null; then
    systemctl stop janus || true
  fi
}

# The directory that holds one of Janus's module kinds (plugins, transports).
module_dir() {
  local found
  found=$(ls -d /usr/lib/*/janus/"$1" /usr/lib/janus/"$1" /opt/janus/lib/janus/"$1" 2>/dev/null | head -n1)
  [ -n "$found" ] || { echo "setup.sh: no Janus $1 directory found" >&2; exit 1; }
  echo "$found"
}

write_config() {
  mkdir -p "$dir/conf" "$dir/plugins" "$dir/transports" "$dir/empty"
  # Only the modules we use are loaded: fewer threads and nothing else listening.
  ln -sf "$(module_dir plugins)/libjanus_videoroom.so" "$dir/plugins/"
  ln -sf "$(module_dir transports)/libjanus_websockets.so" "$dir/transports/"
  local enforce="" local_ip=""
  if [ -n "$iface" ]; then
    enforce="ice_enforce_list = \"$iface\""
    # Janus's own address guess skips loopback addresses; name the interface's instead.
    local addr
    addr=$(ip -4 -o addr show dev "$iface" 2>/dev/null | awk '{ sub("/.*", "", $4); print $4; exit }')
    [ -n "$addr" ] && local_ip="interface = \"$addr\""
  fi
  cat >"$dir/conf/janus.jcfg" <<EOF
# Written by loadtests/janus/setup.sh; rewritten on every start.
general: {
	configs_folder = "$dir/conf"
	plugins_folder = "$dir/plugins"
	transports_folder = "$dir/transports"
	events_folder = "$dir/empty"
	loggers_folder = "$dir/empty"
	debug_level = $debug_level
	$local_ip
	session_timeout = 60
}
certificates: {
}
media: {
	rtp_port_range = "$rtp_ports"
}
nat: {
	nice_debug = false
	ignore_mdns = true
	$enforce
}
plugins: {
}
transports: {
}
events: {
	broadcast = false
}
EOF
  cat >"$dir/conf/janus.transport.websockets.jcfg" <<EOF
general: {
	json = "plain"
	ws = true
	ws_port = $ws_port
	ws_ip = "127.0.0.1"
	wss = false
}
admin: {
	admin_ws = false
	admin_wss = false
}
EOF
  # No static rooms: govhub-load creates one per scenario room.
  cat >"$dir/conf/janus.plugin.videoroom.jcfg" <<EOF
general: {
}
EOF
}

running_pid() {
  [ -f "$pid_file" ] || return 1
  local pid
  pid=$(cat "$pid_file")
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = janus ] && echo "$pid"
}

start_janus() {
  install_janus
  if pid=$(running_pid); then
    echo "setup.sh: Janus already runs from $dir (pid $pid)" >&2
    echo "$pid"
    return 0
  fi
  write_config
  local pin=()
  [ -n "$cpu" ] && pin=(taskset -c "$cpu")
  : >"$log_file"
  # Not daemonised (-b): the pid we record is Janus itself.
  "${pin[@]}" janus -F "$dir/conf" -C "$dir/conf/janus.jcfg" -o -N -L "$log_file" \
    </dev/null >/dev/null 2>&1 &
  local pid=$!
  echo "$pid" >"$pid_file"
  # Ready when the websocket port accepts a connection.
  for _ in $(seq 1 100); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "setup.sh: Janus exited at start; its log:" >&2
      tail -n 30 "$log_file" >&2
      rm -f "$pid_file"
      exit 1
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$ws_port") 2>/dev/null; then
      echo "setup.sh: Janus ready on ws://127.0.0.1:$ws_port (pid $pid, config $dir/conf)" >&2
      echo "$pid"
      return 0
    fi
    sleep 0.1
  done
  echo "setup.sh: Janus did not open port $ws_port within 10 s; its log:" >&2
  tail -n 30 "$log_file" >&2
  kill "$pid" 2>/dev/null || true
  rm -f "$pid_file"
  exit 1
}

stop_janus() {
  if pid=$(running_pid); then
    kill -TERM "$pid"
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    echo "setup.sh: stopped Janus (pid $pid)" >&2
  fi
  rm -f "$pid_file"
}

netns_up() {
  ip link set lo up
  if ! ip link show "$NETNS_IFACE" >/dev/null 2>&1; then
    ip link add "$NETNS_IFACE" type veth peer name "$NETNS_PEER"
  fi
  ip addr replace "$NETNS_ADDR/32" dev "$NETNS_IFACE"
  ip link set "$NETNS_IFACE" up
  ip link set "$NETNS_PEER" up
  echo "$NETNS_IFACE"
}

case "$cmd" in
  install) install_janus ;;
  start) start_janus ;;
  stop) stop_janus ;;
  status) running_pid || { echo "setup.sh: no Janus runs from $dir" >&2; exit 1; } ;;
  netns) netns_up ;;
esac
