output "broker_id" {
  description = "Id of the broker: Amazon MQ logs to /aws/amazonmq/broker/<id>/general (the deploy workflow sets its retention and key)."
  value       = module.messaging.broker_id
}

output "broker_console_url" {
  description = "The broker's management endpoint (HTTPS), reachable from inside the VPC only (docs/SECURITY.md, broker password)."
  value       = module.messaging.console_url
}

output "log_retention_days" {
  description = "Days to keep the broker's logs: the main stack's log_retention_days."
  value       = local.main.log_retention_days
}

output "jwt_keys_initial_version_id" {
  description = "Version id of the JWT keys' first value."
  value       = module.jwt_keys.initial_version_id
}
