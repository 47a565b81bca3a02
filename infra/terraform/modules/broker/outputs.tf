locals {
  # The policies' statements as written (the tests read them; a mocked provider renders no JSON).
  statements = {
    for k, d in { data = data.aws_iam_policy_document.data, task = data.aws_iam_policy_document.task, execution = data.aws_iam_policy_document.execution } : k => [
      for st in d.statement : {
        sid        = st.sid
        effect     = coalesce(st.effect, "Allow")
        actions    = sort(tolist(st.actions))
        resources  = sort(tolist(st.resources))
        principals = [for p in coalesce(st.principals, []) : { type = p.type, identifiers = sort(tolist(p.identifiers)) }]
        conditions = { for c in coalesce(st.condition, []) : c.variable => { test = c.test, values = tolist(c.values) } }
      }
    ]
  }
}

output "host" {
  description = "The broker's DNS name inside the VPC (broker.<name>.internal): the AMQP_URL host."
  value       = local.host
}

output "port" {
  description = "The broker's AMQP port."
  value       = local.port
}

output "username" {
  description = "The broker user the services connect as."
  value       = var.username
}

output "service_name" {
  description = "The broker's ECS service (in the services' cluster)."
  value       = aws_ecs_service.broker.name
}

output "security_group_id" {
  description = "The broker's security group."
  value       = aws_security_group.broker.id
}

output "log_group_name" {
  description = "The broker's log group."
  value       = aws_cloudwatch_log_group.broker.name
}

output "image" {
  description = "The image the task runs: the ECR Public image through the stack's cache."
  value       = local.image
}

output "schedule" {
  description = "The broker's working hours: start and stop expressions (shifted around the services'), or null."
  value       = local.broker_schedule
}

output "file_system" {
  description = "The data directory's file system: encryption, key, access point identity, mount targets' subnets and groups."
  value = {
    id              = aws_efs_file_system.data.id
    encrypted       = aws_efs_file_system.data.encrypted
    kms_key_id      = aws_efs_file_system.data.kms_key_id
    posix_user      = { uid = aws_efs_access_point.data.posix_user[0].uid, gid = aws_efs_access_point.data.posix_user[0].gid }
    root_directory  = aws_efs_access_point.data.root_directory[0].path
    mount_subnets   = aws_efs_mount_target.data[*].subnet_id
    mount_groups    = distinct(flatten(aws_efs_mount_target.data[*].security_groups))
    policy          = local.statements.data
    task_volume     = one([for v in aws_ecs_task_definition.broker.volume : v.efs_volume_configuration[0] if v.name == "data"])
    task_role_grant = local.statements.task
  }
}

output "service" {
  description = "How the broker's service runs: deployment percents, capacity provider, network, discovery, the container's user, root filesystem, environment and secrets (names and where from, no value)."
  value = {
    minimum_healthy_percent = aws_ecs_service.broker.deployment_minimum_healthy_percent
    maximum_percent         = aws_ecs_service.broker.deployment_maximum_percent
    capacity_providers      = [for c in aws_ecs_service.broker.capacity_provider_strategy : c.capacity_provider]
    assign_public_ip        = one(aws_ecs_service.broker.network_configuration).assign_public_ip
    subnets                 = one(aws_ecs_service.broker.network_configuration).subnets
    security_groups         = one(aws_ecs_service.broker.network_configuration).security_groups
    registry_arns           = [for r in aws_ecs_service.broker.service_registries : r.registry_arn]
    discovery_arn           = aws_service_discovery_service.broker.arn
    container               = jsondecode(aws_ecs_task_definition.broker.container_definitions)[0]
  }
}

output "ingress" {
  description = "Who reaches what: the broker's and the file system's ingress rules (port, source group)."
  value = {
    broker = [for r in [aws_vpc_security_group_ingress_rule.amqp_from_tasks] : { port = r.from_port, to_port = r.to_port, from = r.referenced_security_group_id, cidr = r.cidr_ipv4 }]
    data   = [for r in [aws_vpc_security_group_ingress_rule.nfs_from_broker] : { port = r.from_port, to_port = r.to_port, from = r.referenced_security_group_id, cidr = r.cidr_ipv4 }]
  }
}

output "data_security_group_id" {
  description = "The file system's security group."
  value       = aws_security_group.data.id
}

output "execution_role_policy" {
  description = "The execution role's policy statements (what starting the broker may do): sid, effect, actions, resources, conditions."
  value       = local.statements.execution
}

output "pull_through_cache_prefix" {
  description = "The ECR repository prefix of the broker image's pull-through cache rule (upstream public.ecr.aws)."
  value       = aws_ecr_pull_through_cache_rule.public.ecr_repository_prefix
}
