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
    condition     = length(aws_route_table_association.private) == 2 && alltrue([for i, a in aws_route_table_association.private : a.route_table_id == aws_route_table.private.id && a.subnet_id == aws_subnet.private[i].id])
    error_message = "every private subnet uses the private route table"
  }

  assert {
    condition     = length(aws_route_table.private.route) == 0 && length(output.private_subnet_routes) == 0 && aws_route.public_internet.route_table_id != aws_route_table.private.id
    error_message = "the private route table has no route out: no NAT gateway, no internet gateway"
  }

  assert {
    condition     = alltrue([for i, a in aws_route_table_association.public : a.route_table_id == aws_route_table.public.id && a.subnet_id == aws_subnet.public[i].id])
    error_message = "only the public subnets (the load balancer's) route to the internet gateway"
  }

  assert {
    condition     = output.endpoint_services == { "ecr.api" = "Interface", "ecr.dkr" = "Interface", logs = "Interface", secretsmanager = "Interface", s3 = "Gateway" }
    error_message = "endpoints for ECR (api, dkr), CloudWatch Logs, Secrets Manager (interface) and S3 (gateway), and no others by default"
  }

  assert {
    condition     = alltrue([for e in aws_vpc_endpoint.interface : toset(e.subnet_ids) == toset(aws_subnet.private[*].id) && e.security_group_ids == toset([aws_security_group.endpoints.id])]) && aws_vpc_endpoint.s3.route_table_ids == toset([aws_route_table.private.id])
    error_message = "interface endpoints sit in every private subnet behind their security group; S3 is on the private route table"
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
    condition     = aws_vpc_security_group_ingress_rule.endpoints_https.security_group_id == aws_security_group.endpoints.id && aws_vpc_security_group_ingress_rule.endpoints_https.ip_protocol == "tcp" && aws_vpc_security_group_ingress_rule.endpoints_https.from_port == 443 && aws_vpc_security_group_ingress_rule.endpoints_https.to_port == 443 && aws_vpc_security_group_ingress_rule.endpoints_https.cidr_ipv4 == aws_vpc.this.cidr_block
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
    condition     = toset(keys(aws_vpc_endpoint.interface)) == toset(["ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssmmessages", "kms"]) && length(aws_subnet.private) == 3
    error_message = "ECS Exec adds the ssmmessages endpoint (and kms, for its session encryption)"
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
  # One ARN per target group (the mock's default is the same for all), so that a rule forwarding
  # to another service's group shows.
  override_resource {
    target = aws_lb_target_group.service["customer"]
    values = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/customer/1", arn_suffix = "targetgroup/customer/1" }
  }
  override_resource {
    target = aws_lb_target_group.service["products"]
    values = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/products/2", arn_suffix = "targetgroup/products/2" }
  }
  override_resource {
    target = aws_lb_target_group.service["shopping"]
    values = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shopping/3", arn_suffix = "targetgroup/shopping/3" }
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
    condition     = length(aws_lb_target_group.service) == 3 && alltrue([for name, tg in aws_lb_target_group.service : tg.target_type == "ip" && tg.port == 8080 && tg.protocol == "HTTP" && tg.health_check[0].path == "/${name}/health" && tg.health_check[0].matcher == "200"])
    error_message = "one ip target group per service, health-checked on /<name>/health"
  }

  assert {
    condition = jsonencode(output.routes) == jsonencode({
      customer = { paths = ["/customer", "/customer/*"], port = 8080, health_check_path = "/customer/health" }
      products = { paths = ["/products", "/products/*"], port = 8080, health_check_path = "/products/health" }
      shopping = { paths = ["/shopping", "/shopping/*"], port = 8080, health_check_path = "/shopping/health" }
    })
    error_message = "the routes output reports each service's rule paths, port and health check"
  }

  assert {
    condition     = alltrue([for r in aws_lb_listener_rule.service : r.listener_arn == aws_lb_listener.http.arn])
    error_message = "without a certificate the rules sit on the HTTP listener"
  }

  assert {
    condition     = length(aws_vpc_security_group_egress_rule.to_services) == 1 && aws_vpc_security_group_egress_rule.to_services["8080"].cidr_ipv4 == "10.20.0.0/16" && aws_vpc_security_group_egress_rule.to_services["8080"].from_port == 8080 && aws_vpc_security_group_egress_rule.to_services["8080"].to_port == 8080
    error_message = "the load balancer only reaches the container port inside the VPC"
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.https) == 0 && aws_vpc_security_group_ingress_rule.http.from_port == 80 && aws_vpc_security_group_ingress_rule.http.to_port == 80
    error_message = "without a certificate only port 80 is open"
  }
}

run "alb_paths_and_ports_from_the_services_map" {
  command = apply
  module {
    source = "./modules/alb"
  }
  variables {
    vpc_id            = "vpc-123"
    vpc_cidr          = "10.20.0.0/16"
    public_subnet_ids = ["subnet-a", "subnet-b"]
    services          = { customer = { priority = 10 }, billing = { priority = 40, path = "/api/billing", port = 9090 } }
  }

  assert {
    condition = jsonencode(output.routes) == jsonencode({
      customer = { paths = ["/customer", "/customer/*"], port = 8080, health_check_path = "/customer/health" }
      billing  = { paths = ["/api/billing", "/api/billing/*"], port = 9090, health_check_path = "/api/billing/health" }
    })
    error_message = "path and port come from the services map"
  }

  assert {
    condition     = toset(keys(aws_vpc_security_group_egress_rule.to_services)) == toset(["8080", "9090"])
    error_message = "the load balancer reaches each container port"
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
  override_resource {
    target = aws_lb_listener.https
    values = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/mocked/0123456789abcdef/https" }
  }

  assert {
    condition     = aws_lb_listener.http.default_action[0].type == "redirect" && aws_lb_listener.http.default_action[0].redirect[0].protocol == "HTTPS" && aws_lb_listener.http.default_action[0].redirect[0].port == "443" && aws_lb_listener.http.default_action[0].redirect[0].status_code == "HTTP_301" && length(aws_lb_listener.http.default_action[0].fixed_response) == 0
    error_message = "with a certificate, HTTP redirects to HTTPS (permanently)"
  }

  assert {
    condition     = aws_lb_listener.https[0].protocol == "HTTPS" && aws_lb_listener.https[0].port == 443 && aws_lb_listener.https[0].certificate_arn == var.certificate_arn && alltrue([for r in aws_lb_listener_rule.service : r.listener_arn == aws_lb_listener.https[0].arn])
    error_message = "the service rules move to the HTTPS listener, which serves the certificate"
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.https[0].from_port == 443 && aws_vpc_security_group_ingress_rule.https[0].cidr_ipv4 == "0.0.0.0/0"
    error_message = "port 443 opens with a certificate"
  }

  assert {
    condition     = aws_lb_listener.https[0].ssl_policy == "ELBSecurityPolicy-TLS13-1-2-2021-06" && aws_lb_listener.https[0].default_action[0].fixed_response[0].status_code == "404"
    error_message = "HTTPS with a TLS 1.2+ policy and the fixed 404"
  }
}
