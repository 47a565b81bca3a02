# A web ACL in front of everything (optional, on by default): CloudFront asks it about every
# request before the request goes to the load balancer. AWS's managed lists refuse addresses known
# for bots and attacks and requests carrying known exploits (Log4j's lookups and the like), and
# count (or, if you choose, refuse) anonymous ones; two
# rate limits per client address turn floods away at the edge, where they cost the services
# nothing: all requests, and the writes (sign-ins, sign-ups, orders are POSTs) on their own, much
# lower. Those answer 429 with Retry-After and the API's error body, as the services do (the
# services keep their own limits per account and per task behind it).
#
# Seen through CloudWatch metrics per rule (us-east-1, namespace AWS/WAFV2), the sampled requests
# of the last 3 hours in the console, and a request log of what the firewall does not simply let
# through: every request it blocked or counted (a rate limit, a managed list, the anonymous list
# while it only counts), in the log group aws-waf-logs-<name> in us-east-1 (WAF wants the prefix,
# and a CloudFront web ACL logs in its own region). Allowed requests are dropped before they are
# written, so the log costs next to nothing. The Authorization and Cookie headers are redacted
# (WAF writes REDACTED): a bearer token never reaches a log. The log group is encrypted with a key
# of its own in us-east-1 (the platform key is in the stack's region), which CloudWatch Logs may
# use for this log group only, and kept waf_log_retention_days (a year by default, as DocumentDB's
# audit log: what an investigation needs). WAF delivers through CloudWatch Logs' log delivery,
# allowed by a resource policy of its own here (else WAF writes one named AWSWAF-LOGS itself, which
# grows with every web ACL of the account).

locals {
  waf = var.waf != null
  # Retry-After once the rate falls back under the limit: WAF counts over the last 5 minutes and
  # lifts a block within about a minute of that.
  waf_retry_after_seconds = 60
  waf_log_group           = "aws-waf-logs-${var.name}"
  waf_log_group_arn       = "arn:${data.aws_partition.current.partition}:logs:us-east-1:${data.aws_caller_identity.current.account_id}:log-group:${local.waf_log_group}"
  waf_bodies = {
    too_many_requests = { error = { code = "TOO_MANY_REQUESTS", message = "too many requests from your address; retry after Retry-After seconds" } }
    refused           = { error = { code = "FORBIDDEN", message = "refused by the platform's firewall" } }
  }
}

resource "aws_wafv2_web_acl" "edge" {
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

# --- the request log: what the firewall blocked or counted ----------------------------------------

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

# The key policy is a plain value (not an aws_iam_policy_document): the tests read its exact JSON.
# The account administers the key, as it does the platform key (modules/kms); CloudWatch Logs in
# us-east-1 may use it for this log group only.
resource "aws_kms_key" "waf_logs" {
  count                   = local.waf ? 1 : 0
  provider                = aws.us_east_1
  description             = "${var.name}: the edge firewall's request log (${local.waf_log_group})"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  tags                    = var.tags
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministers"
        Effect    = "Allow"
        Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchLogsEncryptsTheFirewallLog"
        Effect    = "Allow"
        Principal = { Service = "logs.us-east-1.amazonaws.com" }
        Action    = ["kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
        Resource  = "*"
        Condition = { ArnEquals = { "kms:EncryptionContext:aws:logs:arn" = local.waf_log_group_arn } }
      },
    ]
  })
}

resource "aws_kms_alias" "waf_logs" {
  count         = local.waf ? 1 : 0
  provider      = aws.us_east_1
  name          = "alias/${var.name}-waf-logs"
  target_key_id = aws_kms_key.waf_logs[0].key_id
}

resource "aws_cloudwatch_log_group" "waf" {
  count             = local.waf ? 1 : 0
  provider          = aws.us_east_1
  name              = local.waf_log_group
  retention_in_days = var.waf_log_retention_days
  kms_key_id        = aws_kms_key.waf_logs[0].arn
  tags              = var.tags
}

# What WAF's log delivery (delivery.logs.amazonaws.com) may do: write this log group's streams, for
# deliveries of this account in us-east-1 only. An account-level policy (provider 5.100 has no
# log-group-level one), named after the environment.
resource "aws_cloudwatch_log_resource_policy" "waf" {
  count       = local.waf ? 1 : 0
  provider    = aws.us_east_1
  policy_name = "${var.name}-waf-logs"
  policy_document = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "WafDeliversTheFirewallLog"
        Effect    = "Allow"
        Principal = { Service = "delivery.logs.amazonaws.com" }
        Action    = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource  = "${local.waf_log_group_arn}:log-stream:*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id }
          ArnLike      = { "aws:SourceArn" = "arn:${data.aws_partition.current.partition}:logs:us-east-1:${data.aws_caller_identity.current.account_id}:*" }
        }
      },
    ]
  })
}

resource "aws_wafv2_web_acl_logging_configuration" "edge" {
  count                   = local.waf ? 1 : 0
  provider                = aws.us_east_1
  resource_arn            = aws_wafv2_web_acl.edge[0].arn
  log_destination_configs = [aws_cloudwatch_log_group.waf[0].arn]

  # bearer tokens and session cookies never reach the log
  dynamic "redacted_fields" {
    for_each = ["authorization", "cookie"]
    content {
      single_header {
        name = redacted_fields.value
      }
    }
  }

  # blocked and counted requests only; every allowed one is dropped
  logging_filter {
    default_behavior = "DROP"

    filter {
      behavior    = "KEEP"
      requirement = "MEETS_ANY"

      dynamic "condition" {
        for_each = ["BLOCK", "COUNT"]
        content {
          action_condition {
            action = condition.value
          }
        }
      }
    }
  }

  depends_on = [aws_cloudwatch_log_resource_policy.waf]
}
