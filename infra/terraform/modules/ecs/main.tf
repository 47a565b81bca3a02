data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  log_group = { for name, _ in var.services : name => "/ecs/${var.name}/${name}" }
  ports     = toset([for s in values(var.services) : tostring(s.port)])
  # valueFrom may name a JSON key (<arn>:password::); IAM wants the secret's own ARN.
  secret_arns = {
    for name, s in var.services : name => distinct([
      for v in values(s.secrets) : regex("^(arn:[^:]+:secretsmanager:[^:]+:[^:]+:secret:[^:]+)", v)[0]
    ])
  }
}

resource "aws_cloudwatch_log_group" "exec" {
  #checkov:skip=CKV_AWS_338:retention is a variable (log_retention_days, 30 by default)
  count             = var.enable_ecs_exec ? 1 : 0
  name              = "/ecs/${var.name}/exec"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_ecs_cluster" "this" {
  name = var.name
  tags = var.tags

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  dynamic "configuration" {
    for_each = var.enable_ecs_exec ? [1] : []
    content {
      execute_command_configuration {
        kms_key_id = var.kms_key_arn
        logging    = "OVERRIDE"
        log_configuration {
          cloud_watch_encryption_enabled = true
          cloud_watch_log_group_name     = aws_cloudwatch_log_group.exec[0].name
        }
      }
    }
  }
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
}

# The tasks' security group: in from the load balancer on the container port, nothing else;
# out to the VPC endpoints (HTTPS), S3 (image layers), the database and the broker.
resource "aws_security_group" "tasks" {
  name        = "${var.name}-tasks"
  description = "Service tasks: from the load balancer only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-tasks" })
}

resource "aws_vpc_security_group_ingress_rule" "from_alb" {
  for_each                     = local.ports
  security_group_id            = aws_security_group.tasks.id
  description                  = "HTTP from the load balancer, port ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = each.key
  to_port                      = each.key
  referenced_security_group_id = var.alb_security_group_id
}

# One ingress rule per container port since the port became a per-service setting (8080 before).
moved {
  from = aws_vpc_security_group_ingress_rule.from_alb
  to   = aws_vpc_security_group_ingress_rule.from_alb["8080"]
}

resource "aws_vpc_security_group_egress_rule" "https_in_vpc" {
  security_group_id = aws_security_group.tasks.id
  description       = "HTTPS to the interface VPC endpoints"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = var.vpc_cidr
}

resource "aws_vpc_security_group_egress_rule" "https_s3" {
  security_group_id = aws_security_group.tasks.id
  description       = "HTTPS to S3 through the gateway endpoint (image layers)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = var.s3_prefix_list_id
}

resource "aws_vpc_security_group_egress_rule" "database" {
  security_group_id            = aws_security_group.tasks.id
  description                  = "MongoDB protocol to DocumentDB"
  ip_protocol                  = "tcp"
  from_port                    = 27017
  to_port                      = 27017
  referenced_security_group_id = var.database_security_group_id
}

resource "aws_vpc_security_group_egress_rule" "broker" {
  security_group_id            = aws_security_group.tasks.id
  description                  = "AMQPS to Amazon MQ"
  ip_protocol                  = "tcp"
  from_port                    = 5671
  to_port                      = 5671
  referenced_security_group_id = var.broker_security_group_id
}

resource "aws_cloudwatch_log_group" "service" {
  #checkov:skip=CKV_AWS_338:retention is a variable (log_retention_days, 30 by default); raise it where audits need a year
  for_each          = var.services
  name              = local.log_group[each.key]
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = merge(var.tags, { Service = each.key })
}

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

# The execution role (used by ECS to start the task): per service, and allowed no more than that
# service's image, log group and secrets.
resource "aws_iam_role" "execution" {
  for_each             = var.services
  name                 = "${var.name}-${each.key}-execution"
  assume_role_policy   = data.aws_iam_policy_document.ecs_tasks_assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = merge(var.tags, { Service = each.key })
}

data "aws_iam_policy_document" "execution" {
  for_each = var.services

  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # GetAuthorizationToken has no resource-level permissions
  }

  statement {
    sid       = "PullOwnImage"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
    resources = [var.repository_arns[each.key]]
  }

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.service[each.key].arn}:*"]
  }

  statement {
    sid       = "ReadOwnSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = local.secret_arns[each.key]
  }

  statement {
    sid       = "DecryptOwnSecretsAndImage"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${data.aws_region.current.name}.amazonaws.com", "ecr.${data.aws_region.current.name}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "execution" {
  for_each = var.services
  name     = "start-${each.key}"
  role     = aws_iam_role.execution[each.key].id
  policy   = data.aws_iam_policy_document.execution[each.key].json
}

# The task role (what the application itself may do in AWS): read the secrets the service reads
# at run time (the database's managed credentials, which RDS rotates: the service reads them again
# when authentication fails), and ECS Exec's channel when that is on.
resource "aws_iam_role" "task" {
  for_each             = var.services
  name                 = "${var.name}-${each.key}-task"
  assume_role_policy   = data.aws_iam_policy_document.ecs_tasks_assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = merge(var.tags, { Service = each.key })
}

# Exactly the secrets listed in task_secrets. The database's managed secret is encrypted with the
# AWS-managed key aws/secretsmanager, which Secrets Manager uses for any principal allowed to read
# the secret: no kms statement is needed.
data "aws_iam_policy_document" "task_secrets" {
  for_each = { for name, s in var.services : name => s if length(s.task_secrets) > 0 }

  statement {
    sid       = "ReadRuntimeSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = each.value.task_secrets
  }
}

resource "aws_iam_role_policy" "task_secrets" {
  for_each = data.aws_iam_policy_document.task_secrets
  name     = "runtime-secrets-${each.key}"
  role     = aws_iam_role.task[each.key].id
  policy   = each.value.json
}

# With ECS Exec on: the session channel, its KMS encryption and its log group (the agent in the
# container checks that the group is encrypted before it writes to it).
data "aws_iam_policy_document" "exec_channel" {
  count = var.enable_ecs_exec ? 1 : 0

  statement {
    sid = "SessionChannel"
    actions = [
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
    ]
    resources = ["*"] # ssmmessages has no resource-level permissions
  }

  statement {
    sid       = "SessionEncryption"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }

  statement {
    sid       = "FindSessionLogGroup"
    actions   = ["logs:DescribeLogGroups"]
    resources = ["*"] # DescribeLogGroups has no resource-level permissions
  }

  statement {
    sid       = "WriteSessionLogs"
    actions   = ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.exec[0].arn}:*"]
  }
}

