# name and arn wait for the capacity providers: a service (modules/ecs, modules/broker) that uses
# them is created after Fargate and Fargate Spot are the cluster's.

output "name" {
  description = "Name of the cluster, once its capacity providers are set."
  value       = aws_ecs_cluster_capacity_providers.this.cluster_name
}

output "arn" {
  description = "ARN of the cluster, once its capacity providers are set."
  value       = aws_ecs_cluster.this.arn
  depends_on  = [aws_ecs_cluster_capacity_providers.this]
}

output "exec_log_group_arn" {
  description = "ARN of ECS Exec's session log group (null without enable_ecs_exec)."
  value       = one(aws_cloudwatch_log_group.exec[*].arn)
}
