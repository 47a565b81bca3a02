output "plan_policy_json" {
  description = "Inline policy of the plan role (pull requests)."
  value       = jsonencode(local.plan_policy)
}

output "deploy_policy_jsons" {
  description = "Policies of each environment's deploy role, by environment, then by name: state, services, data, deployments, broker, iam (each within IAM's 6,144 characters of a managed policy)."
  value = {
    for env in var.environments : env => {
      state       = jsonencode(local.deploy_state_policies[env])
      services    = jsonencode(local.deploy_services_policies[env])
      data        = jsonencode(local.deploy_data_policies[env])
      deployments = jsonencode(local.deploy_deployments_policies[env])
      broker      = jsonencode(local.deploy_broker_policies[env])
      iam         = jsonencode(local.deploy_iam_policies[env])
    }
  }
}

output "deploy_role_names" {
  description = "Name of each environment's deploy role: <name>-deploy-<environment> unless deploy_role_names says otherwise."
  value       = local.deploy_roles
}

output "state_objects" {
  description = "Per environment, the keys of the state bucket its deploy role may read and write (previews/* for the preview environment)."
  value       = local.state_objects
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
  description = "Policy of the state bucket: TLS only; the plan role reads the secret-free states and writes nothing; each deploy role reaches its own environment's states only."
  value       = jsonencode(local.state_bucket_policy)
}
