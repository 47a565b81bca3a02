# A pull request's preview planned and applied with a mocked AWS provider, staging's state and
# task definitions made up (nothing is created): names, paths, databases, queues and priorities
# of its own, everything else staging's.

mock_provider "aws" {
  source = "../tests/mocks"

  mock_resource "aws_lb_target_group" {
    defaults = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/pr42/0123456789abcdef" }
  }
  mock_resource "aws_ecs_task_definition" {
    defaults = { arn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/platform-staging-pr42:1" }
  }
  mock_data "aws_lb_listener" {
    defaults = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/platform-staging/0123456789abcdef/fedcba9876543210" }
  }
}

variables {
  state_bucket = "platform-tfstate-123456789012-eu-west-1"
  pr_number    = 42
  images = {
    customer = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform-staging/customer:1111111111111111111111111111111111111111"
    products = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform-staging/products:2222222222222222222222222222222222222222"
  }
}

override_data {
  target = data.terraform_remote_state.environment
  values = {
    outputs = {
      preview_inputs = {
        prefix                   = "platform-staging"
        base_url                 = "https://d111111abcdef8.cloudfront.net"
        cluster_name             = "platform-staging"
        load_balancer_arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/platform-staging/0123456789abcdef"
        vpc_id                   = "vpc-staging"
        private_subnet_ids       = ["subnet-a", "subnet-b"]
        tasks_security_group_id  = "sg-tasks"
        kms_key_arn              = "arn:aws:kms:eu-west-1:123456789012:key/staging"
        task_definition_families = { customer = "platform-staging-customer", products = "platform-staging-products", shopping = "platform-staging-shopping" }
        paths                    = { customer = "/customer", products = "/products", shopping = "/shopping" }
        priorities               = { customer = 10, products = 20, shopping = 30 }
      }
    }
  }
}

# staging's revision as modules/ecs registers it with tracing on: the service's container (its
# health check, OTEL_EXPORTER_OTLP_ENDPOINT) and the tracing collector's sidecar (not essential,
# its configuration in AOT_CONFIG_CONTENT, its image through staging's pull-through cache), which
# the preview must carry along unchanged
override_data {
  target = data.aws_ecs_task_definition.environment["customer"]
  values = {
    cpu                   = "256"
    memory                = "512"
    execution_role_arn    = "arn:aws:iam::123456789012:role/platform-staging-customer-execution"
    task_role_arn         = "arn:aws:iam::123456789012:role/platform-staging-customer-task"
    runtime_platform      = [{ operating_system_family = "LINUX", cpu_architecture = "ARM64" }]
    volume                = [{ name = "tmp", host_path = "", configure_at_launch = false, docker_volume_configuration = [], efs_volume_configuration = [], fsx_windows_file_server_volume_configuration = [] }]
    container_definitions = <<-EOT
      [
        {
          "name": "customer",
          "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform-staging/customer:0000000000000000000000000000000000000000",
          "readonlyRootFilesystem": true,
          "user": "65532:65532",
          "portMappings": [
            {
              "containerPort": 8080,
              "protocol": "tcp",
              "name": "http"
            }
          ],
          "environment": [
            {
              "name": "MONGO_URL",
              "value": "mongodb://platform-staging.cluster-x.eu-west-1.docdb.amazonaws.com:27017/customer?tls=true&replicaSet=rs0&readPreference=primary&retryWrites=false&authSource=admin"
            },
            {
              "name": "AMQP_EXCHANGE",
              "value": "platform.events"
            },
            {
              "name": "METRICS_NAMESPACE",
              "value": "platform/staging"
            },
            {
              "name": "LOG_LEVEL",
              "value": "info"
            },
            {
              "name": "OTEL_EXPORTER_OTLP_ENDPOINT",
              "value": "http://localhost:4318"
            }
          ],
          "healthCheck": {
            "command": ["CMD", "/nodejs/bin/node", "/app/healthcheck.mjs"],
            "interval": 15,
            "timeout": 5,
            "retries": 3,
            "startPeriod": 20
          },
          "secrets": [
            {
              "name": "AMQP_URL",
              "valueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-staging/amqp-url-Am0001"
            }
          ],
          "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
              "awslogs-group": "/ecs/platform-staging/customer",
              "awslogs-region": "eu-west-1",
              "awslogs-stream-prefix": "customer"
            }
          }
        },
        {
          "name": "otel-collector",
          "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform-staging-pub/aws-observability/aws-otel-collector:v0.43.3",
          "essential": false,
          "readonlyRootFilesystem": true,
          "command": ["--config=env:AOT_CONFIG_CONTENT"],
          "environment": [
            {
              "name": "AOT_CONFIG_CONTENT",
              "value": "receivers:\n  otlp:\n    protocols:\n      http:\n        endpoint: 127.0.0.1:4318\n"
            }
          ],
          "healthCheck": {
            "command": ["/healthcheck"],
            "interval": 15,
            "timeout": 5,
            "retries": 3,
            "startPeriod": 10
          },
          "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
              "awslogs-group": "/ecs/platform-staging/customer",
              "awslogs-region": "eu-west-1",
              "awslogs-stream-prefix": "otel"
            }
          }
        }
      ]
    EOT
  }
}

