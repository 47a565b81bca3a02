# Amazon DocumentDB in the private subnets, reachable from the tasks only, TLS required,
# encrypted, backed up. RDS manages the master password in Secrets Manager
# (manage_master_user_password) and rotates it every 7 days: Terraform never sees it. The services
# read that secret themselves (MONGO_CREDENTIALS_SECRET, with their task role) at start and again
# whenever authentication fails, so a rotation needs no deploy. Their connection strings hold no
# credentials, so they are plain environment variables. (Provider 5.100 cannot put the managed
# secret under the stack's key: it is encrypted with aws/secretsmanager, which any principal
# allowed to read the secret may use through Secrets Manager.)

resource "aws_security_group" "db" {
  name        = "${var.name}-docdb"
  description = "DocumentDB: port 27017 from the service tasks only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-docdb" })
}

resource "aws_vpc_security_group_ingress_rule" "from_tasks" {
  security_group_id            = aws_security_group.db.id
  description                  = "MongoDB protocol from the service tasks"
  ip_protocol                  = "tcp"
  from_port                    = 27017
  to_port                      = 27017
  referenced_security_group_id = var.client_security_group_id
}

resource "aws_docdb_subnet_group" "this" {
  name       = var.name
  subnet_ids = var.subnet_ids
  tags       = var.tags
}

resource "aws_docdb_cluster_parameter_group" "this" {
  name        = "${var.name}-docdb5"
  family      = "docdb5.0"
  description = "TLS required, audit and profiler logs on"
  tags        = var.tags

  parameter {
    name  = "tls"
    value = "enabled"
  }

  parameter {
    name  = "audit_logs"
    value = "enabled"
  }

  parameter {
    name  = "profiler"
    value = "enabled"
  }
}

resource "aws_docdb_cluster" "this" {
  cluster_identifier              = var.name
  engine                          = "docdb"
  engine_version                  = var.engine_version
  port                            = 27017
  master_username                 = var.master_username
  manage_master_user_password     = true
  db_subnet_group_name            = aws_docdb_subnet_group.this.name
  db_cluster_parameter_group_name = aws_docdb_cluster_parameter_group.this.name
  vpc_security_group_ids          = [aws_security_group.db.id]
  storage_encrypted               = true
  kms_key_id                      = var.kms_key_arn
  backup_retention_period         = var.backup_retention_days
  preferred_backup_window         = "02:00-03:00"
  preferred_maintenance_window    = "sun:04:00-sun:05:00"
  enabled_cloudwatch_logs_exports = ["audit", "profiler"]
  deletion_protection             = var.deletion_protection
  skip_final_snapshot             = !var.deletion_protection
  final_snapshot_identifier       = var.deletion_protection ? "${var.name}-final" : null
  apply_immediately               = false
  tags                            = var.tags

  # the log groups exist, with their retention and key, before DocumentDB writes to them
  depends_on = [aws_cloudwatch_log_group.exports]
}

resource "aws_docdb_cluster_instance" "this" {
  count                      = var.instance_count
  identifier                 = "${var.name}-${count.index + 1}"
  cluster_identifier         = aws_docdb_cluster.this.id
  instance_class             = var.instance_class
  auto_minor_version_upgrade = true
  tags                       = var.tags
}

# DocumentDB publishes its audit and profiler logs to these groups; created here first, they get a
# retention and the platform key (left to DocumentDB, they would be kept forever, unencrypted).
resource "aws_cloudwatch_log_group" "exports" {
  for_each          = toset(["audit", "profiler"])
  name              = "/aws/docdb/${var.name}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

# Working hours (schedule): EventBridge Scheduler stops the cluster at stop and starts it at start,
# with a role that may do exactly that to this cluster. The services reconnect by themselves once
# it is up again (a few minutes after start; until then /ready answers 503).
locals {
  schedule_actions = var.schedule == null ? {} : {
    stop  = { expression = var.schedule.stop, api = "stopDBCluster" }
    start = { expression = var.schedule.start, api = "startDBCluster" }
  }
}

data "aws_caller_identity" "current" {}

data "aws_iam_policy_document" "scheduler_assume" {
  count = var.schedule == null ? 0 : 1
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  count                = var.schedule == null ? 0 : 1
  name                 = "${var.name}-docdb-schedule"
  assume_role_policy   = data.aws_iam_policy_document.scheduler_assume[0].json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

data "aws_iam_policy_document" "scheduler" {
  count = var.schedule == null ? 0 : 1

  statement {
    sid       = "StopAndStartThisCluster"
    actions   = ["rds:StopDBCluster", "rds:StartDBCluster"]
    resources = [aws_docdb_cluster.this.arn]
  }

  statement {
    sid       = "ReadTheSchedulesInput"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "scheduler" {
  count  = var.schedule == null ? 0 : 1
  name   = "stop-start-docdb"
  role   = aws_iam_role.scheduler[0].id
  policy = data.aws_iam_policy_document.scheduler[0].json
}

resource "aws_scheduler_schedule" "cluster" {
  for_each                     = local.schedule_actions
  name                         = "${var.name}-docdb-${each.key}"
  description                  = "${each.key} DocumentDB ${var.name} (working hours)"
  schedule_expression          = each.value.expression
  schedule_expression_timezone = var.schedule.timezone
  kms_key_arn                  = var.kms_key_arn

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = "arn:aws:scheduler:::aws-sdk:docdb:${each.value.api}"
    role_arn = aws_iam_role.scheduler[0].arn
    input    = jsonencode({ DbClusterIdentifier = aws_docdb_cluster.this.cluster_identifier })
  }
}
