# The first value of the JWT keys secret, written once by the credentials stack:
# {"signing": "<64 hex characters>", "accepted": ""}. Later values come from `rotate-secret jwt`
# (docs/SECURITY.md), which Terraform leaves alone.
#
# The key never enters a plan or a state: it is written through a write-only argument, and it is
# made of uuid(), which Terraform evaluates at apply time only, from crypto/rand (three v4 UUIDs,
# 366 random bits, hashed to 256). It is not the ephemeral aws_secretsmanager_random_password
# because Terraform 1.11's test mocks cannot mock ephemeral resources ("No ephemeral resource types
# in mock providers"), and this module is tested offline.
locals {
  initial_value = jsonencode({
    signing  = sha256(join("", [uuid(), uuid(), uuid()]))
    accepted = ""
  })
}

resource "aws_secretsmanager_secret_version" "initial" {
  secret_id                = var.secret_arn
  secret_string_wo         = local.initial_value
  secret_string_wo_version = 1
  # The label keeps this version from ever being deprecated and deleted by Secrets Manager as
  # rotations pile up (Terraform would otherwise create it again, over the rotated keys).
  version_stages = ["AWSCURRENT", "terraform-initial"]

  lifecycle {
    # A rotation moves AWSCURRENT to its own version: that is no drift to undo.
    ignore_changes = [version_stages]
  }
}
