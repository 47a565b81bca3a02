output "endpoint" {
  description = "Writer endpoint of the cluster."
  value       = aws_docdb_cluster.this.endpoint
}

output "security_group_id" {
  description = "Security group of the cluster."
  value       = aws_security_group.db.id
}

output "mongo_urls" {
  description = "MONGO_URL per service: the cluster, the service's own database, TLS, retryWrites=false (DocumentDB), no credentials."
  value = {
    for db in var.databases : db => format(
      "mongodb://%s:%d/%s?tls=true&replicaSet=rs0&readPreference=primary&retryWrites=false&authSource=admin",
      aws_docdb_cluster.this.endpoint,
      aws_docdb_cluster.this.port,
      db,
    )
  }
}

output "log_groups" {
  description = "The cluster's audit and profiler log groups, with their retention."
  value       = { for k, g in aws_cloudwatch_log_group.exports : k => { name = g.name, retention_in_days = g.retention_in_days, kms_key_id = g.kms_key_id } }
}

output "master_user_secret_arn" {
  description = "ARN of the RDS-managed secret with the master user's username and password (JSON), rotated by RDS every 7 days."
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

output "cluster_identifier" {
  description = "Identifier of the DocumentDB cluster (CloudWatch dimension DBClusterIdentifier)."
  value       = aws_docdb_cluster.this.cluster_identifier
}

output "instance_identifiers" {
  description = "Identifiers of the cluster's instances (CloudWatch dimension DBInstanceIdentifier)."
  value       = aws_docdb_cluster_instance.this[*].identifier
}

output "schedule" {
  description = "The cluster's stop and start schedules (EventBridge Scheduler): action => { expression, target }."
  value       = { for k, s in aws_scheduler_schedule.cluster : k => { expression = s.schedule_expression, target = one(s.target).arn, timezone = s.schedule_expression_timezone } }
}
