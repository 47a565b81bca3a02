# A pull request's preview on an environment's cluster (staging's): its own ECS services, each
# behind a listener rule of its own on the environment's load balancer, under /pr-<N>/ (the
# services strip BASE_PATH), with its own databases (pr<N>_<service> on the environment's
# DocumentDB) and its own exchange and queues (pr<N>.events, pr<N>.events.<service>: the
# environment's services never see its events, nor it theirs). Everything else is the
# environment's: network, security group, task and execution roles, secrets, log groups (streams
# pr<N>/...). Each service's task definition is the environment's latest revision of the family
# with the image and those settings changed, so a sidecar or a setting the environment gains
# comes along.

data "terraform_remote_state" "environment" {
  backend = "s3"
  config = {
    bucket = var.state_bucket
    key    = "platform/${var.environment}.tfstate"
    region = var.region
  }
}

locals {
  env       = data.terraform_remote_state.environment.outputs.preview_inputs
  preview   = "pr${var.pr_number}"
  base_path = "/pr-${var.pr_number}"
  services  = sort(keys(var.images))

  # A band of 20 listener rule priorities per pull request above the environment's own (which
  # come from the manifests, in the tens): 500 bands, from 40,000 to 49,999. Two open pull
  # requests whose numbers differ by a multiple of 500 would share one: the second apply fails.
  priorities = { for i, s in local.services : s => 40000 + (var.pr_number % 500) * 20 + i }

  containers = { for s in local.services : s => jsondecode(data.aws_ecs_task_definition.environment[s].container_definitions) }
  # What the preview changes in the service's own container: where it serves, stores and publishes.
  settings = {
    for s in local.services : s => merge(
      { BASE_PATH = local.base_path, AMQP_EXCHANGE = "${local.preview}.events" },
      # the same cluster, the preview's own database (MongoDB creates it on the first write)
      { for e in local.containers[s][index(local.containers[s][*].name, s)].environment :
        "MONGO_URL" => replace(e.value, "/^(mongodb(?:\\+srv)?://[^/?]+)/[^?]*/", "$${1}/${local.preview}_${replace(s, "-", "_")}") if e.name == "MONGO_URL"
      },
    )
  }
  # Settings the preview drops: its metrics would count in the environment's, and trip its alarms.
  dropped = ["METRICS_NAMESPACE"]

  # Containers are kept as JSON text: their objects differ in shape, which a conditional of
  # Terraform values cannot hold.
  container_definitions = {
    for s in local.services : s => "[${join(",", [
      for c in local.containers[s] : c.name != s ? jsonencode(c) : jsonencode(merge(c, {
        image = var.images[s]
        # a pull request's code runs here: its root filesystem read-only whatever the revision says
        readonlyRootFilesystem = true
        environment = concat(
          [for e in c.environment : e if !contains(concat(keys(local.settings[s]), local.dropped), e.name)],
          [for k, v in local.settings[s] : { name = k, value = v }],
        )
        logConfiguration = merge(c.logConfiguration, {
          options = merge(c.logConfiguration.options, { awslogs-stream-prefix = local.preview })
        })
      }))
    ])}]"
  }
  ports = { for s in local.services : s => try(local.containers[s][index(local.containers[s][*].name, s)].portMappings[0].containerPort, 8080) }
}

# The images the pull request builds go to repositories of its own: the environment's keep their
# 30 latest images, and a busy pull request pushing there would expire the image the environment
# runs. Only the service's execution role (the environment's) may pull; gone with the preview.
# Encrypted with the environment's key, as its own repositories are.
resource "aws_ecr_repository" "preview" {
  for_each             = var.builds
  name                 = "${local.env.prefix}/${local.preview}/${each.key}"
  image_tag_mutability = "IMMUTABLE"
  force_delete         = true
  tags                 = { Service = each.key }

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = local.env.kms_key_arn
  }
}

