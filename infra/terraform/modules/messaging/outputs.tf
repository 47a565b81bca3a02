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

output "ingress" {
  description = "Every ingress rule of the broker's security group: port, and the source security group or CIDR block."
  value = [
    for r in [aws_vpc_security_group_ingress_rule.amqps_from_tasks] : {
      from_port                    = r.from_port
      to_port                      = r.to_port
      referenced_security_group_id = r.referenced_security_group_id
      cidr_ipv4                    = r.cidr_ipv4
      cidr_ipv6                    = r.cidr_ipv6
      prefix_list_id               = r.prefix_list_id
    }
  ]
}

output "publicly_accessible" {
  description = "Whether the broker has a public endpoint (never)."
  value       = aws_mq_broker.this.publicly_accessible
}
