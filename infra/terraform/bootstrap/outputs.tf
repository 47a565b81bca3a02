output "state_bucket" {
  description = "S3 bucket for the stack's remote state (bucket in environments/*.s3.tfbackend)."
  value       = aws_s3_bucket.state.bucket
}

output "region" {
  description = "Region of the bucket."
  value       = var.region
}

output "plan_role_arn" {
  description = "Role for terraform plan on pull requests (repository variable AWS_PLAN_ROLE_ARN): reads the secret-free state and metadata, nothing else."
  value       = aws_iam_role.plan.arn
}

output "deploy_role_arns" {
  description = "Each environment's deploy role (the variable AWS_DEPLOY_ROLE_ARN of the GitHub environment of that name): apply, images, rollouts; the preview environment's also the previews."
  value       = { for env, role in aws_iam_role.deploy : env => role.arn }
}

output "permissions_boundary_arn" {
  description = "The permissions boundary every role of the stack carries (the stack derives it from name and account: <name>-stack-boundary)."
  value       = aws_iam_policy.stack_boundary.arn
}
