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
  description = "Per service, its primary target group's ARN (the ECS service's load balancer), available once its listener rules exist: an ECS service registered with a target group that no listener uses fails to create."
  value       = { for name in keys(var.services) : name => aws_lb_target_group.service[name].arn }
  depends_on  = [aws_lb_listener_rule.service]
}

output "alternate_target_group_arns" {
  description = "Per service, its alternate target group's ARN (blue/green deployments start the green revision in it)."
  value       = { for name in keys(var.services) : name => aws_lb_target_group.service["${name}.alternate"].arn }
  depends_on  = [aws_lb_listener_rule.service]
}

output "target_group_arn_suffixes" {
  description = "Per service, the ARN suffixes of its two target groups, primary first (CloudWatch dimensions: whichever serves, the metrics cover it)."
  value       = { for name in keys(var.services) : name => [aws_lb_target_group.service[name].arn_suffix, aws_lb_target_group.service["${name}.alternate"].arn_suffix] }
}

output "listener_rule_arns" {
  description = "Per service, the ARNs of its production and test listener rules (blue/green deployments move their weights)."
  value       = { for name in keys(var.services) : name => { production = aws_lb_listener_rule.service[name].arn, test = aws_lb_listener_rule.service["${name}.test"].arn } }
}

output "test_listener_url" {
  description = "Base URL of the test listener, inside the VPC (http://<internal DNS name>:<port>)."
  value       = "http://${aws_lb.this.dns_name}:${var.test_listener_port}"
}

output "ingress" {
  description = "The ingress rule of the load balancer's security group this module makes (CloudFront's, port 80): port, and the source security group, CIDR block or prefix list. modules/ecs adds the test listener's, from the tasks."
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
    for name in keys(var.services) : name => {
      paths             = sort(flatten([for c in aws_lb_listener_rule.service[name].condition : [for p in c.path_pattern : p.values]]))
      port              = aws_lb_target_group.service[name].port
      health_check_path = one(aws_lb_target_group.service[name].health_check).path
    }
  }
}

output "rule_forwards" {
  description = "Per listener rule (<service> on the production listener, <service>.test on the test one): its listener, priority, paths and the target groups it forwards to with their weights, as created (ECS moves the weights afterwards)."
  value = {
    for key, r in aws_lb_listener_rule.service : key => {
      listener_arn = r.listener_arn
      priority     = r.priority
      paths        = sort(flatten([for c in r.condition : [for p in c.path_pattern : p.values]]))
      forward      = [for tg in one(one(r.action).forward).target_group : { arn = tg.arn, weight = tg.weight }]
    }
  }
}
