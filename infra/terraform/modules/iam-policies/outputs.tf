output "plan_policy_json" {
  description = "Inline policy of the plan role (pull requests)."
  value       = jsonencode(local.plan_policy)
}

output "deploy_policy_jsons" {
  description = "Inline policies of the deploy role, by name: state, services, deployments, iam."
  value = {
    state       = jsonencode(local.deploy_state_policy)
    services    = jsonencode(local.deploy_services_policy)
    deployments = jsonencode(local.deploy_deployments_policy)
    iam         = jsonencode(local.deploy_iam_policy)
  }
}

output "boundary_name" {
  description = "Name of the permissions boundary policy every stack role carries."
  value       = local.boundary_name
}

output "boundary_arn" {
  description = "ARN of the permissions boundary policy (the stack derives the same ARN from its name and account)."
  value       = local.boundary_arn
}

output "boundary_policy_json" {
  description = "The permissions boundary: the most any role of the stack may do."
  value       = jsonencode(local.boundary_policy)
}

output "state_bucket_policy_json" {
  description = "Policy of the state bucket: TLS only; the plan role reads the secret-free states and writes nothing."
  value       = jsonencode(local.state_bucket_policy)
}
