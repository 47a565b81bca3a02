# Database, broker, secrets and the key, each module on its own with the mocked provider.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                     = "platform-test"
  vpc_id                   = "vpc-123"
  subnet_ids               = ["subnet-a", "subnet-b"]
  client_security_group_id = "sg-tasks"
  kms_key_arn              = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
}

run "documentdb" {
  command = apply
  module {
    source = "./modules/database"
  }
  variables {
    databases = ["customer", "products"]
  }

  assert {
    condition     = aws_docdb_cluster.this.storage_encrypted && aws_docdb_cluster.this.kms_key_id == var.kms_key_arn && aws_docdb_cluster.this.deletion_protection && aws_docdb_cluster.this.backup_retention_period == 7
    error_message = "encrypted with the platform key, protected from deletion, backed up"
  }

  assert {
    condition     = one([for p in aws_docdb_cluster_parameter_group.this.parameter : p.value if p.name == "tls"]) == "enabled" && aws_docdb_cluster.this.db_cluster_parameter_group_name == aws_docdb_cluster_parameter_group.this.name
    error_message = "TLS required"
  }

  assert {
    condition     = aws_docdb_cluster.this.manage_master_user_password && aws_docdb_cluster.this.master_password == null
    error_message = "the master password is managed by RDS in Secrets Manager, never by Terraform"
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.from_tasks.referenced_security_group_id == "sg-tasks" && aws_vpc_security_group_ingress_rule.from_tasks.from_port == 27017 && aws_vpc_security_group_ingress_rule.from_tasks.cidr_ipv4 == null && aws_docdb_cluster.this.vpc_security_group_ids == toset([aws_security_group.db.id])
    error_message = "the database accepts connections from the tasks only"
  }

  assert {
    condition     = alltrue([for name, v in aws_secretsmanager_secret_version.mongo_url : strcontains(v.secret_string, "/${name}?") && strcontains(v.secret_string, "tls=true") && strcontains(v.secret_string, "retryWrites=false") && !strcontains(v.secret_string, "@")])
    error_message = "one connection string per service: its own database, TLS, retryWrites=false, no credentials in it"
  }

  assert {
    condition     = alltrue([for s in aws_secretsmanager_secret.mongo_url : s.kms_key_id == var.kms_key_arn])
    error_message = "secrets encrypted with the platform key"
  }
}

run "documentdb_deletion_protection_off" {
  command = apply
  module {
    source = "./modules/database"
  }
  variables {
    databases           = ["customer"]
    deletion_protection = false
  }

  assert {
    condition     = !aws_docdb_cluster.this.deletion_protection && aws_docdb_cluster.this.skip_final_snapshot
    error_message = "deletion protection follows the variable"
  }
}

run "amazon_mq" {
  command = apply
  module {
    source = "./modules/messaging"
  }

  assert {
    condition     = aws_mq_broker.this.publicly_accessible == false && aws_mq_broker.this.engine_type == "RabbitMQ" && aws_mq_broker.this.deployment_mode == "SINGLE_INSTANCE" && aws_mq_broker.this.subnet_ids == toset(["subnet-a"])
    error_message = "a private single-instance RabbitMQ broker by default"
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.amqps_from_tasks.referenced_security_group_id == "sg-tasks" && aws_vpc_security_group_ingress_rule.amqps_from_tasks.from_port == 5671 && aws_vpc_security_group_ingress_rule.amqps_from_tasks.cidr_ipv4 == null && aws_mq_broker.this.security_groups == toset([aws_security_group.broker.id])
    error_message = "the broker accepts AMQPS from the tasks only"
  }

  assert {
    condition     = startswith(aws_secretsmanager_secret_version.amqp_url.secret_string, "amqps://platform:") && endswith(aws_secretsmanager_secret_version.amqp_url.secret_string, "@b-1.mq.eu-west-1.amazonaws.com:5671")
    error_message = "AMQP_URL is the broker's AMQPS endpoint with the user's credentials"
  }
}

run "amazon_mq_cluster" {
  command = apply
  module {
    source = "./modules/messaging"
  }
  variables {
    deployment_mode = "CLUSTER_MULTI_AZ"
    instance_type   = "mq.m5.large"
  }

  assert {
    condition     = aws_mq_broker.this.deployment_mode == "CLUSTER_MULTI_AZ" && aws_mq_broker.this.subnet_ids == toset(["subnet-a", "subnet-b"])
    error_message = "a cluster spreads over the subnets"
  }
}

run "amazon_mq_cluster_needs_a_bigger_instance" {
  command = plan
  module {
    source = "./modules/messaging"
  }
  variables {
    deployment_mode = "CLUSTER_MULTI_AZ"
  }
  expect_failures = [var.instance_type]
}

run "jwt_secret" {
  command = apply
  module {
    source = "./modules/secrets"
  }

  assert {
    condition     = aws_secretsmanager_secret_version.jwt.secret_string == null && aws_secretsmanager_secret_version.jwt.secret_string_wo_version == 1 && aws_secretsmanager_secret.jwt.kms_key_id == var.kms_key_arn
    error_message = "the JWT key is written write-only (kept out of the secret's state), encrypted with the platform key"
  }
}

run "kms_key_rotates" {
  command = apply
  module {
    source = "./modules/kms"
  }

  assert {
    condition     = aws_kms_key.this.enable_key_rotation && aws_kms_alias.this.name == "alias/platform-test"
    error_message = "the platform key rotates"
  }
}
