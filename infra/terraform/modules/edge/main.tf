# HTTPS in front of the platform, in every configuration: CloudFront terminates TLS (its default
# *.cloudfront.net certificate, or an ACM certificate for `domain`, validated through Route 53) and
# redirects plain HTTP to HTTPS; it reaches the internal load balancer through a VPC origin, inside
# the VPC. Nothing is cached: the API's answers are per user. Passwords and tokens never cross the
# internet in clear text.

locals {
  with_domain = var.domain != null
  origin_id   = "alb"
  # AWS-managed policies (their ids are fixed and documented): no caching at all, and every viewer
  # header but Host forwarded (Authorization included, which CloudFront allows when caching is off).
  caching_disabled              = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
  all_viewer_except_host_header = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
  validation                    = { for o in flatten(aws_acm_certificate.domain[*].domain_validation_options) : o.domain_name => o }
}

resource "aws_cloudfront_vpc_origin" "alb" {
  vpc_origin_endpoint_config {
    name                   = var.name
    arn                    = var.load_balancer_arn
    http_port              = 80
    https_port             = 443
    origin_protocol_policy = "http-only"

    origin_ssl_protocols {
      items    = ["TLSv1.2"]
      quantity = 1
    }
  }

  tags = var.tags
}

resource "aws_cloudfront_response_headers_policy" "security" {
  name    = "${var.name}-security-headers"
  comment = "HSTS and the usual hardening headers on every answer"

  security_headers_config {
    strict_transport_security {
      access_control_max_age_sec = 31536000
      include_subdomains         = true
      preload                    = true
      override                   = true
    }
    content_type_options {
      override = true
    }
    frame_options {
      frame_option = "DENY"
      override     = true
    }
    referrer_policy {
      referrer_policy = "no-referrer"
      override        = true
    }
  }
}

resource "aws_acm_certificate" "domain" {
  count             = local.with_domain ? 1 : 0
  provider          = aws.us_east_1
  domain_name       = var.domain.name
  validation_method = "DNS"
  tags              = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

# Keyed by the configured name (known when planning); the record itself comes from ACM.
resource "aws_route53_record" "validation" {
  for_each        = local.with_domain ? toset([var.domain.name]) : toset([])
  zone_id         = var.domain.hosted_zone_id
  name            = local.validation[each.key].resource_record_name
  type            = local.validation[each.key].resource_record_type
  records         = [local.validation[each.key].resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "domain" {
  count                   = local.with_domain ? 1 : 0
  provider                = aws.us_east_1
  certificate_arn         = aws_acm_certificate.domain[0].arn
  validation_record_fqdns = [for r in aws_route53_record.validation : r.fqdn]
}

resource "aws_cloudfront_distribution" "this" {
  #checkov:skip=CKV_AWS_86:standard logs need an S3 bucket with ACLs of its own; the load balancer and the services log every request
  #checkov:skip=CKV_AWS_305:an API has no default root object; / is a 404 by design
  #checkov:skip=CKV_AWS_310:a single origin (the load balancer spans the zones); an origin group needs a second one
  #checkov:skip=CKV_AWS_374:no country is refused by default; add geo_restriction if yours must be
  #checkov:skip=CKV_AWS_174:with a domain the minimum is TLSv1.2_2021; AWS fixes the default *.cloudfront.net certificate's at TLSv1, and clients negotiate TLS 1.2/1.3 with it
  enabled         = true
  is_ipv6_enabled = true
  comment         = var.name
  price_class     = var.price_class
  http_version    = "http2and3"
  web_acl_id      = local.waf ? aws_wafv2_web_acl.edge[0].arn : null
  aliases         = local.with_domain ? [var.domain.name] : []
  tags            = var.tags

  origin {
    origin_id   = local.origin_id
    domain_name = var.load_balancer_dns_name

    vpc_origin_config {
      vpc_origin_id = aws_cloudfront_vpc_origin.alb.id
    }
  }

  default_cache_behavior {
    target_origin_id           = local.origin_id
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
    cached_methods             = ["GET", "HEAD"]
    cache_policy_id            = local.caching_disabled
    origin_request_policy_id   = local.all_viewer_except_host_header
    response_headers_policy_id = aws_cloudfront_response_headers_policy.security.id
    compress                   = true
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = !local.with_domain
    acm_certificate_arn            = local.with_domain ? aws_acm_certificate_validation.domain[0].certificate_arn : null
    ssl_support_method             = local.with_domain ? "sni-only" : null
    minimum_protocol_version       = local.with_domain ? "TLSv1.2_2021" : "TLSv1"
  }
}

resource "aws_route53_record" "alias" {
  for_each = local.with_domain ? toset(["A", "AAAA"]) : toset([])
  zone_id  = var.domain.hosted_zone_id
  name     = var.domain.name
  type     = each.key

  alias {
    name                   = aws_cloudfront_distribution.this.domain_name
    zone_id                = aws_cloudfront_distribution.this.hosted_zone_id
    evaluate_target_health = false
  }
}
