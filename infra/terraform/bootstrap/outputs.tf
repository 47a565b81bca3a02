output "state_bucket" {
  description = "S3 bucket for the stack's remote state (bucket in environments/*.s3.tfbackend)."
  value       = aws_s3_bucket.state.bucket
}

output "region" {
  description = "Region of the bucket."
  value       = var.region
}

output "plan_role_arn" {
  description = "Role for terraform plan on pull requests (repository variable AWS_PLAN_ROLE_ARN)."
  value       = aws_iam_role.plan.arn
}

output "deploy_role_arn" {
  description = "Role for apply and deploys from the production environment (repository variable AWS_DEPLOY_ROLE_ARN)."
  value       = aws_iam_role.deploy.arn
}
