data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  account_id   = data.aws_caller_identity.current.account_id
  partition    = data.aws_partition.current.partition
  bucket_name  = coalesce(var.state_bucket_name, "${var.name}-tfstate-${local.account_id}-${var.region}")
  oidc_host    = "token.actions.githubusercontent.com"
  oidc_arn     = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : "arn:${local.partition}:iam::${local.account_id}:oidc-provider/${local.oidc_host}"
  role_pattern = "arn:${local.partition}:iam::${local.account_id}:role/${var.name}-*"

  # The forms of GitHub's sub claim a job of the repository can carry, all accepted (exact match):
  # - repo:OWNER/NAME:<context>: the name form, the default of repositories created before
  #   2026-07-15 that have not opted in to immutable subjects;
  # - repo:OWNER@OWNER_ID/NAME@REPO_ID:<context>: the immutable form, GitHub's default for newer
  #   repositories (and for renames and transfers) since 2026-07-15: the ids survive renames and a
  #   new repository of the same name gets other ids;
  # - repository_owner_id:OWNER_ID:repository_id:REPO_ID:<context>: a repository or organisation
  #   whose OIDC subject template is [repository_owner_id, repository_id, context].
  # <context> is pull_request for plan and environment:<deploy_environment> for deploy, nothing else.
  owner_name = split("/", var.github_repository)[0]
  repo_name  = split("/", var.github_repository)[1]
  subjects = {
    for role, context in { plan = "pull_request", deploy = "environment:${var.deploy_environment}" } : role => [
      "repo:${var.github_repository}:${context}",
      "repo:${local.owner_name}@${var.github_owner_id}/${local.repo_name}@${var.github_repository_id}:${context}",
      "repository_owner_id:${var.github_owner_id}:repository_id:${var.github_repository_id}:${context}",
    ]
  }
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

data "aws_iam_policy_document" "state_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.state.arn, "${aws_s3_bucket.state.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "state" {
  bucket     = aws_s3_bucket.state.id
  policy     = data.aws_iam_policy_document.state_bucket.json
  depends_on = [aws_s3_bucket_public_access_block.state]
}

# --- GitHub OIDC ---------------------------------------------------------------------------------

resource "aws_iam_openid_connect_provider" "github" {
  count          = var.create_oidc_provider ? 1 : 0
  url            = "https://${local.oidc_host}"
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_policy_document" "trust" {
  for_each = local.subjects
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

# Both roles read the state and take S3-native locks (use_lockfile: <key>.tflock objects next to
# the state); only deploy writes the state itself.
data "aws_iam_policy_document" "state_read_and_lock" {
  statement {
    sid       = "ListStateBucket"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.state.arn]
  }
  statement {
    sid       = "ReadState"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.state.arn}/*"]
  }
  statement {
    sid       = "TakeStateLocks"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.state.arn}/*.tflock"]
  }
  statement {
    sid       = "StateEncryption"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.state.arn]
  }
}

data "aws_iam_policy_document" "state_write" {
  source_policy_documents = [data.aws_iam_policy_document.state_read_and_lock.json]

  statement {
    sid       = "WriteState"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.state.arn}/*"]
  }
}

# plan: pull requests of the repository; reads everything, writes nothing but its state lock.
resource "aws_iam_role" "plan" {
  name                 = "${var.name}-github-plan"
  description          = "terraform plan from pull requests of ${var.github_repository}"
  assume_role_policy   = data.aws_iam_policy_document.trust["plan"].json
  max_session_duration = 3600
}

resource "aws_iam_role_policy_attachment" "plan_read_only" {
  role       = aws_iam_role.plan.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/ReadOnlyAccess"
}

data "aws_iam_policy_document" "plan_extra" {
  source_policy_documents = [data.aws_iam_policy_document.state_read_and_lock.json]

  # A plan runs the stack's password generators (Secrets Manager's GetRandomPassword) and refreshes
  # its secret versions, which the provider reads back with GetSecretValue: the stack's secrets
  # (named <name>-<environment>/...) only.
  statement {
    sid       = "PlanEphemeralPasswords"
    actions   = ["secretsmanager:GetRandomPassword"]
    resources = ["*"] # GetRandomPassword has no resource-level permissions
  }
  statement {
    sid       = "RefreshStackSecretVersions"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = ["arn:${local.partition}:secretsmanager:${var.region}:${local.account_id}:secret:${var.name}-*/*"]
  }
  statement {
    sid       = "DecryptPlatformSecrets"
    actions   = ["kms:Decrypt"]
    resources = ["arn:${local.partition}:kms:${var.region}:${local.account_id}:key/*"]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${var.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "plan" {
  name   = "state-and-plan"
  role   = aws_iam_role.plan.id
  policy = data.aws_iam_policy_document.plan_extra.json
}

# deploy: only jobs of the repository's `production` environment (with its required reviewers).
resource "aws_iam_role" "deploy" {
  name                 = "${var.name}-github-deploy"
  description          = "terraform apply and ECS deploys from the ${var.deploy_environment} environment of ${var.github_repository}"
  assume_role_policy   = data.aws_iam_policy_document.trust["deploy"].json
  max_session_duration = 3600
}

resource "aws_iam_role_policy_attachment" "deploy_power_user" {
  role       = aws_iam_role.deploy.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/PowerUserAccess"
}

# PowerUserAccess has no IAM: the stack's own roles (named <name>-...) are all it may manage, and
# never the two roles of this bootstrap (it must not widen its own or plan's trust or policies).
data "aws_iam_policy_document" "deploy_iam" {
  source_policy_documents = [data.aws_iam_policy_document.state_write.json]

  statement {
    sid = "ManageStackRoles"
    actions = [
      "iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy",
      "iam:TagRole", "iam:UntagRole", "iam:ListRoleTags",
      "iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy", "iam:ListRolePolicies",
      "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole", "iam:PassRole",
    ]
    resources = [local.role_pattern]
  }
  statement {
    sid       = "ServiceLinkedRoles"
    actions   = ["iam:CreateServiceLinkedRole"]
    resources = ["arn:${local.partition}:iam::${local.account_id}:role/aws-service-role/*"]
  }
  statement {
    sid       = "NeverTheGitHubRoles"
    effect    = "Deny"
    actions   = ["iam:*"]
    resources = ["arn:${local.partition}:iam::${local.account_id}:role/${var.name}-github-*"]
  }
}

resource "aws_iam_role_policy" "deploy" {
  name   = "state-and-stack-roles"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.deploy_iam.json
}
