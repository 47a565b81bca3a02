# RabbitMQ as an ECS service, the cheap alternative to Amazon MQ for non-production (broker =
# "ecs" in the root stack; the dev profile): one Fargate task whose data directory is on EFS, found
# through a private DNS name, reachable from the service tasks only, with a password Terraform never
# stores. What it gives up against Amazon MQ is in docs/ENVIRONMENTS.md ("The ECS broker"): plain
# AMQP inside the VPC, RabbitMQ on NFS, one node, replaced (not failed over) when its task goes.
#
# Durability: queues, their messages and the broker user live in /var/lib/rabbitmq, an EFS access
# point. The node name is fixed (rabbit@localhost, not the task's host name), so a replacement task
# finds the same data directory; the deployment never runs two tasks (minimum 0 %, maximum 100 %),
# so two nodes never share it.

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  region   = data.aws_region.current.name
  registry = "${data.aws_caller_identity.current.account_id}.dkr.ecr.${local.region}.amazonaws.com"
  # public.ecr.aws/<path>:<tag> is pulled as <registry>/<prefix>/<path>:<tag> through the cache rule.
  # A prefix of its own, beside the tracing collector's <name>-pub (modules/ecs): ECR takes one
  # rule per prefix, and the two are created by different modules.
  ecr_prefix      = "${substr(var.name, 0, 26)}-rmq"
  upstream        = split(":", trimprefix(var.task.image, "public.ecr.aws/"))
  repository_name = "${local.ecr_prefix}/${local.upstream[0]}"
  image           = "${local.registry}/${local.repository_name}:${local.upstream[1]}"

  namespace = "${var.name}.internal"
  host      = "broker.${local.namespace}"
  port      = 5672
  # The image's rabbitmq user (the Alpine images: uid 100, gid 101): the access point writes as it.
  uid = 100
  gid = 101

  # Working hours: the broker starts margin minutes before the services and stops margin minutes
  # after them, so that they find it at start and their last events reach it. The shift applies to
  # cron(M H ...) expressions when it stays on the same day; otherwise the broker keeps the
  # services' times (they reconnect by themselves and the outbox holds what they could not send).
  cron_pattern = "^cron\\((\\d+) (\\d+) (.+)\\)$"
  start_parts  = try(regex(local.cron_pattern, var.schedule.start), null)
  stop_parts   = try(regex(local.cron_pattern, var.schedule.stop), null)
  start_minute = try(tonumber(local.start_parts[1]) * 60 + tonumber(local.start_parts[0]) - var.schedule_margin_minutes, -1)
  stop_minute  = try(tonumber(local.stop_parts[1]) * 60 + tonumber(local.stop_parts[0]) + var.schedule_margin_minutes, 24 * 60)
  broker_schedule = var.schedule == null ? null : {
    start    = local.start_minute >= 0 ? format("cron(%d %d %s)", local.start_minute % 60, floor(local.start_minute / 60), local.start_parts[2]) : var.schedule.start
    stop     = local.stop_minute < 24 * 60 ? format("cron(%d %d %s)", local.stop_minute % 60, floor(local.stop_minute / 60), local.stop_parts[2]) : var.schedule.stop
    timezone = var.schedule.timezone
  }
}

# --- the image, through the stack's cache of ECR Public ------------------------------------------

resource "aws_ecr_pull_through_cache_rule" "public" {
  ecr_repository_prefix = local.ecr_prefix
  upstream_registry_url = "public.ecr.aws"
}

# Made here rather than by the first pull, with the stack's settings (the key, immutable tags, scans):
# so the execution role needs no ecr:CreateRepository.
resource "aws_ecr_repository" "rabbitmq" {
  name                 = local.repository_name
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

# --- network: AMQP from the service tasks only, NFS from the broker only ----------------------------

resource "aws_security_group" "broker" {
  name        = "${var.name}-broker"
  description = "RabbitMQ on ECS: AMQP from the service tasks only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-broker" })
}

