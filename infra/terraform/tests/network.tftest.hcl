# The network modules on their own, applied with the mocked provider (nothing is created; the
# mock makes up ids so that references can be compared): no way out of the private subnets but
# the VPC endpoints, and the load balancer routing exactly one path per service.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name        = "platform-test"
  kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
}

run "vpc_private_subnets_have_no_route_out" {
  command = apply
  module {
    source = "./modules/vpc"
  }

  assert {
    condition     = length(aws_subnet.private) == 2 && length(aws_subnet.public) == 2
    error_message = "two availability zones: a private and a public subnet in each"
  }

  assert {
    condition     = alltrue([for s in aws_subnet.private : s.map_public_ip_on_launch == false]) && alltrue([for s in aws_subnet.public : s.map_public_ip_on_launch == false])
    error_message = "no subnet hands out public IPs"
  }

  assert {
    condition     = aws_route.public_internet.route_table_id == aws_route_table.public.id && aws_route.public_internet.gateway_id == aws_internet_gateway.this.id
    error_message = "the only route to the internet is the public route table's, through the internet gateway (no NAT)"
  }

  assert {
    condition     = alltrue([for a in aws_route_table_association.private : a.route_table_id == aws_route_table.private.id])
    error_message = "private subnets use the private route table, which has no internet route"
  }

  assert {
    condition     = toset(keys(aws_vpc_endpoint.interface)) == toset(["ecr.api", "ecr.dkr", "logs", "secretsmanager"])
    error_message = "interface endpoints for ECR (api, dkr), CloudWatch Logs and Secrets Manager, and no others by default"
  }

  assert {
    condition     = alltrue([for k, e in aws_vpc_endpoint.interface : e.private_dns_enabled && e.vpc_endpoint_type == "Interface" && e.service_name == "com.amazonaws.eu-west-1.${k}"])
    error_message = "interface endpoints resolve the service's normal name inside the VPC"
  }

  assert {
    condition     = aws_vpc_endpoint.s3.vpc_endpoint_type == "Gateway" && aws_vpc_endpoint.s3.service_name == "com.amazonaws.eu-west-1.s3"
    error_message = "S3 (image layers) through a gateway endpoint"
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.endpoints_https.from_port == 443 && aws_vpc_security_group_ingress_rule.endpoints_https.to_port == 443 && aws_vpc_security_group_ingress_rule.endpoints_https.cidr_ipv4 == "10.20.0.0/16"
    error_message = "endpoints accept HTTPS from inside the VPC only"
  }

  assert {
    condition     = aws_flow_log.this[0].traffic_type == "REJECT" && aws_cloudwatch_log_group.flow_logs[0].retention_in_days == 30
    error_message = "rejected traffic is logged, with a retention"
  }
}

run "vpc_ecs_exec_adds_ssm_messages" {
  command = plan
  module {
    source = "./modules/vpc"
  }
  variables {
    enable_ecs_exec = true
    az_count        = 3
  }

  assert {
    condition     = contains(keys(aws_vpc_endpoint.interface), "ssmmessages") && length(aws_subnet.private) == 3
    error_message = "ECS Exec needs the ssmmessages endpoint"
  }
}

run "vpc_needs_two_zones" {
  command = plan
  module {
    source = "./modules/vpc"
  }
  variables {
    az_count = 1
  }
  expect_failures = [var.az_count]
}

run "alb_http_only" {
  command = apply
  module {
    source = "./modules/alb"
  }
  variables {
    vpc_id            = "vpc-123"
    vpc_cidr          = "10.20.0.0/16"
    public_subnet_ids = ["subnet-a", "subnet-b"]
    services          = { customer = { priority = 10 }, products = { priority = 20 }, shopping = { priority = 30 } }
  }

  assert {
    condition     = aws_lb.this.internal == false && aws_lb.this.drop_invalid_header_fields == true && aws_lb.this.load_balancer_type == "application"
    error_message = "one internet-facing application load balancer that drops invalid headers"
  }

  assert {
    condition     = length(aws_lb_listener.https) == 0 && aws_lb_listener.http.default_action[0].type == "fixed-response" && aws_lb_listener.http.default_action[0].fixed_response[0].status_code == "404"
    error_message = "without a certificate: HTTP only, and a fixed 404 for unknown paths"
  }

  assert {
    condition     = alltrue([for name, r in aws_lb_listener_rule.service : toset(flatten([for c in r.condition : [for p in c.path_pattern : p.values]])) == toset(["/${name}", "/${name}/*"])])
    error_message = "each service gets /<name> and /<name>/*"
  }

  assert {
    condition     = alltrue([for name, r in aws_lb_listener_rule.service : r.action[0].type == "forward" && r.action[0].target_group_arn == aws_lb_target_group.service[name].arn]) && length(aws_lb_listener_rule.service) == 3
    error_message = "one forwarding rule per service"
  }

  assert {
    condition     = alltrue([for name, tg in aws_lb_target_group.service : tg.target_type == "ip" && tg.port == 8080 && tg.health_check[0].path == "/${name}/health" && tg.health_check[0].matcher == "200"])
    error_message = "one ip target group per service, health-checked on /<name>/health"
  }

  assert {
    condition     = aws_vpc_security_group_egress_rule.to_services.cidr_ipv4 == "10.20.0.0/16" && aws_vpc_security_group_egress_rule.to_services.from_port == 8080
    error_message = "the load balancer only reaches the container port inside the VPC"
  }
}

run "alb_https_redirects" {
  command = apply
  module {
    source = "./modules/alb"
  }
  variables {
    vpc_id            = "vpc-123"
    vpc_cidr          = "10.20.0.0/16"
    public_subnet_ids = ["subnet-a", "subnet-b"]
    services          = { customer = { priority = 10 } }
    certificate_arn   = "arn:aws:acm:eu-west-1:123456789012:certificate/abc"
  }

  assert {
    condition     = aws_lb_listener.http.default_action[0].type == "redirect" && aws_lb_listener.http.default_action[0].redirect[0].protocol == "HTTPS"
    error_message = "with a certificate, HTTP redirects to HTTPS"
  }

  assert {
    condition     = aws_lb_listener.https[0].ssl_policy == "ELBSecurityPolicy-TLS13-1-2-2021-06" && aws_lb_listener.https[0].default_action[0].fixed_response[0].status_code == "404"
    error_message = "HTTPS with a TLS 1.2+ policy and the fixed 404"
  }
}
