# The root stack only wires the modules together from one `services` map. It holds no secret
# value: the secrets are created empty here (modules/secrets) and filled by the credentials stack
# (credentials/, applied after this one by the deploy workflow), whose state only the deploy role
# can read. Pull-request plans read this stack's state only.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  prefix            = "${var.name}-${var.environment}"
  metrics_namespace = "${var.name}/${var.environment}"
  # the services map (generated from the manifests) with this environment's counts
  services = {
    for name, s in var.services : name => merge(s, {
      for k, v in try(var.service_scaling[name], {}) : k => v if v != null
    })
  }
  # bootstrap's <name>-stack-boundary: the deploy role may create and change roles only with it
  permissions_boundary_arn = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:policy/${var.name}-stack-boundary"
  # broker = "ecs": RabbitMQ as an ECS service (modules/broker) instead of Amazon MQ. The AMQP_URL
  # secret then holds JSON {url, password} (modules/broker-credentials): the services take url.
  ecs_broker   = var.broker == "ecs"
  amqp_url_ref = local.ecs_broker ? "${module.secrets.amqp_url_secret_arn}:url::" : module.secrets.amqp_url_secret_arn

  # Every service gets the same contract (docs/SECURITY.md):
  # - plain environment: its MONGO_URL (no credentials), MONGO_CREDENTIALS_SECRET (the ARN of the
  #   RDS-managed master user secret, JSON {"username","password"}, which the service reads itself
  #   with AWS_REGION, at start and again whenever authentication fails: RDS rotates it every 7
  #   days), ADMIN_EMAILS (every service checks an admin token's email against it, so removing an
  #   admin takes effect on the next deploy), TRUSTED_PROXY_HOPS (CloudFront and the load balancer
  #   append to X-Forwarded-For);
  # - secrets ECS injects at start: AMQP_URL, and JWT_SECRET / JWT_ACCEPTED_SECRETS, the `signing`
  #   and `accepted` keys of the one JWT keys secret (a rotation rolls every service twice,
  #   docs/SECURITY.md).
  service_environment = {
    for name, _ in local.services : name => {
      MONGO_URL                = module.database.mongo_urls[name]
      MONGO_CREDENTIALS_SECRET = module.database.master_user_secret_arn
      AWS_REGION               = var.region
      ADMIN_EMAILS             = join(",", var.admin_emails)
      TRUSTED_PROXY_HOPS       = tostring(module.edge.proxy_hops)
    }
  }
  service_secrets = {
    for name, _ in local.services : name => {
      AMQP_URL             = local.amqp_url_ref
      JWT_SECRET           = "${module.secrets.jwt_keys_secret_arn}:signing::"
      JWT_ACCEPTED_SECRETS = "${module.secrets.jwt_keys_secret_arn}:accepted::"
    }
  }
}

module "kms" {
  source = "./modules/kms"
  name   = local.prefix
}

module "vpc" {
  source                    = "./modules/vpc"
  name                      = local.prefix
  cidr                      = var.vpc_cidr
  az_count                  = var.az_count
  enable_ecs_exec           = var.enable_ecs_exec
  endpoints_in_one_zone     = var.endpoints_in_one_zone
  extra_interface_endpoints = var.tracing.enabled ? ["xray"] : []
  flow_logs_retention_days  = var.log_retention_days
  kms_key_arn               = module.kms.key_arn
  permissions_boundary_arn  = local.permissions_boundary_arn
}

module "alb" {
  source              = "./modules/alb"
  name                = local.prefix
  vpc_id              = module.vpc.vpc_id
  vpc_cidr            = module.vpc.cidr_block
  subnet_ids          = module.vpc.private_subnet_ids
  deletion_protection = var.deletion_protection
  test_listener_port  = var.test_listener_port
  services            = { for name, s in local.services : name => { priority = s.priority, path = s.path, port = s.port } }
}

module "edge" {
  source                 = "./modules/edge"
  name                   = local.prefix
  load_balancer_arn      = module.alb.arn
  load_balancer_dns_name = module.alb.dns_name
  domain                 = var.domain
  price_class            = var.cloudfront_price_class
  waf                    = var.waf

  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }
}

module "ecr" {
  source       = "./modules/ecr"
  name_prefix  = local.prefix
  services     = keys(local.services)
  force_delete = !var.deletion_protection
  kms_key_arn  = module.kms.key_arn
}

module "secrets" {
  source                  = "./modules/secrets"
  name                    = local.prefix
  recovery_window_in_days = var.secret_recovery_window_days
  kms_key_arn             = module.kms.key_arn
}

module "database" {
  source                   = "./modules/database"
  name                     = local.prefix
  vpc_id                   = module.vpc.vpc_id
  subnet_ids               = module.vpc.private_subnet_ids
  client_security_group_id = module.ecs.tasks_security_group_id
  databases                = keys(local.services)
  instance_class           = var.docdb_instance_class
  instance_count           = var.docdb_instance_count
  deletion_protection      = var.deletion_protection
  kms_key_arn              = module.kms.key_arn
  schedule                 = var.schedule
  permissions_boundary_arn = local.permissions_boundary_arn
}

module "messaging_access" {
  source                   = "./modules/messaging-access"
  name                     = local.prefix
  vpc_id                   = module.vpc.vpc_id
  client_security_group_id = module.ecs.tasks_security_group_id
  management_access        = var.broker_management_access
}

