output "broker_id" {
  description = "Id of the broker (its general log group is /aws/amazonmq/broker/<id>/general)."
  value       = aws_mq_broker.this.id
}

output "publicly_accessible" {
  description = "Whether the broker has a public endpoint (never)."
  value       = aws_mq_broker.this.publicly_accessible
}

output "console_url" {
  description = "The broker's management endpoint (HTTPS), reachable from inside the VPC only."
  value       = aws_mq_broker.this.instances[0].console_url
}
