# Amazon DocumentDB in the private subnets, reachable from the tasks only, TLS required,
# encrypted, backed up. RDS manages the master password in Secrets Manager
# (manage_master_user_password): Terraform never sees it, and it can be rotated without a deploy.
# The services get it as MONGO_USERNAME / MONGO_PASSWORD from that secret and their connection
# string, without credentials, from a secret of their own.

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
}

resource "aws_docdb_cluster_instance" "this" {
  count                      = var.instance_count
  identifier                 = "${var.name}-${count.index + 1}"
  cluster_identifier         = aws_docdb_cluster.this.id
  instance_class             = var.instance_class
  auto_minor_version_upgrade = true
  tags                       = var.tags
}

# One connection string per service, naming the service's own database. DocumentDB needs
# retryWrites=false; TLS is verified against MONGO_TLS_CA_FILE (the RDS bundle in the image).
resource "aws_secretsmanager_secret" "mongo_url" {
  #checkov:skip=CKV2_AWS_57:holds no credential (those are in the RDS-managed, rotatable master secret)
  for_each                = toset(var.databases)
  name                    = "${var.name}/${each.key}/mongo-url"
  description             = "MONGO_URL of ${each.key} (credentials come from the master user secret)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_days
  tags                    = merge(var.tags, { Service = each.key })
}

resource "aws_secretsmanager_secret_version" "mongo_url" {
  for_each  = aws_secretsmanager_secret.mongo_url
  secret_id = each.value.id
  secret_string = format(
    "mongodb://%s:%d/%s?tls=true&replicaSet=rs0&readPreference=primary&retryWrites=false&authSource=admin",
    aws_docdb_cluster.this.endpoint,
    aws_docdb_cluster.this.port,
    each.key,
  )
}