# The cluster on its own, from variables only (and the platform key): checkov sees its settings
# (Container Insights, CKV_AWS_65), which it cannot in module.ecs's call (other modules' outputs).
module "ecs_cluster" {
  source             = "./modules/ecs-cluster"
  name               = local.prefix
  container_insights = var.container_insights
  enable_ecs_exec    = var.enable_ecs_exec
  kms_key_arn        = module.kms.key_arn
  log_retention_days = var.log_retention_days
}

module "ecs" {
  source                      = "./modules/ecs"
  name                        = local.prefix
  cluster_name                = module.ecs_cluster.name
  cluster_arn                 = module.ecs_cluster.arn
  vpc_id                      = module.vpc.vpc_id
  vpc_cidr                    = module.vpc.cidr_block
  private_subnet_ids          = module.vpc.private_subnet_ids
  s3_prefix_list_id           = module.vpc.s3_prefix_list_id
  alb_security_group_id       = module.alb.security_group_id
  target_group_arns           = module.alb.target_group_arns
  target_group_arn_suffixes   = module.alb.target_group_arn_suffixes
  alternate_target_group_arns = module.alb.alternate_target_group_arns
  listener_rule_arns          = module.alb.listener_rule_arns
  test_listener_url           = module.alb.test_listener_url
  test_listener_port          = var.test_listener_port
  fargate_capacity            = var.fargate_capacity
  schedule                    = var.schedule
  tracing                     = var.tracing
  database_security_group_id  = module.database.security_group_id
  broker_security_group_id    = module.messaging_access.security_group_id
  repository_urls             = module.ecr.repository_urls
  repository_arns             = module.ecr.repository_arns
  cpu_architecture            = var.cpu_architecture
  log_retention_days          = var.log_retention_days
  enable_ecs_exec             = var.enable_ecs_exec
  exec_log_group_arn          = module.ecs_cluster.exec_log_group_arn
  image_tag                   = var.image_tag
  kms_key_arn                 = module.kms.key_arn
  permissions_boundary_arn    = local.permissions_boundary_arn
  environment = {
    LOG_LEVEL         = var.log_level
    AMQP_EXCHANGE     = "platform.events"
    METRICS_NAMESPACE = local.metrics_namespace
  }
  services = {
    for name, s in local.services : name => {
      cpu             = s.cpu
      memory          = s.memory
      desired_count   = s.desired_count
      max_count       = s.max_count
      port            = s.port
      environment     = local.service_environment[name]
      secrets         = local.service_secrets[name]
      task_secrets    = [module.database.master_user_secret_arn]
      path            = s.path
      deploy_strategy = s.deploy_strategy
      bake_minutes    = s.bake_minutes
      alarm_names     = module.monitoring.rollback_alarm_names[name]
    }
  }
}

# Alarms, the dashboard, the saved queries and the budget. Names it knows beforehand (the cluster,
# the broker, which the credentials stack names <prefix>) are passed as such: the ECS services
# take their rollback alarms from here.
module "monitoring" {
  source                   = "./modules/monitoring"
  name                     = local.prefix
  environment              = var.environment
  region                   = var.region
  metrics_namespace        = local.metrics_namespace
  alarm_email              = var.alarm_email
  kms_key_arn              = module.kms.key_arn
  load_balancer_arn_suffix = module.alb.arn_suffix
  cluster_name             = local.prefix
  services = {
    for name in keys(local.services) : name => {
      target_group_arn_suffixes = module.alb.target_group_arn_suffixes[name]
      log_group                 = "/ecs/${local.prefix}/${name}"
    }
  }
  # modules/database's names (<prefix>, <prefix>-<n>), not its outputs: the ECS services take their
  # alarms from here, and DocumentDB waits for the tasks' security group (tests/observe checks the
  # two agree)
  database = {
    cluster_identifier   = local.prefix
    instance_identifiers = [for i in range(var.docdb_instance_count) : "${local.prefix}-${i + 1}"]
  }
  # Amazon MQ: the credentials stack's broker (named <prefix>); ecs: modules/broker's service
  # "broker" in the cluster <prefix> (names, not outputs, as above: tests/observe checks them)
  broker = {
    kind          = var.broker
    name          = local.ecs_broker ? "broker" : local.prefix
    instance_type = local.ecs_broker ? null : var.mq_instance_type
  }
  thresholds         = { for k, v in var.alarm_thresholds : k => v if v != null }
  rollback_on        = var.rollback_on
  monthly_budget_usd = var.monthly_budget_usd
}

# broker = "ecs": RabbitMQ in the services' cluster, instead of the credentials stack's Amazon MQ.
module "broker" {
  count                    = local.ecs_broker ? 1 : 0
  source                   = "./modules/broker"
  name                     = local.prefix
  vpc_id                   = module.vpc.vpc_id
  vpc_cidr                 = module.vpc.cidr_block
  subnet_ids               = module.vpc.private_subnet_ids
  s3_prefix_list_id        = module.vpc.s3_prefix_list_id
  client_security_group_id = module.ecs.tasks_security_group_id
  cluster_name             = module.ecs_cluster.name
  capacity_provider        = var.fargate_capacity == "SPOT" ? "FARGATE_SPOT" : "FARGATE"
  cpu_architecture         = var.cpu_architecture
  task                     = var.ecs_broker
  credentials_secret_arn   = module.secrets.amqp_url_secret_arn
  schedule                 = var.schedule
  log_retention_days       = var.log_retention_days
  kms_key_arn              = module.kms.key_arn
  permissions_boundary_arn = local.permissions_boundary_arn
}
