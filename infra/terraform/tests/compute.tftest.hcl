# The ECS and ECR modules on their own, applied with the mocked provider (nothing is created).

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                       = "platform-test"
  vpc_id                     = "vpc-123"
  vpc_cidr                   = "10.20.0.0/16"
  private_subnet_ids         = ["subnet-a", "subnet-b"]
  s3_prefix_list_id          = "pl-6da54004"
  alb_security_group_id      = "sg-alb"
  alb_arn_suffix             = "app/platform/0123456789abcdef"
  target_group_arns          = { customer = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/c/1", products = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/p/2" }
  target_group_arn_suffixes  = { customer = "targetgroup/c/1", products = "targetgroup/p/2" }
  database_security_group_id = "sg-db"
  broker_security_group_id   = "sg-mq"
  repository_urls            = { customer = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/p/customer", products = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/p/products" }
  repository_arns            = { customer = "arn:aws:ecr:eu-west-1:123456789012:repository/p/customer", products = "arn:aws:ecr:eu-west-1:123456789012:repository/p/products" }
  kms_key_arn                = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  services = {
    customer = {
      cpu         = 256, memory = 512, desired_count = 2, max_count = 4
      environment = { ADMIN_EMAILS = "boss@example.com" }
      secrets = {
        MONGO_URL      = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:p/customer/mongo-url-AAAAAA"
        MONGO_PASSWORD = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-1-BBBBBB:password::"
        JWT_SECRET     = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:p/jwt-secret-CCCCCC"
      }
    }
    products = {
      cpu = 512, memory = 1024, desired_count = 1, max_count = 3
      secrets = {
        MONGO_URL  = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:p/products/mongo-url-DDDDDD"
        JWT_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:p/jwt-secret-CCCCCC"
      }
    }
  }
}

run "ecs_services" {
  command = apply
  module {
    source = "./modules/ecs"
  }

  assert {
    condition     = alltrue([for s in aws_ecs_service.service : s.network_configuration[0].assign_public_ip == false && toset(s.network_configuration[0].subnets) == toset(["subnet-a", "subnet-b"])])
    error_message = "tasks run in the private subnets without public IPs"
  }

  assert {
    condition     = alltrue([for s in aws_ecs_service.service : s.deployment_circuit_breaker[0].enable && s.deployment_circuit_breaker[0].rollback])
    error_message = "every service rolls back a failing deployment by itself"
  }

  assert {
    condition     = alltrue([for name, s in aws_ecs_service.service : one(s.load_balancer).target_group_arn == var.target_group_arns[name] && one(s.load_balancer).container_port == 8080 && one(s.load_balancer).container_name == name])
    error_message = "each service registers in its own target group"
  }

  assert {
    condition     = one([for s in aws_ecs_cluster.this.setting : s.value if s.name == "containerInsights"]) == "enabled"
    error_message = "Container Insights on"
  }

  assert {
    condition     = alltrue([for g in aws_cloudwatch_log_group.service : g.retention_in_days == 30 && g.kms_key_id == var.kms_key_arn])
    error_message = "logs are kept for a set time, encrypted"
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.from_alb.security_group_id == aws_security_group.tasks.id && aws_vpc_security_group_ingress_rule.from_alb.referenced_security_group_id == "sg-alb" && aws_vpc_security_group_ingress_rule.from_alb.from_port == 8080 && aws_vpc_security_group_ingress_rule.from_alb.cidr_ipv4 == null
    error_message = "tasks accept traffic from the load balancer's security group only"
  }

  assert {
    condition     = aws_vpc_security_group_egress_rule.database.referenced_security_group_id == "sg-db" && aws_vpc_security_group_egress_rule.broker.referenced_security_group_id == "sg-mq" && aws_vpc_security_group_egress_rule.https_in_vpc.cidr_ipv4 == "10.20.0.0/16"
    error_message = "tasks reach the database, the broker and the in-VPC endpoints, nothing on the internet"
  }
}

