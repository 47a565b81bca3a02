# The root stack with the mocked provider: the monitoring module gets the stack's real names (the
# services' target groups and log groups, the cluster, DocumentDB's instances, the broker), each ECS
# service rolls back on its own alarms, every task publishes its metrics to METRICS_NAMESPACE, and
# tracing adds its endpoint.

mock_provider "aws" {
  source = "./tests/mocks"
}

mock_provider "aws" {
  alias  = "us_east_1"
  source = "./tests/mocks"
}

variables {
  environment = "production"
}

override_resource {
  target = module.alb.aws_lb_target_group.service["customer"]
  values = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/platform-production-customer/1", arn_suffix = "targetgroup/platform-production-customer/1" }
}
override_resource {
  target = module.alb.aws_lb_target_group.service["customer.alternate"]
  values = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/platform-production-customer-g/2", arn_suffix = "targetgroup/platform-production-customer-g/2" }
}

run "monitoring_wired_to_the_stack" {
  command = apply

  variables {
    docdb_instance_count = 2
    alarm_email          = "ops@example.com"
    monthly_budget_usd   = 400
  }

  assert {
    condition     = length(module.monitoring.alarm_names) == 3 * 7 + 1 + 2 * 3 + 2
    error_message = "7 alarms per service, the load balancer's, 3 per DocumentDB instance, 2 for the broker"
  }

  assert {
    condition     = alltrue([for name, d in module.ecs.deploy_settings : d.rollback_on_alarm && jsonencode(d.rollback_alarms) == jsonencode(module.monitoring.rollback_alarm_names[name]) && jsonencode(d.rollback_alarms) == jsonencode(["platform-production-${name}-target-5xx", "platform-production-${name}-unhealthy-hosts"])])
    error_message = "each ECS service rolls back on its own 5xx and unhealthy-hosts alarms"
  }

  assert {
    condition     = alltrue([for c in values(module.ecs.container_contracts) : c.environment.METRICS_NAMESPACE == "platform/production"])
    error_message = "every task publishes its metrics under METRICS_NAMESPACE = <name>/<environment>"
  }

  assert {
    condition = (
      module.monitoring.alarms["platform-production-customer-dead-letters"].namespace == "platform/production" &&
      toset([for q in values(module.monitoring.alarms["platform-production-customer-target-5xx"].queries) : q]) == toset(["AWS/ApplicationELB/HTTPCode_Target_5XX_Count:Sum", "AWS/ApplicationELB/RequestCount:Sum", "FILL(errors0, 0) + FILL(errors1, 0)", "FILL(requests0, 0) + FILL(requests1, 0)", "IF(requests >= 10, 100 * errors / requests, 0)"])
    )
    error_message = "the alarms read the metrics where the tasks publish them"
  }

  assert {
    condition     = toset([for n in module.monitoring.alarm_names : n if strcontains(n, "-docdb-")]) == toset(flatten([for i in module.database.instance_identifiers : ["platform-production-docdb-${i}-cpu", "platform-production-docdb-${i}-connections", "platform-production-docdb-${i}-freeable-memory"]]))
    error_message = "the DocumentDB alarms name the database module's instances (the root passes their names, not its outputs: they must agree)"
  }

  assert {
    condition     = strcontains(module.monitoring.alarms["platform-production-mq-memory"].queries.node, "WHERE Broker = '${output.credentials_inputs.prefix}'")
    error_message = "the broker alarms watch the broker the credentials stack creates (named <prefix>)"
  }

  assert {
    condition     = alltrue([for q in values(module.monitoring.query_definitions) : toset(q.log_groups) == toset(values(module.ecs.log_group_names))]) && length(module.monitoring.query_definitions) == 6
    error_message = "the saved queries read every service's log group"
  }

  assert {
    condition     = module.monitoring.budget.limit == "400.00" && module.monitoring.email_subscription == "ops@example.com" && output.alarm_topic_arn == module.monitoring.topic_arn && output.dashboard_name == "platform-production"
    error_message = "the budget and the email subscription come from one variable each; the topic and the dashboard are outputs"
  }
}

run "tracing_adds_the_xray_endpoint" {
  command = apply

  variables {
    tracing = { enabled = true }
  }

  assert {
    condition     = module.vpc.endpoint_services == { "ecr.api" = "Interface", "ecr.dkr" = "Interface", logs = "Interface", secretsmanager = "Interface", xray = "Interface", s3 = "Gateway" }
    error_message = "tracing adds the X-Ray endpoint (the collector reaches X-Ray through it: no NAT)"
  }

  assert {
    condition     = alltrue([for c in values(module.ecs.container_contracts) : c.environment.OTEL_EXPORTER_OTLP_ENDPOINT == "http://localhost:4318" && !contains(keys(c.environment), "OTEL_TRACES_SAMPLER_ARG")])
    error_message = "every service exports to the sidecar; without sample_ratio the services' default sampling stands"
  }
}

run "rejects_fargate_spot_on_arm64" {
  command = plan
  variables {
    cpu_architecture = "ARM64"
    fargate_capacity = "SPOT"
  }
  expect_failures = [var.fargate_capacity]
}
