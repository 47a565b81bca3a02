# A web ACL in front of everything (optional, on by default): CloudFront asks it about every
# request before the request goes to the load balancer. AWS's managed lists refuse addresses known
# for bots and attacks and requests carrying known exploits (Log4j's lookups and the like), and
# count (or, if you choose, refuse) anonymous ones; two
# rate limits per client address turn floods away at the edge, where they cost the services
# nothing: all requests, and the writes (sign-ins, sign-ups, orders are POSTs) on their own, much
# lower. Those answer 429 with Retry-After and the API's error body, as the services do (the
# services keep their own limits per account and per task behind it).
#
# Seen through CloudWatch metrics per rule (us-east-1, namespace AWS/WAFV2) and the sampled
# requests of the last 3 hours in the console; no full request log (it needs a log group and a key
# of their own in us-east-1): add aws_wafv2_web_acl_logging_configuration for one.

locals {
  waf = var.waf != null
  # Retry-After once the rate falls back under the limit: WAF counts over the last 5 minutes and
  # lifts a block within about a minute of that.
  waf_retry_after_seconds = 60
  waf_bodies = {
    too_many_requests = { error = { code = "TOO_MANY_REQUESTS", message = "too many requests from your address; retry after Retry-After seconds" } }
    refused           = { error = { code = "FORBIDDEN", message = "refused by the platform's firewall" } }
  }
}

resource "aws_wafv2_web_acl" "edge" {
  #checkov:skip=CKV2_AWS_31:no full request log (a log group and a key in us-east-1, about 1 USD a month more); CloudWatch metrics per rule and the console's sampled requests show what it refuses
  count       = local.waf ? 1 : 0
  provider    = aws.us_east_1
  name        = var.name
  description = "${var.name}: managed lists and per-address rate limits in front of CloudFront"
  scope       = "CLOUDFRONT"
  tags        = var.tags

  default_action {
    allow {}
  }

  dynamic "custom_response_body" {
    for_each = local.waf_bodies
    content {
      key          = custom_response_body.key
      content_type = "APPLICATION_JSON"
      content      = jsonencode(custom_response_body.value)
    }
  }

  rule {
    name     = "ip-reputation"
    priority = 0

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesAmazonIpReputationList"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-ip-reputation"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "known-bad-inputs"
    priority = 1

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesKnownBadInputsRuleSet"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-known-bad-inputs"
      sampled_requests_enabled   = true
    }
  }

  # Tor exits, VPNs, anonymising proxies and hosting providers' ranges. Counted (CloudWatch
  # metrics, labels) unless waf.block_anonymous: GitHub's runners, which run the smoke flow after
  # every deploy, and any API client on a cloud host come from a hosting provider's range.
  rule {
    name     = "anonymous-addresses"
    priority = 2

    override_action {
      dynamic "none" {
        for_each = var.waf.block_anonymous ? [1] : []
        content {}
      }
      dynamic "count" {
        for_each = var.waf.block_anonymous ? [] : [1]
        content {}
      }
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesAnonymousIpList"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-anonymous-addresses"
      sampled_requests_enabled   = true
    }
  }

  dynamic "rule" {
    for_each = {
      requests-per-address = { priority = 10, limit = var.waf.requests_per_5_minutes, writes_only = false }
      writes-per-address   = { priority = 11, limit = var.waf.writes_per_5_minutes, writes_only = true }
    }
    content {
      name     = rule.key
      priority = rule.value.priority

      action {
        block {
          custom_response {
            response_code            = 429
            custom_response_body_key = "too_many_requests"
            response_header {
              name  = "Retry-After"
              value = tostring(local.waf_retry_after_seconds)
            }
          }
        }
      }

      statement {
        rate_based_statement {
          limit                 = rule.value.limit
          evaluation_window_sec = 300
          aggregate_key_type    = "IP"

          # writes: every method but GET, HEAD and OPTIONS
          dynamic "scope_down_statement" {
            for_each = rule.value.writes_only ? [1] : []
            content {
              not_statement {
                statement {
                  regex_match_statement {
                    regex_string = "^(GET|HEAD|OPTIONS)$"
                    field_to_match {
                      method {}
                    }
                    text_transformation {
                      priority = 0
                      type     = "NONE"
                    }
                  }
                }
              }
            }
          }
        }
      }

      visibility_config {
        cloudwatch_metrics_enabled = true
        metric_name                = "${var.name}-${rule.key}"
        sampled_requests_enabled   = true
      }
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = var.name
    sampled_requests_enabled   = true
  }
}
