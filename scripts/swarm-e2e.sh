#!/usr/bin/env bash
# End-to-end test on a real Docker Swarm: a private dockerd in its own network namespace (it never touches another
# daemon or its swarm ports), base images made locally (no registry needed), the image built from this checkout,
# stack.yml + stack.e2e.yml deployed with scripts/deploy.sh, then a study of 150 trials on 3 worker tasks with a
# `docker service scale` down in the middle and a `swarmtune study stop` at the end. Prints the time of each step.
# Everything it starts is torn down by id on exit, pass or fail. Needs root (dockerd); installs docker.io,
# busybox-static and redis-server from Debian's packages when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

t0=$(date +%s.%N) step_start=$t0 step_name=''
step() {
  local now; now=$(date +%s.%N)
  [[ -z $step_name ]] || printf '[swarm-e2e] %-44s %6.1f s  (total %6.1f s)\n' "$step_name" "$(echo "$now - $step_start" | bc)" "$(echo "$now - $t0" | bc)"
  step_name=$1 step_start=$now
}
fail() { echo "[swarm-e2e] FAIL: $*" >&2; exit 1; }
log() { echo "[swarm-e2e] $*"; }

# wait_for SECONDS WHAT COMMAND...: polls COMMAND (a function: its arguments are expanded once) once a second
# until it succeeds, or fails the test.
wait_for() {
  local secs=$1 what=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "timed out after ${secs}s waiting for $what"
    sleep 1
  done
}

[[ $(id -u) == 0 ]] || fail "run as root: it starts a private dockerd"

