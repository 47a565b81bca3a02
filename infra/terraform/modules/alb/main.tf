# An internal load balancer in the private subnets: CloudFront reaches it through a VPC origin
# (modules/edge), nothing on the internet can. TLS ends at CloudFront; the hop from CloudFront's
# VPC origin to this listener, like the hop to the tasks, stays inside the VPC.

locals {
  not_found_body = jsonencode({ error = { code = "NOT_FOUND", message = "no service serves this path" } })
  # Each service's path prefix (/<name> unless set) and the container ports to reach.
  paths = { for name, s in var.services : name => coalesce(s.path, "/${name}") }
  ports = toset([for s in values(var.services) : tostring(s.port)])

  # Two target groups per service, whatever its deploy strategy: the primary (key <name>) and the
  # alternate (key <name>.alternate) that an ECS blue/green deployment starts the green revision
  # in. Rolling deployments leave the alternate empty, at weight 0; a service can switch to
  # blue/green at its next deploy without any change here. "." is in no service name.
  target_groups = merge(
    { for name, s in var.services : name => { service = name, port = s.port, tg_name = substr("${var.name}-${name}", 0, 32) } },
    { for name, s in var.services : "${name}.alternate" => { service = name, port = s.port, tg_name = "${substr("${var.name}-${name}", 0, 30)}-g" } },
  )
  # Two listeners: production (80, CloudFront's VPC origin) and test (an internal port only the
  # deploy script's check tasks reach), with one rule per service each (keys <name> and
  # <name>.test): the test rule serves what production serves, but during a blue/green deployment,
  # when ECS points it at the green revision before production traffic moves.
  listeners = { production = 80, test = var.test_listener_port }
  rules = merge(
    { for name, s in var.services : name => { service = name, listener = "production" } },
    { for name, s in var.services : "${name}.test" => { service = name, listener = "test" } },
  )
}

# CloudFront's origin-facing addresses, which its VPC origins connect from (AWS keeps the list).
data "aws_ec2_managed_prefix_list" "cloudfront" {
  name = "com.amazonaws.global.cloudfront.origin-facing"
}

resource "aws_security_group" "alb" {
  name        = "${var.name}-alb"
  description = "Internal load balancer: HTTP from CloudFront's origin-facing addresses, to the service ports in the VPC"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-alb" })
}

# The one ingress rule. The prefix list counts as about 55 rules against the security group's
# quota of 60: keep other rules off this group.
resource "aws_vpc_security_group_ingress_rule" "from_cloudfront" {
  #checkov:skip=CKV_AWS_260:false positive: the check reads prefix_list_ids (aws_security_group_rule's) and misses this rule's prefix_list_id, CloudFront's; CKV2_PLATFORM_3 refuses any ingress from 0.0.0.0/0
  security_group_id = aws_security_group.alb.id
  description       = "HTTP from CloudFront (VPC origin)"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  prefix_list_id    = data.aws_ec2_managed_prefix_list.cloudfront.id
}

resource "aws_vpc_security_group_egress_rule" "to_services" {
  for_each          = local.ports
  security_group_id = aws_security_group.alb.id
  description       = "To the service containers in the VPC, port ${each.key}"
  ip_protocol       = "tcp"
  from_port         = each.key
  to_port           = each.key
  cidr_ipv4         = var.vpc_cidr
}

resource "aws_lb" "this" {
  #checkov:skip=CKV2_AWS_20:internal load balancer: clients reach CloudFront, which redirects their HTTP to HTTPS (modules/edge)
  name                       = var.name
  internal                   = true
  load_balancer_type         = "application"
  security_groups            = [aws_security_group.alb.id]
  subnets                    = var.subnet_ids
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection
  idle_timeout               = 60
  tags                       = var.tags

  dynamic "access_logs" {
    for_each = var.access_logs_bucket == null ? [] : [var.access_logs_bucket]
    content {
      bucket  = access_logs.value
      prefix  = var.name
      enabled = true
    }
  }
}

resource "aws_lb_target_group" "service" {
  #checkov:skip=CKV_AWS_378:TLS ends at CloudFront; the hops to the load balancer and the tasks stay inside the VPC
  for_each             = local.target_groups
  name                 = each.value.tg_name
  port                 = each.value.port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 30
  tags                 = merge(var.tags, { Service = each.value.service })

  health_check {
    path                = "${local.paths[each.value.service]}/health"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener" "http" {
  #checkov:skip=CKV_AWS_2:internal listeners: production behind CloudFront, which serves HTTPS to clients and redirects their HTTP (the VPC origin's hop stays in the VPC); test reachable from the deploy check tasks in the VPC only
  #checkov:skip=CKV_AWS_103:the listeners never negotiate TLS: CloudFront does, with its own policy
  for_each          = local.listeners
  load_balancer_arn = aws_lb.this.arn
  port              = each.value
  protocol          = "HTTP"
  tags              = merge(var.tags, { Listener = each.key })

  default_action {
    type = "fixed-response"
    fixed_response {
      content_type = "application/json"
      status_code  = "404"
      message_body = local.not_found_body
    }
  }
}

# /<path> and /<path>/* go to the service unchanged; the services strip their prefix. Every rule
# forwards to both of the service's target groups, the primary at weight 100: the shape ECS
# blue/green deployments expect, and keep, moving the weights from one to the other (in the test
# rule first, then in the production one). After creation the weights are ECS's: Terraform
# ignores the action, and replaces the rule only when a target group is replaced (a port change).
resource "aws_lb_listener_rule" "service" {
  for_each     = local.rules
  listener_arn = aws_lb_listener.http[each.value.listener].arn
  priority     = var.services[each.value.service].priority

  condition {
    path_pattern {
      values = [local.paths[each.value.service], "${local.paths[each.value.service]}/*"]
    }
  }

  action {
    type = "forward"
    forward {
      target_group {
        arn    = aws_lb_target_group.service[each.value.service].arn
        weight = 100
      }
      target_group {
        arn    = aws_lb_target_group.service["${each.value.service}.alternate"].arn
        weight = 0
      }
    }
  }

  tags = merge(var.tags, { Service = each.value.service, Listener = each.value.listener })

  lifecycle {
    ignore_changes       = [action]
    replace_triggered_by = [terraform_data.rule_targets[each.key]]
  }
}

# The ids of the target groups each rule forwards to: a replaced target group (a port change)
# changes them, which replaces the rule with one forwarding to the new groups.
resource "terraform_data" "rule_targets" {
  for_each = local.rules
  input    = [aws_lb_target_group.service[each.value.service].id, aws_lb_target_group.service["${each.value.service}.alternate"].id]
}

# One listener since the test listener was added (the production listener was the only one).
moved {
  from = aws_lb_listener.http
  to   = aws_lb_listener.http["production"]
}

# One egress rule per container port since the port became a per-service setting (8080 before).
moved {
  from = aws_vpc_security_group_egress_rule.to_services
  to   = aws_vpc_security_group_egress_rule.to_services["8080"]
}
