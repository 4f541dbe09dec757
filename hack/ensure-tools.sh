#!/usr/bin/env bash
# Checks the tools `make build` / `make test` / `make demo` need, installing what can be installed.
set -euo pipefail

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET 10 SDK is not installed. Install it (https://dot.net) or use a machine image that has it." >&2
  exit 1
fi
if ! dotnet --list-sdks | grep -q '^10\.'; then
  echo "error: a .NET 10 SDK is required; found: $(dotnet --list-sdks | tr '\n' ' ')" >&2
  exit 1
fi

if ! command -v kubectl >/dev/null 2>&1; then
  echo "kubectl not found; installing it with apt-get (the kubectl tests drive the sandbox with the real CLI)..." >&2
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get update -qq && (apt-get install -y -qq kubectl || apt-get install -y -qq kubernetes-client) || true
  fi
  if ! command -v kubectl >/dev/null 2>&1; then
    echo "error: kubectl is required for the tests. Install it: https://kubernetes.io/docs/tasks/tools/" >&2
    exit 1
  fi
fi
