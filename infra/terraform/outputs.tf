output "region" {
  description = "AWS region of the stack."
  value       = var.region
}

output "alb_dns_name" {
  description = "DNS name of the internal load balancer (private addresses: clients use base_url)."
  value       = module.alb.dns_name
}

output "base_url" {
  description = "URL of the platform, always https: the domain, or CloudFront's name without one (the smoke flow's --base-url)."
  value       = module.edge.base_url
}

output "cloudfront_domain_name" {
  description = "CloudFront's name of the distribution (<id>.cloudfront.net)."
  value       = module.edge.distribution_domain_name
}

output "cluster_name" {
  description = "ECS cluster name."
  value       = module.ecs_cluster.name
}

output "service_names" {
  description = "ECS service name per service."
  value       = module.ecs.service_names
}

output "task_counts" {
  description = "Per service, the task count autoscaling keeps it between (min, max): the manifest's, or this environment's service_scaling."
  value       = module.ecs.task_counts
}

output "task_definition_families" {
  description = "Task definition family per service."
  value       = module.ecs.task_definition_families
}

output "ecr_repository_urls" {
  description = "ECR repository URL per service."
  value       = module.ecr.repository_urls
}

output "ecr_repository_names" {
  description = "ECR repository name per service."
  value       = module.ecr.repository_names
}

output "log_group_names" {
  description = "CloudWatch log group per service."
  value       = module.ecs.log_group_names
}

output "execution_role_arns" {
  description = "ECS task execution role per service (pulls its image, reads its secrets)."
  value       = module.ecs.execution_role_arns
}

output "task_role_arns" {
  description = "ECS task role per service (what the running service may do in AWS)."
  value       = module.ecs.task_role_arns
}

output "database_endpoint" {
  description = "DocumentDB writer endpoint."
  value       = module.database.endpoint
}

output "deploy_targets" {
  description = "Per service, what the deploy workflow needs: ECS cluster and service, ECR repository URL."
  value = {
    for name in keys(local.services) : name => {
      cluster    = module.ecs_cluster.name
      service    = module.ecs.service_names[name]
      repository = module.ecr.repository_urls[name]
    }
  }
}

output "permissions_boundary_arn" {
  description = "The permissions boundary every role of the stack carries (bootstrap creates it)."
  value       = local.permissions_boundary_arn
}

output "database_log_groups" {
  description = "DocumentDB's audit and profiler log groups, with their retention."
  value       = module.database.log_groups
}

# Everything the credentials stack (credentials/) needs from this one: ids and settings, no secret.
output "credentials_inputs" {
  description = "Read by the credentials stack through the remote state: where the broker goes and which empty secrets it fills."
  value = {
    prefix                   = local.prefix
    region                   = var.region
    log_retention_days       = var.log_retention_days
    jwt_keys_secret_arn      = module.secrets.jwt_keys_secret_arn
    amqp_url_secret_arn      = module.secrets.amqp_url_secret_arn
    broker_subnet_ids        = module.vpc.private_subnet_ids
    broker_security_group_id = module.messaging_access.security_group_id
    broker_deployment_mode   = var.mq_deployment_mode
    broker_instance_type     = var.mq_instance_type
    broker_engine_version    = var.mq_engine_version
    # amazon-mq: the credentials stack creates the broker; ecs: it writes AMQP_URL for this one
    broker          = var.broker
    broker_host     = local.ecs_broker ? module.broker[0].host : null
    broker_port     = local.ecs_broker ? module.broker[0].port : null
    broker_username = local.ecs_broker ? module.broker[0].username : null
  }
}

output "kms_key_arn" {
  description = "The platform's KMS key (the deploy workflow encrypts the broker's log group with it)."
  value       = module.kms.key_arn
}

output "alarm_topic_arn" {
  description = "The SNS topic every alarm and the budget alert publish to (subscribe chat or paging tools to it)."
  value       = module.monitoring.topic_arn
}

output "dashboard_name" {
  description = "The environment's CloudWatch dashboard."
  value       = module.monitoring.dashboard_name
}

# Everything a pull request's preview (preview/, on this environment's cluster) needs from this
# stack: where its services go, ids and names, no secret.
output "preview_inputs" {
  description = "Read by the preview stack through the remote state: the cluster, load balancer, network and security group a preview's services join, and per service its task definition family, path and listener rule priority."
  value = {
    prefix                   = local.prefix
    base_url                 = module.edge.base_url
    cluster_name             = module.ecs_cluster.name
    load_balancer_arn        = module.alb.arn
    vpc_id                   = module.vpc.vpc_id
    private_subnet_ids       = module.vpc.private_subnet_ids
    tasks_security_group_id  = module.ecs.tasks_security_group_id
    kms_key_arn              = module.kms.key_arn
    task_definition_families = module.ecs.task_definition_families
    paths                    = { for name, s in local.services : name => coalesce(s.path, "/${name}") }
    priorities               = { for name, s in local.services : name => s.priority }
  }
}

output "broker" {
  description = "The RabbitMQ broker: amazon-mq (the credentials stack's) or ecs, with the ECS broker's service, DNS name and log group."
  value = {
    kind      = var.broker
    service   = local.ecs_broker ? module.broker[0].service_name : null
    host      = local.ecs_broker ? module.broker[0].host : null
    log_group = local.ecs_broker ? module.broker[0].log_group_name : null
  }
}