step 'install missing packages'
need=()
command -v dockerd >/dev/null || need+=(docker.io)
[[ -x /bin/busybox ]] && ! ldd /bin/busybox >/dev/null 2>&1 || need+=(busybox-static)
command -v ip >/dev/null || need+=(iproute2)
command -v bc >/dev/null || need+=(bc)
if ((${#need[@]})); then
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 apt-get -o DPkg::Lock::Timeout=120 update -qq
  timeout 600 apt-get -o DPkg::Lock::Timeout=120 install -y -qq "${need[@]}" >/dev/null
fi
node scripts/ensure-redis.mjs >/dev/null
# Debian's docker client matches its daemon (API 1.41); a newer client elsewhere on PATH would do too.
DOCKER=$(command -v /usr/bin/docker docker | head -1)
docker() { timeout 120 "$DOCKER" "$@"; }

work=$(mktemp -d /var/tmp/swarmtune-e2e.XXXXXX)
export DOCKER_HOST=unix://$work/docker.sock
stack=ste2e
study=swarm-e2e
dockerd_pid=''

teardown() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  step 'tear down'
  if [[ -n $dockerd_pid ]] && kill -0 "$dockerd_pid" 2>/dev/null; then
    if ((rc != 0)); then
      log "--- services on failure"; docker service ls; docker service ps --no-trunc "${stack}_worker" 2>/dev/null | head -20
      log "--- worker logs (tail)"; docker service logs --raw --tail 15 "${stack}_worker" 2>/dev/null
    fi
    docker stack rm "$stack" >/dev/null 2>&1
    local deadline=$((SECONDS + 40))
    while [[ -n $(docker ps -q 2>/dev/null) ]] && ((SECONDS < deadline)); do sleep 1; done
    docker swarm leave --force >/dev/null 2>&1
    kill -TERM "$dockerd_pid"
    deadline=$((SECONDS + 30))
    while kill -0 "$dockerd_pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 1; done
    kill -0 "$dockerd_pid" 2>/dev/null && kill -KILL "$dockerd_pid"
  fi
  # dockerd's own containerd, if it outlived dockerd.
  local cpid; cpid=$(cat "$work/exec/containerd/containerd.pid" 2>/dev/null)
  [[ -n $cpid ]] && kill -0 "$cpid" 2>/dev/null && kill -TERM "$cpid"
  ((rc == 0)) || { log "--- dockerd log (tail)"; tail -15 "$work/dockerd.log"; }
  awk -v d="$work" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r -n1 umount -l
  rm -rf "$work"
  step ''
  ((rc == 0)) && log "PASS" || log "FAILED (exit $rc)"
  exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT TERM

step 'start private dockerd (own netns)'
mkdir -p "$work/root" "$work/exec"
setsid unshare --net sh -c 'ip link set lo up && exec env DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 dockerd \
  --storage-driver=overlay2 --iptables=false --bridge=none --data-root "$1/root" --exec-root "$1/exec" \
  --pidfile "$1/dockerd.pid" -H "unix://$1/docker.sock"' sh "$work" >"$work/dockerd.log" 2>&1 &
wait_for 60 "dockerd's pid file" test -s "$work/dockerd.pid"
dockerd_pid=$(cat "$work/dockerd.pid")
wait_for 60 "dockerd to answer" docker info

step 'swarm init'
docker swarm init --advertise-addr 127.0.0.1 --listen-addr 127.0.0.1:2377 >/dev/null
node_name=$(docker node ls --format '{{.Hostname}}' | head -1)

step 'make base images (node, store)'
scripts/make-base-images.sh swarmtune-e2e-store:local

step 'build the swarmtune image'
scripts/build-image.sh --offline -t swarmtune:e2e >"$work/build.log" 2>&1 || { tail -30 "$work/build.log"; fail "docker build"; }

step 'stack config accepts stack.yml, docker-compose.yml'
export SWARMTUNE_IMAGE=swarmtune:e2e SWARMTUNE_STORE_IMAGE=swarmtune-e2e-store:local SWARMTUNE_DOCKER_SOCKET=$work/docker.sock
# `docker stack config` came with client 20.10.?; Debian's client lacks it, so use any client on PATH that has it.
# (docker stack deploy below validates stack.yml + stack.e2e.yml in any case; packages/cli/test/cluster-files.test.ts
# checks the files' structure.)
config_client=''
for c in $(type -ap docker) "$DOCKER"; do "$c" stack config --help >/dev/null 2>&1 && { config_client=$c; break; }; done
if [[ -n $config_client ]]; then
  for files in "stack.yml" "stack.yml stack.e2e.yml" "docker-compose.yml"; do
    SWARMTUNE_STUDY=$study timeout 60 "$config_client" stack config $(printf -- '-c %s ' $files) >/dev/null || fail "docker stack config rejects $files"
    log "docker stack config accepts $files"
  done
else
  log "no docker client here has 'stack config': the files are checked by docker stack deploy and the vitest file check"
fi

step 'deploy (scripts/deploy.sh, 0 workers)'
SWARMTUNE_WORKERS=0 SWARMTUNE_RESOLVE_IMAGE=never SWARMTUNE_STORE_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -d '/+=') \
  scripts/deploy.sh --study "$study" --store-a "$node_name" --stack "$stack" -c stack.e2e.yml
console_id() { docker ps -q --filter "label=com.docker.swarm.service.name=${stack}_console" | head -1; }
have_console() { [[ -n $(console_id) ]]; }
wait_for 90 "the console task" have_console
console=$(console_id)
st() { docker exec -i "$console" swarmtune "$@"; }
wait_for 60 "the store to answer" st study list

step 'create the study'
docker exec -i "$console" sh -c 'cat > e2e.yaml' <<'YAML'
name: swarm-e2e
objectives: [{ name: value, direction: minimize }]
searchSpace:
  x: { _type: randint, _value: [0, 40] }
  y: { _type: randint, _value: [0, 40] }
sampler: { name: random }
limits: { maxTrials: 400 }
seed: 11
objective:
  type: command
  command: >-
    node -e 'setTimeout(() => console.log(JSON.stringify({ value: (process.env.SWARMTUNE_PARAM_X - 12) ** 2 + (process.env.SWARMTUNE_PARAM_Y - 7) ** 2 })), 300)'
  killGraceSeconds: 2
YAML
st study create e2e.yaml

count() { st study trials "$study" --json | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.parse(s).filter(t=>t.state==='$1').length))"; }
complete_at_least() { (($(count COMPLETE) >= $1)); }
running_containers() { docker ps -q --filter "label=com.docker.swarm.service.name=${stack}_worker" | wc -l; }
containers_are() { (($(running_containers) == $1)); }

step 'swarmtune cluster scale 3 (host, dockerode)'
node packages/cli/dist/bin.js cluster scale 3 --stack "$stack"
wait_for 90 "3 worker containers" containers_are 3

step 'run until 60 trials COMPLETE'
wait_for 180 "60 COMPLETE trials" complete_at_least 60

step 'docker service scale worker=2 mid-study'
docker service scale --detach "${stack}_worker=2" >/dev/null
wait_for 60 "the third worker container to end" containers_are 2
kept=$(docker service ps --filter desired-state=running --format '{{.Name}}' "${stack}_worker" | sed 's/.*\.//' | sort -u | tr '\n' ' ')
victim_slot=$(for s in 1 2 3; do [[ " $kept " == *" $s "* ]] || echo "$s"; done)
[[ -n $victim_slot ]] || fail "cannot tell which task the scale-down ended (running slots: $kept)"
victim_host="$node_name-w$victim_slot"
stuck=$(st study trials "$study" --json | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.parse(s).filter(t=>t.state==='RUNNING'&&t.host==='$victim_host').length))")
[[ $stuck == 0 ]] || fail "$stuck trial(s) of the scaled-down task $victim_host are still RUNNING"
log "no trial of $victim_host left RUNNING"

