output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = aws_ecs_cluster.this.arn
}

output "service_names" {
  description = "ECS service name per service."
  value       = { for name, s in aws_ecs_service.service : name => s.name }
}

output "task_definition_families" {
  description = "Task definition family per service."
  value       = { for name, t in aws_ecs_task_definition.service : name => t.family }
}

output "log_group_names" {
  description = "Log group per service."
  value       = { for name, g in aws_cloudwatch_log_group.service : name => g.name }
}

output "tasks_security_group_id" {
  description = "Security group of the service tasks."
  value       = aws_security_group.tasks.id
}

output "execution_role_arns" {
  description = "Execution role per service."
  value       = { for name, r in aws_iam_role.execution : name => r.arn }
}

output "task_role_arns" {
  description = "Task role per service."
  value       = { for name, r in aws_iam_role.task : name => r.arn }
}
