#!/usr/bin/env bash
# A simulated ParticleCni cluster on one machine, as root:
#   scripts/cluster.sh up     [--nodes N] [--tenants T] [--pods P] [--backend static|etcd [--tls]] [--dir DIR] [--prefix NAME]
#   scripts/cluster.sh check  [--dir DIR]    # ping every pod from every pod: same tenant yes, other tenant no
#   scripts/cluster.sh status [--dir DIR]
#   scripts/cluster.sh down   [--dir DIR]
# Builds N node namespaces joined by an underlay (a bridge in an "underlay" namespace, one veth per node,
# 198.18.0.0/24), runs one particled per node namespace with T tenant networks in overlay mode (VNI 100+t,
# cluster CIDR 10.(243+t).0.0/16, one /24 per node), and attaches P pods per node and tenant through the
# real particle plugin. --backend etcd also runs an etcd server in its own namespace on the underlay
# (198.18.0.254:2379, above every node's address); with --tls it serves https only, to clients with a certificate
# of a CA made for the cluster (DIR/pki, openssl), with authentication on: each node has its own client certificate
# and logs in as user "particle", whose role may read and write /particle/ only (docs/cluster-stores.md).
# Defaults: 2 nodes, 2 tenants, 1 pod, static backend. Everything lives in network
# namespaces named PREFIX-* and under DIR (default /run/particle-cluster); `down` removes all of it.
set -euo pipefail
cd "$(dirname "$0")/.."

command=${1:-}
[ $# -gt 0 ] && shift
nodes=2 tenants=2 pods=1 backend=static tls=no dir=/run/particle-cluster prefix=""
etcd_ip=198.18.0.254   # nodes are 198.18.0.1-200
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) nodes=$2; shift 2 ;;
    --tenants) tenants=$2; shift 2 ;;
    --pods) pods=$2; shift 2 ;;
    --backend) backend=$2; shift 2 ;;
    --tls) tls=yes; shift ;;
    --dir) dir=$2; shift 2 ;;
    --prefix) prefix=$2; shift 2 ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "cluster.sh must run as root (it creates network namespaces)" >&2; exit 1; }
bin=${PARTICLE_BIN_DIR:-$PWD/artifacts/bin}

node_ns() { echo "$prefix-n$1"; }

load() {
  [ -f "$dir/cluster.env" ] || { echo "no cluster in $dir (run: $0 up)" >&2; exit 1; }
  # shellcheck disable=SC1091
  . "$dir/cluster.env"
}

# Attaches one pod (a network namespace) through the particle plugin; prints its address.
add_pod() {
  local n=$1 t=$2 p=$3 ns="$prefix-n$1-t$2-p$3"
  ip netns add "$ns"
  local result
  result=$(CNI_COMMAND=ADD CNI_CONTAINERID="pod-t$t-p$p" CNI_NETNS="/run/netns/$ns" CNI_IFNAME=eth0 CNI_PATH="$bin" \
    "$bin/particle" <<JSON
{"cniVersion":"1.1.0","name":"t$t","type":"particle","socket":"$dir/n$n/particled.sock","stateDir":"$dir/n$n/state"}
JSON
  ) || { echo "ADD of $ns failed: $result" >&2; return 1; }
  local address
  address=$(echo "$result" | grep -o '"address": *"[0-9./]*"' | head -1 | grep -o '[0-9.]*/' | tr -d /)
  echo "$ns t$t $address" >> "$dir/pods"
  echo "  pod $ns (tenant t$t on n$n): $address"
}

write_static_file() {
  {
    echo '{ "nodes": ['
    for n in $(seq 1 "$nodes"); do
      local subnets=""
      for t in $(seq 1 "$tenants"); do subnets+="${subnets:+, }\"t$t\": \"10.$((243 + t)).$n.0/24\""; done
      echo "  { \"name\": \"n$n\", \"underlay\": \"198.18.0.$n\", \"subnets\": { $subnets } }$([ "$n" -lt "$nodes" ] && echo ,)"
    done
    echo '] }'
  } > "$dir/nodes.json.tmp"
  mv "$dir/nodes.json.tmp" "$dir/nodes.json"
}

