# Database, the broker's network access, the (empty) secrets and the key, each module on its own
# with the mocked provider. The broker itself and the secrets' first values are the credentials
# stack's (credentials/tests).

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
    condition     = alltrue([for name, url in output.mongo_urls : strcontains(url, "/${name}?") && strcontains(url, "tls=true") && strcontains(url, "retryWrites=false") && !strcontains(url, "@")]) && keys(output.mongo_urls) == ["customer", "products"]
    error_message = "one connection string per service: its own database, TLS, retryWrites=false, no credentials in it (so it is plain environment)"
  }

  assert {
    condition = (
      toset(aws_docdb_cluster.this.enabled_cloudwatch_logs_exports) == toset(["audit", "profiler"]) &&
      jsonencode(output.log_groups) == jsonencode({
        audit    = { kms_key_id = var.kms_key_arn, name = "/aws/docdb/platform-test/audit", retention_in_days = 365 }
        profiler = { kms_key_id = var.kms_key_arn, name = "/aws/docdb/platform-test/profiler", retention_in_days = 365 }
      })
    )
    error_message = "DocumentDB's audit and profiler logs go to groups created first, with a retention and the platform key (the groups DocumentDB would create keep logs forever)"
  }

  assert {
    condition     = output.master_user_secret_arn == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-abc-AbCdEf"
    error_message = "the services get the ARN of the RDS-managed secret, never its value"
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

run "broker_network_access" {
  command = apply
  module {
    source = "./modules/messaging-access"
  }

  assert {
    condition     = jsonencode(output.ingress) == jsonencode([{ cidr_ipv4 = null, cidr_ipv6 = null, from_port = 5671, prefix_list_id = null, referenced_security_group_id = "sg-tasks", to_port = 5671 }])
    error_message = "the broker accepts AMQPS from the tasks only, and its management API from nobody"
  }
}

run "broker_management_access_for_a_password_change" {
  command = apply
  module {
    source = "./modules/messaging-access"
  }
  variables {
    management_access = true
  }

  assert {
    condition     = toset([for r in output.ingress : r.from_port]) == toset([5671, 443]) && alltrue([for r in output.ingress : r.referenced_security_group_id == "sg-tasks" && r.cidr_ipv4 == null])
    error_message = "switched on, the management API (HTTPS) opens to the tasks only"
  }
}

run "secrets_are_created_empty" {
  command = apply
  module {
    source = "./modules/secrets"
  }

  assert {
    condition     = aws_secretsmanager_secret.jwt_keys.name == "platform-test/jwt-keys" && aws_secretsmanager_secret.amqp_url.name == "platform-test/amqp-url"
    error_message = "one JWT keys secret (signing and accepted) and the AMQP_URL secret"
  }

  assert {
    condition     = alltrue([for s in [aws_secretsmanager_secret.jwt_keys, aws_secretsmanager_secret.amqp_url] : s.kms_key_id == var.kms_key_arn && s.recovery_window_in_days == 7])
    error_message = "encrypted with the platform key, restorable for a week by default"
  }
}

run "secrets_of_a_throwaway_environment_go_at_once" {
  command = apply
  module {
    source = "./modules/secrets"
  }
  variables {
    recovery_window_in_days = 0
  }

  assert {
    condition     = aws_secretsmanager_secret.jwt_keys.recovery_window_in_days == 0 && aws_secretsmanager_secret.amqp_url.recovery_window_in_days == 0
    error_message = "with 0, a destroyed environment's secrets are deleted at once and can be created again under the same names"
  }
}

run "secrets_reject_a_recovery_window_secrets_manager_refuses" {
  command = plan
  module {
    source = "./modules/secrets"
  }
  variables {
    recovery_window_in_days = 3
  }
  expect_failures = [var.recovery_window_in_days]
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

  assert {
    condition = (
      one([for st in data.aws_iam_policy_document.key.statement : st if st.sid == "AlarmsAndBudgetsPublishToTheTopic"]).principals == toset([{ type = "Service", identifiers = toset(["cloudwatch.amazonaws.com", "budgets.amazonaws.com"]) }]) &&
      one([for st in data.aws_iam_policy_document.key.statement : st if st.sid == "AlarmsAndBudgetsPublishToTheTopic"]).actions == toset(["kms:GenerateDataKey*", "kms:Decrypt"]) &&
      jsonencode(one([for st in data.aws_iam_policy_document.key.statement : st if st.sid == "AlarmsAndBudgetsPublishToTheTopic"]).condition) == jsonencode([{ test = "StringEquals", values = ["123456789012"], variable = "aws:SourceAccount" }])
    )
    error_message = "CloudWatch alarms and AWS Budgets of this account only may use the key, to publish to the encrypted alarm topic"
  }
}

run "database_stops_outside_working_hours" {
  command = apply
  module {
    source = "./modules/database"
  }
  variables {
    vpc_id                   = "vpc-123"
    subnet_ids               = ["subnet-a", "subnet-b"]
    client_security_group_id = "sg-tasks"
    databases                = ["customer"]
    schedule                 = { start = "cron(0 8 ? * MON-FRI *)", stop = "cron(0 18 ? * MON-FRI *)", timezone = "Europe/Dublin" }
    permissions_boundary_arn = "arn:aws:iam::123456789012:policy/platform-stack-boundary"
  }

  assert {
    condition = output.schedule == {
      stop  = { expression = "cron(0 18 ? * MON-FRI *)", target = "arn:aws:scheduler:::aws-sdk:docdb:stopDBCluster", timezone = "Europe/Dublin" }
      start = { expression = "cron(0 8 ? * MON-FRI *)", target = "arn:aws:scheduler:::aws-sdk:docdb:startDBCluster", timezone = "Europe/Dublin" }
    } && alltrue([for s in aws_scheduler_schedule.cluster : jsondecode(one(s.target).input) == { DbClusterIdentifier = aws_docdb_cluster.this.cluster_identifier } && one(s.target).role_arn == aws_iam_role.scheduler[0].arn && s.kms_key_arn == var.kms_key_arn])
    error_message = "EventBridge Scheduler stops the cluster at stop and starts it at start, with the schedule's role, its input encrypted with the platform key"
  }

  assert {
    condition = (
      toset(flatten([for st in data.aws_iam_policy_document.scheduler[0].statement : st.actions if st.sid == "StopAndStartThisCluster"])) == toset(["rds:StopDBCluster", "rds:StartDBCluster"]) &&
      toset(flatten([for st in data.aws_iam_policy_document.scheduler[0].statement : st.resources if st.sid == "StopAndStartThisCluster"])) == toset([aws_docdb_cluster.this.arn]) &&
      one(data.aws_iam_policy_document.scheduler_assume[0].statement).principals == toset([{ type = "Service", identifiers = toset(["scheduler.amazonaws.com"]) }]) &&
      aws_iam_role.scheduler[0].permissions_boundary == var.permissions_boundary_arn
    )
    error_message = "the scheduler's role may stop and start this cluster only, assumed by EventBridge Scheduler only, under the boundary"
  }
}
