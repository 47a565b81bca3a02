data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  account_id  = data.aws_caller_identity.current.account_id
  partition   = data.aws_partition.current.partition
  bucket_name = coalesce(var.state_bucket_name, "${var.name}-tfstate-${local.account_id}-${var.region}")
  oidc_host   = "token.actions.githubusercontent.com"
  oidc_arn    = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : "arn:${local.partition}:iam::${local.account_id}:oidc-provider/${local.oidc_host}"

  # The forms of GitHub's sub claim a job of the repository can carry, all accepted (exact match):
  # - repo:OWNER/NAME:<context>: the name form, the default of repositories created before
  #   2026-07-15 that have not opted in to immutable subjects;
  # - repo:OWNER@OWNER_ID/NAME@REPO_ID:<context>: the immutable form, GitHub's default for newer
  #   repositories (and for renames and transfers) since 2026-07-15: the ids survive renames and a
  #   new repository of the same name gets other ids;
  # - repository_owner_id:OWNER_ID:repository_id:REPO_ID:<context>: a repository or organisation
  #   whose OIDC subject template is [repository_owner_id, repository_id, context].
  # <context> is pull_request for plan, and environment:<env> for <env>'s deploy role, nothing else.
  owner_name = split("/", var.github_repository)[0]
  repo_name  = split("/", var.github_repository)[1]
  subjects_of = {
    for context in concat(["pull_request"], [for env in var.environments : "environment:${env}"]) : context => [
      "repo:${var.github_repository}:${context}",
      "repo:${local.owner_name}@${var.github_owner_id}/${local.repo_name}@${var.github_repository_id}:${context}",
      "repository_owner_id:${var.github_owner_id}:repository_id:${var.github_repository_id}:${context}",
    ]
  }

  # Each deploy role's policies, by "<env>/<policy>" (state, services, data, deployments, iam).
  deploy_policies = merge([
    for env, policies in module.iam_policies.deploy_policy_jsons : {
      for name, json in policies : "${env}/${name}" => { env = env, name = name, json = json }
    }
  ]...)
}

# --- remote state --------------------------------------------------------------------------------

resource "aws_kms_key" "state" {
  description             = "${var.name}: Terraform state"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.state_key.json
}

data "aws_iam_policy_document" "state_key" {
  #checkov:skip=CKV_AWS_111:a key policy's "*" resource is the key itself; the account root administers its key
  #checkov:skip=CKV_AWS_356:a key policy's "*" resource is the key itself
  #checkov:skip=CKV_AWS_109:a key policy's "*" resource is the key itself; only the account root and CloudWatch Logs are named
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }
}

resource "aws_kms_alias" "state" {
  name          = "alias/${var.name}-tfstate"
  target_key_id = aws_kms_key.state.key_id
}

resource "aws_s3_bucket" "state" {
  #checkov:skip=CKV_AWS_144:cross-region replication of the state bucket is optional (versioning already keeps every state)
  #checkov:skip=CKV_AWS_18:access logging needs a second bucket; CloudTrail data events cover state reads if required
  #checkov:skip=CKV2_AWS_62:no consumer for bucket event notifications
  bucket = local.bucket_name
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.state.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket                  = aws_s3_bucket.state.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# Old state versions are kept for recovery, but not forever.
resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    id     = "expire-old-state-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 90
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
}

resource "aws_s3_bucket_policy" "state" {
  bucket     = aws_s3_bucket.state.id
  policy     = module.iam_policies.state_bucket_policy_json
  depends_on = [aws_s3_bucket_public_access_block.state]
}

# --- GitHub OIDC ---------------------------------------------------------------------------------

resource "aws_iam_openid_connect_provider" "github" {
  count          = var.create_oidc_provider ? 1 : 0
  url            = "https://${local.oidc_host}"
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_policy_document" "trust" {
  for_each = local.subjects_of
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [local.oidc_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:sub"
      values   = each.value
    }
  }
}

# The roles' policies, the stack's permissions boundary and the bucket policy, as exact JSON
# (see the module: what each role may do, and why).
module "iam_policies" {
  source                 = "../modules/iam-policies"
  name                   = var.name
  partition              = local.partition
  account_id             = local.account_id
  region                 = var.region
  state_bucket           = local.bucket_name
  state_kms_key_arn      = aws_kms_key.state.arn
  attachable_policy_arns = var.attachable_policy_arns
  environments           = var.environments
  preview_environment    = var.preview_environment
  deploy_role_names      = var.deploy_role_names
}

# Every role the stack creates carries this boundary: the deploy role can create or change a role
# only with it (iam:PermissionsBoundary conditions), and can never change the boundary itself.
resource "aws_iam_policy" "stack_boundary" {
  name        = module.iam_policies.boundary_name
  description = "Permissions boundary of every role of the ${var.name} stacks: the most any of them may do"
  policy      = module.iam_policies.boundary_policy_json
}

# plan: pull requests of the repository. Reads the secret-free state and the stack's metadata,
# writes nothing (the workflow plans with -lock=false), reads no secret value.
resource "aws_iam_role" "plan" {
  name                 = "${var.name}-github-plan"
  description          = "terraform plan from pull requests of ${var.github_repository}"
  assume_role_policy   = data.aws_iam_policy_document.trust["pull_request"].json
  max_session_duration = 3600
}

resource "aws_iam_role_policy" "plan" {
  name   = "read-state-and-metadata"
  role   = aws_iam_role.plan.id
  policy = module.iam_policies.plan_policy_json
}

# deploy: one role per environment, trusted only by jobs of the repository's GitHub environment of
# that name (production's with its required reviewers), reaching that environment's states and
# resources only. Its policies are managed ones: together they are larger than IAM allows inline
# policies of one role to be (10,240 characters), each within a managed policy's 6,144.
resource "aws_iam_role" "deploy" {
  for_each             = toset(var.environments)
  name                 = module.iam_policies.deploy_role_names[each.key]
  description          = "terraform apply and ECS deploys from the ${each.key} environment of ${var.github_repository}"
  assume_role_policy   = data.aws_iam_policy_document.trust["environment:${each.key}"].json
  max_session_duration = 3600
}

resource "aws_iam_policy" "deploy" {
  for_each    = local.deploy_policies
  name        = "${module.iam_policies.deploy_role_names[each.value.env]}-${each.value.name}"
  description = "${each.value.name} of the ${each.value.env} deploy role"
  policy      = each.value.json
}

resource "aws_iam_role_policy_attachment" "deploy" {
  for_each   = local.deploy_policies
  role       = aws_iam_role.deploy[each.value.env].name
  policy_arn = aws_iam_policy.deploy[each.key].arn
}
