output "dns_name" {
  description = "DNS name of the load balancer."
  value       = aws_lb.this.dns_name
}

output "zone_id" {
  description = "Route 53 zone of the load balancer, for alias records."
  value       = aws_lb.this.zone_id
}

output "arn_suffix" {
  description = "ARN suffix of the load balancer (CloudWatch metric dimension)."
  value       = aws_lb.this.arn_suffix
}

output "security_group_id" {
  description = "Security group of the load balancer; service containers accept traffic from it only."
  value       = aws_security_group.alb.id
}

output "target_group_arns" {
  description = "Target group ARN per service."
  value       = { for name, tg in aws_lb_target_group.service : name => tg.arn }
}

output "target_group_arn_suffixes" {
  description = "Target group ARN suffix per service (for request-count autoscaling)."
  value       = { for name, tg in aws_lb_target_group.service : name => tg.arn_suffix }
}

output "base_url" {
  description = "URL clients use: https when a certificate is set."
  value       = "${local.https ? "https" : "http"}://${aws_lb.this.dns_name}"
}

output "routes" {
  description = "Per service, as configured on the load balancer: the listener rule's paths, the target group's port and health check path."
  value = {
    for name, tg in aws_lb_target_group.service : name => {
      paths             = sort(flatten([for c in aws_lb_listener_rule.service[name].condition : [for p in c.path_pattern : p.values]]))
      port              = tg.port
      health_check_path = one(tg.health_check).path
    }
  }
}
