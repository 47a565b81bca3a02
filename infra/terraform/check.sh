#!/usr/bin/env bash
# Every offline check of infra/terraform, from any directory:
#   fmt, init + validate (the four roots: the stack, bootstrap, credentials, preview; each module),
#   terraform test (the four roots, with a mocked AWS provider; the dev profile with its own
#   tfvars), the cost tables (docs/COSTS.md computed from the tfvars), the resource order the tests
#   cannot see (dependency graph), the provider schema check (where ../shared/tools has it), checkov (with
#   the platform's own policies in .checkov/policies), parliament on the GitHub roles' and the
#   permissions boundary's policy documents (iam-lint.mjs), where secret values end up with the
#   real provider against moto (state-secrets.mjs), two pull-request previews applied and torn
#   down against moto (preview-moto.mjs) and tflint.
# Prints a table of what ran. A missing tool is SKIPPED, unless INFRA_CHECKS_REQUIRED=1 (CI),
# where it is a failure. Exits non-zero when any check failed.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
required="${INFRA_CHECKS_REQUIRED:-0}"
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
export TF_PLUGIN_CACHE_DIR="${TF_PLUGIN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-plugin-cache}"
mkdir -p "$TF_PLUGIN_CACHE_DIR"
log="$(mktemp -d)"
trap 'rm -rf "$log"' EXIT
rows=()
failed=0

record() { rows+=("$(printf '%-22s %-8s %-7s %s' "$1" "$2" "$3" "$4")"); }

# run_check NAME TOOL COMMAND...: runs COMMAND if TOOL is on PATH, records the outcome.
run_check() {
  local name="$1" tool="$2"
  shift 2
  if ! command -v "$tool" >/dev/null 2>&1; then
    if [ "$required" = "1" ]; then
      record "$name" "missing" "FAIL" "$tool not on PATH (INFRA_CHECKS_REQUIRED=1)"
      failed=1
    else
      record "$name" "skipped" "-" "$tool not on PATH"
    fi
    return
  fi
  local started=$SECONDS out="$log/$name.log"
  if "$@" >"$out" 2>&1; then
    record "$name" "ran" "PASS" "$((SECONDS - started)) s"
  else
    record "$name" "ran" "FAIL" "$((SECONDS - started)) s"
    failed=1
    echo "----- $name failed:"
    tail -n 60 "$out"
  fi
}

