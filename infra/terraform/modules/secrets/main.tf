# The secrets the services read, created empty: name, KMS key and recovery window, no value.
# Their first values are written by the credentials stack (../../credentials), whose state only the
# deploy role can read; later values by the rotation procedure (docs/SECURITY.md). So the main
# stack's state and plans, which pull-request plans read, never hold a secret value.
#
# jwt-keys: {"signing":"<key>","accepted":"<comma-separated other keys, may be empty>"}. The
# services sign with `signing` and verify with it or any `accepted` key: a rotation first adds the
# new key to `accepted` everywhere, then makes it `signing`, so no token is refused halfway.
# amqp-url: the broker's AMQPS URL with its user's credentials.

resource "aws_secretsmanager_secret" "jwt_keys" {
  #checkov:skip=CKV2_AWS_57:rotated in two phases by `rotate-secret jwt` (docs/SECURITY.md): a Lambda rotation would swap the key at once and refuse the tokens it signed
  name                    = "${var.name}/jwt-keys"
  description             = "JWT keys of the services: signing and accepted (HS256)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.recovery_window_in_days
  tags                    = var.tags
}

resource "aws_secretsmanager_secret" "amqp_url" {
  #checkov:skip=CKV2_AWS_57:Amazon MQ has no rotation function for RabbitMQ users; docs/SECURITY.md has the procedure (a second broker user through the management API)
  name                    = "${var.name}/amqp-url"
  description             = "AMQP_URL of the services (AMQPS, with the broker user's credentials)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.recovery_window_in_days
  tags                    = var.tags
}