resource "aws_vpc_security_group_ingress_rule" "amqp_from_tasks" {
  security_group_id            = aws_security_group.broker.id
  description                  = "AMQP from the service tasks"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = var.client_security_group_id
}

# The services' side of the same connection (their group allows the endpoints, S3, DocumentDB
# and Amazon MQ's AMQPS; this adds AMQP to this broker).
resource "aws_vpc_security_group_egress_rule" "tasks_to_broker" {
  security_group_id            = var.client_security_group_id
  description                  = "AMQP to the ECS broker"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = aws_security_group.broker.id
}

resource "aws_vpc_security_group_egress_rule" "broker_https_in_vpc" {
  security_group_id = aws_security_group.broker.id
  description       = "HTTPS to the interface VPC endpoints (ECR, logs, Secrets Manager)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = var.vpc_cidr
}

resource "aws_vpc_security_group_egress_rule" "broker_https_s3" {
  security_group_id = aws_security_group.broker.id
  description       = "HTTPS to S3 through the gateway endpoint (image layers)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = var.s3_prefix_list_id
}

resource "aws_vpc_security_group_egress_rule" "broker_nfs" {
  security_group_id            = aws_security_group.broker.id
  description                  = "NFS to the broker's file system"
  ip_protocol                  = "tcp"
  from_port                    = 2049
  to_port                      = 2049
  referenced_security_group_id = aws_security_group.data.id
}

resource "aws_security_group" "data" {
  name        = "${var.name}-broker-data"
  description = "The ECS broker's file system: NFS from the broker only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-broker-data" })
}

resource "aws_vpc_security_group_ingress_rule" "nfs_from_broker" {
  security_group_id            = aws_security_group.data.id
  description                  = "NFS from the broker's task"
  ip_protocol                  = "tcp"
  from_port                    = 2049
  to_port                      = 2049
  referenced_security_group_id = aws_security_group.broker.id
}

# --- the data directory --------------------------------------------------------------------------

resource "aws_efs_file_system" "data" {
  creation_token   = "${var.name}-broker"
  encrypted        = true
  kms_key_id       = var.kms_key_arn
  performance_mode = "generalPurpose"
  # Bursting: a broker's small writes stay within the credits a file system starts with and
  # earns; no per-GB throughput charge (elastic's).
  throughput_mode = "bursting"
  tags            = merge(var.tags, { Name = "${var.name}-broker" })
}

resource "aws_efs_mount_target" "data" {
  count           = length(var.subnet_ids)
  file_system_id  = aws_efs_file_system.data.id
  subnet_id       = var.subnet_ids[count.index]
  security_groups = [aws_security_group.data.id]
}

# The only way in: as the image's rabbitmq user, into /rabbitmq (created on first use, mode 0700).
resource "aws_efs_access_point" "data" {
  file_system_id = aws_efs_file_system.data.id
  tags           = merge(var.tags, { Name = "${var.name}-broker" })

  posix_user {
    uid = local.uid
    gid = local.gid
  }

  root_directory {
    path = "/rabbitmq"
    creation_info {
      owner_uid   = local.uid
      owner_gid   = local.gid
      permissions = "0700"
    }
  }
}

# IAM authorization and TLS, enforced by the file system itself: the broker's task role, through
# the access point, over TLS; nothing else mounts it.
data "aws_iam_policy_document" "data" {
  statement {
    sid       = "BrokerTaskThroughItsAccessPoint"
    actions   = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    resources = [aws_efs_file_system.data.arn]
    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.task.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "elasticfilesystem:AccessPointArn"
      values   = [aws_efs_access_point.data.arn]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["true"]
    }
  }

  statement {
    sid       = "NoUnencryptedTransport"
    effect    = "Deny"
    actions   = ["*"]
    resources = [aws_efs_file_system.data.arn]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_efs_file_system_policy" "data" {
  file_system_id = aws_efs_file_system.data.id
  policy         = data.aws_iam_policy_document.data.json
}

# --- discovery: broker.<name>.internal -------------------------------------------------------------

