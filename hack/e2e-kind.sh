#!/usr/bin/env bash
# End-to-end tests on kind clusters and a real GCS bucket:
#   hack/e2e-kind.sh single   (make test-e2e-kind)        one kind cluster; two namespaces stand for two clusters
#   hack/e2e-kind.sh multi    (make test-e2e-kind-multi)  two kind clusters
# Creates the cluster(s), builds the controller image (make docker-build), loads it into each cluster, deploys
# (make deploy) with the bucket and a service-account key, runs test/e2e against the cluster contexts, and tears
# everything down (also on failure).
#
# Needs docker (running), kind, kubectl and the .NET SDK, and:
#   E2E_GCS_BUCKET                   the bucket for the lock objects (the controllers and the tests use it)
#   GOOGLE_APPLICATION_CREDENTIALS   a service-account key file allowed to read and write objects in it (roles/storage.objectUser
#                                    on the bucket); kind has no Workload Identity, so the key is mounted into the controllers
# Optional:
#   E2E_GCS_PREFIX      object prefix (default e2e-RUNID/, so that runs never share a lock object)
#   E2E_KEEP_CLUSTERS=1 keep the clusters afterwards (the script prints how to reach and delete them)
#   E2E_KIND_IMAGE      kind node image (default: kind's own)
#   IMG                 image to build and load (default multiclusterlease-controller:e2e; not :latest, which kind would pull)
#   CONFIGURATION       build configuration of the tests (default Debug)
set -euo pipefail

mode="${1:-}"
case "$mode" in
  single) count=1 ;;
  multi) count=2 ;;
  *) echo "usage: $0 single|multi" >&2; exit 2 ;;
esac
target="make test-e2e-kind$([ "$mode" = multi ] && echo -multi || true)"
root="$(cd "$(dirname "$0")/.." && pwd)"

# ---- Prerequisites: report everything missing at once.
missing=()
command -v docker >/dev/null 2>&1 || missing+=("docker: not on PATH; install a Docker engine: https://docs.docker.com/engine/install/")
if command -v docker >/dev/null 2>&1 && ! docker info >/dev/null 2>&1; then
  missing+=("a running Docker engine: 'docker info' failed (start the daemon, or check that you may use its socket)")
fi
command -v kind >/dev/null 2>&1 || missing+=("kind: not on PATH; install it: https://kind.sigs.k8s.io/docs/user/quick-start/#installation (e.g. go install sigs.k8s.io/kind@latest)")
command -v kubectl >/dev/null 2>&1 || missing+=("kubectl: not on PATH; install it: https://kubernetes.io/docs/tasks/tools/")
command -v dotnet >/dev/null 2>&1 || missing+=("dotnet: the .NET 10 SDK is not on PATH: https://dot.net")
[ -n "${E2E_GCS_BUCKET:-}" ] || missing+=("E2E_GCS_BUCKET: the name of a GCS bucket for the lock objects (the tests write under a prefix of their own)")
if [ -z "${GOOGLE_APPLICATION_CREDENTIALS:-}" ]; then
  missing+=("GOOGLE_APPLICATION_CREDENTIALS: the path of a service-account key file with read/write access to the bucket's objects")
elif [ ! -f "$GOOGLE_APPLICATION_CREDENTIALS" ]; then
  missing+=("GOOGLE_APPLICATION_CREDENTIALS=$GOOGLE_APPLICATION_CREDENTIALS: no such file")
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "error: $target cannot run; missing:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  echo "(make test runs the same scenarios on the sandbox, with none of these.)" >&2
  exit 2
fi

run_id="$(date +%m%d%H%M%S)"
prefix="${E2E_GCS_PREFIX-e2e-$run_id/}"
img="${IMG:-multiclusterlease-controller:e2e}"
controller_ns=multiclusterlease-system
deployment=multiclusterlease-controller
work="$(mktemp -d)"
export KUBECONFIG="$work/kubeconfig"
clusters=()
for i in $(seq 1 "$count"); do clusters+=("mcl-e2e-$run_id-$i"); done

cleanup() {
  status=$?
  if [ "${E2E_KEEP_CLUSTERS:-}" = 1 ]; then
    echo "==> keeping ${clusters[*]}: export KUBECONFIG=$KUBECONFIG; delete with: kind delete cluster --name NAME"
  else
    for cluster in "${clusters[@]}"; do
      kind delete cluster --name "$cluster" --kubeconfig "$KUBECONFIG" >/dev/null 2>&1 || true
    done
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT

controller_logs() {
  for context in "${contexts[@]}"; do
    echo "==> controller logs in $context" >&2
    kubectl --context "$context" -n "$controller_ns" get pods -o wide >&2 || true
    kubectl --context "$context" -n "$controller_ns" logs -l app.kubernetes.io/name=multiclusterlease --tail=200 --prefix >&2 || true
  done
}

echo "==> building $img"
make -C "$root" docker-build IMG="$img"

contexts=()
for cluster in "${clusters[@]}"; do
  context="kind-$cluster"
  echo "==> creating kind cluster $cluster"
  kind create cluster --name "$cluster" --kubeconfig "$KUBECONFIG" --wait 180s ${E2E_KIND_IMAGE:+--image "$E2E_KIND_IMAGE"}
  kind load docker-image "$img" --name "$cluster"
  kubectl config use-context "$context" >/dev/null
  contexts+=("$context")

  echo "==> deploying to $context (bucket $E2E_GCS_BUCKET, prefix '$prefix')"
  make -C "$root" deploy IMG="$img" GCS_BUCKET="$E2E_GCS_BUCKET" GCS_PREFIX="$prefix"
  # kind has no Workload Identity: mount the key and point Application Default Credentials at it.
  kubectl -n "$controller_ns" create secret generic gcs-credentials --from-file=key.json="$GOOGLE_APPLICATION_CREDENTIALS" \
    --dry-run=client -o yaml | kubectl apply -f -
  kubectl -n "$controller_ns" patch deployment "$deployment" -p '{"spec":{"template":{"spec":{
    "volumes":[{"name":"gcs-credentials","secret":{"secretName":"gcs-credentials"}}],
    "containers":[{"name":"controller",
      "env":[{"name":"GOOGLE_APPLICATION_CREDENTIALS","value":"/var/run/secrets/gcs/key.json"}],
      "volumeMounts":[{"name":"gcs-credentials","mountPath":"/var/run/secrets/gcs","readOnly":true}]}]}}}}'
  if ! kubectl -n "$controller_ns" rollout status "deployment/$deployment" --timeout=180s; then
    controller_logs
    echo "error: the controller did not become ready in $context" >&2
    exit 1
  fi
done

echo "==> running the e2e tests against ${contexts[*]}"
if ! E2E_CONTEXTS="$(IFS=,; echo "${contexts[*]}")" E2E_GCS_BUCKET="$E2E_GCS_BUCKET" E2E_GCS_PREFIX="$prefix" \
  dotnet test "$root/test/e2e/MultiClusterLease.E2E.Tests" -c "${CONFIGURATION:-Debug}"; then
  controller_logs
  exit 1
fi