override_data {
  target = data.aws_ecs_task_definition.environment["products"]
  values = {
    cpu                   = "512"
    memory                = "1024"
    execution_role_arn    = "arn:aws:iam::123456789012:role/platform-staging-products-execution"
    task_role_arn         = "arn:aws:iam::123456789012:role/platform-staging-products-task"
    runtime_platform      = [{ operating_system_family = "LINUX", cpu_architecture = "ARM64" }]
    volume                = []
    container_definitions = <<-EOT
      [
        {
          "name": "products",
          "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform-staging/products:0000000000000000000000000000000000000000",
          "portMappings": [
            {
              "containerPort": 9090,
              "protocol": "tcp"
            }
          ],
          "environment": [
            {
              "name": "MONGO_URL",
              "value": "mongodb://db:27017/products?tls=true"
            }
          ],
          "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
              "awslogs-group": "/ecs/platform-staging/products",
              "awslogs-region": "eu-west-1",
              "awslogs-stream-prefix": "products"
            }
          }
        }
      ]
    EOT
  }
}

run "preview" {
  command = apply

  assert {
    condition     = data.terraform_remote_state.environment.config.key == "platform/staging.tfstate" && data.terraform_remote_state.environment.config.bucket == var.state_bucket
    error_message = "staging's state is read from its own key"
  }

  assert {
    condition     = keys(aws_ecs_service.service) == ["customer", "products"] && aws_ecs_service.service["customer"].name == "pr42-customer" && aws_ecs_service.service["customer"].cluster == "platform-staging"
    error_message = "one ECS service per service given an image, pr<N>-<service>, on staging's cluster (shopping, without an image, gets none)"
  }

  assert {
    condition     = aws_ecs_task_definition.service["customer"].family == "platform-staging-pr42-customer" && aws_ecs_task_definition.service["products"].family == "platform-staging-pr42-products"
    error_message = "task definition families under staging's prefix (staging's deploy role registers only <name>-staging-*)"
  }

  assert {
    condition = alltrue([for s in ["customer", "products"] : (
      aws_lb_listener_rule.service[s].listener_arn == data.aws_lb_listener.http.arn &&
      one(one(aws_lb_listener_rule.service[s].condition).path_pattern).values == toset(["/pr-42/${s}", "/pr-42/${s}/*"]) &&
      one(aws_lb_listener_rule.service[s].action).target_group_arn == aws_lb_target_group.service[s].arn &&
      aws_lb_target_group.service[s].health_check[0].path == "/pr-42/${s}/health"
    )])
    error_message = "each service behind /pr-42/<service> on staging's listener, in a target group of its own whose health check goes through the prefix"
  }

  assert {
    condition     = aws_lb_listener_rule.service["customer"].priority == 40840 && aws_lb_listener_rule.service["products"].priority == 40841 && alltrue([for r in aws_lb_listener_rule.service : r.priority >= 40000 && r.priority < 50000])
    error_message = "a band of priorities of its own (40,000 + (42 % 500) * 20), above staging's"
  }

  assert {
    condition     = alltrue([for tg in aws_lb_target_group.service : length(tg.name) <= 32 && startswith(tg.name, "pr42-")]) && length(distinct([for tg in aws_lb_target_group.service : tg.name])) == 2 && aws_lb_target_group.service["products"].port == 9090 && aws_lb_target_group.service["customer"].port == 8080
    error_message = "target group names within AWS's 32 characters, distinct; the container's port"
  }

  assert {
    condition = (
      jsondecode(aws_ecs_task_definition.service["customer"].container_definitions)[0].image == var.images.customer &&
      { for e in jsondecode(aws_ecs_task_definition.service["customer"].container_definitions)[0].environment : e.name => e.value } == {
        MONGO_URL     = "mongodb://platform-staging.cluster-x.eu-west-1.docdb.amazonaws.com:27017/pr42_customer?tls=true&replicaSet=rs0&readPreference=primary&retryWrites=false&authSource=admin"
        AMQP_EXCHANGE = "pr42.events"
        BASE_PATH     = "/pr-42"
        LOG_LEVEL     = "info"
        # traces go to staging's collector sidecar, as staging's do
        OTEL_EXPORTER_OTLP_ENDPOINT = "http://localhost:4318"
      }
    )
    error_message = "the pull request's image; its own database on staging's cluster, its own exchange, its path; no METRICS_NAMESPACE (staging's alarms); staging's other settings (tracing's endpoint) kept"
  }

  assert {
    condition = (
      jsondecode(aws_ecs_task_definition.service["customer"].container_definitions)[0].secrets == [{ name = "AMQP_URL", valueFrom = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-staging/amqp-url-Am0001" }] &&
      jsondecode(aws_ecs_task_definition.service["customer"].container_definitions)[0].readonlyRootFilesystem &&
      jsondecode(aws_ecs_task_definition.service["customer"].container_definitions)[0].healthCheck == jsondecode(data.aws_ecs_task_definition.environment["customer"].container_definitions)[0].healthCheck &&
      jsondecode(aws_ecs_task_definition.service["customer"].container_definitions)[0].logConfiguration.options == { awslogs-group = "/ecs/platform-staging/customer", awslogs-region = "eu-west-1", awslogs-stream-prefix = "pr42" } &&
      jsondecode(aws_ecs_task_definition.service["customer"].container_definitions)[1] == jsondecode(data.aws_ecs_task_definition.environment["customer"].container_definitions)[1]
    )
    error_message = "staging's secrets, hardening, health check and log group (streams pr42/...); the tracing collector's sidecar exactly as staging has it"
  }

  assert {
    condition     = { for e in jsondecode(aws_ecs_task_definition.service["products"].container_definitions)[0].environment : e.name => e.value }.MONGO_URL == "mongodb://db:27017/pr42_products?tls=true"
    error_message = "every service its own preview database"
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.service["products"].container_definitions)[0].readonlyRootFilesystem
    error_message = "a pull request's code runs on a read-only root filesystem even where the environment's revision leaves it out"
  }

  assert {
    condition = (
      aws_ecs_task_definition.service["customer"].execution_role_arn == "arn:aws:iam::123456789012:role/platform-staging-customer-execution" &&
      aws_ecs_task_definition.service["customer"].task_role_arn == "arn:aws:iam::123456789012:role/platform-staging-customer-task" &&
      aws_ecs_task_definition.service["customer"].cpu == "256" && aws_ecs_task_definition.service["products"].memory == "1024" &&
      one(aws_ecs_task_definition.service["customer"].runtime_platform).cpu_architecture == "ARM64" &&
      [for v in aws_ecs_task_definition.service["customer"].volume : v.name] == ["tmp"]
    )
    error_message = "staging's roles, sizes, architecture and volumes"
  }

  assert {
    condition = alltrue([for s in aws_ecs_service.service : (
      s.desired_count == 1 && one(s.capacity_provider_strategy).capacity_provider == "FARGATE_SPOT" &&
      one(s.network_configuration).subnets == toset(["subnet-a", "subnet-b"]) &&
      one(s.network_configuration).security_groups == toset(["sg-tasks"]) && !one(s.network_configuration).assign_public_ip
    )])
    error_message = "one task on Fargate Spot, in staging's private subnets and tasks security group"
  }

  assert {
    condition     = output.url == "https://d111111abcdef8.cloudfront.net/pr-42" && output.services.customer.database == "pr42_customer"
    error_message = "the preview's URL is staging's, then /pr-42"
  }
}

run "the_images_it_builds_go_to_repositories_of_its_own" {
  command = apply
  variables {
    builds = ["products"]
  }

  assert {
    condition     = keys(aws_ecr_repository.preview) == ["products"] && aws_ecr_repository.preview["products"].name == "platform-staging/pr42/products" && aws_ecr_repository.preview["products"].force_delete && aws_ecr_repository.preview["products"].image_tag_mutability == "IMMUTABLE"
    error_message = "a repository per service the pull request builds, under staging's prefix (staging's role manages <prefix>/*), removed with its images"
  }

  assert {
    condition     = one(aws_ecr_repository.preview["products"].encryption_configuration) == { encryption_type = "KMS", kms_key = "arn:aws:kms:eu-west-1:123456789012:key/staging" }
    error_message = "the preview's images encrypted with staging's key, as staging's own repositories are"
  }

  assert {
    condition = jsondecode(aws_ecr_repository_policy.preview["products"].policy).Statement == [{
      Sid       = "TheServiceStartsItsPreview"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::123456789012:role/platform-staging-products-execution" }
      Action    = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    }] && aws_ecr_repository_policy.preview["products"].repository == aws_ecr_repository.preview["products"].name
    error_message = "only the service's execution role (staging's, which may pull its own repository only) may pull, nothing else"
  }
}

run "rejects_a_build_of_a_service_without_an_image" {
  command = plan
  variables {
    builds = ["shopping"]
  }
  expect_failures = [var.builds]
}

run "teardown_is_an_empty_images_map" {
  command = plan
  variables {
    images = {}
  }

  assert {
    condition     = length(aws_ecs_service.service) == 0 && length(aws_lb_listener_rule.service) == 0 && length(aws_ecr_repository.preview) == 0 && length(data.aws_ecs_task_definition.environment) == 0
    error_message = "images = {} leaves nothing, its repositories neither (and reads no task definition: a teardown works whatever staging runs)"
  }
}

run "rejects_a_pull_request_number_that_is_none" {
  command = plan
  variables {
    pr_number = 0
  }
  expect_failures = [var.pr_number]
}

run "rejects_an_image_without_a_tag" {
  command = plan
  variables {
    images = { customer = "platform-staging/customer" }
  }
  expect_failures = [var.images]
}

run "refuses_a_staging_whose_priorities_reach_the_previews_band" {
  command = plan

  override_data {
    target = data.terraform_remote_state.environment
    values = {
      outputs = {
        preview_inputs = {
          prefix                   = "platform-staging"
          base_url                 = "https://d111111abcdef8.cloudfront.net"
          cluster_name             = "platform-staging"
          load_balancer_arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/platform-staging/0123456789abcdef"
          vpc_id                   = "vpc-staging"
          private_subnet_ids       = ["subnet-a", "subnet-b"]
          tasks_security_group_id  = "sg-tasks"
          kms_key_arn              = "arn:aws:kms:eu-west-1:123456789012:key/staging"
          task_definition_families = { customer = "platform-staging-customer", products = "platform-staging-products" }
          paths                    = { customer = "/customer", products = "/products" }
          priorities               = { customer = 10, products = 45000 }
        }
      }
    }
  }

  expect_failures = [aws_lb_listener_rule.service]
}
