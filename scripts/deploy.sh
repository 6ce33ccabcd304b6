#!/usr/bin/env bash
# From a fresh swarm to running workers: labels the two store nodes, creates the store password secret, deploys.
#   SWARMTUNE_STORE_PASSWORD=... scripts/deploy.sh --study NAME --store-a NODE --store-b NODE [--stack NAME] [-c FILE]...
# --store-a/--store-b: the nodes for keydb1 and keydb2 (labels swarmtune.store=a|b); leave them out when the nodes are
# labelled already. The secret (swarmtune_store_password) is made once from SWARMTUNE_STORE_PASSWORD and then reused.
# -c FILE adds an override file after stack.yml (see stack.e2e.yml). Environment: SWARMTUNE_IMAGE (default
# swarmtune:latest, must be pullable by every node), SWARMTUNE_WORKER_CONCURRENCY.
set -euo pipefail
cd "$(dirname "$0")/.."
stack=swarmtune study='' store_a='' store_b=''
files=(-c stack.yml)
while (($#)); do
  case $1 in
    --study) study=${2:?--study needs a name}; shift 2 ;;
    --store-a) store_a=${2:?--store-a needs a node}; shift 2 ;;
    --store-b) store_b=${2:?--store-b needs a node}; shift 2 ;;
    --stack) stack=${2:?--stack needs a name}; shift 2 ;;
    -c) files+=(-c "${2:?-c needs a file}"); shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "deploy: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ -n $study ]] || { echo "deploy: give --study NAME (the study the workers run; create it with swarmtune study create)" >&2; exit 2; }

label() {
  # One node per label value: take it off any other node first.
  local value=$1 node=$2 other
  for other in $(docker node ls -q --filter "node.label=swarmtune.store=$value"); do
    docker node update --label-rm swarmtune.store "$other" >/dev/null
  done
  docker node update --label-add "swarmtune.store=$value" "$node" >/dev/null
  echo "deploy: node $node holds store $value"
}
[[ -z $store_a ]] || label a "$store_a"
[[ -z $store_b ]] || label b "$store_b"
for value in a b; do
  [[ -n $(docker node ls -q --filter "node.label=swarmtune.store=$value") ]] ||
    echo "deploy: warning: no node is labelled swarmtune.store=$value; the store of label $value stays pending (give --store-$value NODE)" >&2
done

if ! docker secret inspect swarmtune_store_password >/dev/null 2>&1; then
  [[ -n ${SWARMTUNE_STORE_PASSWORD:-} ]] || { echo "deploy: set SWARMTUNE_STORE_PASSWORD: the secret swarmtune_store_password does not exist yet" >&2; exit 2; }
  printf '%s' "$SWARMTUNE_STORE_PASSWORD" | docker secret create swarmtune_store_password - >/dev/null
  echo "deploy: created secret swarmtune_store_password"
fi

SWARMTUNE_STUDY=$study docker stack deploy --resolve-image "${SWARMTUNE_RESOLVE_IMAGE:-always}" "${files[@]}" "$stack"
echo "deploy: stack $stack deployed; watch it with: swarmtune cluster status --stack $stack"
