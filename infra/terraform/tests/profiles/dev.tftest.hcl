# profiles/dev.tfvars itself, planned and applied with the mocked provider:
#   terraform test -test-directory=tests/profiles -var-file=profiles/dev.tfvars   (check.sh)
# It stays private and secure (the same properties the other tests assert for the defaults) and
# cheap the way docs/COSTS.md counts: Spot, one task per service, working hours, one zone's endpoints,
# and RabbitMQ as an ECS service (modules/broker) instead of Amazon MQ.

mock_provider "aws" {
  source = "./tests/mocks"
}

mock_provider "aws" {
  alias  = "us_east_1"
  source = "./tests/mocks"
}

run "dev_profile" {
  command = apply

  assert {
    condition     = var.environment == "dev"
    error_message = "run with -var-file=profiles/dev.tfvars"
  }

  assert {
    condition     = alltrue([for n in values(module.ecs.service_networks) : n.assign_public_ip == false && n.subnets == sort(module.vpc.private_subnet_ids)]) && length(module.vpc.private_subnet_routes) == 0
    error_message = "private: tasks in the private subnets without public IPs, no route out"
  }

  assert {
    condition     = length(module.vpc.private_subnet_ids) == 2 && module.vpc.interface_endpoint_zones == { "ecr.api" = 1, "ecr.dkr" = 1, logs = 1, secretsmanager = 1 }
    error_message = "two zones' subnets (the load balancer and DocumentDB need them), the four endpoints a task needs in one zone only"
  }

  assert {
    condition     = alltrue([for c in values(module.ecs.capacity_providers) : c == { FARGATE_SPOT = { base = 0, weight = 1 } }]) && alltrue([for c in values(output.task_counts) : c == { min = 1, max = 1 }])
    error_message = "one task per service, on Fargate Spot"
  }

  assert {
    condition     = var.schedule != null && module.database.schedule.stop.expression == var.schedule.stop && module.database.schedule.start.expression == var.schedule.start && module.database.instance_identifiers == ["platform-dev-1"]
    error_message = "DocumentDB: one instance, stopped outside the working hours (and the services scaled to zero: tests/compute)"
  }

  assert {
    condition     = module.monitoring.budget.limit == "100.00" && length(module.monitoring.alarm_names) == 3 * 7 + 1 + 3 + 2
    error_message = "the dev profile keeps every alarm and has a 100 USD budget alert"
  }

  assert {
    condition     = module.monitoring.budget.limit == "100.00" && toset([for n in module.monitoring.alarm_names : n if strcontains(n, "-broker-") || strcontains(n, "-mq-")]) == toset(["platform-dev-broker-memory", "platform-dev-broker-down"])
    error_message = "the ECS broker's two alarms (its task's memory, no broker task while services run) replace Amazon MQ's memory and disk alarms"
  }
}

