# The ECS modules (the cluster, the services) and ECR on their own, applied with the mocked
# provider (nothing is created).

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                        = "platform-test"
  cluster_name                = "platform-test"
  cluster_arn                 = "arn:aws:ecs:eu-west-1:123456789012:cluster/platform-test"
  vpc_id                      = "vpc-123"
  vpc_cidr                    = "10.20.0.0/16"
  private_subnet_ids          = ["subnet-a", "subnet-b"]
  s3_prefix_list_id           = "pl-6da54004"
  alb_security_group_id       = "sg-alb"
  target_group_arns           = { customer = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/c/1", products = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/p/2" }
  target_group_arn_suffixes   = { customer = ["targetgroup/c/1", "targetgroup/c-g/3"], products = ["targetgroup/p/2", "targetgroup/p-g/4"] }
  alternate_target_group_arns = { customer = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/c-g/3", products = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/p-g/4" }
  listener_rule_arns = {
    customer = { production = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/p/1/80/c", test = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/p/1/9000/c" }
    products = { production = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/p/1/80/p", test = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/p/1/9000/p" }
  }
  test_listener_url          = "http://internal-platform-123.eu-west-1.elb.amazonaws.com:9000"
  test_listener_port         = 9000
  database_security_group_id = "sg-db"
  broker_security_group_id   = "sg-mq"
  repository_urls            = { customer = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/p/customer", products = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/p/products" }
  repository_arns            = { customer = "arn:aws:ecr:eu-west-1:123456789012:repository/p/customer", products = "arn:aws:ecr:eu-west-1:123456789012:repository/p/products" }
  kms_key_arn                = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  permissions_boundary_arn   = "arn:aws:iam::123456789012:policy/platform-stack-boundary"
  services = {
    customer = {
      cpu         = 256, memory = 512, desired_count = 2, max_count = 4
      environment = { ADMIN_EMAILS = "boss@example.com", MONGO_CREDENTIALS_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-1-BBBBBB" }
      secrets = {
        AMQP_URL             = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:p/amqp-url-AAAAAA"
        JWT_SECRET           = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:p/jwt-keys-CCCCCC:signing::"
        JWT_ACCEPTED_SECRETS = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:p/jwt-keys-CCCCCC:accepted::"
      }
      task_secrets = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-1-BBBBBB"]
    }
    products = {
      cpu = 512, memory = 1024, desired_count = 1, max_count = 3
      secrets = {
        JWT_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:p/jwt-keys-CCCCCC:signing::"
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
    condition     = alltrue([for s in aws_ecs_service.service : s.cluster == var.cluster_arn])
    error_message = "every service runs in the stack's cluster (modules/ecs-cluster)"
  }

  assert {
    condition     = length(aws_cloudwatch_log_group.service) == 2 && alltrue([for g in aws_cloudwatch_log_group.service : g.retention_in_days == 30 && g.kms_key_id == var.kms_key_arn])
    error_message = "logs are kept for a set time (log_retention_days), encrypted"
  }

  assert {
    condition = jsonencode(output.tasks_ingress) == jsonencode([{
      cidr_ipv4 = null, cidr_ipv6 = null, from_port = 8080, prefix_list_id = null, referenced_security_group_id = "sg-alb", to_port = 8080
    }]) && alltrue([for r in aws_vpc_security_group_ingress_rule.from_alb : r.security_group_id == aws_security_group.tasks.id])
    error_message = "tasks accept traffic from the load balancer's security group only, on the container port"
  }

  assert {
    condition     = alltrue([for name, n in output.service_networks : n.assign_public_ip == false && n.subnets == tolist(["subnet-a", "subnet-b"]) && n.security_groups == tolist([aws_security_group.tasks.id])])
    error_message = "the service_networks output reports the services' real network configuration"
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
    condition     = aws_ecs_task_definition.service["customer"].cpu == "256" && aws_ecs_task_definition.service["customer"].memory == "512" && aws_ecs_task_definition.service["products"].cpu == "512" && aws_ecs_task_definition.service["products"].memory == "1024"
    error_message = "cpu and memory per service from the services map"
  }

  assert {
    condition = alltrue([for name, t in aws_ecs_task_definition.service : (
      jsondecode(t.container_definitions)[0].readonlyRootFilesystem == true &&
      jsondecode(t.container_definitions)[0].user == "65532:65532" &&
      jsondecode(t.container_definitions)[0].healthCheck.command == ["CMD", "/nodejs/bin/node", "/app/healthcheck.mjs"] &&
      jsondecode(t.container_definitions)[0].logConfiguration.logDriver == "awslogs" &&
      jsondecode(t.container_definitions)[0].logConfiguration.options["awslogs-group"] == aws_cloudwatch_log_group.service[name].name &&
      aws_cloudwatch_log_group.service[name].name == "/ecs/platform-test/${name}"
    )])
    error_message = "non-root, read-only root filesystem, the image's health check, logs to its own group"
  }

  assert {
    condition = jsondecode(aws_ecs_task_definition.service["customer"].container_definitions)[0].secrets == [
      { name = "AMQP_URL", valueFrom = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:p/amqp-url-AAAAAA" },
      { name = "JWT_ACCEPTED_SECRETS", valueFrom = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:p/jwt-keys-CCCCCC:accepted::" },
      { name = "JWT_SECRET", valueFrom = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:p/jwt-keys-CCCCCC:signing::" },
    ]
    error_message = "secrets come from Secrets Manager by reference (a JSON key of one secret each for the JWT keys): no value in the task definition"
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

  # The mock gives every policy document the same JSON; distinct ones show which role gets which.
  override_data {
    target = data.aws_iam_policy_document.execution["customer"]
    values = { json = "{\"Statement\":[{\"Sid\":\"customer\"}]}" }
  }
  override_data {
    target = data.aws_iam_policy_document.execution["products"]
    values = { json = "{\"Statement\":[{\"Sid\":\"products\"}]}" }
  }

  assert {
    condition     = alltrue([for name, p in aws_iam_role_policy.execution : p.role == aws_iam_role.execution[name].id && p.policy == data.aws_iam_policy_document.execution[name].json]) && alltrue([for name, t in aws_ecs_task_definition.service : t.execution_role_arn == aws_iam_role.execution[name].arn])
    error_message = "each service's task definition uses its own execution role, which carries its own policy"
  }

  assert {
    condition = jsonencode(output.execution_role_access) == jsonencode({
      customer = {
        secrets = [
          "arn:aws:secretsmanager:eu-west-1:123456789012:secret:p/amqp-url-AAAAAA",
          "arn:aws:secretsmanager:eu-west-1:123456789012:secret:p/jwt-keys-CCCCCC",
        ]
        repositories = ["arn:aws:ecr:eu-west-1:123456789012:repository/p/customer"]
      }
      products = {
        secrets      = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:p/jwt-keys-CCCCCC"]
        repositories = ["arn:aws:ecr:eu-west-1:123456789012:repository/p/products"]
      }
    })
    error_message = "every statement of each execution role that names secrets or repositories names only that service's own"
  }

  assert {
    condition = jsonencode(output.task_role_access) == jsonencode({
      customer = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-1-BBBBBB"]
      products = []
    }) && one(data.aws_iam_policy_document.task_secrets["customer"].statement).actions == toset(["secretsmanager:GetSecretValue"]) && aws_iam_role_policy.task_secrets["customer"].role == aws_iam_role.task["customer"].id
    error_message = "the task role (the running service) reads exactly its task_secrets, the database's rotating credentials, and nothing when it has none"
  }

  assert {
    condition     = output.role_boundaries == tolist(["arn:aws:iam::123456789012:policy/platform-stack-boundary"])
    error_message = "every execution and task role carries the stack's permissions boundary"
  }

  assert {
    condition     = alltrue([for name, d in data.aws_iam_policy_document.execution : alltrue([for st in d.statement : st.effect == null || st.effect == "Allow"]) && alltrue([for st in d.statement : !contains(st.resources, "*") || st.actions == toset(["ecr:GetAuthorizationToken"])])])
    error_message = "no execution role statement reaches every resource, but ECR's login (which has no resource)"
  }

  assert {
    condition = toset(flatten([for s in data.aws_iam_policy_document.execution["customer"].statement : s.resources if s.sid == "ReadOwnSecrets"])) == toset([
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:p/amqp-url-AAAAAA",
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:p/jwt-keys-CCCCCC",
    ])
    error_message = "customer's execution role reads exactly its own secrets (JSON key suffixes stripped)"
  }

  assert {
    condition     = !contains(flatten([for s in data.aws_iam_policy_document.execution["products"].statement : s.resources]), "arn:aws:secretsmanager:eu-west-1:123456789012:secret:p/amqp-url-AAAAAA")
    error_message = "products' execution role cannot read a secret only customer is given"
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

run "ecs_exec_switched_on" {
  command = apply
  module {
    source = "./modules/ecs"
  }
  variables {
    enable_ecs_exec    = true
    exec_log_group_arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/platform-test/exec"
  }

  assert {
    condition     = alltrue([for s in aws_ecs_service.service : s.enable_execute_command]) && length(aws_iam_role_policy.exec_channel) == 2 && alltrue([for name, p in aws_iam_role_policy.exec_channel : p.role == aws_iam_role.task[name].id])
    error_message = "ECS Exec on every service, with the channel permissions on each task role"
  }

  assert {
    condition = (
      toset(flatten([for st in data.aws_iam_policy_document.exec_channel[0].statement : st.actions])) == toset(["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel", "kms:Decrypt", "logs:DescribeLogGroups", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]) &&
      toset(flatten([for st in data.aws_iam_policy_document.exec_channel[0].statement : st.resources if st.sid == "SessionEncryption"])) == toset([var.kms_key_arn]) &&
      toset(flatten([for st in data.aws_iam_policy_document.exec_channel[0].statement : st.resources if st.sid == "WriteSessionLogs"])) == toset(["${var.exec_log_group_arn}:*"])
    )
    error_message = "the task role may open the session channel, decrypt with the session key and write the session log group (modules/ecs-cluster's)"
  }
}

run "ecs_exec_needs_the_session_log_group" {
  command = plan
  module {
    source = "./modules/ecs"
  }
  variables {
    enable_ecs_exec = true
  }
  expect_failures = [var.exec_log_group_arn]
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
    condition     = alltrue([for name, p in aws_appautoscaling_policy.cpu : p.policy_type == "TargetTrackingScaling" && p.resource_id == aws_appautoscaling_target.service[name].resource_id && one(p.target_tracking_scaling_policy_configuration).target_value == 60])
    error_message = "CPU target tracking on every service's own scalable target"
  }

  assert {
    condition = (
      toset([for m in one(one(aws_appautoscaling_policy.requests["products"].target_tracking_scaling_policy_configuration).customized_metric_specification).metrics : one(one(m.metric_stat).metric).dimensions if m.metric_stat != null && length(m.metric_stat) > 0]) == toset([
        toset([{ name = "TargetGroup", value = "targetgroup/p/2" }]),
        toset([{ name = "TargetGroup", value = "targetgroup/p-g/4" }]),
      ]) &&
      one([for m in one(one(aws_appautoscaling_policy.requests["products"].target_tracking_scaling_policy_configuration).customized_metric_specification).metrics : m.expression if m.return_data]) == "FILL(tg0, 0) + FILL(tg1, 0)" &&
      alltrue([for m in one(one(aws_appautoscaling_policy.requests["products"].target_tracking_scaling_policy_configuration).customized_metric_specification).metrics : one(one(m.metric_stat).metric).metric_name == "RequestCountPerTarget" if m.metric_stat != null && length(m.metric_stat) > 0])
    )
    error_message = "target tracking on requests per target summed over the service's own two target groups (a blue/green deployment moves the traffic to the alternate one)"
  }

  assert {
    condition     = alltrue([for name, p in aws_appautoscaling_policy.requests : p.policy_type == "TargetTrackingScaling" && p.resource_id == aws_appautoscaling_target.service[name].resource_id])
    error_message = "request-count target tracking on every service's own scalable target"
  }

  assert {
    condition     = alltrue([for name, t in aws_appautoscaling_target.service : t.resource_id == "service/${var.cluster_name}/${aws_ecs_service.service[name].name}" && t.scalable_dimension == "ecs:service:DesiredCount"])
    error_message = "each scalable target is its service's desired count"
  }
}

# The deploy script owns task definition revisions: a new image_tag registers a new revision, but
# the service keeps the one it runs (and its desired count, which autoscaling owns).
run "deploys_own_the_task_definition_revision" {
  command = apply
  module {
    source = "./modules/ecs"
  }
  variables {
    image_tag = "release-2"
    services = {
      customer = {
        cpu     = 256, memory = 512, desired_count = 3, max_count = 4
        secrets = { JWT_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:p/jwt-keys-CCCCCC:signing::" }
      }
    }
  }
  # The mock updates in place what AWS replaces: replace the revision as AWS would.
  plan_options {
    replace = [aws_ecs_task_definition.service["customer"]]
  }
  override_resource {
    target = aws_ecs_task_definition.service
    values = { arn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/platform-test-customer:2" }
  }

  assert {
    condition     = endswith(jsondecode(aws_ecs_task_definition.service["customer"].container_definitions)[0].image, ":release-2") && aws_ecs_task_definition.service["customer"].arn == "arn:aws:ecs:eu-west-1:123456789012:task-definition/platform-test-customer:2"
    error_message = "the new revision is registered"
  }

  assert {
    condition     = aws_ecs_service.service["customer"].task_definition == "arn:aws:ecs:eu-west-1:123456789012:task-definition/mocked:1" && aws_ecs_service.service["customer"].desired_count == 2
    error_message = "the service keeps its task definition and desired count: Terraform ignores both after creation"
  }
}

run "ecs_container_port_from_the_services_map" {
  command = apply
  module {
    source = "./modules/ecs"
  }
  variables {
    services = {
      customer = {
        cpu     = 256, memory = 512, desired_count = 1, max_count = 2, port = 9090
        secrets = { JWT_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:p/jwt-keys-CCCCCC:signing::" }
      }
    }
  }

  assert {
    condition = (
      jsondecode(aws_ecs_task_definition.service["customer"].container_definitions)[0].portMappings[0].containerPort == 9090 &&
      contains([for e in jsondecode(aws_ecs_task_definition.service["customer"].container_definitions)[0].environment : "${e.name}=${e.value}"], "PORT=9090") &&
      one(aws_ecs_service.service["customer"].load_balancer).container_port == 9090 &&
      jsonencode([for r in output.tasks_ingress : [r.from_port, r.to_port, r.referenced_security_group_id]]) == jsonencode([[9090, 9090, "sg-alb"]])
    )
    error_message = "the container listens on the service's port (PORT), registers it in the target group, and only it is open to the load balancer"
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

# What scripts/deploy-ecs.ts needs for a blue/green deployment reaches it as the service's deploy:*
# tags (provider 5.100 cannot set ECS's deployment strategy); the alarms roll deployments back.
run "ecs_blue_green_settings_and_rollback_alarms" {
  command = apply
  module {
    source = "./modules/ecs"
  }
  variables {
    services = {
      customer = {
        cpu             = 256, memory = 512, desired_count = 2, max_count = 4, path = "/api/customer"
        deploy_strategy = "BLUE_GREEN", bake_minutes = 10
        alarm_names     = ["platform-test-customer-target-5xx", "platform-test-customer-unhealthy-hosts"]
        secrets         = { JWT_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:p/jwt-keys-CCCCCC:signing::" }
      }
      products = {
        cpu     = 256, memory = 512, desired_count = 1, max_count = 2
        secrets = { JWT_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:p/jwt-keys-CCCCCC:signing::" }
      }
    }
  }

  assert {
    condition = jsonencode(output.deploy_settings["customer"]) == jsonencode({
      strategy               = "BLUE_GREEN"
      bake_minutes           = 10
      alternate_target_group = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/c-g/3"
      production_rule        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/p/1/80/c"
      test_rule              = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/p/1/9000/c"
      role                   = aws_iam_role.load_balancers.arn
      test_url               = "http://internal-platform-123.eu-west-1.elb.amazonaws.com:9000/api/customer"
      rollback_alarms        = ["platform-test-customer-target-5xx", "platform-test-customer-unhealthy-hosts"]
      rollback_on_alarm      = true
    })
    error_message = "a blue/green service's deploy:* tags name its strategy, bake time, alternate target group, listener rules, the load balancer role and its test URL; its alarms roll deployments back"
  }

  assert {
    condition     = output.deploy_settings["products"].strategy == "ROLLING" && output.deploy_settings["products"].bake_minutes == 5 && output.deploy_settings["products"].test_url == "http://internal-platform-123.eu-west-1.elb.amazonaws.com:9000/products" && output.deploy_settings["products"].rollback_on_alarm == false && length(aws_ecs_service.service["products"].alarms) == 0
    error_message = "rolling by default, with the blue/green settings ready for a switch; no alarms block without alarm names"
  }

  assert {
    condition     = alltrue([for s in aws_ecs_service.service : s.deployment_circuit_breaker[0].enable && s.deployment_circuit_breaker[0].rollback])
    error_message = "the circuit breaker stays on beside the alarms"
  }

  assert {
    condition = (
      one(data.aws_iam_policy_document.ecs_assume.statement).principals == toset([{ type = "Service", identifiers = toset(["ecs.amazonaws.com"]) }]) &&
      aws_iam_role.load_balancers.permissions_boundary == var.permissions_boundary_arn &&
      toset(flatten([for st in data.aws_iam_policy_document.load_balancers.statement : st.resources if st.sid == "MoveTheServicesWeights"])) == toset(concat([for r in values(var.listener_rule_arns) : r.production], [for r in values(var.listener_rule_arns) : r.test])) &&
      toset(flatten([for st in data.aws_iam_policy_document.load_balancers.statement : st.resources if st.sid == "RegisterTheServicesTasks"])) == toset(concat(values(var.target_group_arns), values(var.alternate_target_group_arns))) &&
      alltrue([for st in data.aws_iam_policy_document.load_balancers.statement : !contains(st.resources, "*") || alltrue([for a in st.actions : startswith(a, "elasticloadbalancing:Describe")])])
    )
    error_message = "ECS moves blue/green traffic with a role of its own, under the boundary: the weights of the services' listener rules and the targets of their target groups only (Describe calls on *)"
  }
}

run "ecs_fargate_spot_for_non_production" {
  command = apply
  module {
    source = "./modules/ecs"
  }
  variables {
    fargate_capacity = "SPOT"
  }

  assert {
    condition     = alltrue([for name, c in output.capacity_providers : c == { FARGATE_SPOT = { base = 0, weight = 1 } }])
    error_message = "SPOT runs every task on Fargate Spot"
  }
}

run "ecs_mixed_capacity_keeps_one_task_on_demand" {
  command = apply
  module {
    source = "./modules/ecs"
  }
  variables {
    fargate_capacity = "MIXED"
  }

  assert {
    condition     = alltrue([for name, c in output.capacity_providers : c == { FARGATE = { base = 1, weight = 0 }, FARGATE_SPOT = { base = 0, weight = 1 } }])
    error_message = "MIXED keeps each service's first task on demand (base 1), the others on Spot"
  }
}

run "ecs_on_demand_by_default" {
  command = apply
  module {
    source = "./modules/ecs"
  }

  assert {
    condition     = alltrue([for name, c in output.capacity_providers : c == { FARGATE = { base = 0, weight = 1 } }]) && length(aws_appautoscaling_scheduled_action.stop) == 0 && length(aws_appautoscaling_scheduled_action.start) == 0
    error_message = "production defaults: on-demand Fargate only, no working hours"
  }

  assert {
    condition     = alltrue([for t in aws_ecs_task_definition.service : length(jsondecode(t.container_definitions)) == 1 && !contains([for e in jsondecode(t.container_definitions)[0].environment : e.name], "OTEL_EXPORTER_OTLP_ENDPOINT")]) && length(aws_iam_role_policy.tracing) == 0 && length(aws_ecr_pull_through_cache_rule.public) == 0
    error_message = "without tracing: one container, no OTLP endpoint, no X-Ray permission, no cache rule"
  }
}

run "ecs_scale_to_zero_outside_working_hours" {
  command = apply
  module {
    source = "./modules/ecs"
  }
  variables {
    schedule = { start = "cron(0 8 ? * MON-FRI *)", stop = "cron(0 18 ? * MON-FRI *)", timezone = "Europe/Dublin" }
  }

  assert {
    condition = alltrue([for name, a in aws_appautoscaling_scheduled_action.stop : (
      a.schedule == "cron(0 18 ? * MON-FRI *)" && a.timezone == "Europe/Dublin" &&
      one(a.scalable_target_action).min_capacity == "0" && one(a.scalable_target_action).max_capacity == "0" &&
      a.resource_id == aws_appautoscaling_target.service[name].resource_id
    )]) && length(aws_appautoscaling_scheduled_action.stop) == 2
    error_message = "at stop every service's scalable target goes to 0 tasks"
  }

  assert {
    condition = alltrue([for name, a in aws_appautoscaling_scheduled_action.start : (
      a.schedule == "cron(0 8 ? * MON-FRI *)" &&
      one(a.scalable_target_action).min_capacity == tostring(var.services[name].desired_count) &&
      one(a.scalable_target_action).max_capacity == tostring(var.services[name].max_count)
    )]) && length(aws_appautoscaling_scheduled_action.start) == 2
    error_message = "at start every service comes back to its own counts"
  }
}

run "ecs_rejects_a_schedule_that_is_no_cron" {
  command = plan
  module {
    source = "./modules/ecs"
  }
  variables {
    schedule = { start = "08:00", stop = "18:00" }
  }
  expect_failures = [var.schedule]
}

run "ecs_tracing_sidecar" {
  command = apply
  module {
    source = "./modules/ecs"
  }
  variables {
    tracing = { enabled = true, collector_image = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3", sample_ratio = 0.1 }
  }
  override_resource {
    target = aws_ecr_repository.collector
    values = { arn = "arn:aws:ecr:eu-west-1:123456789012:repository/platform-test-pub/aws-observability/aws-otel-collector" }
  }

  assert {
    condition = alltrue([for name, t in aws_ecs_task_definition.service : (
      jsondecode(t.container_definitions)[0].name == name &&
      jsondecode(t.container_definitions)[1].name == "otel-collector" &&
      jsondecode(t.container_definitions)[1].essential == false &&
      jsondecode(t.container_definitions)[1].readonlyRootFilesystem == true &&
      jsondecode(t.container_definitions)[1].image == "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform-test-pub/aws-observability/aws-otel-collector:v0.43.3" &&
      jsondecode(t.container_definitions)[1].logConfiguration.options["awslogs-group"] == aws_cloudwatch_log_group.service[name].name
    )])
    error_message = "each task gets the collector beside the service (not essential, read-only), its image through the stack's pull-through cache, logging to the service's group"
  }

  assert {
    condition = alltrue([for t in aws_ecs_task_definition.service : (
      contains([for e in jsondecode(t.container_definitions)[0].environment : "${e.name}=${e.value}"], "OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318") &&
      contains([for e in jsondecode(t.container_definitions)[0].environment : "${e.name}=${e.value}"], "OTEL_TRACES_SAMPLER_ARG=0.1")
    )])
    error_message = "the service container exports OTLP/HTTP to the sidecar, with the sampling ratio"
  }

  assert {
    condition = alltrue([for t in aws_ecs_task_definition.service : (
      yamldecode([for e in jsondecode(t.container_definitions)[1].environment : e.value if e.name == "AOT_CONFIG_CONTENT"][0]).receivers.otlp.protocols.http.endpoint == "127.0.0.1:4318" &&
      yamldecode([for e in jsondecode(t.container_definitions)[1].environment : e.value if e.name == "AOT_CONFIG_CONTENT"][0]).service.pipelines.traces.exporters == ["awsxray"]
    )])
    error_message = "the collector receives OTLP/HTTP on localhost only and exports traces to X-Ray"
  }

  assert {
    condition = (
      length(aws_iam_role_policy.tracing) == 2 && alltrue([for name, p in aws_iam_role_policy.tracing : p.role == aws_iam_role.task[name].id]) &&
      toset(flatten([for st in data.aws_iam_policy_document.tracing[0].statement : st.actions])) == toset(["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"])
    )
    error_message = "each task role may send traces and read sampling rules, nothing more of X-Ray"
  }

  assert {
    condition = (
      aws_ecr_pull_through_cache_rule.public[0].upstream_registry_url == "public.ecr.aws" && aws_ecr_pull_through_cache_rule.public[0].ecr_repository_prefix == "platform-test-pub" &&
      aws_ecr_repository.collector[0].name == "platform-test-pub/aws-observability/aws-otel-collector" && aws_ecr_repository.collector[0].image_tag_mutability == "IMMUTABLE" &&
      alltrue([for d in data.aws_iam_policy_document.execution : toset(flatten([for st in d.statement : st.resources if st.sid == "PullCollectorImage"])) == toset([aws_ecr_repository.collector[0].arn])])
    )
    error_message = "the collector image comes through a pull-through cache of ECR Public into a repository of the stack; each execution role may pull (and import) that repository only"
  }
}

run "ecs_rejects_an_unpinned_collector" {
  command = plan
  module {
    source = "./modules/ecs"
  }
  variables {
    tracing = { enabled = true, collector_image = "public.ecr.aws/aws-observability/aws-otel-collector:latest" }
  }
  expect_failures = [var.tracing]
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

# The cluster (modules/ecs-cluster): variables only, so that checkov sees its settings too.
run "ecs_cluster_by_default" {
  command = apply
  module {
    source = "./modules/ecs-cluster"
  }

  assert {
    condition     = aws_ecs_cluster.this.name == "platform-test" && one([for s in aws_ecs_cluster.this.setting : s.value if s.name == "containerInsights"]) == "enabled"
    error_message = "the cluster is named <name>, Container Insights on"
  }

  assert {
    condition = (
      aws_ecs_cluster_capacity_providers.this.cluster_name == aws_ecs_cluster.this.name &&
      toset(aws_ecs_cluster_capacity_providers.this.capacity_providers) == toset(["FARGATE", "FARGATE_SPOT"]) &&
      [for s in aws_ecs_cluster_capacity_providers.this.default_capacity_provider_strategy : { provider = s.capacity_provider, weight = s.weight }] == [{ provider = "FARGATE", weight = 1 }]
    )
    error_message = "the cluster offers Fargate and Fargate Spot, on demand by default (each service sets its own strategy)"
  }

  assert {
    condition     = output.name == aws_ecs_cluster.this.name && output.arn == aws_ecs_cluster.this.arn && output.exec_log_group_arn == null
    error_message = "its name and ARN are what the services get"
  }

  assert {
    condition     = length(aws_ecs_cluster.this.configuration) == 0 && length(aws_cloudwatch_log_group.exec) == 0
    error_message = "without ECS Exec: no session settings, no session log group"
  }
}

run "ecs_cluster_exec_sessions_encrypted_and_logged" {
  command = apply
  module {
    source = "./modules/ecs-cluster"
  }
  variables {
    enable_ecs_exec = true
  }

  assert {
    condition = (
      one(one(aws_ecs_cluster.this.configuration).execute_command_configuration).kms_key_id == var.kms_key_arn &&
      one(one(aws_ecs_cluster.this.configuration).execute_command_configuration).logging == "OVERRIDE" &&
      one(one(one(aws_ecs_cluster.this.configuration).execute_command_configuration).log_configuration).cloud_watch_encryption_enabled &&
      one(one(one(aws_ecs_cluster.this.configuration).execute_command_configuration).log_configuration).cloud_watch_log_group_name == aws_cloudwatch_log_group.exec[0].name
    )
    error_message = "ECS Exec's sessions are encrypted with the platform key and logged to their own group"
  }

  assert {
    condition = (
      aws_cloudwatch_log_group.exec[0].name == "/ecs/platform-test/exec" && aws_cloudwatch_log_group.exec[0].retention_in_days == 30 &&
      aws_cloudwatch_log_group.exec[0].kms_key_id == var.kms_key_arn && output.exec_log_group_arn == aws_cloudwatch_log_group.exec[0].arn
    )
    error_message = "the session log group has a retention and the platform key; the task roles (modules/ecs) get its ARN"
  }
}

run "ecs_cluster_container_insights_off" {
  command = apply
  module {
    source = "./modules/ecs-cluster"
  }
  variables {
    container_insights = "disabled"
  }

  assert {
    condition     = one([for s in aws_ecs_cluster.this.setting : s.value if s.name == "containerInsights"]) == "disabled"
    error_message = "Container Insights can be switched off (the dev profile)"
  }
}

run "ecs_cluster_rejects_an_unknown_container_insights_setting" {
  command = plan
  module {
    source = "./modules/ecs-cluster"
  }
  variables {
    container_insights = "on"
  }
  expect_failures = [var.container_insights]
}