resource "aws_iam_role_policy" "exec_channel" {
  for_each = var.enable_ecs_exec ? var.services : {}
  name     = "ecs-exec"
  role     = aws_iam_role.task[each.key].id
  policy   = data.aws_iam_policy_document.exec_channel[0].json
}

resource "aws_ecs_task_definition" "service" {
  for_each                 = var.services
  family                   = "${var.name}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = each.value.cpu
  memory                   = each.value.memory
  execution_role_arn       = aws_iam_role.execution[each.key].arn
  task_role_arn            = aws_iam_role.task[each.key].arn
  tags                     = merge(var.tags, { Service = each.key })

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  # The read-only root filesystem leaves /tmp as the one writable place, in the task's storage.
  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([
    {
      name                   = each.key
      image                  = "${var.repository_urls[each.key]}:${var.image_tag}"
      essential              = true
      readonlyRootFilesystem = true
      user                   = "65532:65532"
      stopTimeout            = 30
      portMappings           = [{ containerPort = each.value.port, protocol = "tcp", name = "http" }]
      mountPoints            = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
      environment = [
        for k, v in merge(var.environment, each.value.environment, {
          SERVICE_NAME      = each.key
          PORT              = tostring(each.value.port)
          NODE_ENV          = "production"
          MONGO_TLS_CA_FILE = "/app/global-bundle.pem"
        }) : { name = k, value = v }
      ]
      secrets = [for k, arn in each.value.secrets : { name = k, valueFrom = arn }]
      healthCheck = {
        command     = ["CMD", "/nodejs/bin/node", "/app/healthcheck.mjs"]
        interval    = 15
        timeout     = 5
        retries     = 3
        startPeriod = 20
      }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.service[each.key].name
          awslogs-region        = data.aws_region.current.name
          awslogs-stream-prefix = each.key
          mode                  = "non-blocking"
          max-buffer-size       = "4m"
        }
      }
    }
  ])
}

resource "aws_ecs_service" "service" {
  for_each                           = var.services
  name                               = each.key
  cluster                            = aws_ecs_cluster.this.id
  task_definition                    = aws_ecs_task_definition.service[each.key].arn
  desired_count                      = each.value.desired_count
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = 30
  enable_execute_command             = var.enable_ecs_exec
  enable_ecs_managed_tags            = true
  propagate_tags                     = "SERVICE"
  wait_for_steady_state              = false
  tags                               = merge(var.tags, { Service = each.key })

  capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = var.target_group_arns[each.key]
    container_name   = each.key
    container_port   = each.value.port
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  lifecycle {
    # scripts/deploy-ecs.ts registers new revisions on every deploy, autoscaling owns the count
    ignore_changes = [task_definition, desired_count]
  }

  depends_on = [aws_ecs_cluster_capacity_providers.this]
}

resource "aws_appautoscaling_target" "service" {
  for_each           = var.services
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.this.name}/${aws_ecs_service.service[each.key].name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = each.value.desired_count
  max_capacity       = each.value.max_count
}

resource "aws_appautoscaling_policy" "cpu" {
  for_each           = var.services
  name               = "${each.key}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.service[each.key].service_namespace
  resource_id        = aws_appautoscaling_target.service[each.key].resource_id
  scalable_dimension = aws_appautoscaling_target.service[each.key].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.cpu_target_percent
    scale_in_cooldown  = 300
    scale_out_cooldown = 60
    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_policy" "requests" {
  for_each           = var.services
  name               = "${each.key}-requests"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.service[each.key].service_namespace
  resource_id        = aws_appautoscaling_target.service[each.key].resource_id
  scalable_dimension = aws_appautoscaling_target.service[each.key].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.requests_per_target
    scale_in_cooldown  = 300
    scale_out_cooldown = 60
    predefined_metric_specification {
      predefined_metric_type = "ALBRequestCountPerTarget"
      resource_label         = "${var.alb_arn_suffix}/${var.target_group_arn_suffixes[each.key]}"
    }
  }
}
