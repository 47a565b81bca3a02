# Bootstrap planned and "applied" with a mocked AWS provider (nothing is created).

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::platform-tfstate-123456789012-eu-west-1" }
  }
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-1111-1111-1111-111111111111" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mocked" }
  }
  mock_resource "aws_iam_policy" {
    defaults = { arn = "arn:aws:iam::123456789012:policy/mocked" }
  }
  mock_resource "aws_iam_openid_connect_provider" {
    defaults = { arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
  }
}

# The mock returns one policy JSON for every document; these differ, so that a role using another
# role's trust policy shows.
override_data {
  target = data.aws_iam_policy_document.trust["pull_request"]
  values = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"PlanTrust\"}]}" }
}

override_data {
  target = data.aws_iam_policy_document.trust["environment:staging"]
  values = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"StagingTrust\"}]}" }
}

override_data {
  target = data.aws_iam_policy_document.trust["environment:production"]
  values = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"ProductionTrust\"}]}" }
}

variables {
  github_repository    = "acme/shop-platform"
  github_repository_id = "987654321"
  github_owner_id      = "12345"
}

run "state_bucket" {
  command = apply

  assert {
    condition     = aws_s3_bucket.state.bucket == "platform-tfstate-123456789012-eu-west-1" && one(aws_s3_bucket_versioning.state.versioning_configuration).status == "Enabled"
    error_message = "a versioned state bucket named after the account and region"
  }

  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.state.rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms" && aws_kms_key.state.enable_key_rotation
    error_message = "state encrypted with a rotating KMS key"
  }

  assert {
    condition     = aws_s3_bucket_public_access_block.state.block_public_acls && aws_s3_bucket_public_access_block.state.block_public_policy && aws_s3_bucket_public_access_block.state.ignore_public_acls && aws_s3_bucket_public_access_block.state.restrict_public_buckets
    error_message = "public access blocked, all four ways"
  }

  assert {
    condition = anytrue([for st in jsondecode(aws_s3_bucket_policy.state.policy).Statement : (
      st.Effect == "Deny" && st.Principal == "*" && try(st.Action, []) == ["s3:*"] &&
      try(st.Condition, {}) == { Bool = { "aws:SecureTransport" = "false" } } &&
      try(st.Resource, []) == ["arn:aws:s3:::platform-tfstate-123456789012-eu-west-1", "arn:aws:s3:::platform-tfstate-123456789012-eu-west-1/*"]
    )])
    error_message = "the bucket policy refuses every request without TLS"
  }

  assert {
    condition     = aws_s3_bucket_policy.state.bucket == aws_s3_bucket.state.id && aws_s3_bucket_policy.state.policy == module.iam_policies.state_bucket_policy_json
    error_message = "that policy is the state bucket's"
  }

  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.state.rule).apply_server_side_encryption_by_default).kms_master_key_id == aws_kms_key.state.arn && aws_s3_bucket_server_side_encryption_configuration.state.bucket == aws_s3_bucket.state.id && aws_s3_bucket_versioning.state.bucket == aws_s3_bucket.state.id && aws_s3_bucket_public_access_block.state.bucket == aws_s3_bucket.state.id
    error_message = "encryption, versioning and the public access block apply to the state bucket, with its own key"
  }
}