resource "aws_ecr_repository_policy" "preview" {
  for_each   = var.builds
  repository = aws_ecr_repository.preview[each.key].name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "TheServiceStartsItsPreview"
      Effect    = "Allow"
      Principal = { AWS = data.aws_ecs_task_definition.environment[each.key].execution_role_arn }
      Action    = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    }]
  })
}

# The environment's latest revision of each service's family: what deploy-ecs.ts last rolled out.
data "aws_ecs_task_definition" "environment" {
  for_each        = toset(local.services)
  task_definition = local.env.task_definition_families[each.key]
}

data "aws_lb_listener" "http" {
  load_balancer_arn = local.env.load_balancer_arn
  port              = 80
}

resource "aws_lb_target_group" "service" {
  #checkov:skip=CKV_AWS_378:TLS ends at CloudFront; the hops to the load balancer and the tasks stay inside the VPC
  for_each             = toset(local.services)
  name                 = "${trimsuffix(substr("${local.preview}-${each.key}", 0, 27), "-")}-${substr(sha1("${local.env.prefix}/${each.key}"), 0, 4)}"
  port                 = local.ports[each.key]
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = local.env.vpc_id
  deregistration_delay = 5
  tags                 = { Service = each.key }

  health_check {
    path                = "${local.base_path}${local.env.paths[each.key]}/health"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener_rule" "service" {
  for_each     = toset(local.services)
  listener_arn = data.aws_lb_listener.http.arn
  priority     = local.priorities[each.key]
  tags         = { Service = each.key }

  condition {
    path_pattern {
      values = ["${local.base_path}${local.env.paths[each.key]}", "${local.base_path}${local.env.paths[each.key]}/*"]
    }
  }

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.service[each.key].arn
  }

  lifecycle {
    precondition {
      condition     = alltrue([for p in values(local.env.priorities) : p < 40000])
      error_message = "the environment's listener rule priorities must stay below 40,000: previews use 40,000-49,999."
    }
  }
}

resource "aws_ecs_task_definition" "service" {
  for_each                 = toset(local.services)
  family                   = "${local.env.prefix}-${local.preview}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = data.aws_ecs_task_definition.environment[each.key].cpu
  memory                   = data.aws_ecs_task_definition.environment[each.key].memory
  execution_role_arn       = data.aws_ecs_task_definition.environment[each.key].execution_role_arn
  task_role_arn            = data.aws_ecs_task_definition.environment[each.key].task_role_arn
  container_definitions    = local.container_definitions[each.key]
  tags                     = { Service = each.key }

  dynamic "runtime_platform" {
    for_each = data.aws_ecs_task_definition.environment[each.key].runtime_platform
    content {
      operating_system_family = runtime_platform.value.operating_system_family
      cpu_architecture        = runtime_platform.value.cpu_architecture
    }
  }

  dynamic "volume" {
    for_each = data.aws_ecs_task_definition.environment[each.key].volume
    content {
      name = volume.value.name
    }
  }
}

resource "aws_ecs_service" "service" {
  for_each                           = toset(local.services)
  name                               = "${local.preview}-${each.key}"
  cluster                            = local.env.cluster_name
  task_definition                    = aws_ecs_task_definition.service[each.key].arn
  desired_count                      = var.desired_count
  deployment_minimum_healthy_percent = 0 # a preview may be down while it changes
  deployment_maximum_percent         = 100
  health_check_grace_period_seconds  = 30
  enable_ecs_managed_tags            = true
  propagate_tags                     = "SERVICE"
  wait_for_steady_state              = var.wait_for_steady_state
  tags                               = { Service = each.key }

  capacity_provider_strategy {
    capacity_provider = var.capacity_provider
    weight            = 1
  }

  network_configuration {
    subnets          = local.env.private_subnet_ids
    security_groups  = [local.env.tasks_security_group_id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.service[each.key].arn
    container_name   = each.key
    container_port   = local.ports[each.key]
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = false
  }

  timeouts {
    create = "15m"
    update = "15m"
  }

  # a service whose target group no listener uses fails to create; its image must be pullable
  depends_on = [aws_lb_listener_rule.service, aws_ecr_repository_policy.preview]
}
