data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  log_group = { for name, _ in var.services : name => "/ecs/${var.name}/${name}" }
  # Capacity providers per fargate_capacity: MIXED keeps the first task of each service on Fargate
  # (base 1) and puts the others on Spot.
  capacity_strategy = {
    ON_DEMAND = [{ provider = "FARGATE", base = 0, weight = 1 }]
    SPOT      = [{ provider = "FARGATE_SPOT", base = 0, weight = 1 }]
    MIXED     = [{ provider = "FARGATE", base = 1, weight = 0 }, { provider = "FARGATE_SPOT", base = 0, weight = 1 }]
  }[var.fargate_capacity]
  registry = "${data.aws_caller_identity.current.account_id}.dkr.ecr.${data.aws_region.current.name}.amazonaws.com"
  # public.ecr.aws/<path> is pulled through the stack's cache: <registry>/<prefix>/<path>.
  public_ecr_prefix = "${substr(var.name, 0, 26)}-pub"
  collector_image = (
    startswith(var.tracing.collector_image, "public.ecr.aws/")
    ? "${local.registry}/${local.public_ecr_prefix}/${trimprefix(var.tracing.collector_image, "public.ecr.aws/")}"
    : var.tracing.collector_image
  )
  collector_repository = startswith(var.tracing.collector_image, "public.ecr.aws/") ? "${local.public_ecr_prefix}/${split("@", split(":", trimprefix(var.tracing.collector_image, "public.ecr.aws/"))[0])[0]}" : null
  # The collector's whole configuration: OTLP/HTTP in on localhost only, X-Ray out.
  collector_config = yamlencode({
    extensions = { health_check = { endpoint = "127.0.0.1:13133" } }
    receivers  = { otlp = { protocols = { http = { endpoint = "127.0.0.1:4318" } } } }
    processors = {
      "resourcedetection" = { detectors = ["env", "ecs"] }
      "batch/traces"      = { timeout = "1s", send_batch_size = 50 }
    }
    exporters = { awsxray = { region = data.aws_region.current.name } }
    service = {
      extensions = ["health_check"]
      pipelines  = { traces = { receivers = ["otlp"], processors = ["resourcedetection", "batch/traces"], exporters = ["awsxray"] } }
    }
  })
  ports = toset([for s in values(var.services) : tostring(s.port)])
  # valueFrom may name a JSON key (<arn>:password::); IAM wants the secret's own ARN.
  secret_arns = {
    for name, s in var.services : name => distinct([
      for v in values(s.secrets) : regex("^(arn:[^:]+:secretsmanager:[^:]+:[^:]+:secret:[^:]+)", v)[0]
    ])
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

# The deploy script's check task runs with the service's network configuration and calls the
# green revision through the load balancer's test listener (docs/OBSERVABILITY.md, blue/green):
# out of the tasks' group to the load balancer's on that port, and into the load balancer's from
# the tasks' group on it (CloudFront reaches port 80 only).
resource "aws_vpc_security_group_ingress_rule" "load_balancer_test_listener" {
  security_group_id            = var.alb_security_group_id
  description                  = "Test listener: from the service tasks (deploy checks)"
  ip_protocol                  = "tcp"
  from_port                    = var.test_listener_port
  to_port                      = var.test_listener_port
  referenced_security_group_id = aws_security_group.tasks.id
}

resource "aws_vpc_security_group_egress_rule" "test_listener" {
  security_group_id            = aws_security_group.tasks.id
  description                  = "To the load balancer's test listener (deploy checks)"
  ip_protocol                  = "tcp"
  from_port                    = var.test_listener_port
  to_port                      = var.test_listener_port
  referenced_security_group_id = var.alb_security_group_id
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

  # The collector's image, through the pull-through cache (its first pull imports it).
  dynamic "statement" {
    for_each = var.tracing.enabled && local.collector_repository != null ? [1] : []
    content {
      sid       = "PullCollectorImage"
      actions   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage", "ecr:BatchImportUpstreamImage"]
      resources = [aws_ecr_repository.collector[0].arn]
    }
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

# With tracing on: the collector sends the traces to X-Ray and reads its sampling rules. These X-Ray
# actions have no resource-level permissions.
data "aws_iam_policy_document" "tracing" {
  count = var.tracing.enabled ? 1 : 0

  statement {
    sid       = "SendTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "tracing" {
  for_each = var.tracing.enabled ? var.services : {}
  name     = "tracing-${each.key}"
  role     = aws_iam_role.task[each.key].id
  policy   = data.aws_iam_policy_document.tracing[0].json
}

# The collector's image is pulled through this cache from ECR Public (the tasks reach ECR through
# the VPC endpoints, not the internet); its repository is made here, with the stack's settings.
resource "aws_ecr_pull_through_cache_rule" "public" {
  count                 = var.tracing.enabled && local.collector_repository != null ? 1 : 0
  ecr_repository_prefix = local.public_ecr_prefix
  upstream_registry_url = "public.ecr.aws"
}

resource "aws_ecr_repository" "collector" {
  count                = var.tracing.enabled && local.collector_repository != null ? 1 : 0
  name                 = local.collector_repository
  image_tag_mutability = "IMMUTABLE"
  force_delete         = true
  tags                 = var.tags

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = var.kms_key_arn
  }
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
    resources = ["${var.exec_log_group_arn}:*"]
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

  # The service's container first (the deploy script and the outputs address it by name, the
  # outputs as the first), then the collector when tracing is on.
  container_definitions = jsonencode(concat([
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
          }, var.tracing.enabled ? merge(
          { OTEL_EXPORTER_OTLP_ENDPOINT = "http://localhost:4318" },
          var.tracing.sample_ratio == null ? {} : { OTEL_TRACES_SAMPLER_ARG = tostring(var.tracing.sample_ratio) },
        ) : {}) : { name = k, value = v }
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
    ], var.tracing.enabled ? [
    {
      # Not essential: traces are lost while it restarts, the service keeps serving.
      name                   = "otel-collector"
      image                  = local.collector_image
      essential              = false
      readonlyRootFilesystem = true
      memoryReservation      = 32
      memory                 = var.tracing.collector_memory
      command                = ["--config=env:AOT_CONFIG_CONTENT"]
      environment            = [{ name = "AOT_CONFIG_CONTENT", value = local.collector_config }]
      healthCheck = {
        command     = ["/healthcheck"]
        interval    = 15
        timeout     = 5
        retries     = 3
        startPeriod = 10
      }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.service[each.key].name
          awslogs-region        = data.aws_region.current.name
          awslogs-stream-prefix = "otel-collector"
          mode                  = "non-blocking"
          max-buffer-size       = "1m"
        }
      }
    }
  ] : []))
}