# The cluster's PKI with openssl: a CA, etcd's server certificate (IP SAN), a client certificate per node and
# one for etcdctl (no common name: etcd 3.4's JSON gateway refuses client certificates with one under auth),
# and the "particle" user's password. Keys and the password are 0600, as particled demands.
make_pki() {
  local pki=$dir/pki
  mkdir -p "$pki/db"
  : > "$pki/db/index.txt"
  echo 1000 > "$pki/db/serial"
  printf '[ca]\ndefault_ca = c\n[c]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\ndefault_md = sha256\npolicy = p\nunique_subject = no\n[p]\ncommonName = optional\norganizationName = optional\n' > "$pki/db/ca.cnf"
  (umask 077
   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$pki/ca.key" -out "$pki/ca.pem" \
     -subj /CN=particle-cluster-ca -days 30 -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
   issue() {   # issue NAME SAN USAGE
     openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$pki/$1.key" -out "$pki/$1.csr" -subj /O=particle 2>/dev/null
     printf 'subjectAltName=%s\nextendedKeyUsage=%s\n' "$2" "$3" > "$pki/$1.ext"
     (cd "$pki/db" && openssl ca -config ca.cnf -batch -notext -days 30 -in "../$1.csr" -out "../$1.pem" \
        -cert ../ca.pem -keyfile ../ca.key -extfile "../$1.ext" 2>/dev/null >/dev/null)
   }
   issue etcd "IP:$etcd_ip" serverAuth,clientAuth   # the gateway dials etcd itself with it
   issue admin DNS:admin clientAuth
   for n in $(seq 1 "$nodes"); do issue "n$n" "DNS:n$n" clientAuth; done
   head -c 18 /dev/urandom | base64 > "$pki/password"
   head -c 18 /dev/urandom | base64 > "$pki/root-password")
}

etcdctl_tls() {   # etcdctl inside the etcd namespace, as the admin
  local auth=()
  [ -f "$dir/pki/auth-enabled" ] && auth=(--user "root:$(cat "$dir/pki/root-password")")
  ip netns exec "$prefix-etcd" etcdctl --endpoints "https://$etcd_ip:2379" --cacert "$dir/pki/ca.pem" \
    --cert "$dir/pki/admin.pem" --key "$dir/pki/admin.key" "${auth[@]}" "$@"
}

write_node_config() {
  local n=$1 section networks=""
  if [ "$backend" = etcd ] && [ "$tls" = yes ]; then
    section='"backend": "etcd", "etcd": { "endpoints": ["https://'"$etcd_ip"':2379"], "prefix": "/particle", "leaseTtlSeconds": 10,
             "caFile": "'"$dir/pki/ca.pem"'", "certFile": "'"$dir/pki/n$n.pem"'", "keyFile": "'"$dir/pki/n$n.key"'",
             "username": "particle", "passwordFile": "'"$dir/pki/password"'" }'
  elif [ "$backend" = etcd ]; then
    section='"backend": "etcd", "etcd": { "endpoints": ["http://'"$etcd_ip"':2379"], "prefix": "/particle", "leaseTtlSeconds": 10 }'
  else
    section="\"backend\": \"static\", \"static\": { \"file\": \"$dir/nodes.json\" }"
  fi
  for t in $(seq 1 "$tenants"); do
    networks+="${networks:+,
}    { \"name\": \"t$t\", \"clusterCidr\": \"10.$((243 + t)).0.0/16\", \"nodeSubnetLength\": 24, \"gatewayInterface\": \"tb$t\", \"vxlan\": { \"vni\": $((100 + t)) } }"
  done
  mkdir -p "$dir/n$n"
  cat > "$dir/n$n/node.json" <<JSON
{
  "stateDir": "$dir/n$n/state",
  "socketPath": "$dir/n$n/particled.sock",
  "cluster": { "nodeName": "n$n", "underlayAddress": "198.18.0.$n", $section },
  "networks": [
$networks
  ]
}
JSON
}

plug() {   # plug NS PORT ADDRESS: a veth from the underlay bridge into NS, named ul0 there
  ip -n "$prefix-ul" link add "$2" type veth peer name ul0 netns "$1"
  ip -n "$prefix-ul" link set "$2" master ul up
  ip -n "$1" addr add "$3/24" dev ul0
  ip -n "$1" link set ul0 up
  ip -n "$1" link set lo up
}

