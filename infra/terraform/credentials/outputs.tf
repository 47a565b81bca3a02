output "broker_id" {
  description = "Id of the Amazon MQ broker: it logs to /aws/amazonmq/broker/<id>/general (the deploy workflow sets its retention and key). null with the ECS broker (its log group is the main stack's)."
  value       = one(module.messaging[*].broker_id)
}

output "broker_console_url" {
  description = "The Amazon MQ broker's management endpoint (HTTPS), reachable from inside the VPC only (docs/SECURITY.md, broker password). null with the ECS broker."
  value       = one(module.messaging[*].console_url)
}

output "log_retention_days" {
  description = "Days to keep the broker's logs: the main stack's log_retention_days."
  value       = local.main.log_retention_days
}

output "jwt_keys_initial_version_id" {
  description = "Version id of the JWT keys' first value."
  value       = module.jwt_keys.initial_version_id
}

output "broker" {
  description = "Which broker the environment runs: amazon-mq (created here) or ecs (the main stack's ECS service)."
  value       = local.amazon_mq ? "amazon-mq" : "ecs"
}