resource "aws_ecs_service" "service" {
  for_each                           = var.services
  name                               = each.key
  cluster                            = var.cluster_arn
  task_definition                    = aws_ecs_task_definition.service[each.key].arn
  desired_count                      = each.value.desired_count
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = 30
  enable_execute_command             = var.enable_ecs_exec
  enable_ecs_managed_tags            = true
  propagate_tags                     = "SERVICE"
  wait_for_steady_state              = false
  # What scripts/deploy-ecs.ts applies at every deploy: provider 5.100 has no argument for ECS's
  # deployment strategy (BLUE_GREEN), its bake time or the load balancer's advanced configuration.
  # Read by the script from these tags (docs/OBSERVABILITY.md, "Blue/green deployments").
  tags = merge(var.tags, {
    Service                         = each.key
    "deploy:strategy"               = each.value.deploy_strategy
    "deploy:bake-minutes"           = tostring(each.value.bake_minutes)
    "deploy:alternate-target-group" = var.alternate_target_group_arns[each.key]
    "deploy:production-rule"        = var.listener_rule_arns[each.key].production
    "deploy:test-rule"              = var.listener_rule_arns[each.key].test
    "deploy:role"                   = aws_iam_role.load_balancers.arn
    "deploy:test-url"               = "${var.test_listener_url}${coalesce(each.value.path, "/${each.key}")}"
  })

  dynamic "capacity_provider_strategy" {
    for_each = local.capacity_strategy
    content {
      capacity_provider = capacity_provider_strategy.value.provider
      base              = capacity_provider_strategy.value.base
      weight            = capacity_provider_strategy.value.weight
    }
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

  # A deployment during which one of these alarms goes off is rolled back (in a blue/green
  # deployment, until the bake time is over).
  dynamic "alarms" {
    for_each = length(each.value.alarm_names) > 0 ? [1] : []
    content {
      alarm_names = each.value.alarm_names
      enable      = true
      rollback    = true
    }
  }

  lifecycle {
    # scripts/deploy-ecs.ts registers new revisions on every deploy, autoscaling owns the count
    ignore_changes = [task_definition, desired_count]
  }
}

resource "aws_appautoscaling_target" "service" {
  for_each           = var.services
  service_namespace  = "ecs"
  resource_id        = "service/${var.cluster_name}/${aws_ecs_service.service[each.key].name}"
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

# Requests per task and minute, over both target groups: a blue/green deployment moves the
# traffic to the alternate group (the predefined ALBRequestCountPerTarget watches one group only,
# and would scale the service in once its group is empty). The group without traffic has no data
# (FILL 0).
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

    customized_metric_specification {
      dynamic "metrics" {
        for_each = var.target_group_arn_suffixes[each.key]
        content {
          id          = "tg${metrics.key}"
          return_data = false
          metric_stat {
            stat = "Sum"
            metric {
              namespace   = "AWS/ApplicationELB"
              metric_name = "RequestCountPerTarget"
              dimensions {
                name  = "TargetGroup"
                value = metrics.value
              }
            }
          }
        }
      }

      metrics {
        id          = "requests"
        label       = "requests per task over both target groups"
        expression  = join(" + ", [for i, _ in var.target_group_arn_suffixes[each.key] : "FILL(tg${i}, 0)"])
        return_data = true
      }
    }
  }
}

