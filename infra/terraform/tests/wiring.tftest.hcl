# The root stack planned and applied as a whole with the mocked AWS provider (nothing is created):
# the module tests check each module's own properties; these check that the root wires them so
# that the properties hold for the stack: tasks in the private subnets without public IPs, task
# ingress only from the load balancer, database and broker ingress only from the tasks, every VPC
# endpoint, one route and health check per service, each execution role limited to its own
# secrets and image. The mock gives every resource of a type the same ARN; the overrides below
# give each secret and repository its own, so that a role reading another service's shows.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  environment = "production"
}

override_resource {
  target = module.database.aws_secretsmanager_secret.mongo_url["customer"]
  values = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-production/customer/mongo-url-Cu0001" }
}
override_resource {
  target = module.database.aws_secretsmanager_secret.mongo_url["products"]
  values = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-production/products/mongo-url-Pr0002" }
}
override_resource {
  target = module.database.aws_secretsmanager_secret.mongo_url["shopping"]
  values = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-production/shopping/mongo-url-Sh0003" }
}
override_resource {
  target = module.messaging.aws_secretsmanager_secret.amqp_url
  values = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-production/amqp-url-Am0004" }
}
override_resource {
  target = module.messaging.aws_secretsmanager_secret.admin
  values = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-production/mq-admin-password-Ad0005" }
}
override_resource {
  target = module.secrets.aws_secretsmanager_secret.jwt
  values = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-production/jwt-secret-Jw0006" }
}
override_resource {
  target = module.ecr.aws_ecr_repository.service["customer"]
  values = { arn = "arn:aws:ecr:eu-west-1:123456789012:repository/platform-production/customer", repository_url = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform-production/customer" }
}
override_resource {
  target = module.ecr.aws_ecr_repository.service["products"]
  values = { arn = "arn:aws:ecr:eu-west-1:123456789012:repository/platform-production/products", repository_url = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform-production/products" }
}
override_resource {
  target = module.ecr.aws_ecr_repository.service["shopping"]
  values = { arn = "arn:aws:ecr:eu-west-1:123456789012:repository/platform-production/shopping", repository_url = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform-production/shopping" }
}

run "stack" {
  command = apply

  assert {
    condition = alltrue([for name, n in module.ecs.service_networks : (
      n.subnets == sort(module.vpc.private_subnet_ids) &&
      length(setintersection(n.subnets, module.vpc.public_subnet_ids)) == 0 &&
      n.assign_public_ip == false &&
      n.security_groups == tolist([module.ecs.tasks_security_group_id])
    )]) && length(module.ecs.service_networks) == 3
    error_message = "every service runs in the VPC's private subnets, without public IPs, in the tasks' security group"
  }

  assert {
    condition     = length(module.vpc.private_subnet_routes) == 0 && length(module.vpc.private_subnet_ids) == 2
    error_message = "the private subnets (two zones) have no route out: no NAT gateway"
  }

  assert {
    condition     = length(module.ecs.tasks_ingress) == 1 && alltrue([for r in module.ecs.tasks_ingress : r.referenced_security_group_id == module.alb.security_group_id && r.cidr_ipv4 == null && r.cidr_ipv6 == null && r.prefix_list_id == null && r.from_port == 8080 && r.to_port == 8080])
    error_message = "the tasks accept traffic only from the load balancer's security group, on the container port"
  }

  assert {
    condition     = length(module.database.ingress) == 1 && alltrue([for r in module.database.ingress : r.referenced_security_group_id == module.ecs.tasks_security_group_id && r.cidr_ipv4 == null && r.cidr_ipv6 == null && r.prefix_list_id == null && r.from_port == 27017 && r.to_port == 27017])
    error_message = "the database accepts connections only from the tasks' security group"
  }

  assert {
    condition     = length(module.messaging.ingress) == 1 && alltrue([for r in module.messaging.ingress : r.referenced_security_group_id == module.ecs.tasks_security_group_id && r.cidr_ipv4 == null && r.cidr_ipv6 == null && r.prefix_list_id == null && r.from_port == 5671 && r.to_port == 5671]) && module.messaging.publicly_accessible == false
    error_message = "the broker is private and accepts AMQPS only from the tasks' security group"
  }

  assert {
    condition     = module.vpc.endpoint_services == { "ecr.api" = "Interface", "ecr.dkr" = "Interface", logs = "Interface", secretsmanager = "Interface", s3 = "Gateway" }
    error_message = "the stack has the endpoints for ECR (api, dkr), CloudWatch Logs, Secrets Manager and S3, and no ECS Exec endpoint unless switched on"
  }

  assert {
    condition = jsonencode(module.alb.routes) == jsonencode({
      customer = { health_check_path = "/customer/health", paths = ["/customer", "/customer/*"], port = 8080 }
      products = { health_check_path = "/products/health", paths = ["/products", "/products/*"], port = 8080 }
      shopping = { health_check_path = "/shopping/health", paths = ["/shopping", "/shopping/*"], port = 8080 }
    })
    error_message = "one listener rule (/<name>, /<name>/*) and health check (/<name>/health) per service"
  }

  assert {
    condition = jsonencode(module.ecs.execution_role_access) == jsonencode({
      customer = {
        repositories = ["arn:aws:ecr:eu-west-1:123456789012:repository/platform-production/customer"]
        secrets = sort([
          "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-production/customer/mongo-url-Cu0001",
          "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-production/amqp-url-Am0004",
          "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-production/jwt-secret-Jw0006",
          "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-abc-AbCdEf",
        ])
      }
      products = {
        repositories = ["arn:aws:ecr:eu-west-1:123456789012:repository/platform-production/products"]
        secrets = sort([
          "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-production/products/mongo-url-Pr0002",
          "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-production/amqp-url-Am0004",
          "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-production/jwt-secret-Jw0006",
          "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-abc-AbCdEf",
        ])
      }
      shopping = {
        repositories = ["arn:aws:ecr:eu-west-1:123456789012:repository/platform-production/shopping"]
        secrets = sort([
          "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-production/shopping/mongo-url-Sh0003",
          "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-production/amqp-url-Am0004",
          "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-production/jwt-secret-Jw0006",
          "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-abc-AbCdEf",
        ])
      }
    })
    error_message = "each execution role reads its own connection string and the shared broker URL, JWT key and database credentials, pulls its own image, and nothing else (no other service's connection string, not the broker's admin password)"
  }

  assert {
    condition     = keys(output.execution_role_arns) == ["customer", "products", "shopping"] && keys(output.task_role_arns) == ["customer", "products", "shopping"] && output.alb_dns_name == "platform-123.eu-west-1.elb.amazonaws.com"
    error_message = "the workflows get the load balancer's name and every role ARN"
  }
}

run "stack_with_ecs_exec" {
  command = apply
  variables {
    enable_ecs_exec = true
  }

  assert {
    condition     = module.vpc.endpoint_services == { "ecr.api" = "Interface", "ecr.dkr" = "Interface", logs = "Interface", secretsmanager = "Interface", s3 = "Gateway", ssmmessages = "Interface", kms = "Interface" }
    error_message = "enable_ecs_exec adds the ssmmessages endpoint (and kms, which encrypts the sessions)"
  }
}

run "stack_with_a_custom_path_and_port" {
  command = apply
  variables {
    services = {
      customer = { priority = 10 }
      products = { priority = 20 }
      shopping = { priority = 30 }
      billing  = { priority = 40, path = "/api/billing", port = 9090, cpu = 512, memory = 1024 }
    }
  }

  assert {
    condition     = jsonencode(module.alb.routes["billing"]) == jsonencode({ health_check_path = "/api/billing/health", paths = ["/api/billing", "/api/billing/*"], port = 9090 })
    error_message = "a service's path and port reach its listener rule, health check and target group"
  }

  assert {
    condition     = toset([for r in module.ecs.tasks_ingress : r.from_port]) == toset([8080, 9090]) && alltrue([for r in module.ecs.tasks_ingress : r.referenced_security_group_id == module.alb.security_group_id && r.cidr_ipv4 == null])
    error_message = "the tasks accept each container port, from the load balancer only"
  }

  assert {
    condition     = alltrue([for name, n in module.ecs.service_networks : n.subnets == sort(module.vpc.private_subnet_ids) && n.assign_public_ip == false]) && length(module.ecs.service_networks) == 4
    error_message = "a fourth service runs like the others"
  }
}
