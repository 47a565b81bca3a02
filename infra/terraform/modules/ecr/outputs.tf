output "repository_urls" {
  description = "Repository URL per service (<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/<service>)."
  value       = { for name, r in aws_ecr_repository.service : name => r.repository_url }
}

output "repository_names" {
  description = "Repository name per service."
  value       = { for name, r in aws_ecr_repository.service : name => r.name }
}

output "repository_arns" {
  description = "Repository ARN per service."
  value       = { for name, r in aws_ecr_repository.service : name => r.arn }
}
