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
  mock_resource "aws_iam_openid_connect_provider" {
    defaults = { arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
  }
}

# The mock returns one policy JSON for every document; these two differ, so that a role using the
# other role's trust policy shows.
override_data {
  target = data.aws_iam_policy_document.trust["plan"]
  values = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"PlanTrust\"}]}" }
}

override_data {
  target = data.aws_iam_policy_document.trust["deploy"]
  values = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"DeployTrust\"}]}" }
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
    condition = toset(flatten([for s in data.aws_iam_policy_document.trust["plan"].statement : [for c in s.condition : c.values if c.variable == "token.actions.githubusercontent.com:sub"]])) == toset([
      "repo:acme/shop-platform:pull_request",
      "repo:acme@12345/shop-platform@987654321:pull_request",
      "repository_owner_id:12345:repository_id:987654321:pull_request",
    ])
    error_message = "plan is trusted for pull requests of the repository only: by name, by GitHub's immutable (id) subject, or by the id-only template"
  }

  assert {
    condition = toset(flatten([for s in data.aws_iam_policy_document.trust["deploy"].statement : [for c in s.condition : c.values if c.variable == "token.actions.githubusercontent.com:sub"]])) == toset([
      "repo:acme/shop-platform:environment:production",
      "repo:acme@12345/shop-platform@987654321:environment:production",
      "repository_owner_id:12345:repository_id:987654321:environment:production",
    ])
    error_message = "deploy is trusted only for the production environment of the repository, in the same three forms"
  }

  assert {
    condition = alltrue([for k, d in data.aws_iam_policy_document.trust : alltrue([for s in d.statement : (
      s.actions == toset(["sts:AssumeRoleWithWebIdentity"]) &&
      one([for c in s.condition : c.test if c.variable == "token.actions.githubusercontent.com:sub"]) == "StringEquals" &&
      one([for c in s.condition : c.test if c.variable == "token.actions.githubusercontent.com:aud"]) == "StringEquals" &&
      toset(one([for c in s.condition : c.values if c.variable == "token.actions.githubusercontent.com:aud"])) == toset(["sts.amazonaws.com"])
    )])])
    error_message = "every trust statement matches sub and aud exactly (StringEquals, no wildcards), the audience being STS"
  }

  assert {
    condition     = aws_iam_role.plan.assume_role_policy == data.aws_iam_policy_document.trust["plan"].json && aws_iam_role.deploy.assume_role_policy == data.aws_iam_policy_document.trust["deploy"].json
    error_message = "each role uses its own trust policy"
  }

  assert {
    condition     = aws_iam_role_policy.plan.role == aws_iam_role.plan.id && aws_iam_role_policy.plan.policy == module.iam_policies.plan_policy_json
    error_message = "plan's only permissions are its own policy (no ReadOnlyAccess, no managed policy at all)"
  }

  assert {
    condition     = keys(aws_iam_role_policy.deploy) == ["deployments", "iam", "services", "state"] && alltrue([for k, p in aws_iam_role_policy.deploy : p.role == aws_iam_role.deploy.id && p.policy == module.iam_policies.deploy_policy_jsons[k]])
    error_message = "deploy's permissions are its four policies (no PowerUserAccess)"
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

run "another_deploy_environment" {
  command = plan
  variables {
    deploy_environment = "prod-eu"
  }

  assert {
    condition     = alltrue([for s in flatten([for st in data.aws_iam_policy_document.trust["deploy"].statement : [for c in st.condition : c.values if c.variable == "token.actions.githubusercontent.com:sub"]]) : endswith(s, ":environment:prod-eu")])
    error_message = "deploy follows deploy_environment"
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
    deploy_environment = "*"
  }
  expect_failures = [var.deploy_environment]
}
