output "security_group_id" {
  description = "Security group of the broker."
  value       = aws_security_group.broker.id
}

output "amqp_url_secret_arn" {
  description = "ARN of the AMQP_URL secret."
  value       = aws_secretsmanager_secret.amqp_url.arn
}

output "broker_id" {
  description = "Id of the broker."
  value       = aws_mq_broker.this.id
}
