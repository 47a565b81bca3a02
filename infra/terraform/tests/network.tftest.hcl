# The network modules on their own, applied with the mocked provider (nothing is created; the
# mock makes up ids so that references can be compared): no way out of the private subnets but
# the VPC endpoints; an internal load balancer routing exactly one path per service that only
# CloudFront reaches; HTTPS at the edge with or without a domain, HTTP only redirecting.

mock_provider "aws" {
  source = "./tests/mocks"
}

mock_provider "aws" {
  alias  = "us_east_1"
  source = "./tests/mocks"
}

# name and kms_key_arn for every module; the load balancer's for the edge runs (the other
# modules declare no such variables and ignore them).
variables {
  name                   = "platform-test"
  kms_key_arn            = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  load_balancer_arn      = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/platform/0123456789abcdef"
  load_balancer_dns_name = "internal-platform-123.eu-west-1.elb.amazonaws.com"
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
    error_message = "only the public subnets (empty: the internet gateway is there for CloudFront's VPC origins) route to the internet gateway"
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

run "vpc_flow_logs_role_carries_the_boundary" {
  command = apply
  module {
    source = "./modules/vpc"
  }
  variables {
    permissions_boundary_arn = "arn:aws:iam::123456789012:policy/platform-stack-boundary"
  }

  assert {
    condition     = aws_iam_role.flow_logs[0].permissions_boundary == "arn:aws:iam::123456789012:policy/platform-stack-boundary"
    error_message = "the flow logs role carries the stack's permissions boundary (the deploy role can create no role without it)"
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

run "vpc_endpoints_in_every_zone_by_default" {
  command = apply
  module {
    source = "./modules/vpc"
  }

  assert {
    condition     = alltrue([for e in aws_vpc_endpoint.interface : e.subnet_ids == toset(aws_subnet.private[*].id)]) && output.interface_endpoint_zones == { "ecr.api" = 2, "ecr.dkr" = 2, logs = 2, secretsmanager = 2 }
    error_message = "by default every interface endpoint has a network interface in each private subnet"
  }
}

# The dev profile: the four endpoints a task needs, in one zone (the load balancer and DocumentDB
# still get two zones' subnets); tracing adds xray.
run "vpc_endpoints_in_one_zone" {
  command = apply
  module {
    source = "./modules/vpc"
  }
  variables {
    endpoints_in_one_zone     = true
    extra_interface_endpoints = ["xray"]
  }

  assert {
    condition     = alltrue([for e in aws_vpc_endpoint.interface : e.subnet_ids == toset([aws_subnet.private[0].id])]) && output.interface_endpoint_zones == { "ecr.api" = 1, "ecr.dkr" = 1, logs = 1, secretsmanager = 1, xray = 1 }
    error_message = "endpoints_in_one_zone puts every interface endpoint in the first private subnet only; extra_interface_endpoints adds xray"
  }

  assert {
    condition     = length(aws_subnet.private) == 2 && length(output.private_subnet_ids) == 2
    error_message = "the VPC keeps a private subnet in each of two zones (the load balancer and DocumentDB need two)"
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

run "alb_internal_behind_cloudfront" {
  command = apply
  module {
    source = "./modules/alb"
  }
  variables {
    vpc_id     = "vpc-123"
    vpc_cidr   = "10.20.0.0/16"
    subnet_ids = ["subnet-private-a", "subnet-private-b"]
    services   = { customer = { priority = 10 }, products = { priority = 20 }, shopping = { priority = 30 } }
  }
  # One ARN per target group and listener (the mock's default is the same for all), so that a rule
  # forwarding to another service's group, or sitting on the other listener, shows.
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
  override_resource {
    target = aws_lb_target_group.service["customer.alternate"]
    values = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/customer-g/4", arn_suffix = "targetgroup/customer-g/4" }
  }
  override_resource {
    target = aws_lb_target_group.service["products.alternate"]
    values = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/products-g/5", arn_suffix = "targetgroup/products-g/5" }
  }
  override_resource {
    target = aws_lb_target_group.service["shopping.alternate"]
    values = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shopping-g/6", arn_suffix = "targetgroup/shopping-g/6" }
  }
  override_resource {
    target = aws_lb_listener.http["production"]
    values = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/platform-test/1/80" }
  }
  override_resource {
    target = aws_lb_listener.http["test"]
    values = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/platform-test/1/9000" }
  }

  assert {
    condition     = aws_lb.this.internal == true && aws_lb.this.subnets == toset(["subnet-private-a", "subnet-private-b"]) && aws_lb.this.drop_invalid_header_fields == true && aws_lb.this.load_balancer_type == "application"
    error_message = "one internal application load balancer in the private subnets (no public address), dropping invalid headers"
  }

  assert {
    condition = jsonencode(output.ingress) == jsonencode([{
      cidr_ipv4 = null, cidr_ipv6 = null, from_port = 80, prefix_list_id = "pl-4fa04526", referenced_security_group_id = null, to_port = 80
    }]) && data.aws_ec2_managed_prefix_list.cloudfront.name == "com.amazonaws.global.cloudfront.origin-facing"
    error_message = "the load balancer accepts HTTP from CloudFront's origin-facing prefix list only: no address range, nothing from the internet (the test listener's port is opened to the tasks by modules/ecs, tests/wiring)"
  }

  assert {
    condition     = { for k, l in aws_lb_listener.http : k => l.port } == { production = 80, test = 9000 } && alltrue([for l in aws_lb_listener.http : l.protocol == "HTTP" && l.default_action[0].type == "fixed-response" && l.default_action[0].fixed_response[0].status_code == "404"])
    error_message = "two listeners, production on 80 and test on test_listener_port, each a fixed 404 for unknown paths"
  }

  assert {
    condition     = alltrue([for key, r in output.rule_forwards : jsonencode(r.paths) == jsonencode(["/${split(".", key)[0]}", "/${split(".", key)[0]}/*"])]) && length(output.rule_forwards) == 6
    error_message = "each service gets /<name> and /<name>/* on both listeners"
  }

  assert {
    condition = alltrue([for name in ["customer", "products", "shopping"] : (
      output.rule_forwards[name].listener_arn == aws_lb_listener.http["production"].arn &&
      output.rule_forwards["${name}.test"].listener_arn == aws_lb_listener.http["test"].arn &&
      output.rule_forwards[name].priority == output.rule_forwards["${name}.test"].priority &&
      toset([for t in output.rule_forwards["${name}.test"].forward : jsonencode(t)]) == toset([for t in output.rule_forwards[name].forward : jsonencode(t)]) &&
      toset([for t in output.rule_forwards[name].forward : jsonencode(t)]) == toset([
        jsonencode({ arn = aws_lb_target_group.service[name].arn, weight = 100 }),
        jsonencode({ arn = aws_lb_target_group.service["${name}.alternate"].arn, weight = 0 }),
      ])
    )])
    error_message = "each service's production and test rules forward to its own primary target group at weight 100 and its alternate at 0 (the shape ECS blue/green moves), the test rule mirroring the production one"
  }

  assert {
    condition     = length(aws_lb_target_group.service) == 6 && alltrue([for key, tg in aws_lb_target_group.service : tg.target_type == "ip" && tg.port == 8080 && tg.protocol == "HTTP" && tg.health_check[0].path == "/${split(".", key)[0]}/health" && tg.health_check[0].matcher == "200"])
    error_message = "two ip target groups per service (primary, alternate), health-checked on /<name>/health"
  }

  assert {
    condition     = aws_lb_target_group.service["shopping"].name == "platform-test-shopping" && aws_lb_target_group.service["shopping.alternate"].name == "platform-test-shopping-g"
    error_message = "the alternate target group is named <prefix>-<service>-g"
  }

  assert {
    condition = (
      output.target_group_arns == { for name in ["customer", "products", "shopping"] : name => aws_lb_target_group.service[name].arn } &&
      output.alternate_target_group_arns == { for name in ["customer", "products", "shopping"] : name => aws_lb_target_group.service["${name}.alternate"].arn } &&
      output.target_group_arn_suffixes["products"] == ["targetgroup/products/2", "targetgroup/products-g/5"] &&
      output.listener_rule_arns["customer"] == { production = aws_lb_listener_rule.service["customer"].arn, test = aws_lb_listener_rule.service["customer.test"].arn } &&
      output.test_listener_url == "http://internal-platform-123.eu-west-1.elb.amazonaws.com:9000"
    )
    error_message = "the ECS services get their primary and alternate target groups, listener rules and the test listener's URL"
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
    condition     = length(aws_vpc_security_group_egress_rule.to_services) == 1 && aws_vpc_security_group_egress_rule.to_services["8080"].cidr_ipv4 == "10.20.0.0/16" && aws_vpc_security_group_egress_rule.to_services["8080"].from_port == 8080 && aws_vpc_security_group_egress_rule.to_services["8080"].to_port == 8080
    error_message = "the load balancer only reaches the container port inside the VPC"
  }
}

# After creation the rules' weights are ECS's (a blue/green deployment moves them, the rules
# ignore their action): a replaced target group must still replace the rules forwarding to it.
run "alb_rules_follow_replaced_target_groups" {
  command = apply
  module {
    source = "./modules/alb"
  }
  variables {
    vpc_id     = "vpc-123"
    vpc_cidr   = "10.20.0.0/16"
    subnet_ids = ["subnet-private-a", "subnet-private-b"]
    services   = { customer = { priority = 10 } }
  }

  assert {
    condition     = terraform_data.rule_targets["customer"].input == [aws_lb_target_group.service["customer"].id, aws_lb_target_group.service["customer.alternate"].id] && terraform_data.rule_targets["customer.test"].input == terraform_data.rule_targets["customer"].input
    error_message = "each rule is replaced when one of its target groups is (their ids are its trigger)"
  }
}

run "alb_rejects_a_test_listener_on_the_production_port" {
  command = plan
  module {
    source = "./modules/alb"
  }
  variables {
    vpc_id             = "vpc-123"
    vpc_cidr           = "10.20.0.0/16"
    subnet_ids         = ["subnet-private-a", "subnet-private-b"]
    services           = { customer = { priority = 10 } }
    test_listener_port = 80
  }
  expect_failures = [var.test_listener_port]
}

run "alb_paths_and_ports_from_the_services_map" {
  command = apply
  module {
    source = "./modules/alb"
  }
  variables {
    vpc_id     = "vpc-123"
    vpc_cidr   = "10.20.0.0/16"
    subnet_ids = ["subnet-private-a", "subnet-private-b"]
    services   = { customer = { priority = 10 }, billing = { priority = 40, path = "/api/billing", port = 9090 } }

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

run "edge_https_without_a_domain" {
  command = apply
  module {
    source = "./modules/edge"
  }
  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  assert {
    condition     = one(aws_cloudfront_distribution.this.default_cache_behavior).viewer_protocol_policy == "redirect-to-https" && toset(one(aws_cloudfront_distribution.this.default_cache_behavior).allowed_methods) == toset(["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"])
    error_message = "clients get HTTPS; plain HTTP only redirects to it; every method reaches the API"
  }

  assert {
    condition     = one(aws_cloudfront_distribution.this.viewer_certificate).cloudfront_default_certificate == true && length(aws_acm_certificate.domain) == 0 && length(aws_route53_record.alias) == 0 && output.base_url == "https://d111111abcdef8.cloudfront.net"
    error_message = "without a domain, CloudFront's own certificate, and the base URL is https://<id>.cloudfront.net"
  }

  assert {
    condition = (
      one(aws_cloudfront_vpc_origin.alb.vpc_origin_endpoint_config).arn == var.load_balancer_arn &&
      one(aws_cloudfront_vpc_origin.alb.vpc_origin_endpoint_config).origin_protocol_policy == "http-only" &&
      one(aws_cloudfront_vpc_origin.alb.vpc_origin_endpoint_config).http_port == 80 &&
      [for o in aws_cloudfront_distribution.this.origin : one(o.vpc_origin_config).vpc_origin_id] == [aws_cloudfront_vpc_origin.alb.id] &&
      [for o in aws_cloudfront_distribution.this.origin : length(o.custom_origin_config)] == [0]
    )
    error_message = "the only origin is the internal load balancer, through a VPC origin (inside the VPC, never the internet)"
  }

  assert {
    condition     = one(aws_cloudfront_distribution.this.default_cache_behavior).cache_policy_id == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad" && one(aws_cloudfront_distribution.this.default_cache_behavior).origin_request_policy_id == "b689b0a8-53d0-40ab-baf2-68738e2966ac"
    error_message = "nothing is cached (Managed-CachingDisabled) and every viewer header but Host reaches the API, Authorization included (Managed-AllViewerExceptHostHeader)"
  }

  assert {
    condition = (
      one(aws_cloudfront_distribution.this.default_cache_behavior).response_headers_policy_id == aws_cloudfront_response_headers_policy.security.id &&
      one(one(aws_cloudfront_response_headers_policy.security.security_headers_config).strict_transport_security).access_control_max_age_sec >= 31536000
    )
    error_message = "every answer tells browsers to use HTTPS only (HSTS, a year)"
  }

  assert {
    condition     = output.proxy_hops == 2
    error_message = "two proxies append to X-Forwarded-For before a task: CloudFront and the load balancer"
  }
}

run "edge_https_with_a_domain" {
  command = apply
  module {
    source = "./modules/edge"
  }
  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }
  variables {
    domain = { name = "shop.example.com", hosted_zone_id = "Z0123456789ABCDEFGHIJ" }
  }
  override_resource {
    target = aws_acm_certificate.domain[0]
    values = {
      arn = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
      domain_validation_options = [{
        domain_name           = "shop.example.com"
        resource_record_name  = "_abc.shop.example.com."
        resource_record_type  = "CNAME"
        resource_record_value = "_def.acm-validations.aws."
      }]
    }
  }
  override_resource {
    target = aws_acm_certificate_validation.domain[0]
    values = { certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555" }
  }

  assert {
    condition     = aws_acm_certificate.domain[0].domain_name == "shop.example.com" && aws_acm_certificate.domain[0].validation_method == "DNS"
    error_message = "an ACM certificate for the domain, validated by DNS"
  }

  assert {
    condition     = aws_route53_record.validation["shop.example.com"].zone_id == "Z0123456789ABCDEFGHIJ" && aws_route53_record.validation["shop.example.com"].name == "_abc.shop.example.com." && aws_route53_record.validation["shop.example.com"].records == toset(["_def.acm-validations.aws."])
    error_message = "the validation record goes into the domain's Route 53 zone"
  }

  assert {
    condition = (
      one(aws_cloudfront_distribution.this.viewer_certificate).acm_certificate_arn == aws_acm_certificate.domain[0].arn &&
      one(aws_cloudfront_distribution.this.viewer_certificate).minimum_protocol_version == "TLSv1.2_2021" &&
      one(aws_cloudfront_distribution.this.viewer_certificate).ssl_support_method == "sni-only" &&
      one(aws_cloudfront_distribution.this.viewer_certificate).cloudfront_default_certificate == false &&
      aws_cloudfront_distribution.this.aliases == toset(["shop.example.com"])
    )
    error_message = "CloudFront serves the domain with its validated certificate, TLS 1.2 at least"
  }

  assert {
    condition     = toset(keys(aws_route53_record.alias)) == toset(["A", "AAAA"]) && alltrue([for r in aws_route53_record.alias : r.name == "shop.example.com" && one(r.alias).name == aws_cloudfront_distribution.this.domain_name])
    error_message = "the domain points at CloudFront (IPv4 and IPv6)"
  }

  assert {
    condition     = output.base_url == "https://shop.example.com" && one(aws_cloudfront_distribution.this.default_cache_behavior).viewer_protocol_policy == "redirect-to-https"
    error_message = "the base URL is https:// and the domain; HTTP still only redirects"
  }
}

run "edge_rejects_a_domain_without_a_zone_id" {
  command = plan
  module {
    source = "./modules/edge"
  }
  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }
  variables {
    domain = { name = "shop.example.com", hosted_zone_id = "example.com" }
  }
  expect_failures = [var.domain]
}

run "edge_firewall_by_default" {
  command = apply
  module {
    source = "./modules/edge"
  }
  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }
  assert {
    condition     = aws_cloudfront_distribution.this.web_acl_id == aws_wafv2_web_acl.edge[0].arn && aws_wafv2_web_acl.edge[0].scope == "CLOUDFRONT" && length(one(aws_wafv2_web_acl.edge[0].default_action).allow) == 1
    error_message = "every request passes the web ACL (CloudFront scope) before the load balancer; what no rule refuses goes on"
  }

  assert {
    condition = (
      { for r in aws_wafv2_web_acl.edge[0].rule : r.name => one(one(r.statement).managed_rule_group_statement).name if length(one(r.statement).managed_rule_group_statement) > 0 } == {
        ip-reputation       = "AWSManagedRulesAmazonIpReputationList"
        known-bad-inputs    = "AWSManagedRulesKnownBadInputsRuleSet"
        anonymous-addresses = "AWSManagedRulesAnonymousIpList"
      } &&
      alltrue([for r in aws_wafv2_web_acl.edge[0].rule : length(one(r.override_action).none) == 1 if contains(["ip-reputation", "known-bad-inputs"], r.name)]) &&
      alltrue([for r in aws_wafv2_web_acl.edge[0].rule : length(one(r.override_action).count) == 1 if r.name == "anonymous-addresses"])
    )
    error_message = "AWS's reputation and known-bad-inputs lists refuse; the anonymous list (GitHub's runners are on a hosting provider's range) only counts by default"
  }

  assert {
    condition = (
      { for r in aws_wafv2_web_acl.edge[0].rule : r.name => one(one(r.statement).rate_based_statement).limit if length(one(r.statement).rate_based_statement) > 0 } == { requests-per-address = 3000, writes-per-address = 300 } &&
      alltrue([for r in aws_wafv2_web_acl.edge[0].rule : (
        one(one(r.statement).rate_based_statement).aggregate_key_type == "IP" &&
        one(one(one(r.action).block).custom_response).response_code == 429 &&
        one(one(one(r.action).block).custom_response).response_header == toset([{ name = "Retry-After", value = "60" }])
      ) if length(one(r.statement).rate_based_statement) > 0])
    )
    error_message = "per client address, 3000 requests and 300 writes in 5 minutes; beyond, 429 with Retry-After"
  }

  assert {
    condition = (
      one(one(one(one(one([for r in aws_wafv2_web_acl.edge[0].rule : r if r.name == "writes-per-address"]).statement).rate_based_statement).scope_down_statement).not_statement) != null &&
      jsondecode([for b in aws_wafv2_web_acl.edge[0].custom_response_body : b.content if b.key == "too_many_requests"][0]).error.code == "TOO_MANY_REQUESTS"
    )
    error_message = "the write limit counts everything but GET, HEAD and OPTIONS; the refusal is the API's error shape"
  }

  # The request log (CKV2_AWS_31): what the firewall blocked or counted, nothing it let through.
  assert {
    condition = (
      aws_wafv2_web_acl_logging_configuration.edge[0].resource_arn == aws_wafv2_web_acl.edge[0].arn &&
      aws_wafv2_web_acl_logging_configuration.edge[0].log_destination_configs == toset([aws_cloudwatch_log_group.waf[0].arn])
    )
    error_message = "the web ACL logs to its own log group"
  }

  assert {
    condition = (
      one(aws_wafv2_web_acl_logging_configuration.edge[0].logging_filter).default_behavior == "DROP" &&
      length(one(aws_wafv2_web_acl_logging_configuration.edge[0].logging_filter).filter) == 1 &&
      alltrue([for f in one(aws_wafv2_web_acl_logging_configuration.edge[0].logging_filter).filter : (
        f.behavior == "KEEP" && f.requirement == "MEETS_ANY" &&
        toset([for c in f.condition : one(c.action_condition).action]) == toset(["BLOCK", "COUNT"]) &&
        alltrue([for c in f.condition : length(c.label_name_condition) == 0])
      )])
    )
    error_message = "the log keeps the requests the firewall blocked or counted and drops the rest (every allowed request)"
  }

  assert {
    condition = (
      toset([for r in aws_wafv2_web_acl_logging_configuration.edge[0].redacted_fields : one(r.single_header).name]) == toset(["authorization", "cookie"]) &&
      length(aws_wafv2_web_acl_logging_configuration.edge[0].redacted_fields) == 2
    )
    error_message = "the Authorization and Cookie headers are redacted: a bearer token or a session cookie never reaches the log"
  }

  assert {
    condition = (
      aws_cloudwatch_log_group.waf[0].name == "aws-waf-logs-platform-test" &&
      aws_cloudwatch_log_group.waf[0].retention_in_days == 365 &&
      aws_cloudwatch_log_group.waf[0].kms_key_id == aws_kms_key.waf_logs[0].arn &&
      aws_kms_key.waf_logs[0].enable_key_rotation && aws_kms_alias.waf_logs[0].target_key_id == aws_kms_key.waf_logs[0].key_id
    )
    error_message = "the log group is named aws-waf-logs-<name> (WAF's prefix), kept a year, encrypted with its own rotating key"
  }

  assert {
    condition = (
      [for st in jsondecode(aws_kms_key.waf_logs[0].policy).Statement : st.Condition if st.Sid == "CloudWatchLogsEncryptsTheFirewallLog"] == [
        { ArnEquals = { "kms:EncryptionContext:aws:logs:arn" = "arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-platform-test" } }
      ] &&
      toset([for st in jsondecode(aws_kms_key.waf_logs[0].policy).Statement : jsonencode(st.Principal)]) == toset([
        jsonencode({ AWS = "arn:aws:iam::123456789012:root" }),
        jsonencode({ Service = "logs.us-east-1.amazonaws.com" }),
      ]) &&
      alltrue([for st in jsondecode(aws_kms_key.waf_logs[0].policy).Statement : st.Effect == "Allow" && (st.Action == "kms:*") == (st.Sid == "AccountAdministers")])
    )
    error_message = "the key's policy: the account administers it, CloudWatch Logs in us-east-1 uses it for the firewall's log group only, nobody else is named"
  }

  assert {
    condition = (
      jsondecode(aws_cloudwatch_log_resource_policy.waf[0].policy_document).Statement == [{
        Sid       = "WafDeliversTheFirewallLog"
        Effect    = "Allow"
        Principal = { Service = "delivery.logs.amazonaws.com" }
        Action    = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource  = "arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-platform-test:log-stream:*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = "123456789012" }
          ArnLike      = { "aws:SourceArn" = "arn:aws:logs:us-east-1:123456789012:*" }
        }
      }] &&
      aws_cloudwatch_log_resource_policy.waf[0].policy_name == "platform-test-waf-logs"
    )
    error_message = "log delivery may write the firewall's log group only, for this account's deliveries in us-east-1 (the stack's own resource policy, not WAF's AWSWAF-LOGS)"
  }
}

run "edge_without_a_firewall" {
  command = apply
  module {
    source = "./modules/edge"
  }
  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }
  variables {
    waf = null
  }

  assert {
    condition     = length(aws_wafv2_web_acl.edge) == 0 && aws_cloudfront_distribution.this.web_acl_id == null
    error_message = "waf = null: no web ACL (the dev profile)"
  }

  assert {
    condition = (
      length(aws_wafv2_web_acl_logging_configuration.edge) == 0 && length(aws_cloudwatch_log_group.waf) == 0 &&
      length(aws_cloudwatch_log_resource_policy.waf) == 0 && length(aws_kms_key.waf_logs) == 0 && length(aws_kms_alias.waf_logs) == 0
    )
    error_message = "waf = null: no request log either, no log group, resource policy or key (nothing billed)"
  }
}

run "edge_firewall_log_retention_is_one_cloudwatch_accepts" {
  command = plan
  module {
    source = "./modules/edge"
  }
  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }
  variables {
    waf_log_retention_days = 42
  }
  expect_failures = [var.waf_log_retention_days]
}

run "edge_refuses_anonymous_addresses_when_asked" {
  command = plan
  module {
    source = "./modules/edge"
  }
  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }
  variables {
    waf = { block_anonymous = true, writes_per_5_minutes = 100 }
  }

  assert {
    condition = (
      alltrue([for r in aws_wafv2_web_acl.edge[0].rule : length(one(r.override_action).none) == 1 if r.name == "anonymous-addresses"]) &&
      one([for r in aws_wafv2_web_acl.edge[0].rule : one(one(r.statement).rate_based_statement).limit if r.name == "writes-per-address"]) == 100
    )
    error_message = "block_anonymous refuses the anonymous list's addresses; the limits are the variable's"
  }
}