step 'run until 150 trials COMPLETE'
wait_for 240 "150 COMPLETE trials" complete_at_least 150

step 'swarmtune study stop; workers stay down'
st study stop "$study"
wait_for 60 "every worker container to exit" containers_are 0
sleep 10 # longer than the restart delay (5 s): an on-failure restart would show up by now
[[ $(running_containers) == 0 ]] || fail "a worker came back after study stop"
exits=$(docker service ps --format '{{.Name}} {{.CurrentState}} {{.Error}}' "${stack}_worker" | grep -vc 'Complete' || true)
log "worker tasks after stop:"; docker service ps --format '  {{.Name}} {{.DesiredState}} {{.CurrentState}} {{.Error}}' "${stack}_worker"
((exits == 0)) || fail "a worker task did not end Complete (exit 0) after study stop"

step 'check trials and report hosts'
st study trials "$study" --json >"$work/trials.json"
st report hosts --study "$study" --json >"$work/hosts.json"
st report hosts --study "$study"
node - "$work/trials.json" "$work/hosts.json" "$node_name" <<'JS'
const fs = require('node:fs');
const [trialsFile, hostsFile, node] = process.argv.slice(2);
const trials = JSON.parse(fs.readFileSync(trialsFile, 'utf8'));
const hosts = JSON.parse(fs.readFileSync(hostsFile, 'utf8'));
const problems = [];
const by = (s) => trials.filter((t) => t.state === s);
const key = (t) => JSON.stringify(Object.entries(t.params).sort());
const count = {};
for (const t of trials) count[t.state + (t.failReason ? `(${t.failReason})` : '')] = (count[t.state + (t.failReason ? `(${t.failReason})` : '')] ?? 0) + 1;
console.log(`[swarm-e2e] trials: ${JSON.stringify(count)}`);
if (by('COMPLETE').length < 150) problems.push(`only ${by('COMPLETE').length} COMPLETE trials`);
if (by('RUNNING').length) problems.push(`${by('RUNNING').length} trials still RUNNING`);
const badFails = by('FAIL').filter((t) => !['interrupted', 'duplicate_running'].includes(t.failReason));
if (badFails.length) problems.push(`FAIL trials that should not fail: ${JSON.stringify(badFails.slice(0, 3))}`);
const ran = by('COMPLETE').filter((t) => t.reusedFrom === undefined);
const seen = new Map();
for (const t of ran) {
  if (seen.has(key(t))) problems.push(`params ${key(t)} ran twice: #${seen.get(key(t))} and #${t.number}`);
  seen.set(key(t), t.number);
}
for (const t of by('FAIL').filter((t) => t.failReason === 'interrupted')) {
  const rerun = ran.find((r) => key(r) === key(t) && r.number > t.number);
  if (!rerun) problems.push(`interrupted trial #${t.number} (${t.host}) was not re-run`);
  else console.log(`[swarm-e2e] interrupted #${t.number} on ${t.host} re-ran as #${rerun.number} on ${rerun.host}`);
}
const hostNames = hosts.map((h) => h.host).sort();
for (const slot of [1, 2, 3]) if (!hostNames.includes(`${node}-w${slot}`)) problems.push(`report hosts lacks ${node}-w${slot}: ${hostNames}`);
if (problems.length) { console.error(problems.join('\n')); process.exit(1); }
console.log(`[swarm-e2e] ${ran.length} trials ran, no params ran twice; hosts: ${hostNames.join(', ')}`);
JS

step 'swarmtune cluster status'
node packages/cli/dist/bin.js cluster status --stack "$stack" | tee "$work/status.txt"
grep -q "^$node_name " "$work/status.txt" || fail "cluster status does not list node $node_name"
# The swarm forgets the task of a slot removed by the scale-down: the 2 left must show as complete (exit 0).
(($(grep -cE ' complete +shutdown +0 ' "$work/status.txt") == 2)) || fail "cluster status does not list the 2 worker tasks as complete with exit 0"
st cluster status --stack "$stack" --study "$study" | tee "$work/status-study.txt"
grep -q "$node_name-w1,$node_name-w2,$node_name-w3" "$work/status-study.txt" || fail "cluster status --study does not join the 3 task hosts to the node"
