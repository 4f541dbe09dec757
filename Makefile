# MultiClusterLease — see README.md.
DOTNET ?= dotnet
CONFIGURATION ?= Debug
SANDBOX_DLL := src/MultiClusterLease.Sandbox/bin/$(CONFIGURATION)/net10.0/MultiClusterLease.Sandbox.dll
TEST_PROJECTS := test/MultiClusterLease.Kubernetes.Tests test/MultiClusterLease.Backend.Gcs.Tests test/MultiClusterLease.Sandbox.Tests test/MultiClusterLease.Simulation.Tests test/MultiClusterLease.Tests test/MultiClusterLease.Deployment.Tests test/e2e/MultiClusterLease.E2E.Tests test/MultiClusterLease.Sharding.Tests
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1

.PHONY: help tools build test demo demo-sharding sandbox clean publish docker-build docker-push pack install uninstall deploy-manifests deploy undeploy

help: ## Show the targets.
	@grep -E '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

tools: ## Check (and where possible install) what the build and tests need: the .NET 10 SDK and kubectl.
	@hack/ensure-tools.sh

build: tools ## Restore and build everything (warnings are errors).
	$(DOTNET) build MultiClusterLease.sln -c $(CONFIGURATION)

test: build ## Run every test suite (unit, sandbox integration, kubectl against the sandbox).
	@hack/run-tests.sh $(CONFIGURATION) $(TEST_PROJECTS)

demo: build ## Run the 3-cluster demo in the sandbox: election, crash failover, graceful handover. DEMO_ARGS=--keep-running keeps it up.
	$(DOTNET) $(SANDBOX_DLL) demo $(DEMO_ARGS)

demo-sharding: build ## Run the sharding demo in the sandbox: 3 peers split 6 namespaces; graceful stop, restart, crash; kubectl workflows. DEMO_ARGS=--keep-running keeps it up.
	$(DOTNET) $(SANDBOX_DLL) demo-sharding $(DEMO_ARGS)

sandbox: build ## Start sandbox clusters and a fake GCS bucket for kubectl and manual runs, until Ctrl-C.
	$(DOTNET) $(SANDBOX_DLL) serve

clean: ## Remove build output and the sandbox directory.
	$(DOTNET) clean MultiClusterLease.sln -c $(CONFIGURATION)
	rm -rf .sandbox

.PHONY: soak soak-realtime simulate
SEEDS ?= 1000
SEED_FROM ?= 1000000
SIMULATION_DLL := test/MultiClusterLease.Simulation/bin/$(CONFIGURATION)/net10.0/MultiClusterLease.Simulation.dll
soak: ## Hunt for a second leader in the deterministic simulation: SEEDS=N seeded fault schedules (default 1000; 10000 take a few minutes); report in .sandbox/simulation.md.
	$(DOTNET) build test/MultiClusterLease.Simulation -c $(CONFIGURATION)
	@mkdir -p .sandbox
	$(DOTNET) $(SIMULATION_DLL) soak $(SEEDS) --from $(SEED_FROM) --report $(CURDIR)/.sandbox/simulation.md > /dev/null; status=$$?; cat .sandbox/simulation.md; exit $$status

simulate: ## Replay one simulated seed and print its trace: make simulate SEED=N [ARGS="--faults 0,2 --broken"].
	@test -n "$(SEED)" || { echo "error: set SEED=N (a failing seed prints its replay command)" >&2; exit 2; }
	@$(DOTNET) build test/MultiClusterLease.Simulation -c $(CONFIGURATION) -v q -nologo > /dev/null
	$(DOTNET) $(SIMULATION_DLL) replay $(SEED) $(ARGS)

REALTIME_SEEDS ?= 20
soak-realtime: build ## The real-time chaos harness over HTTP (sandbox processes and sockets): REALTIME_SEEDS=N runs (~24 s each); report in .sandbox/reliability.md.
	@mkdir -p .sandbox
	MCL_SOAK_SEEDS=$(REALTIME_SEEDS) MCL_SOAK_REPORT=$(CURDIR)/.sandbox/reliability.md TEST_FILTER="Category=Soak" \
		hack/run-tests.sh $(CONFIGURATION) test/MultiClusterLease.Tests
	@cat .sandbox/reliability.md

# ---- Image, packages and deployment (docs/operations.md) ----
IMG ?= multiclusterlease-controller:latest
CONTAINER_TOOL ?= docker
KUBECTL ?= kubectl
GCS_BUCKET ?=
GCS_PREFIX ?=
GCP_SERVICE_ACCOUNT ?=
PUBLISH_DIR ?= artifacts/publish/controller
PACKAGE_DIR ?= artifacts/packages
DEPLOY_DIR ?= artifacts/deploy
UNDEPLOY_DIR ?= artifacts/undeploy
CONTROLLER_PROJECT := src/MultiClusterLease.Controller/MultiClusterLease.Controller.csproj
# The Dockerfile's publish step uses exactly these flags (test/MultiClusterLease.Deployment.Tests checks), so
# `make publish` produces what the image's /app contains.
PUBLISH_FLAGS := -c Release -p:UseAppHost=false -p:SatelliteResourceLanguages=en -p:PublishDocumentationFile=false -p:PublishReferencesDocumentationFiles=false -p:IsTransformWebConfigDisabled=true

