output "dns_name" {
  description = "DNS name of the load balancer (resolves to private addresses: it is internal)."
  value       = aws_lb.this.dns_name
}

output "arn" {
  description = "ARN of the load balancer (CloudFront's VPC origin points at it)."
  value       = aws_lb.this.arn
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
  description = "Target group ARN per service, available once its listener rule exists: an ECS service registered with a target group that no listener uses fails to create."
  value       = { for name, tg in aws_lb_target_group.service : name => tg.arn }
  depends_on  = [aws_lb_listener_rule.service]
}

output "target_group_arn_suffixes" {
  description = "Target group ARN suffix per service (for request-count autoscaling)."
  value       = { for name, tg in aws_lb_target_group.service : name => tg.arn_suffix }
}

output "ingress" {
  description = "Every ingress rule of the load balancer's security group: port, and the source security group, CIDR block or prefix list."
  value = [
    for r in [aws_vpc_security_group_ingress_rule.from_cloudfront] : {
      from_port                    = r.from_port
      to_port                      = r.to_port
      referenced_security_group_id = r.referenced_security_group_id
      cidr_ipv4                    = r.cidr_ipv4
      cidr_ipv6                    = r.cidr_ipv6
      prefix_list_id               = r.prefix_list_id
    }
  ]
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