# The ECS broker of the dev profile: every property docs/ENVIRONMENTS.md ("The ECS broker") promises.
run "dev_broker" {
  command = apply

  assert {
    condition     = var.broker == "ecs" && length(module.broker) == 1 && output.credentials_inputs.broker == "ecs" && output.credentials_inputs.broker_host == "broker.platform-dev.internal" && output.credentials_inputs.broker_port == 5672
    error_message = "the broker is the ECS one, and the credentials stack is told so (it then creates no Amazon MQ: credentials/tests) and where it is"
  }

  assert {
    condition     = alltrue([for c in values(module.ecs.container_contracts) : endswith(c.secrets.AMQP_URL, ":url::") && startswith(c.secrets.AMQP_URL, module.secrets.amqp_url_secret_arn)]) && jsonencode(module.broker[0].service.container.secrets) == jsonencode([{ name = "RABBITMQ_DEFAULT_PASS", valueFrom = "${module.secrets.amqp_url_secret_arn}:password::" }])
    error_message = "one secret, written write-only by the credentials stack: the services take its url, the broker its password (through ECS secrets, never a plain variable)"
  }

  assert {
    condition     = !anytrue([for e in module.broker[0].service.container.environment : strcontains(lower(e.name), "pass")]) && jsonencode(module.broker[0].service.container.environment) == jsonencode([{ name = "RABBITMQ_NODENAME", value = "rabbit@localhost" }, { name = "RABBITMQ_USE_LONGNAME", value = "false" }, { name = "RABBITMQ_DEFAULT_USER", value = "platform" }])
    error_message = "a fixed node name (the data directory is found again by the next task), no password in the plain environment"
  }

  assert {
    condition     = module.broker[0].image == "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform-dev-rmq/docker/library/rabbitmq:3.13.7-alpine" && module.broker[0].pull_through_cache_prefix == "platform-dev-rmq" && startswith(var.ecs_broker.image, "public.ecr.aws/docker/library/rabbitmq:3.13.")
    error_message = "RabbitMQ 3.13 (Amazon MQ's line), pinned, pulled through the stack's cache of ECR Public (no internet from the tasks)"
  }

  assert {
    condition = alltrue([
      for st in module.broker[0].execution_role_policy : (
        contains(st.actions, "ecr:GetAuthorizationToken") ? jsonencode(st.resources) == jsonencode(["*"]) && jsonencode(st.actions) == jsonencode(["ecr:GetAuthorizationToken"]) : !anytrue([for r in st.resources : strcontains(r, "*") && !endswith(r, ":*")])
      )
    ]) && contains(flatten([for st in module.broker[0].execution_role_policy : st.actions]), "ecr:BatchImportUpstreamImage") && !contains(flatten([for st in module.broker[0].execution_role_policy : st.actions]), "ecr:CreateRepository") && jsonencode([for st in module.broker[0].execution_role_policy : st.resources if contains(st.actions, "secretsmanager:GetSecretValue")]) == jsonencode([[module.secrets.amqp_url_secret_arn]])
    error_message = "the execution role imports the image into its pre-made repository (no CreateRepository), reads the one secret, writes its log; no wildcard but the login"
  }

  assert {
    condition = (
      module.broker[0].file_system.encrypted && module.broker[0].file_system.kms_key_id == module.kms.key_arn &&
      module.broker[0].file_system.posix_user == { uid = 100, gid = 101 } && module.broker[0].file_system.root_directory == "/rabbitmq" &&
      jsonencode(module.broker[0].file_system.mount_subnets) == jsonencode(module.vpc.private_subnet_ids) && jsonencode(module.broker[0].file_system.mount_groups) == jsonencode([module.broker[0].data_security_group_id]) &&
      module.broker[0].file_system.task_volume.transit_encryption == "ENABLED" && one(module.broker[0].file_system.task_volume.authorization_config).iam == "ENABLED"
    )
    error_message = "the data directory: EFS encrypted with the stack's key, one access point as the image's rabbitmq user (100:101), mount targets in the private subnets, TLS and IAM authorization"
  }

  assert {
    condition = (
      one([for st in module.broker[0].file_system.policy : st if st.effect == "Deny"]).conditions["aws:SecureTransport"].values == tolist(["false"]) &&
      one([for st in module.broker[0].file_system.policy : st if st.effect == "Allow"]).actions == tolist(["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]) &&
      length(one([for st in module.broker[0].file_system.policy : st if st.effect == "Allow"]).conditions["elasticfilesystem:AccessPointArn"].values) == 1 &&
      one(module.broker[0].file_system.task_role_grant).actions == tolist(["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"])
    )
    error_message = "the file system admits the broker's task role through its access point over TLS (no root access), and refuses any unencrypted connection"
  }

  assert {
    condition = (
      module.broker[0].service.minimum_healthy_percent == 0 && module.broker[0].service.maximum_percent == 100 &&
      jsonencode(module.broker[0].service.capacity_providers) == jsonencode(["FARGATE_SPOT"]) && module.broker[0].service.assign_public_ip == false &&
      toset(module.broker[0].service.subnets) == toset(module.vpc.private_subnet_ids) && jsonencode(module.broker[0].service.security_groups) == jsonencode([module.broker[0].security_group_id]) &&
      jsonencode(module.broker[0].service.registry_arns) == jsonencode([module.broker[0].service.discovery_arn])
    )
    error_message = "one broker at a time (0 % / 100 %: two never share the data directory), on Spot, private, registered in Cloud Map"
  }

  assert {
    condition     = module.broker[0].service.container.user == "100:101" && module.broker[0].service.container.readonlyRootFilesystem == true && toset([for m in module.broker[0].service.container.mountPoints : m.containerPath]) == toset(["/var/lib/rabbitmq", "/tmp", "/var/log/rabbitmq"])
    error_message = "non-root, read-only root filesystem; writable: the data directory (EFS), /tmp and the log directory"
  }

  assert {
    condition = (
      jsonencode(module.broker[0].ingress.broker) == jsonencode([{ port = 5672, to_port = 5672, from = module.ecs.tasks_security_group_id, cidr = null }]) &&
      jsonencode(module.broker[0].ingress.data) == jsonencode([{ port = 2049, to_port = 2049, from = module.broker[0].security_group_id, cidr = null }])
    )
    error_message = "AMQP to the broker from the service tasks only; NFS to the file system from the broker only"
  }

  assert {
    condition     = module.broker[0].schedule == { start = "cron(50 7 ? * MON-FRI *)", stop = "cron(10 18 ? * MON-FRI *)", timezone = "Europe/Dublin" }
    error_message = "the broker starts 10 minutes before the services and stops 10 minutes after them"
  }

  assert {
    condition = (
      toset([for n in module.monitoring.alarm_names : n if strcontains(n, "-broker-")]) == toset(["platform-dev-broker-memory", "platform-dev-broker-down"]) &&
      module.monitoring.alarms["platform-dev-broker-memory"].dimensions == tomap({ ClusterName = module.ecs_cluster.name, ServiceName = module.broker[0].service_name }) &&
      module.monitoring.alarms["platform-dev-broker-down"].queries.down == "IF((FILL(service0, 0) + FILL(service1, 0) + FILL(service2, 0)) > 0 AND FILL(broker, 0) == 0, 1, 0)" &&
      !contains(keys(module.monitoring.dashboard_widgets), "Broker memory used and limit (bytes)") && contains(keys(module.monitoring.dashboard_widgets), "Broker task CPU and memory (%)")
    )
    error_message = "the alarms and the dashboard watch the ECS broker's service (the names monitoring is given agree with modules/broker's), not Amazon MQ"
  }
}