# Working hours (schedule): at stop every service goes to zero tasks, at start back to its counts.
resource "aws_appautoscaling_scheduled_action" "stop" {
  for_each           = var.schedule == null ? {} : var.services
  name               = "${var.name}-${each.key}-stop"
  service_namespace  = aws_appautoscaling_target.service[each.key].service_namespace
  resource_id        = aws_appautoscaling_target.service[each.key].resource_id
  scalable_dimension = aws_appautoscaling_target.service[each.key].scalable_dimension
  schedule           = var.schedule.stop
  timezone           = var.schedule.timezone

  scalable_target_action {
    min_capacity = 0
    max_capacity = 0
  }
}

resource "aws_appautoscaling_scheduled_action" "start" {
  for_each           = var.schedule == null ? {} : var.services
  name               = "${var.name}-${each.key}-start"
  service_namespace  = aws_appautoscaling_target.service[each.key].service_namespace
  resource_id        = aws_appautoscaling_target.service[each.key].resource_id
  scalable_dimension = aws_appautoscaling_target.service[each.key].scalable_dimension
  schedule           = var.schedule.start
  timezone           = var.schedule.timezone

  scalable_target_action {
    min_capacity = each.value.desired_count
    max_capacity = each.value.max_count
  }

  # One scheduled action at a time per scalable target (Application Auto Scaling refuses two
  # concurrent changes of one target).
  depends_on = [aws_appautoscaling_scheduled_action.stop]
}

# The role ECS uses to move a blue/green deployment's traffic (ECS's "infrastructure role for load
# balancers"): the weights of the services' listener rules and the targets of their target groups,
# nothing else. The deploy script names it in each blue/green deployment (deploy:role).
data "aws_iam_policy_document" "ecs_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "load_balancers" {
  name                 = "${var.name}-ecs-load-balancers"
  assume_role_policy   = data.aws_iam_policy_document.ecs_assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

data "aws_iam_policy_document" "load_balancers" {
  statement {
    sid       = "ReadLoadBalancing"
    actions   = ["elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth"]
    resources = ["*"] # Describe calls have no resource-level permissions
  }

  statement {
    sid       = "MoveTheServicesWeights"
    actions   = ["elasticloadbalancing:ModifyRule"]
    resources = flatten([for r in values(var.listener_rule_arns) : [r.production, r.test]])
  }

  statement {
    sid       = "RegisterTheServicesTasks"
    actions   = ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"]
    resources = concat(values(var.target_group_arns), values(var.alternate_target_group_arns))
  }
}

resource "aws_iam_role_policy" "load_balancers" {
  name   = "blue-green-traffic"
  role   = aws_iam_role.load_balancers.id
  policy = data.aws_iam_policy_document.load_balancers.json
}