run "oidc_roles" {
  command = apply

  assert {
    condition     = aws_iam_openid_connect_provider.github[0].url == "https://token.actions.githubusercontent.com" && aws_iam_openid_connect_provider.github[0].client_id_list == toset(["sts.amazonaws.com"])
    error_message = "GitHub's OIDC provider, for STS"
  }

  assert {
    condition = toset(flatten([for s in data.aws_iam_policy_document.trust["pull_request"].statement : [for c in s.condition : c.values if c.variable == "token.actions.githubusercontent.com:sub"]])) == toset([
      "repo:acme/shop-platform:pull_request",
      "repo:acme@12345/shop-platform@987654321:pull_request",
      "repository_owner_id:12345:repository_id:987654321:pull_request",
    ])
    error_message = "plan is trusted for pull requests of the repository only: by name, by GitHub's immutable (id) subject, or by the id-only template"
  }

  assert {
    condition = alltrue([for env in ["staging", "production"] : toset(flatten([for s in data.aws_iam_policy_document.trust["environment:${env}"].statement : [for c in s.condition : c.values if c.variable == "token.actions.githubusercontent.com:sub"]])) == toset([
      "repo:acme/shop-platform:environment:${env}",
      "repo:acme@12345/shop-platform@987654321:environment:${env}",
      "repository_owner_id:12345:repository_id:987654321:environment:${env}",
    ])])
    error_message = "each environment's deploy role is trusted only by that GitHub environment of the repository, in the same three forms"
  }

  assert {
    condition = alltrue([for k, d in data.aws_iam_policy_document.trust : alltrue([for s in d.statement : (
      s.actions == toset(["sts:AssumeRoleWithWebIdentity"]) &&
      one([for c in s.condition : c.test if c.variable == "token.actions.githubusercontent.com:sub"]) == "StringEquals" &&
      one([for c in s.condition : c.test if c.variable == "token.actions.githubusercontent.com:aud"]) == "StringEquals" &&
      toset(one([for c in s.condition : c.values if c.variable == "token.actions.githubusercontent.com:aud"])) == toset(["sts.amazonaws.com"])
    )])]) && length(data.aws_iam_policy_document.trust) == 3
    error_message = "three trust policies (plan, staging, production), each matching sub and aud exactly (StringEquals, no wildcards), the audience being STS"
  }

  assert {
    condition     = aws_iam_role.plan.assume_role_policy == data.aws_iam_policy_document.trust["pull_request"].json && aws_iam_role.deploy["staging"].assume_role_policy == data.aws_iam_policy_document.trust["environment:staging"].json && aws_iam_role.deploy["production"].assume_role_policy == data.aws_iam_policy_document.trust["environment:production"].json
    error_message = "each role uses its own trust policy: staging's role is not assumable from production's environment, nor the other way round"
  }

  assert {
    condition     = aws_iam_role.plan.name == "platform-github-plan" && aws_iam_role.deploy["staging"].name == "platform-deploy-staging" && aws_iam_role.deploy["production"].name == "platform-deploy-production"
    error_message = "roles named <name>-github-plan and <name>-deploy-<env>"
  }

  assert {
    condition     = aws_iam_role_policy.plan.role == aws_iam_role.plan.id && aws_iam_role_policy.plan.policy == module.iam_policies.plan_policy_json
    error_message = "plan's only permissions are its own policy (no ReadOnlyAccess, no managed policy at all)"
  }

  assert {
    condition = keys(aws_iam_role_policy_attachment.deploy) == [
      "production/broker", "production/data", "production/deployments", "production/iam", "production/services", "production/state",
      "staging/broker", "staging/data", "staging/deployments", "staging/iam", "staging/services", "staging/state",
      ] && alltrue([
        for k, a in aws_iam_role_policy_attachment.deploy : (
          a.role == aws_iam_role.deploy[split("/", k)[0]].name && a.policy_arn == aws_iam_policy.deploy[k].arn &&
          aws_iam_policy.deploy[k].policy == module.iam_policies.deploy_policy_jsons[split("/", k)[0]][split("/", k)[1]] &&
          aws_iam_policy.deploy[k].name == "platform-deploy-${replace(k, "/", "-")}"
        )
    ])
    error_message = "each deploy role has its own environment's six policies attached (no PowerUserAccess, no other environment's)"
  }

  assert {
    condition     = output.deploy_role_arns == { for env, r in aws_iam_role.deploy : env => r.arn } && keys(output.deploy_role_arns) == ["production", "staging"]
    error_message = "deploy_role_arns maps each environment to its role"
  }

  assert {
    condition     = aws_iam_policy.stack_boundary.name == "platform-stack-boundary" && aws_iam_policy.stack_boundary.policy == module.iam_policies.boundary_policy_json && output.permissions_boundary_arn == aws_iam_policy.stack_boundary.arn
    error_message = "the stack's permissions boundary is a policy of its own, named as the stack expects"
  }

  assert {
    condition     = module.iam_policies.boundary_arn == "arn:aws:iam::123456789012:policy/platform-stack-boundary"
    error_message = "the boundary ARN the deploy policy demands is the one the stack derives from name and account"
  }
}

run "state_keys_are_each_environments_own" {
  command = apply

  assert {
    condition = one([for st in jsondecode(module.iam_policies.deploy_policy_jsons.staging.state).Statement : st.Resource if st.Sid == "ReadAndWriteOwnStatesAndLocks"]) == [
      "arn:aws:s3:::platform-tfstate-123456789012-eu-west-1/platform/staging.tfstate",
      "arn:aws:s3:::platform-tfstate-123456789012-eu-west-1/platform/staging.tfstate.tflock",
      "arn:aws:s3:::platform-tfstate-123456789012-eu-west-1/credentials/staging.tfstate",
      "arn:aws:s3:::platform-tfstate-123456789012-eu-west-1/credentials/staging.tfstate.tflock",
      "arn:aws:s3:::platform-tfstate-123456789012-eu-west-1/previews/*",
    ]
    error_message = "staging's role reads and writes staging's two states (and their lock files) and the previews' states, nothing else"
  }

  assert {
    condition = one([for st in jsondecode(module.iam_policies.deploy_policy_jsons.production.state).Statement : st.Resource if st.Sid == "ReadAndWriteOwnStatesAndLocks"]) == [
      "arn:aws:s3:::platform-tfstate-123456789012-eu-west-1/platform/production.tfstate",
      "arn:aws:s3:::platform-tfstate-123456789012-eu-west-1/platform/production.tfstate.tflock",
      "arn:aws:s3:::platform-tfstate-123456789012-eu-west-1/credentials/production.tfstate",
      "arn:aws:s3:::platform-tfstate-123456789012-eu-west-1/credentials/production.tfstate.tflock",
    ]
    error_message = "production's role reads and writes production's two states only: no staging state, no preview"
  }

  # the bucket refuses each role every object but its own, whatever else were ever attached to it
  assert {
    condition = alltrue([for env, other in { staging = "production", production = "staging" } : anytrue([
      for st in jsondecode(aws_s3_bucket_policy.state.policy).Statement : (
        st.Effect == "Deny" && st.Principal == "*" &&
        try(st.Condition.ArnEquals["aws:PrincipalArn"], "") == "arn:aws:iam::123456789012:role/platform-deploy-${env}" &&
        toset(try(st.Action, [])) == toset(["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"]) &&
        !anytrue([for r in try(st.NotResource, []) : strcontains(r, "/${other}.tfstate")]) &&
        contains(try(st.NotResource, []), "arn:aws:s3:::platform-tfstate-123456789012-eu-west-1/credentials/${env}.tfstate")
      )
    ])])
    error_message = "the bucket denies staging's role production's states (the broker password among them), and production's role staging's"
  }
}

