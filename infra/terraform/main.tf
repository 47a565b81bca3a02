# The root stack only wires the modules together from one `services` map.

locals {
  prefix = "${var.name}-${var.environment}"
  # Per service: its own connection string, the database credentials (keys of the RDS-managed
  # master secret), the broker URL and the JWT key. ECS reads them when it starts a task.
  service_secrets = {
    for name, _ in var.services : name => {
      MONGO_URL      = module.database.mongo_url_secret_arns[name]
      MONGO_USERNAME = "${module.database.master_user_secret_arn}:username::"
      MONGO_PASSWORD = "${module.database.master_user_secret_arn}:password::"
      AMQP_URL       = module.messaging.amqp_url_secret_arn
      JWT_SECRET     = module.secrets.jwt_secret_arn
    }
  }
}

module "kms" {
  source = "./modules/kms"
  name   = local.prefix
}

module "vpc" {
  source                   = "./modules/vpc"
  name                     = local.prefix
  cidr                     = var.vpc_cidr
  az_count                 = var.az_count
  enable_ecs_exec          = var.enable_ecs_exec
  flow_logs_retention_days = var.log_retention_days
  kms_key_arn              = module.kms.key_arn
}

module "alb" {
  source              = "./modules/alb"
  name                = local.prefix
  vpc_id              = module.vpc.vpc_id
  vpc_cidr            = module.vpc.cidr_block
  public_subnet_ids   = module.vpc.public_subnet_ids
  certificate_arn     = var.certificate_arn
  deletion_protection = var.deletion_protection
  services            = { for name, s in var.services : name => { priority = s.priority, path = s.path, port = s.port } }
}

module "ecr" {
  source       = "./modules/ecr"
  name_prefix  = local.prefix
  services     = keys(var.services)
  force_delete = !var.deletion_protection
  kms_key_arn  = module.kms.key_arn
}

module "secrets" {
  source             = "./modules/secrets"
  name               = local.prefix
  jwt_secret_version = var.jwt_secret_version
  kms_key_arn        = module.kms.key_arn
}

module "database" {
  source                   = "./modules/database"
  name                     = local.prefix
  vpc_id                   = module.vpc.vpc_id
  subnet_ids               = module.vpc.private_subnet_ids
  client_security_group_id = module.ecs.tasks_security_group_id
  databases                = keys(var.services)
  instance_class           = var.docdb_instance_class
  instance_count           = var.docdb_instance_count
  deletion_protection      = var.deletion_protection
  kms_key_arn              = module.kms.key_arn
}

module "messaging" {
  source                   = "./modules/messaging"
  name                     = local.prefix
  vpc_id                   = module.vpc.vpc_id
  subnet_ids               = module.vpc.private_subnet_ids
  client_security_group_id = module.ecs.tasks_security_group_id
  deployment_mode          = var.mq_deployment_mode
  instance_type            = var.mq_instance_type
  credentials_version      = var.credentials_version
  kms_key_arn              = module.kms.key_arn
}

module "ecs" {
  source                     = "./modules/ecs"
  name                       = local.prefix
  vpc_id                     = module.vpc.vpc_id
  vpc_cidr                   = module.vpc.cidr_block
  private_subnet_ids         = module.vpc.private_subnet_ids
  s3_prefix_list_id          = module.vpc.s3_prefix_list_id
  alb_security_group_id      = module.alb.security_group_id
  alb_arn_suffix             = module.alb.arn_suffix
  target_group_arns          = module.alb.target_group_arns
  target_group_arn_suffixes  = module.alb.target_group_arn_suffixes
  database_security_group_id = module.database.security_group_id
  broker_security_group_id   = module.messaging.security_group_id
  repository_urls            = module.ecr.repository_urls
  repository_arns            = module.ecr.repository_arns
  cpu_architecture           = var.cpu_architecture
  log_retention_days         = var.log_retention_days
  enable_ecs_exec            = var.enable_ecs_exec
  image_tag                  = var.image_tag
  kms_key_arn                = module.kms.key_arn
  environment = {
    LOG_LEVEL     = var.log_level
    AMQP_EXCHANGE = "platform.events"
  }
  services = {
    for name, s in var.services : name => {
      cpu           = s.cpu
      memory        = s.memory
      desired_count = s.desired_count
      max_count     = s.max_count
      port          = s.port
      environment   = name == "customer" ? { ADMIN_EMAILS = join(",", var.admin_emails) } : {}
      secrets       = local.service_secrets[name]
    }
  }
}
