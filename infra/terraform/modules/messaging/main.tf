# Amazon MQ for RabbitMQ in the private subnets (its security group, AMQPS from the tasks only, is
# the main stack's: modules/messaging-access). Used by the credentials stack only.
#
# What stays in this stack's state, and why: Amazon MQ takes the broker user's password as a plain
# argument (aws_mq_broker has no write-only one in provider 5.100), so the password is in the
# broker's state, and in terraform_data.password below, which holds it steady from run to run.
# That state is the credentials stack's: only the deploy role can read it (the plan role and the
# bucket policy keep pull requests out), and it travels in no artifact. It is in no log: the value
# is sensitive (a plan prints "(sensitive value)"). Not Secrets Manager's generator as a data source:
# its id is the password, and Terraform prints "Read complete [id=...]" in every plan's log. The
# AMQP_URL secret's value is written through a write-only argument: not in the state.
# The provider ignores every change of `user` once the broker exists (RabbitMQ users are managed
# in RabbitMQ, not through Amazon MQ's API): changing the password goes through the management
# API instead, docs/SECURITY.md.

locals {
  cluster  = var.deployment_mode == "CLUSTER_MULTI_AZ"
  password = terraform_data.password.output
}

# 40 hex characters (160 bits) from crypto/rand (uuid(), evaluated at apply time), drawn once.
resource "terraform_data" "password" {
  input = sensitive(substr(sha256(join("", [uuid(), uuid()])), 0, 40))

  lifecycle {
    ignore_changes = [input]
  }
}

resource "aws_mq_broker" "this" {
  #checkov:skip=CKV_AWS_209:Amazon MQ for RabbitMQ encrypts storage with an AWS-owned key; it does not take customer-managed keys
  broker_name                = var.name
  engine_type                = "RabbitMQ"
  engine_version             = var.engine_version
  host_instance_type         = var.instance_type
  deployment_mode            = var.deployment_mode
  publicly_accessible        = false
  subnet_ids                 = local.cluster ? var.subnet_ids : [var.subnet_ids[0]]
  security_groups            = [var.security_group_id]
  auto_minor_version_upgrade = true
  apply_immediately          = false
  tags                       = var.tags

  user {
    username = var.username
    password = local.password
  }

  logs {
    general = true
  }

  maintenance_window_start_time {
    day_of_week = "SUNDAY"
    time_of_day = "04:00"
    time_zone   = "UTC"
  }
}

# The services' AMQP_URL, written when the broker is created (and again if it is ever replaced:
# a new broker has a new endpoint and gets the password of that run).
resource "aws_secretsmanager_secret_version" "amqp_url" {
  secret_id = var.amqp_url_secret_arn
  secret_string_wo = replace(
    aws_mq_broker.this.instances[0].endpoints[0],
    "amqps://",
    "amqps://${urlencode(var.username)}:${urlencode(local.password)}@",
  )
  secret_string_wo_version = 1
  # Keeps this version from being deprecated and deleted when the password procedure writes new
  # ones (Terraform would otherwise write the old value again).
  version_stages = ["AWSCURRENT", "terraform-initial"]

  lifecycle {
    ignore_changes       = [version_stages]
    replace_triggered_by = [aws_mq_broker.this.id]
  }
}
