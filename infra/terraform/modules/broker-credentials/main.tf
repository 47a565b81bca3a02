# The ECS broker's credentials (broker = "ecs"; modules/broker), written once by the credentials
# stack into the services' AMQP_URL secret, as JSON:
#   {"url": "amqp://<user>:<password>@broker.<prefix>.internal:5672", "password": "<password>"}
# The services take `url` (AMQP_URL), the broker `password` (RABBITMQ_DEFAULT_PASS, which creates
# its user at its first start). One secret, so the two can never disagree.
#
# The password never enters a plan or a state: it is written through a write-only argument and made
# of uuid(), which Terraform evaluates at apply time only, from crypto/rand (two v4 UUIDs, 244
# random bits, hashed, 40 hex characters: 160 bits). Unlike Amazon MQ (modules/messaging), nothing
# else needs the value as an argument. Not the ephemeral aws_secretsmanager_random_password: Terraform
# 1.11's test mocks cannot mock ephemeral resources, and this module is tested offline.
locals {
  password = substr(sha256(join("", [uuid(), uuid()])), 0, 40)
  value = jsonencode({
    url      = "amqp://${urlencode(var.username)}:${local.password}@${var.host}:${var.port}"
    password = local.password
  })
}

resource "aws_secretsmanager_secret_version" "initial" {
  secret_id                = var.secret_arn
  secret_string_wo         = local.value
  secret_string_wo_version = 1
  # Keeps this version from being deprecated and deleted when a password change writes new ones
  # (Terraform would otherwise write the old value again).
  version_stages = ["AWSCURRENT", "terraform-initial"]

  lifecycle {
    ignore_changes = [version_stages]
  }
}
