output "security_group_id" {
  description = "Security group of the broker."
  value       = aws_security_group.broker.id
}

output "ingress" {
  description = "Every ingress rule of the broker's security group: port, and the source security group or CIDR block."
  value = [
    for r in concat([aws_vpc_security_group_ingress_rule.amqps_from_tasks], aws_vpc_security_group_ingress_rule.management_from_tasks) : {
      from_port                    = r.from_port
      to_port                      = r.to_port
      referenced_security_group_id = r.referenced_security_group_id
      cidr_ipv4                    = r.cidr_ipv4
      cidr_ipv6                    = r.cidr_ipv6
      prefix_list_id               = r.prefix_list_id
    }
  ]
}