publish: tools ## Publish the controller as the image contains it, into artifacts/publish/controller (run: dotnet MultiClusterLease.Controller.dll).
	rm -rf $(PUBLISH_DIR)
	$(DOTNET) publish $(CONTROLLER_PROJECT) $(PUBLISH_FLAGS) -o $(PUBLISH_DIR)

docker-build: ## Build the controller image (needs a Docker engine): make docker-build IMG=REGISTRY/multiclusterlease-controller:TAG
	$(CONTAINER_TOOL) build -t $(IMG) .

docker-push: ## Push the controller image: make docker-push IMG=...
	$(CONTAINER_TOOL) push $(IMG)

pack: tools ## Pack the client library's NuGet packages (MultiClusterLease.Client, MultiClusterLease.Kubernetes) into artifacts/packages.
	$(DOTNET) pack src/MultiClusterLease.Kubernetes/MultiClusterLease.Kubernetes.csproj -c Release -o $(PACKAGE_DIR)
	$(DOTNET) pack src/MultiClusterLease.Client/MultiClusterLease.Client.csproj -c Release -o $(PACKAGE_DIR)

install: ## Install the MultiClusterLease CRD into the current kubectl context.
	$(KUBECTL) apply -k config/crd

uninstall: ## Remove the CRD and with it every MultiClusterLease; run it before make undeploy, so the controller can clear its finalizers.
	$(KUBECTL) delete --ignore-not-found -k config/crd

# kustomize refuses absolute paths: the path of directory $(2) (in the repository) as seen from directory $(1).
kustomize-path-to = $(shell realpath -m --relative-to=$(1) $(CURDIR)/$(2))

# The overlay that make deploy applies: config/default plus the image, the bucket, and optionally the object prefix
# and the Workload Identity annotation.
define DEPLOY_KUSTOMIZATION
# Generated by `make deploy-manifests`; edits are lost.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - $(call kustomize-path-to,$(DEPLOY_DIR),config/default)
configMapGenerator:
  - name: controller-config
    behavior: merge
    literals:
      - gcs-bucket=$(GCS_BUCKET)
patches:
  - target: {kind: Deployment, name: multiclusterlease-controller}
    patch: |-
      - op: replace
        path: /spec/template/spec/containers/0/image
        value: "$(IMG)"
endef
define DEPLOY_PREFIX_PATCH
  - target: {kind: Deployment, name: multiclusterlease-controller}
    patch: |-
      - op: add
        path: /spec/template/spec/containers/0/args/-
        value: "--gcs-prefix=$(GCS_PREFIX)"
endef
define DEPLOY_WORKLOAD_IDENTITY_PATCH
  - target: {kind: ServiceAccount, name: multiclusterlease-controller}
    patch: |-
      - op: add
        path: /metadata/annotations/iam.gke.io~1gcp-service-account
        value: "$(GCP_SERVICE_ACCOUNT)"
endef
define UNDEPLOY_KUSTOMIZATION
# Generated by `make undeploy`: everything `make deploy` applies except the CRD (and so the MultiClusterLeases).
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - $(call kustomize-path-to,$(UNDEPLOY_DIR),config/default)
patches:
  - patch: |-
      $$patch: delete
      apiVersion: apiextensions.k8s.io/v1
      kind: CustomResourceDefinition
      metadata:
        name: multiclusterleases.multicluster.core.cnrm.cloud.google.com
endef
export DEPLOY_KUSTOMIZATION DEPLOY_PREFIX_PATCH DEPLOY_WORKLOAD_IDENTITY_PATCH UNDEPLOY_KUSTOMIZATION

deploy-manifests: ## Render what make deploy applies into artifacts/deploy/install.yaml (same variables as deploy).
	@test "$(origin IMG)" != file || { echo "error: set IMG=REGISTRY/multiclusterlease-controller:TAG, the image to run (make docker-build docker-push IMG=...)" >&2; exit 2; }
	@test -n "$(GCS_BUCKET)" || { echo "error: set GCS_BUCKET=NAME, the bucket holding the lock objects (the same in every cluster)" >&2; exit 2; }
	@mkdir -p $(DEPLOY_DIR)
	@echo "$$DEPLOY_KUSTOMIZATION" > $(DEPLOY_DIR)/kustomization.yaml
	@if [ -n "$(GCS_PREFIX)" ]; then echo "$$DEPLOY_PREFIX_PATCH" >> $(DEPLOY_DIR)/kustomization.yaml; fi
	@if [ -n "$(GCP_SERVICE_ACCOUNT)" ]; then echo "$$DEPLOY_WORKLOAD_IDENTITY_PATCH" >> $(DEPLOY_DIR)/kustomization.yaml; fi
	$(KUBECTL) kustomize $(DEPLOY_DIR) > $(DEPLOY_DIR)/install.yaml
	@echo "wrote $(DEPLOY_DIR)/install.yaml"

