output "base_url" {
  description = "https:// and the domain, or CloudFront's own name without one."
  value       = "https://${local.with_domain ? var.domain.name : aws_cloudfront_distribution.this.domain_name}"
}

output "distribution_domain_name" {
  description = "CloudFront's name of the distribution (<id>.cloudfront.net)."
  value       = aws_cloudfront_distribution.this.domain_name
}

output "distribution_id" {
  description = "Id of the distribution."
  value       = aws_cloudfront_distribution.this.id
}

output "proxy_hops" {
  description = "Proxies that append to X-Forwarded-For before a request reaches a task: CloudFront, then the load balancer (TRUSTED_PROXY_HOPS)."
  value       = 2
}
