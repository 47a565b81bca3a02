# Amazon MQ for RabbitMQ in the private subnets, reachable from the tasks only (AMQPS, 5671).
# Amazon MQ takes the broker user's password as a plain argument, so, unlike the database's, it
# is in the Terraform state (the state bucket is private and encrypted, see bootstrap/). It is
# made by Secrets Manager's generator when the broker is created and never changes by accident:
# bump credentials_version to replace it.

locals {
  cluster = var.deployment_mode == "CLUSTER_MULTI_AZ"
}

resource "aws_security_group" "broker" {
  name        = "${var.name}-mq"
  description = "Amazon MQ: AMQPS from the service tasks only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-mq" })
}

resource "aws_vpc_security_group_ingress_rule" "amqps_from_tasks" {
  security_group_id            = aws_security_group.broker.id
  description                  = "AMQPS from the service tasks"
  ip_protocol                  = "tcp"
  from_port                    = 5671
  to_port                      = 5671
  referenced_security_group_id = var.client_security_group_id
}

data "aws_secretsmanager_random_password" "admin" {
  password_length     = 32
  exclude_punctuation = true
}

resource "aws_secretsmanager_secret" "admin" {
  #checkov:skip=CKV2_AWS_57:Amazon MQ has no rotation function for RabbitMQ users; bump credentials_version to rotate
  name                    = "${var.name}/mq-admin-password"
  description             = "Password of the Amazon MQ user ${var.username}"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_days
  tags                    = var.tags
}

# The generator answers anew on every plan; the value is written when credentials_version
# changes and otherwise left alone.
resource "aws_secretsmanager_secret_version" "admin" {
  secret_id     = aws_secretsmanager_secret.admin.id
  secret_string = data.aws_secretsmanager_random_password.admin.random_password

  lifecycle {
    ignore_changes       = [secret_string]
    replace_triggered_by = [terraform_data.credentials_version]
  }
}

resource "terraform_data" "credentials_version" {
  input = var.credentials_version
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
  security_groups            = [aws_security_group.broker.id]
  auto_minor_version_upgrade = true
  apply_immediately          = false
  tags                       = var.tags

  user {
    username = var.username
    password = aws_secretsmanager_secret_version.admin.secret_string
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

resource "aws_secretsmanager_secret" "amqp_url" {
  #checkov:skip=CKV2_AWS_57:derived from the broker password, rewritten with it
  name                    = "${var.name}/amqp-url"
  description             = "AMQP_URL of the services (AMQPS, with credentials)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_days
  tags                    = var.tags
}

resource "aws_secretsmanager_secret_version" "amqp_url" {
  secret_id = aws_secretsmanager_secret.amqp_url.id
  secret_string = replace(
    aws_mq_broker.this.instances[0].endpoints[0],
    "amqps://",
    "amqps://${urlencode(var.username)}:${urlencode(aws_secretsmanager_secret_version.admin.secret_string)}@",
  )
}
