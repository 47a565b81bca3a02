variable "name" {
  description = "Name of the VPC origin and prefix of the response headers policy."
  type        = string
}

variable "load_balancer_arn" {
  description = "ARN of the internal load balancer (the VPC origin)."
  type        = string
}

variable "load_balancer_dns_name" {
  description = "DNS name of the internal load balancer."
  type        = string
}

variable "domain" {
  description = "Your domain, e.g. { name = \"shop.example.com\", hosted_zone_id = \"Z0123...\" } (a Route 53 zone in this account that the name belongs to): an ACM certificate for it, validated by DNS, and A/AAAA alias records. null serves https://<id>.cloudfront.net."
  type = object({
    name           = string
    hosted_zone_id = string
  })
  default = null

  validation {
    condition     = var.domain == null || (can(regex("^([a-z0-9]([a-z0-9-]*[a-z0-9])?\\.)+[a-z]{2,}$", var.domain.name)) && can(regex("^Z[A-Z0-9]+$", var.domain.hosted_zone_id)))
    error_message = "domain.name must be a lower-case DNS name and domain.hosted_zone_id a Route 53 zone id (Z...)."
  }
}

variable "price_class" {
  description = "CloudFront price class: PriceClass_100 (North America, Europe), PriceClass_200, PriceClass_All."
  type        = string
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "tags" {
  description = "Tags for every resource of the module."
  type        = map(string)
  default     = {}
}

variable "waf" {
  description = "A WAF web ACL on the distribution (waf.tf): AWS's IP reputation and known-bad-inputs lists, its anonymous-address list (counted; refused with block_anonymous), and per client address over 5 minutes at most requests_per_5_minutes requests and writes_per_5_minutes non-GET ones (429 with Retry-After beyond); what it blocks or counts is logged to aws-waf-logs-<name> in us-east-1 (Authorization and Cookie redacted, its own KMS key). null: none, and no log."
  type = object({
    requests_per_5_minutes = optional(number, 3000)
    writes_per_5_minutes   = optional(number, 300)
    block_anonymous        = optional(bool, false)
  })
  default = {}

  validation {
    condition     = var.waf == null ? true : (var.waf.requests_per_5_minutes >= 10 && var.waf.writes_per_5_minutes >= 10 && var.waf.writes_per_5_minutes <= var.waf.requests_per_5_minutes)
    error_message = "waf's limits must be at least 10 (WAF's minimum), writes no more than requests."
  }
}

variable "waf_log_retention_days" {
  description = "Days to keep the firewall's request log (the requests it blocked or counted; a year by default: what an investigation needs)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.waf_log_retention_days)
    error_message = "waf_log_retention_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, ...)."
  }
}
