# Which broker: by default Amazon MQ (the credentials stack creates it; this stack only its network
# access), with broker = "ecs" RabbitMQ as an ECS service (modules/broker). The dev profile's ECS
# broker is checked property by property in tests/profiles/dev.tftest.hcl; here the default, and
# modules/broker's working hours and image rules on their own.

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

run "default_is_amazon_mq" {
  command = apply

  assert {
    condition     = var.broker == "amazon-mq" && length(module.broker) == 0 && output.credentials_inputs.broker == "amazon-mq" && output.credentials_inputs.broker_host == null && output.broker.service == null
    error_message = "by default the stack runs no ECS broker and tells the credentials stack to create Amazon MQ"
  }

  assert {
    condition     = alltrue([for c in values(module.ecs.container_contracts) : c.secrets.AMQP_URL == module.secrets.amqp_url_secret_arn])
    error_message = "with Amazon MQ the services read the whole AMQP_URL secret (the credentials stack writes the URL itself)"
  }

  assert {
    condition     = contains(module.monitoring.alarm_names, "platform-production-mq-memory") && contains(module.monitoring.alarm_names, "platform-production-mq-disk") && !anytrue([for n in module.monitoring.alarm_names : strcontains(n, "-broker-")])
    error_message = "Amazon MQ's memory and disk alarms, none of the ECS broker's"
  }
}

run "an_unknown_broker_is_refused" {
  command = plan
  variables {
    broker = "kafka"
  }
  expect_failures = [var.broker]
}

run "ecs_broker_in_production_on_demand_always_on" {
  command = plan
  variables {
    broker = "ecs"
  }

  assert {
    condition     = length(module.broker) == 1 && module.broker[0].schedule == null && module.broker[0].host == "broker.platform-production.internal"
    error_message = "the option works for any environment: without a schedule the broker is always on"
  }

  assert {
    condition     = !anytrue([for n in module.monitoring.alarm_names : strcontains(n, "-mq-")]) && contains(module.monitoring.alarm_names, "platform-production-broker-down")
    error_message = "no Amazon MQ alarms without Amazon MQ"
  }
}

# modules/broker's working hours: margin minutes around the services' when the shift stays on the
# same day, the services' own times otherwise.
run "broker_schedule_near_midnight" {
  command = plan
  module {
    source = "./modules/broker"
  }
  variables {
    name                     = "platform-test"
    vpc_id                   = "vpc-123"
    vpc_cidr                 = "10.20.0.0/16"
    subnet_ids               = ["subnet-a", "subnet-b"]
    s3_prefix_list_id        = "pl-123"
    client_security_group_id = "sg-tasks"
    cluster_name             = "platform-test"
    task                     = { cpu = 256, memory = 1024, image = "public.ecr.aws/docker/library/rabbitmq:3.13.7-alpine" }
    credentials_secret_arn   = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-test/amqp-url-AbCdEf"
    kms_key_arn              = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
    permissions_boundary_arn = "arn:aws:iam::123456789012:policy/platform-stack-boundary"
    schedule                 = { start = "cron(5 0 ? * MON-FRI *)", stop = "cron(55 23 ? * MON-FRI *)" }
  }

  assert {
    condition     = local.broker_schedule == { start = "cron(5 0 ? * MON-FRI *)", stop = "cron(55 23 ? * MON-FRI *)", timezone = "UTC" }
    error_message = "a shift across midnight would move the day: the broker keeps the services' times"
  }

  assert {
    condition     = aws_appautoscaling_scheduled_action.stop[0].scalable_target_action[0].max_capacity == "0" && aws_appautoscaling_scheduled_action.start[0].scalable_target_action[0].min_capacity == "1"
    error_message = "stop scales the broker to zero, start back to its one task"
  }
}

run "broker_image_must_come_through_the_cache_with_a_tag" {
  command = plan
  module {
    source = "./modules/broker"
  }
  variables {
    name                     = "platform-test"
    vpc_id                   = "vpc-123"
    vpc_cidr                 = "10.20.0.0/16"
    subnet_ids               = ["subnet-a"]
    s3_prefix_list_id        = "pl-123"
    client_security_group_id = "sg-tasks"
    cluster_name             = "platform-test"
    task                     = { cpu = 256, memory = 1024, image = "rabbitmq:latest" }
    credentials_secret_arn   = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-test/amqp-url-AbCdEf"
    kms_key_arn              = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
    permissions_boundary_arn = "arn:aws:iam::123456789012:policy/platform-stack-boundary"
  }
  expect_failures = [var.task]
}