run "ecs_task_definitions" {
  command = apply
  module {
    source = "./modules/ecs"
  }

  assert {
    condition     = alltrue([for t in aws_ecs_task_definition.service : t.requires_compatibilities == toset(["FARGATE"]) && t.network_mode == "awsvpc" && one(t.runtime_platform).cpu_architecture == "X86_64"])
    error_message = "Fargate tasks in awsvpc mode, architecture from the variable"
  }

  assert {
    condition = alltrue([for name, t in aws_ecs_task_definition.service : (
      jsondecode(t.container_definitions)[0].readonlyRootFilesystem == true &&
      jsondecode(t.container_definitions)[0].user == "65532:65532" &&
      jsondecode(t.container_definitions)[0].healthCheck.command == ["CMD", "/nodejs/bin/node", "/app/healthcheck.mjs"] &&
      jsondecode(t.container_definitions)[0].logConfiguration.options["awslogs-group"] == "/ecs/platform-test/${name}"
    )])
    error_message = "non-root, read-only root filesystem, the image's health check, logs to its own group"
  }

  assert {
    condition     = toset([for s in jsondecode(aws_ecs_task_definition.service["customer"].container_definitions)[0].secrets : s.name]) == toset(["MONGO_URL", "MONGO_PASSWORD", "JWT_SECRET"])
    error_message = "secrets come from Secrets Manager, by name"
  }

  assert {
    condition     = contains([for e in jsondecode(aws_ecs_task_definition.service["customer"].container_definitions)[0].environment : "${e.name}=${e.value}"], "ADMIN_EMAILS=boss@example.com") && !contains([for e in jsondecode(aws_ecs_task_definition.service["products"].container_definitions)[0].environment : e.name], "ADMIN_EMAILS")
    error_message = "per-service environment reaches only that service"
  }
}

run "execution_roles_limited_to_their_own_service" {
  command = apply
  module {
    source = "./modules/ecs"
  }

  assert {
    condition = toset(flatten([for s in data.aws_iam_policy_document.execution["customer"].statement : s.resources if s.sid == "ReadOwnSecrets"])) == toset([
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:p/customer/mongo-url-AAAAAA",
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-1-BBBBBB",
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:p/jwt-secret-CCCCCC",
    ])
    error_message = "customer's execution role reads exactly its own secrets (JSON key suffixes stripped)"
  }

  assert {
    condition     = !contains(flatten([for s in data.aws_iam_policy_document.execution["products"].statement : s.resources]), "arn:aws:secretsmanager:eu-west-1:123456789012:secret:p/customer/mongo-url-AAAAAA")
    error_message = "products cannot read customer's connection string"
  }

  assert {
    condition     = toset(flatten([for s in data.aws_iam_policy_document.execution["products"].statement : s.resources if s.sid == "PullOwnImage"])) == toset(["arn:aws:ecr:eu-west-1:123456789012:repository/p/products"])
    error_message = "each execution role pulls its own image only"
  }

  assert {
    condition     = alltrue([for name, r in aws_iam_role.execution : r.name == "platform-test-${name}-execution"]) && length(aws_iam_role_policy.exec_channel) == 0
    error_message = "one execution role per service; no ECS Exec permissions unless switched on"
  }
}

run "autoscaling_on_cpu_and_requests" {
  command = apply
  module {
    source = "./modules/ecs"
  }

  assert {
    condition     = aws_appautoscaling_target.service["customer"].min_capacity == 2 && aws_appautoscaling_target.service["customer"].max_capacity == 4
    error_message = "scales between desired_count and max_count"
  }

  assert {
    condition     = one(aws_appautoscaling_policy.cpu["products"].target_tracking_scaling_policy_configuration).predefined_metric_specification[0].predefined_metric_type == "ECSServiceAverageCPUUtilization"
    error_message = "target tracking on CPU"
  }

  assert {
    condition     = one(aws_appautoscaling_policy.requests["products"].target_tracking_scaling_policy_configuration).predefined_metric_specification[0].resource_label == "app/platform/0123456789abcdef/targetgroup/p/2"
    error_message = "target tracking on ALB requests per target of the service's own target group"
  }
}

run "ecs_rejects_impossible_fargate_sizes" {
  command = plan
  module {
    source = "./modules/ecs"
  }
  variables {
    services = {
      customer = { cpu = 256, memory = 4096, desired_count = 1, max_count = 1, secrets = {} }
    }
  }
  expect_failures = [var.services]
}

run "ecr_repositories" {
  command = apply
  module {
    source = "./modules/ecr"
  }
  variables {
    name_prefix = "platform-test"
    services    = ["customer", "products"]
  }

  assert {
    condition     = alltrue([for r in aws_ecr_repository.service : r.image_tag_mutability == "IMMUTABLE" && r.image_scanning_configuration[0].scan_on_push && r.encryption_configuration[0].encryption_type == "KMS"])
    error_message = "immutable tags, scan on push, KMS encryption"
  }

  assert {
    condition     = alltrue([for p in aws_ecr_lifecycle_policy.service : length(jsondecode(p.policy).rules) == 2])
    error_message = "a lifecycle policy on every repository"
  }
}
