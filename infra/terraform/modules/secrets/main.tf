# The secret the three services share: the HS256 key customer signs tokens with and every service
# verifies them with. Made by Secrets Manager's generator and written through a write-only
# argument, so the secret resource never holds it; bump jwt_secret_version to rotate. The
# generator is a data source, not the ephemeral resource (Terraform 1.11's test mocks cannot mock
# ephemeral resources): the state keeps its latest answer, the key itself only until the next run.

data "aws_secretsmanager_random_password" "jwt" {
  password_length     = 64
  exclude_punctuation = true
}

resource "aws_secretsmanager_secret" "jwt" {
  #checkov:skip=CKV2_AWS_57:rotating it logs every user out; bump jwt_secret_version to rotate on purpose
  name                    = "${var.name}/jwt-secret"
  description             = "JWT_SECRET shared by the services (HS256)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_days
  tags                    = var.tags
}

resource "aws_secretsmanager_secret_version" "jwt" {
  secret_id                = aws_secretsmanager_secret.jwt.id
  secret_string_wo         = data.aws_secretsmanager_random_password.jwt.random_password
  secret_string_wo_version = var.jwt_secret_version
}
