# syntax=docker/dockerfile:1
#
# The MultiClusterLease election controller.
#   make docker-build IMG=REGISTRY/multiclusterlease-controller:TAG   (docker build -t $IMG .)
#
# Stage 1 publishes the controller with the .NET SDK; stage 2 runs it on a chiseled (distroless) ASP.NET Core runtime:
# no shell, no package manager, user 'app' (UID 1654, non-root). The publish command and its flags are those of
# `make publish` (PUBLISH_FLAGS in the Makefile; a test keeps them equal), so artifacts/publish/controller holds exactly
# what /app holds here. The output is framework-dependent and portable (no runtime identifier): the build stage runs on
# the builder's own platform and the same files run on linux/amd64 and linux/arm64 (docker buildx --platform ...).

ARG DOTNET_VERSION=10.0

FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION}-noble AS build
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1
WORKDIR /src
# Restore from the project files alone first, so that this layer is reused while only sources change.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/MultiClusterLease.Controller/MultiClusterLease.Controller.csproj src/MultiClusterLease.Controller/
COPY src/MultiClusterLease.Kubernetes/MultiClusterLease.Kubernetes.csproj src/MultiClusterLease.Kubernetes/
COPY src/MultiClusterLease.Election/MultiClusterLease.Election.csproj src/MultiClusterLease.Election/
COPY src/MultiClusterLease.Backend.Gcs/MultiClusterLease.Backend.Gcs.csproj src/MultiClusterLease.Backend.Gcs/
RUN dotnet restore src/MultiClusterLease.Controller/MultiClusterLease.Controller.csproj
COPY src/ src/
RUN dotnet publish src/MultiClusterLease.Controller/MultiClusterLease.Controller.csproj --no-restore -o /app \
        -c Release -p:UseAppHost=false -p:SatelliteResourceLanguages=en -p:PublishDocumentationFile=false \
        -p:PublishReferencesDocumentationFiles=false -p:IsTransformWebConfigDisabled=true

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}-noble-chiseled
# The controller binds its own address (--health-probe-bind-address, default :8081); clear the base image's
# ASPNETCORE_HTTP_PORTS=8080 so that Kestrel does not warn that the flag overrides it.
ENV ASPNETCORE_HTTP_PORTS=
WORKDIR /app
COPY --from=build /app ./
# Already the base image's user; repeated so the image states it. Numeric, so that Kubernetes' runAsNonRoot can verify it.
USER $APP_UID
# /healthz, /readyz (and /metrics).
EXPOSE 8081
ENTRYPOINT ["dotnet", "MultiClusterLease.Controller.dll"]
