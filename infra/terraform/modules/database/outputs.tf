output "endpoint" {
  description = "Writer endpoint of the cluster."
  value       = aws_docdb_cluster.this.endpoint
}

output "security_group_id" {
  description = "Security group of the cluster."
  value       = aws_security_group.db.id
}

output "mongo_url_secret_arns" {
  description = "ARN of each service's MONGO_URL secret."
  value       = { for name, s in aws_secretsmanager_secret.mongo_url : name => s.arn }
}

output "master_user_secret_arn" {
  description = "ARN of the RDS-managed secret with the master user's username and password (JSON)."
  value       = aws_docdb_cluster.this.master_user_secret[0].secret_arn
}

output "ingress" {
  description = "Every ingress rule of the cluster's security group: port, and the source security group or CIDR block."
  value = [
    for r in [aws_vpc_security_group_ingress_rule.from_tasks] : {
      from_port                    = r.from_port
      to_port                      = r.to_port
      referenced_security_group_id = r.referenced_security_group_id
      cidr_ipv4                    = r.cidr_ipv4
      cidr_ipv6                    = r.cidr_ipv6
      prefix_list_id               = r.prefix_list_id
    }
  ]
}