tf_validate_all() {
  local dir
  for dir in "$here" "$here/bootstrap" "$here/credentials" "$here/preview" "$here"/modules/*; do
    echo "== $dir"
    case "$dir" in
      # the four roots commit their lock files: init must not need to change them
      "$here" | "$here/bootstrap" | "$here/credentials" | "$here/preview") terraform -chdir="$dir" init -backend=false -input=false -lockfile=readonly >/dev/null || return 1 ;;
      *) terraform -chdir="$dir" init -backend=false -input=false >/dev/null || return 1 ;;
    esac
    # A module that takes an aliased provider (modules/edge: aws.us_east_1) cannot be validated on
    # its own; the root validates it with its providers.
    if grep -q configuration_aliases "$dir/versions.tf" 2>/dev/null; then
      echo "(validated through the root)"
      continue
    fi
    # -no-tests: the test files are checked by `terraform test` below (validate mistakes a run's
    # aliased provider for a removed one)
    terraform -chdir="$dir" validate -no-color -no-tests || return 1
  done
}

tf_test_all() {
  terraform -chdir="$here" test -no-color &&
    # each profiles/<env>.tfvars that has a profile test, with its own variables
    terraform -chdir="$here" test -no-color -test-directory=tests/profiles -var-file=profiles/dev.tfvars &&
    terraform -chdir="$here/bootstrap" test -no-color &&
    terraform -chdir="$here/credentials" test -no-color &&
    terraform -chdir="$here/preview" test -no-color
}

# Orders a terraform test cannot see, read from the dependency graph of the root stack (built from
# the configuration alone, in a copy without the S3 backend): each ECS service is created after
# its listener rule (a service whose target group no listener uses fails to create, a race when a
# service is added) and after the cluster's capacity providers (modules/ecs-cluster's outputs wait
# for them), DocumentDB after the log groups it writes to, the edge firewall's logging
# configuration after the stack's log delivery policy (else WAF writes its own, AWSWAF-LOGS).
resource_order() {
  local work
  work="$(mktemp -d)"
  cp -r "$here"/*.tf "$here/modules" "$here/.terraform.lock.hcl" "$work/"
  sed -i '/backend "s3" {}/d' "$work/versions.tf"
  terraform -chdir="$work" init -input=false -lockfile=readonly >/dev/null &&
    terraform -chdir="$work" graph >"$work/graph.dot" || {
    rm -rf "$work"
    return 1
  }
  local missing=0 edge
  for edge in \
    '"module.ecs.aws_ecs_service.service" -> "module.alb.aws_lb_listener_rule.service"' \
    '"module.ecs.aws_ecs_service.service" -> "module.ecs_cluster.aws_ecs_cluster_capacity_providers.this"' \
    '"module.database.aws_docdb_cluster.this" -> "module.database.aws_cloudwatch_log_group.exports"' \
    '"module.edge.aws_wafv2_web_acl_logging_configuration.edge" -> "module.edge.aws_cloudwatch_log_resource_policy.waf"'; do
    if grep -qF "$edge" "$work/graph.dot"; then echo "ok: $edge"; else echo "missing: $edge" && missing=1; fi
  done
  rm -rf "$work"
  return "$missing"
}

# The provider lock files: the same hashes in the four roots, and every platform's. The zh: hashes
# are the SHA-256 of each platform's zip of hashicorp/aws 5.100.0 (the registry's signed SHA256SUMS,
# 15 platforms, darwin, linux and windows on amd64 and arm64 among them): with them `terraform init`
# verifies the download on any platform. h1: hashes are per platform; the linux_amd64 one is
# checked by `init -lockfile=readonly` above, the others are added by the terraform-lock workflow.
LOCKED_ZIP_HASHES="
zh:054b8dd49f0549c9a7cc27d159e45327b7b65cf404da5e5a20da154b90b8a644
zh:0b97bf8d5e03d15d83cc40b0530a1f84b459354939ba6f135a0086c20ebbe6b2
zh:1589a2266af699cbd5d80737a0fe02e54ec9cf2ca54e7e00ac51c7359056f274
zh:6330766f1d85f01ae6ea90d1b214b8b74cc8c1badc4696b165b36ddd4cc15f7b
zh:7c8c2e30d8e55291b86fcb64bdf6c25489d538688545eb48fd74ad622e5d3862
zh:99b1003bd9bd32ee323544da897148f46a527f622dc3971af63ea3e251596342
zh:9b12af85486a96aedd8d7984b0ff811a4b42e3d88dad1a3fb4c0b580d04fa425
zh:9f8b909d3ec50ade83c8062290378b1ec553edef6a447c56dadc01a99f4eaa93
zh:aaef921ff9aabaf8b1869a86d692ebd24fbd4e12c21205034bb679b9caf883a2
zh:ac882313207aba00dd5a76dbd572a0ddc818bb9cbf5c9d61b28fe30efaec951e
zh:bb64e8aff37becab373a1a0cc1080990785304141af42ed6aa3dd4913b000421
zh:dfe495f6621df5540d9c92ad40b8067376350b005c637ea6efac5dc15028add4
zh:f0ddf0eaf052766cfe09dea8200a946519f653c384ab4336e2a4a64fdd6310e9
zh:f1b7e684f4c7ae1eed272b6de7d2049bb87a0275cb04dbb7cda6636f600699c9
zh:ff461571e3f233699bf690db319dfe46aec75e58726636a0d97dd9ac6e32fb70
"

lock_files() {
  local f hashes expected status=0
  expected="$(tr ' ' '\n' <<<"$LOCKED_ZIP_HASHES" | grep . | sort)"
  for f in "$here/.terraform.lock.hcl" "$here/bootstrap/.terraform.lock.hcl" "$here/credentials/.terraform.lock.hcl" "$here/preview/.terraform.lock.hcl"; do
    hashes="$(grep -o '"zh:[0-9a-f]*"' "$f" | tr -d '"' | sort)"
    if [ "$hashes" = "$expected" ] && grep -q '"h1:edXOJWE4ORX8Fm+dpVpICzMZJat4AX0VRCAy/xkcOc0="' "$f" && grep -q 'version     = "5.100.0"' "$f"; then
      echo "ok: $f ($(wc -l <<<"$hashes") zip hashes, $(grep -c '"h1:' "$f") h1)"
    else
      echo "wrong hashes in $f: run the terraform-lock workflow or terraform providers lock (docs/FORKING.md)"
      status=1
    fi
  done
  return "$status"
}

schema_check() {
  "$repo/../shared/tools/tf-schema-check/tf-schema-check" "$here"
}

run_check "terraform fmt" terraform terraform fmt -check -recursive -diff "$here"
run_check "terraform validate" terraform tf_validate_all
run_check "terraform test" terraform tf_test_all
run_check "resource order" terraform resource_order
run_check "provider lock files" grep lock_files
if [ -x "$repo/../shared/tools/tf-schema-check/tf-schema-check" ]; then
  run_check "provider schema" node schema_check
else
  record "provider schema" "skipped" "-" "../shared/tools/tf-schema-check not beside the repository"
fi
run_check "checkov" checkov checkov -d "$here" --framework terraform --quiet --compact --skip-download \
  --external-checks-dir "$here/.checkov/policies"
run_check "iam (parliament)" parliament node "$here/iam-lint.mjs"
run_check "secrets out of state" moto_server node "$here/state-secrets.mjs"
run_check "previews (moto)" moto_server node "$here/preview-moto.mjs"
run_check "module READMEs" node node "$here/gen-docs.mjs" --check
run_check "cost tables" node node "$repo/scripts/costs.ts" --check
run_check "tflint" tflint tflint --chdir="$here" --recursive --config="$here/.tflint.hcl"

printf '\ninfra/terraform checks on this machine:\n'
printf '%-22s %-8s %-7s %s\n' "check" "status" "result" "detail"
printf '%s\n' "${rows[@]}"
exit "$failed"