resource "aws_service_discovery_private_dns_namespace" "this" {
  name        = local.namespace
  description = "${var.name}: the ECS broker's name inside the VPC"
  vpc         = var.vpc_id
  tags        = var.tags
}

# An A record of the running task's private address, short-lived: a replacement task is found
# within seconds by a service that reconnects.
resource "aws_service_discovery_service" "broker" {
  name          = "broker"
  force_destroy = true
  tags          = var.tags

  dns_config {
    namespace_id   = aws_service_discovery_private_dns_namespace.this.id
    routing_policy = "MULTIVALUE"
    dns_records {
      type = "A"
      ttl  = 10
    }
  }

  health_check_custom_config {
    failure_threshold = 1
  }
}

# --- roles -----------------------------------------------------------------------------------------

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

resource "aws_cloudwatch_log_group" "broker" {
  name              = "/ecs/${var.name}/broker"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = merge(var.tags, { Service = "broker" })
}

resource "aws_iam_role" "execution" {
  name                 = "${var.name}-broker-execution"
  assume_role_policy   = data.aws_iam_policy_document.ecs_tasks_assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = merge(var.tags, { Service = "broker" })
}

# Start the broker: its image (the first pull imports it from ECR Public into the repository made
# above: BatchImportUpstreamImage, no CreateRepository), its log, the password.
data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # GetAuthorizationToken has no resource-level permissions
  }

  statement {
    sid       = "PullTheBrokerImageThroughTheCache"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage", "ecr:BatchImportUpstreamImage"]
    resources = [aws_ecr_repository.rabbitmq.arn]
  }

  statement {
    sid       = "WriteTheBrokerLog"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.broker.arn}:*"]
  }

  statement {
    sid       = "ReadTheBrokerPassword"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.credentials_secret_arn]
  }

  statement {
    sid       = "DecryptThePasswordAndImage"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${local.region}.amazonaws.com", "ecr.${local.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "start-broker"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# The running broker may mount its data directory through its access point, nothing else.
resource "aws_iam_role" "task" {
  name                 = "${var.name}-broker-task"
  assume_role_policy   = data.aws_iam_policy_document.ecs_tasks_assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = merge(var.tags, { Service = "broker" })
}

data "aws_iam_policy_document" "task" {
  statement {
    sid       = "MountTheDataDirectory"
    actions   = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    resources = [aws_efs_file_system.data.arn]
    condition {
      test     = "StringEquals"
      variable = "elasticfilesystem:AccessPointArn"
      values   = [aws_efs_access_point.data.arn]
    }
  }
}

resource "aws_iam_role_policy" "task" {
  name   = "broker-data"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

# --- the broker ------------------------------------------------------------------------------------

resource "aws_ecs_task_definition" "broker" {
  family                   = "${var.name}-broker"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.task.cpu
  memory                   = var.task.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  tags                     = merge(var.tags, { Service = "broker" })

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  volume {
    name = "data"
    efs_volume_configuration {
      file_system_id     = aws_efs_file_system.data.id
      transit_encryption = "ENABLED"
      authorization_config {
        access_point_id = aws_efs_access_point.data.id
        iam             = "ENABLED"
      }
    }
  }

  # The read-only root filesystem leaves these writable, in the task's storage: the Erlang VM's and
  # the image's scratch space, and the log directory (RabbitMQ logs to the console as well).
  volume {
    name = "tmp"
  }

  volume {
    name = "log"
  }

  container_definitions = jsonencode([
    {
      name                   = "rabbitmq"
      image                  = local.image
      essential              = true
      readonlyRootFilesystem = true
      user                   = "${local.uid}:${local.gid}"
      # Fargate's longest: RabbitMQ closes its queues' files before it stops (a Spot reclaim gives
      # two minutes).
      stopTimeout  = 120
      portMappings = [{ containerPort = local.port, protocol = "tcp", name = "amqp" }]
      mountPoints = [
        { sourceVolume = "data", containerPath = "/var/lib/rabbitmq", readOnly = false },
        { sourceVolume = "tmp", containerPath = "/tmp", readOnly = false },
        { sourceVolume = "log", containerPath = "/var/log/rabbitmq", readOnly = false },
      ]
      environment = [
        # The node's name, and so its data directory (/var/lib/rabbitmq/mnesia/rabbit@localhost),
        # is the same in every task: not the task's host name, which changes with each one (the
        # services' quorum queues name their member by it: another name would orphan them).
        { name = "RABBITMQ_NODENAME", value = "rabbit@localhost" },
        { name = "RABBITMQ_USE_LONGNAME", value = "false" },
        # The first start (an empty data directory) creates this user with the password below;
        # later starts keep the user they find.
        { name = "RABBITMQ_DEFAULT_USER", value = var.username },
      ]
      secrets = [{ name = "RABBITMQ_DEFAULT_PASS", valueFrom = "${var.credentials_secret_arn}:password::" }]
      healthCheck = {
        command     = ["CMD", "rabbitmq-diagnostics", "-q", "ping"]
        interval    = 30
        timeout     = 10
        retries     = 3
        startPeriod = 60
      }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.broker.name
          awslogs-region        = local.region
          awslogs-stream-prefix = "broker"
          mode                  = "non-blocking"
          max-buffer-size       = "1m"
        }
      }
    }
  ])
}

resource "aws_ecs_service" "broker" {
  name            = "broker"
  cluster         = var.cluster_name
  task_definition = aws_ecs_task_definition.broker.arn
  desired_count   = 1
  # Never two brokers on one data directory: a new task starts only once the old one has stopped.
  deployment_minimum_healthy_percent = 0
  deployment_maximum_percent         = 100
  enable_execute_command             = false
  enable_ecs_managed_tags            = true
  propagate_tags                     = "SERVICE"
  wait_for_steady_state              = false
  tags                               = merge(var.tags, { Service = "broker" })

  capacity_provider_strategy {
    capacity_provider = var.capacity_provider
    base              = 0
    weight            = 1
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.broker.id]
    assign_public_ip = false
  }

  service_registries {
    registry_arn = aws_service_discovery_service.broker.arn
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  lifecycle {
    # the working-hours schedule owns the count
    ignore_changes = [desired_count]
  }

  # the task mounts the file system through a mount target in its subnet
  depends_on = [aws_efs_mount_target.data, aws_efs_file_system_policy.data]
}

resource "aws_appautoscaling_target" "broker" {
  count              = var.schedule == null ? 0 : 1
  service_namespace  = "ecs"
  resource_id        = "service/${var.cluster_name}/${aws_ecs_service.broker.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = 1
  max_capacity       = 1
}

resource "aws_appautoscaling_scheduled_action" "stop" {
  count              = var.schedule == null ? 0 : 1
  name               = "${var.name}-broker-stop"
  service_namespace  = aws_appautoscaling_target.broker[0].service_namespace
  resource_id        = aws_appautoscaling_target.broker[0].resource_id
  scalable_dimension = aws_appautoscaling_target.broker[0].scalable_dimension
  schedule           = local.broker_schedule.stop
  timezone           = local.broker_schedule.timezone

  scalable_target_action {
    min_capacity = 0
    max_capacity = 0
  }
}

resource "aws_appautoscaling_scheduled_action" "start" {
  count              = var.schedule == null ? 0 : 1
  name               = "${var.name}-broker-start"
  service_namespace  = aws_appautoscaling_target.broker[0].service_namespace
  resource_id        = aws_appautoscaling_target.broker[0].resource_id
  scalable_dimension = aws_appautoscaling_target.broker[0].scalable_dimension
  schedule           = local.broker_schedule.start
  timezone           = local.broker_schedule.timezone

  scalable_target_action {
    min_capacity = 1
    max_capacity = 1
  }

  # one scheduled action change at a time per scalable target
  depends_on = [aws_appautoscaling_scheduled_action.stop]
}
