output "region" {
  description = "AWS region of the stack."
  value       = var.region
}

output "alb_dns_name" {
  description = "DNS name of the load balancer."
  value       = module.alb.dns_name
}

output "base_url" {
  description = "URL of the platform (the smoke flow's --base-url)."
  value       = module.alb.base_url
}

output "cluster_name" {
  description = "ECS cluster name."
  value       = module.ecs.cluster_name
}

output "service_names" {
  description = "ECS service name per service."
  value       = module.ecs.service_names
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
    for name in keys(var.services) : name => {
      cluster    = module.ecs.cluster_name
      service    = module.ecs.service_names[name]
      repository = module.ecr.repository_urls[name]
    }
  }
}
