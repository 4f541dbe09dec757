# MultiClusterLease — see README.md.
DOTNET ?= dotnet
CONFIGURATION ?= Debug
SANDBOX_DLL := src/MultiClusterLease.Sandbox/bin/$(CONFIGURATION)/net10.0/MultiClusterLease.Sandbox.dll
TEST_PROJECTS := test/MultiClusterLease.Kubernetes.Tests test/MultiClusterLease.Backend.Gcs.Tests test/MultiClusterLease.Sandbox.Tests test/MultiClusterLease.Tests
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1

.PHONY: help tools build test demo sandbox clean

help: ## Show the targets.
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

tools: ## Check (and where possible install) what the build and tests need: the .NET 10 SDK and kubectl.
	@hack/ensure-tools.sh

build: tools ## Restore and build everything (warnings are errors).
	$(DOTNET) build MultiClusterLease.sln -c $(CONFIGURATION)

test: build ## Run every test suite (unit, sandbox integration, kubectl against the sandbox).
	@hack/run-tests.sh $(CONFIGURATION) $(TEST_PROJECTS)

demo: build ## Run the 3-cluster demo in the sandbox: election, crash failover, graceful handover. DEMO_ARGS=--keep-running keeps it up.
	$(DOTNET) $(SANDBOX_DLL) demo $(DEMO_ARGS)

sandbox: build ## Start sandbox clusters and a fake GCS bucket for kubectl and manual runs, until Ctrl-C.
	$(DOTNET) $(SANDBOX_DLL) serve

clean: ## Remove build output and the sandbox directory.
	$(DOTNET) clean MultiClusterLease.sln -c $(CONFIGURATION)
	rm -rf .sandbox
