output "vpc_id" {
  description = "Id of the VPC."
  value       = aws_vpc.this.id
}

output "cidr_block" {
  description = "IPv4 range of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "public_subnet_ids" {
  description = "Public subnets: nothing runs in them (the load balancer is internal); kept with the internet gateway CloudFront VPC origins require."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "Subnets without internet access for tasks, database and broker."
  value       = aws_subnet.private[*].id
}

output "private_route_table_id" {
  description = "Route table of the private subnets (the S3 gateway endpoint is attached to it)."
  value       = aws_route_table.private.id
}

output "s3_prefix_list_id" {
  description = "Prefix list of S3, for security group egress to the gateway endpoint."
  value       = aws_vpc_endpoint.s3.prefix_list_id
}

output "endpoint_services" {
  description = "Services reachable through VPC endpoints, with the endpoint type (Interface or Gateway)."
  value = merge(
    { for name, e in aws_vpc_endpoint.interface : name => e.vpc_endpoint_type },
    { s3 = aws_vpc_endpoint.s3.vpc_endpoint_type },
  )
}

output "private_subnet_routes" {
  description = "Routes of the private subnets' route table besides the local one: none (no NAT gateway, no internet)."
  value       = aws_route_table.private.route
}

output "interface_endpoint_zones" {
  description = "Per interface endpoint, the number of subnets (availability zones) it has a network interface in: what it bills for."
  value       = { for name, e in aws_vpc_endpoint.interface : name => length(e.subnet_ids) }
}