deploy: deploy-manifests ## Install CRD, RBAC and controller into the current kubectl context: make deploy IMG=... GCS_BUCKET=... [GCP_SERVICE_ACCOUNT=GSA_EMAIL] [GCS_PREFIX=...]
	$(KUBECTL) apply -f $(DEPLOY_DIR)/install.yaml

undeploy: ## Remove the controller, its RBAC and namespace; keeps the CRD and the MultiClusterLeases (make uninstall removes those).
	@mkdir -p $(UNDEPLOY_DIR)
	@echo "$$UNDEPLOY_KUSTOMIZATION" > $(UNDEPLOY_DIR)/kustomization.yaml
	$(KUBECTL) delete --ignore-not-found -k $(UNDEPLOY_DIR)

# Benchmarks (not part of `make test`): scenario timings of the real code on the sandbox; see docs/benchmarks.md.
BENCH_CONFIGURATION ?= Release
BENCH_ARGS ?=
.PHONY: bench
bench: tools ## Benchmark acquisition, handover, failover, cost and scale on the sandbox (~10 min); writes bench/results.json. BENCH_ARGS=--quick for a smoke run.
	$(DOTNET) build bench/MultiClusterLease.Benchmarks -c $(BENCH_CONFIGURATION)
	$(DOTNET) bench/MultiClusterLease.Benchmarks/bin/$(BENCH_CONFIGURATION)/net10.0/MultiClusterLease.Benchmarks.dll $(BENCH_ARGS)

# End-to-end on real clusters and a real bucket (docs: README "End-to-end tests"). `make test` runs the same scenarios
# on the sandbox and never needs Docker.
#   test-e2e, test-e2e-multi: K3s clusters in Docker (Testcontainers.K3s), the controller on this host per cluster
#     (test/e2e/MultiClusterLease.E2E.K3s). The runner is built alone first and checks what the run needs (Docker
#     engine, kubectl, E2E_GCS_BUCKET, application default credentials), so that a missing piece stops it at once.
#   test-e2e-kind, test-e2e-kind-multi: kind clusters, the controller image deployed as make deploy does (hack/e2e-kind.sh).
E2E_K3S_PROJECT := test/e2e/MultiClusterLease.E2E.K3s
E2E_K3S_DLL := $(E2E_K3S_PROJECT)/bin/$(CONFIGURATION)/net10.0/MultiClusterLease.E2E.K3s.dll
E2E_TESTS_PROJECT := test/e2e/MultiClusterLease.E2E.Tests
.PHONY: test-e2e test-e2e-multi e2e-k3s test-e2e-kind test-e2e-kind-multi
test-e2e: ## End-to-end on one K3s cluster in Docker (two namespaces stand for two clusters) and a real bucket: needs a Docker engine, kubectl, E2E_GCS_BUCKET, application default credentials.
	@$(MAKE) --no-print-directory e2e-k3s E2E_MODE=single

test-e2e-multi: ## End-to-end on two K3s clusters in Docker and a real bucket; same needs as test-e2e.
	@$(MAKE) --no-print-directory e2e-k3s E2E_MODE=multi

e2e-k3s:
	@$(DOTNET) build $(E2E_K3S_PROJECT) -c $(CONFIGURATION) -nologo -v quiet
	@CONFIGURATION=$(CONFIGURATION) $(DOTNET) $(E2E_K3S_DLL) check $(E2E_MODE)
	$(DOTNET) build $(CONTROLLER_PROJECT) -c $(CONFIGURATION) -nologo -v quiet
	$(DOTNET) build $(E2E_TESTS_PROJECT) -c $(CONFIGURATION) -nologo -v quiet
	CONFIGURATION=$(CONFIGURATION) $(DOTNET) $(E2E_K3S_DLL) $(E2E_MODE)

test-e2e-kind: ## End-to-end on one kind cluster, the image deployed by make deploy, and a real bucket: needs docker, kind, kubectl, E2E_GCS_BUCKET, GOOGLE_APPLICATION_CREDENTIALS.
	@hack/e2e-kind.sh single

test-e2e-kind-multi: ## End-to-end on two kind clusters; same needs as test-e2e-kind.
	@hack/e2e-kind.sh multi
