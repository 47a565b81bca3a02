locals {
  https = var.certificate_arn != null
  # Rules on the listener clients use: HTTPS with a certificate, plain HTTP without one.
  routing_listener_arn = local.https ? aws_lb_listener.https[0].arn : aws_lb_listener.http.arn
  not_found_body       = jsonencode({ error = { code = "NOT_FOUND", message = "no service serves this path" } })
  # Each service's path prefix (/<name> unless set) and the container ports to reach.
  paths = { for name, s in var.services : name => coalesce(s.path, "/${name}") }
  ports = toset([for s in values(var.services) : tostring(s.port)])
}

resource "aws_security_group" "alb" {
  name        = "${var.name}-alb"
  description = "Load balancer: HTTP(S) from the internet, to the service ports in the VPC"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-alb" })
}

resource "aws_vpc_security_group_ingress_rule" "http" {
  #checkov:skip=CKV_AWS_260:port 80 is open on purpose: it only redirects to HTTPS when a certificate is set
  security_group_id = aws_security_group.alb.id
  description       = "HTTP from anywhere (redirected to HTTPS when a certificate is set)"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "https" {
  count             = local.https ? 1 : 0
  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from anywhere"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
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
  #checkov:skip=CKV_AWS_91:access logs need a log bucket of their own; switch them on with access_logs_bucket
  #checkov:skip=CKV2_AWS_28:a WAF is an add-on with its own rules and cost; attach one to the ALB if you need it
  name                       = var.name
  internal                   = false
  load_balancer_type         = "application"
  security_groups            = [aws_security_group.alb.id]
  subnets                    = var.public_subnet_ids
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
  #checkov:skip=CKV_AWS_378:TLS ends at the load balancer; the hop to the tasks stays inside the VPC
  for_each             = var.services
  name                 = substr("${var.name}-${each.key}", 0, 32)
  port                 = each.value.port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 30
  tags                 = merge(var.tags, { Service = each.key })

  health_check {
    path                = "${local.paths[each.key]}/health"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener" "http" {
  #checkov:skip=CKV_AWS_2:HTTP redirects to HTTPS when a certificate is set; without one the stack is HTTP only by choice
  #checkov:skip=CKV_AWS_103:the HTTP listener never negotiates TLS; the HTTPS listener uses a TLS 1.2+ policy
  #checkov:skip=CKV2_AWS_20:the HTTP listener redirects to HTTPS whenever a certificate is set
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = local.https ? "redirect" : "fixed-response"

    dynamic "redirect" {
      for_each = local.https ? [1] : []
      content {
        protocol    = "HTTPS"
        port        = "443"
        status_code = "HTTP_301"
      }
    }

    dynamic "fixed_response" {
      for_each = local.https ? [] : [1]
      content {
        content_type = "application/json"
        status_code  = "404"
        message_body = local.not_found_body
      }
    }
  }
}

resource "aws_lb_listener" "https" {
  count             = local.https ? 1 : 0
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  default_action {
    type = "fixed-response"
    fixed_response {
      content_type = "application/json"
      status_code  = "404"
      message_body = local.not_found_body
    }
  }
}

# /<path> and /<path>/* go to the service unchanged; the services strip their prefix.
resource "aws_lb_listener_rule" "service" {
  for_each     = var.services
  listener_arn = local.routing_listener_arn
  priority     = each.value.priority

  condition {
    path_pattern {
      values = [local.paths[each.key], "${local.paths[each.key]}/*"]
    }
  }

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.service[each.key].arn
  }

  tags = merge(var.tags, { Service = each.key })
}

# One egress rule per container port since the port became a per-service setting (8080 before).
moved {
  from = aws_vpc_security_group_egress_rule.to_services
  to   = aws_vpc_security_group_egress_rule.to_services["8080"]
}
