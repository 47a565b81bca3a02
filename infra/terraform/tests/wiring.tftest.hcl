# The root stack planned and applied as a whole with the mocked AWS provider (nothing is created):
# the module tests check each module's own properties; these check that the root wires them so
# that the properties hold for the stack: tasks in the private subnets without public IPs, task
# ingress only from the load balancer and the load balancer's only from CloudFront, database and
# broker ingress only from the tasks, every VPC endpoint, one route and health check per service,
# the contract every service gets (environment and secret references), each role limited to its
# own secrets and image, with the permissions boundary. The mock gives every resource of a type the
# same ARN; the overrides below give each secret and repository its own, so that a role reading
# another's shows.

mock_provider "aws" {
  source = "./tests/mocks"
}

mock_provider "aws" {
  alias  = "us_east_1"
  source = "./tests/mocks"
}

variables {
  environment  = "production"
  admin_emails = ["boss@example.com", "ops@example.com"]
}

override_resource {
  target = module.secrets.aws_secretsmanager_secret.amqp_url
  values = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-production/amqp-url-Am0004" }
}
override_resource {
  target = module.secrets.aws_secretsmanager_secret.jwt_keys
  values = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-production/jwt-keys-Jw0006" }
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
    condition     = length(module.messaging_access.ingress) == 1 && alltrue([for r in module.messaging_access.ingress : r.referenced_security_group_id == module.ecs.tasks_security_group_id && r.cidr_ipv4 == null && r.cidr_ipv6 == null && r.prefix_list_id == null && r.from_port == 5671 && r.to_port == 5671])
    error_message = "the broker accepts AMQPS only from the tasks' security group (and is private: credentials/tests)"
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
      for svc in ["customer", "products", "shopping"] : svc => {
        repositories = ["arn:aws:ecr:eu-west-1:123456789012:repository/platform-production/${svc}"]
        secrets = [
          "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-production/amqp-url-Am0004",
          "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-production/jwt-keys-Jw0006",
        ]
      }
    })
    error_message = "each execution role reads the broker URL and the JWT keys (to inject them) and pulls its own image, nothing else (not the database's credentials: the service reads those itself)"
  }

  assert {
    condition = jsonencode(module.ecs.task_role_access) == jsonencode({
      for svc in ["customer", "products", "shopping"] : svc => ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-abc-AbCdEf"]
    })
    error_message = "each task role reads exactly the database's managed master secret, the one RDS rotates (so the running service can read it again)"
  }

  assert {
    condition = alltrue([for svc, c in module.ecs.container_contracts : (
      c.environment.MONGO_URL == "mongodb://platform.cluster-abc.eu-west-1.docdb.amazonaws.com:27017/${svc}?tls=true&replicaSet=rs0&readPreference=primary&retryWrites=false&authSource=admin" &&
      c.environment.MONGO_CREDENTIALS_SECRET == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-abc-AbCdEf" &&
      c.environment.AWS_REGION == "eu-west-1" &&
      c.environment.ADMIN_EMAILS == "boss@example.com,ops@example.com" &&
      c.environment.TRUSTED_PROXY_HOPS == "2" &&
      c.secrets == {
        AMQP_URL             = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-production/amqp-url-Am0004"
        JWT_SECRET           = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-production/jwt-keys-Jw0006:signing::"
        JWT_ACCEPTED_SECRETS = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-production/jwt-keys-Jw0006:accepted::"
      }
    )]) && length(module.ecs.container_contracts) == 3
    error_message = "every service gets the contract: MONGO_URL (its database, no credentials), MONGO_CREDENTIALS_SECRET and AWS_REGION, ADMIN_EMAILS, TRUSTED_PROXY_HOPS=2 (CloudFront and the load balancer), and AMQP_URL, JWT_SECRET (signing) and JWT_ACCEPTED_SECRETS (accepted) from Secrets Manager"
  }

  assert {
    condition     = alltrue(flatten([for c in values(module.ecs.container_contracts) : [for k in ["MONGO_USERNAME", "MONGO_PASSWORD"] : !contains(keys(c.secrets), k) && !contains(keys(c.environment), k)]]))
    error_message = "no database password is injected at start any more: it would go stale at the first rotation"
  }

  assert {
    condition     = module.ecs.role_boundaries == tolist(["arn:aws:iam::123456789012:policy/platform-stack-boundary"]) && output.permissions_boundary_arn == "arn:aws:iam::123456789012:policy/platform-stack-boundary"
    error_message = "every role of the stack carries bootstrap's permissions boundary (the deploy role could not create them otherwise)"
  }

  assert {
    condition = (
      length(module.alb.ingress) == 1 && alltrue([for r in module.alb.ingress : r.prefix_list_id == "pl-4fa04526" && r.cidr_ipv4 == null && r.cidr_ipv6 == null && r.from_port == 80]) &&
      jsonencode(module.ecs.test_listener_access.ingress) == jsonencode({ cidr_ipv4 = null, from_port = 9000, security_group_id = module.alb.security_group_id, source = module.ecs.tasks_security_group_id, to_port = 9000 }) &&
      jsonencode(module.ecs.test_listener_access.egress) == jsonencode({ destination = module.alb.security_group_id, from_port = 9000, security_group_id = module.ecs.tasks_security_group_id, to_port = 9000 })
    )
    error_message = "the load balancer accepts traffic only from CloudFront's origin-facing prefix list, and on its test listener's port from the tasks' security group (the deploy check tasks)"
  }

  assert {
    condition     = output.base_url == "https://d111111abcdef8.cloudfront.net"
    error_message = "the platform's URL is https, CloudFront's name without a domain"
  }

  assert {
    condition     = keys(output.execution_role_arns) == ["customer", "products", "shopping"] && keys(output.task_role_arns) == ["customer", "products", "shopping"] && output.alb_dns_name == "internal-platform-123.eu-west-1.elb.amazonaws.com"
    error_message = "the workflows get the load balancer's name and every role ARN"
  }

  assert {
    condition = (
      output.credentials_inputs.prefix == "platform-production" &&
      output.credentials_inputs.jwt_keys_secret_arn == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-production/jwt-keys-Jw0006" &&
      output.credentials_inputs.amqp_url_secret_arn == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-production/amqp-url-Am0004" &&
      output.credentials_inputs.broker_security_group_id == module.messaging_access.security_group_id &&
      output.credentials_inputs.broker_subnet_ids == module.vpc.private_subnet_ids &&
      output.credentials_inputs.broker_deployment_mode == "SINGLE_INSTANCE"
    )
    error_message = "the credentials stack gets the empty secrets to fill and where the broker goes"
  }

  assert {
    condition = (
      output.preview_inputs.cluster_name == module.ecs_cluster.name &&
      output.preview_inputs.load_balancer_arn == module.alb.arn &&
      output.preview_inputs.tasks_security_group_id == module.ecs.tasks_security_group_id &&
      output.preview_inputs.private_subnet_ids == module.vpc.private_subnet_ids &&
      output.preview_inputs.task_definition_families == module.ecs.task_definition_families &&
      output.preview_inputs.paths == { customer = "/customer", products = "/products", shopping = "/shopping" } &&
      alltrue([for p in values(output.preview_inputs.priorities) : p < 40000])
    )
    error_message = "the preview stack gets where a preview's services go, and the priorities stay below the previews' band"
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