run "a_deploy_role_kept_from_before_environments" {
  command = apply
  variables {
    deploy_role_names = { production = "platform-github-deploy" }
  }

  assert {
    condition     = aws_iam_role.deploy["production"].name == "platform-github-deploy" && aws_iam_role.deploy["staging"].name == "platform-deploy-staging" && aws_iam_policy.deploy["production/state"].name == "platform-github-deploy-state"
    error_message = "deploy_role_names keeps the old role's name (its ARN, in GitHub's AWS_DEPLOY_ROLE_ARN, stays); the others follow <name>-deploy-<env>"
  }

  assert {
    condition     = anytrue([for st in jsondecode(aws_s3_bucket_policy.state.policy).Statement : try(st.Condition.ArnEquals["aws:PrincipalArn"], "") == "arn:aws:iam::123456789012:role/platform-github-deploy"])
    error_message = "the bucket's guard follows the kept name"
  }
}

run "three_environments_and_no_previews" {
  command = plan
  variables {
    environments        = ["staging", "qa", "production"]
    preview_environment = null
  }

  assert {
    condition     = keys(aws_iam_role.deploy) == ["production", "qa", "staging"] && aws_iam_role.deploy["qa"].name == "platform-deploy-qa"
    error_message = "one role per environment"
  }

  assert {
    condition     = alltrue([for env in ["staging", "qa", "production"] : !strcontains(module.iam_policies.deploy_policy_jsons[env].state, "previews/")])
    error_message = "without a preview environment, no role reaches the previews' states"
  }

  assert {
    condition = (
      strcontains(module.iam_policies.deploy_policy_jsons.qa.services, "repository/platform-staging/*") &&
      strcontains(module.iam_policies.deploy_policy_jsons.production.services, "repository/platform-qa/*") &&
      !strcontains(module.iam_policies.deploy_policy_jsons.production.services, "repository/platform-staging/*") &&
      !strcontains(module.iam_policies.deploy_policy_jsons.staging.services, "PullPromotedImages")
    )
    error_message = "each environment pulls the images of the one before it (promotion order), the first none"
  }
}

run "rejects_a_repository_that_is_not_owner_slash_name" {
  command = plan
  variables {
    github_repository = "shop-platform"
  }
  expect_failures = [var.github_repository]
}

run "rejects_ids_that_are_not_numbers" {
  command = plan
  variables {
    github_repository_id = "shop-platform"
    github_owner_id      = "acme"
  }
  expect_failures = [var.github_repository_id, var.github_owner_id]
}

run "rejects_a_wildcard_environment" {
  command = plan
  variables {
    environments = ["staging", "*"]
  }
  expect_failures = [var.environments]
}

run "rejects_environment_names_the_stack_refuses" {
  command = plan
  variables {
    environments = ["prod-eu", "deploy", "github", "Production", "x"]
  }
  expect_failures = [var.environments]
}

run "rejects_an_environment_twice" {
  command = plan
  variables {
    environments = ["staging", "staging"]
  }
  expect_failures = [var.environments]
}

run "rejects_no_environment" {
  command = plan
  variables {
    environments        = []
    preview_environment = null
  }
  expect_failures = [var.environments]
}

run "rejects_previews_outside_the_environments" {
  command = plan
  variables {
    preview_environment = "qa"
  }
  expect_failures = [var.preview_environment]
}

run "rejects_a_kept_role_name_the_deny_would_not_cover" {
  command = plan
  variables {
    deploy_role_names = { production = "ci-deployer" }
  }
  expect_failures = [var.deploy_role_names]
}

run "rejects_a_kept_role_name_of_an_unknown_environment" {
  command = plan
  variables {
    deploy_role_names = { prod = "platform-github-deploy" }
  }
  expect_failures = [var.deploy_role_names]
}