# Ready: its socket is there. Fails at once (through wait_for's caller) when the daemon has exited.
daemon_ready() {
  kill -0 "$(cat "$dir/n$1/pid")" 2>/dev/null || { echo "particled on n$1 exited" >&2; return 2; }
  test -S "$dir/n$1/particled.sock"
}

peers_programmed() {   # peers_programmed NODE TENANT: one route per other node through the tenant's VXLAN device
  [ "$(ip -n "$(node_ns "$1")" route show proto 112 dev "pvx$((100 + $2))" | grep -c ' via ')" = $((nodes - 1)) ]
}

wait_for() {   # wait_for SECONDS DESCRIPTION COMMAND...: polls every 0.1 s
  local limit=$(( $1 * 10 )) what=$2
  shift 2
  local status
  for _ in $(seq 1 "$limit"); do
    status=0
    "$@" >/dev/null 2>&1 || status=$?
    [ $status = 0 ] && return 0
    [ $status = 2 ] && return 1   # 2: no point waiting any longer
    sleep 0.1
  done
  echo "timed out: $what" >&2
  return 1
}

up() {
  [ "$nodes" -ge 1 ] && [ "$nodes" -le 200 ] || { echo "--nodes must be 1..200" >&2; exit 2; }
  [ "$tenants" -ge 1 ] && [ "$tenants" -le 10 ] || { echo "--tenants must be 1..10" >&2; exit 2; }
  [ "$pods" -ge 0 ] && [ "$pods" -le 50 ] || { echo "--pods must be 0..50" >&2; exit 2; }
  case "$backend" in static|etcd) ;; *) echo "--backend must be static or etcd" >&2; exit 2 ;; esac
  [ "$tls" = yes ] && [ "$backend" != etcd ] && { echo "--tls needs --backend etcd" >&2; exit 2; }
  [ -f "$dir/cluster.env" ] && { echo "a cluster is already up in $dir (run: $0 down)" >&2; exit 1; }
  [ -x "$bin/particled" ] && [ -x "$bin/particle" ] || bash scripts/build.sh >/dev/null
  [ "$backend" = etcd ] && ! command -v etcd >/dev/null && { echo "etcd is missing: scripts/install-deps.sh" >&2; exit 1; }
  prefix=${prefix:-pcl-$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')}
  mkdir -p "$dir"
  chmod 700 "$dir"
  echo "prefix=$prefix nodes=$nodes tenants=$tenants backend=$backend tls=$tls" > "$dir/cluster.env"
  : > "$dir/pods"

  ip netns add "$prefix-ul"
  ip -n "$prefix-ul" link add ul type bridge
  ip -n "$prefix-ul" link set ul up
  for n in $(seq 1 "$nodes"); do
    ip netns add "$(node_ns "$n")"
    plug "$(node_ns "$n")" "n$n" "198.18.0.$n"
    write_node_config "$n"
  done
  if [ "$backend" = etcd ]; then
    ip netns add "$prefix-etcd"
    plug "$prefix-etcd" etcd "$etcd_ip"
    mkdir -p "$dir/etcd"
    local scheme=http tls_flags=()
    if [ "$tls" = yes ]; then
      make_pki
      scheme=https
      tls_flags=(--cert-file "$dir/pki/etcd.pem" --key-file "$dir/pki/etcd.key" --trusted-ca-file "$dir/pki/ca.pem" --client-cert-auth)
    fi
    ip netns exec "$prefix-etcd" etcd --name particle --data-dir "$dir/etcd/data" \
      --listen-client-urls "$scheme://$etcd_ip:2379" --advertise-client-urls "$scheme://$etcd_ip:2379" \
      --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
      --initial-cluster particle=http://127.0.0.1:2380 "${tls_flags[@]}" > "$dir/etcd/log" 2>&1 &
    echo $! > "$dir/etcd/pid"
    if [ "$tls" = yes ]; then
      wait_for 10 "etcd answers over TLS" etcdctl_tls endpoint health
      # Least privilege: particled's user may read and write /particle/ only.
      etcdctl_tls user add root --new-user-password="$(cat "$dir/pki/root-password")" >/dev/null
      etcdctl_tls user grant-role root root >/dev/null
      etcdctl_tls role add particle-rw >/dev/null
      etcdctl_tls role grant-permission particle-rw readwrite /particle/ --prefix=true >/dev/null
      etcdctl_tls user add particle --new-user-password="$(cat "$dir/pki/password")" >/dev/null
      etcdctl_tls user grant-role particle particle-rw >/dev/null
      etcdctl_tls auth enable >/dev/null
      touch "$dir/pki/auth-enabled"
    else
      wait_for 10 "etcd answers" ip netns exec "$prefix-etcd" etcdctl --endpoints "http://$etcd_ip:2379" endpoint health
    fi
  else
    write_static_file
  fi

  for n in $(seq 1 "$nodes"); do
    # nsenter --net keeps the daemon in the host's mount namespace, as under systemd.
    nsenter --net="/run/netns/$(node_ns "$n")" "$bin/particled" --config "$dir/n$n/node.json" > "$dir/n$n/log" 2>&1 &
    echo $! > "$dir/n$n/pid"
  done
  for n in $(seq 1 "$nodes"); do
    if ! wait_for 15 "particled on n$n (see $dir/n$n/log)" daemon_ready "$n"; then
      tail -5 "$dir/n$n/log" >&2
      echo "particled on n$n did not start; the cluster is left for inspection: $0 down --dir $dir" >&2
      exit 1
    fi
  done
  for n in $(seq 1 "$nodes"); do
    for t in $(seq 1 "$tenants"); do
      wait_for 10 "n$n programs its $((nodes - 1)) peers in t$t" peers_programmed "$n" "$t" || true
    done
  done
  echo "cluster up: $nodes nodes, $tenants tenants, backend $backend$([ "$tls" = yes ] && echo " (mutual TLS, user particle)"), namespaces $prefix-*, state in $dir"
  for n in $(seq 1 "$nodes"); do
    for t in $(seq 1 "$tenants"); do
      for p in $(seq 1 "$pods"); do add_pod "$n" "$t" "$p"; done
    done
  done
}

