#!/usr/bin/env bash
# Installs the infrastructure linters check.sh runs, at pinned versions, idempotently:
#   checkov, parliament and moto (PyPI) and tflint (Go). Terraform itself comes from hashicorp/setup-terraform in
#   GitHub Actions, or from PATH (the offline copy in ../shared/tools/terraform on CI machines).
# Needs python3 with pip and Go. Puts tflint in $(go env GOPATH)/bin; add that to PATH.
set -euo pipefail
CHECKOV_VERSION=3.2.495
PARLIAMENT_VERSION=1.6.4
MOTO_VERSION=5.2.1
TFLINT_VERSION=v0.64.0

if ! checkov --version 2>/dev/null | grep -qx "$CHECKOV_VERSION"; then
  echo "installing checkov $CHECKOV_VERSION"
  python3 -m pip install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION"
fi

if ! parliament --version 2>/dev/null | grep -qx "parliament $PARLIAMENT_VERSION"; then
  echo "installing parliament $PARLIAMENT_VERSION"
  python3 -m pip install --quiet --disable-pip-version-check "parliament==$PARLIAMENT_VERSION"
fi

# moto_server: state-secrets.mjs applies the credentials stack's modules against it
moto="$(python3 -m pip show moto 2>/dev/null || true)"
if [[ "$moto" != *"Version: $MOTO_VERSION"* ]] || ! command -v moto_server >/dev/null; then
  echo "installing moto $MOTO_VERSION"
  python3 -m pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
fi

gobin="$(go env GOPATH)/bin"
# (the version is read first: `tflint --version | grep -q` would die of SIGPIPE under pipefail)
installed="$("$gobin/tflint" --version 2>/dev/null || true)"
if [[ "$installed" != *"version ${TFLINT_VERSION#v}"* ]]; then
  echo "installing tflint $TFLINT_VERSION"
  GOFLAGS=-mod=mod go install "github.com/terraform-linters/tflint@$TFLINT_VERSION"
fi

echo "checkov $(checkov --version), $(parliament --version), $("$gobin/tflint" --version | head -1)"