check() {
  load
  local good=0 bad=0
  while read -r from ftenant faddr; do
    while read -r to ttenant taddr; do
      [ "$from" = "$to" ] && continue
      local expect=no got=no
      [ "$ftenant" = "$ttenant" ] && expect=yes
      ip netns exec "$from" ping -c1 -W1 "$taddr" >/dev/null 2>&1 && got=yes
      if [ $expect = $got ]; then good=$((good + 1)); else bad=$((bad + 1)); echo "WRONG: $from -> $to ($taddr): reachable=$got, expected $expect"; fi
    done < "$dir/pods"
  done < "$dir/pods"
  echo "$good pairs as expected (same tenant reachable, other tenants not), $bad wrong"
  [ $bad = 0 ]
}

status() {
  load
  echo "prefix $prefix, $nodes nodes, $tenants tenants, backend $backend$([ "${tls:-no}" = yes ] && echo " over mutual TLS"), state in $dir"
  for n in $(seq 1 "$nodes"); do
    local pid state=down
    pid=$(cat "$dir/n$n/pid" 2>/dev/null || true)
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && state="running (pid $pid)"
    echo "n$n 198.18.0.$n: particled $state"
    for t in $(seq 1 "$tenants"); do
      local subnet peers
      subnet=$(cat "$dir/n$n/state/subnet.t$t" 2>/dev/null || echo "?")
      peers=$(ip -n "$(node_ns "$n")" route show proto 112 dev "pvx$((100 + t))" 2>/dev/null | grep -c ' via ' || true)
      echo "  t$t: subnet $subnet, vxlan pvx$((100 + t)), $peers peer route(s)"
    done
  done
  [ -s "$dir/pods" ] && { echo "pods:"; sed 's/^/  /' "$dir/pods"; }
  return 0
}

down() {
  load
  # Every process is asked to stop at once, then given 10 s together: one at a time, 200 nodes took minutes.
  local pids=() pid
  for pidfile in "$dir"/n*/pid "$dir/etcd/pid"; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null && pids+=("$pid")
  done
  for _ in $(seq 1 100); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1 && break; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$prefix-" || true); do ip netns del "$ns"; done
  rm -rf "$dir"
  echo "cluster down: namespaces $prefix-* and $dir removed"
}

case "$command" in
  up) up ;;
  check) check ;;
  status) status ;;
  down) down ;;
  *) echo "usage: $0 up|check|status|down [options] (see the header of $0)" >&2; exit 2 ;;
esac
