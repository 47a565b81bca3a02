output "service_names" {
  description = "ECS service name per service."
  value       = { for name, s in aws_ecs_service.service : name => s.name }
}

output "task_counts" {
  description = "Per service, the task count autoscaling keeps it between: min (desired_count) and max (max_count)."
  value       = { for name, t in aws_appautoscaling_target.service : name => { min = t.min_capacity, max = t.max_capacity } }
}

output "task_definition_families" {
  description = "Task definition family per service."
  value       = { for name, t in aws_ecs_task_definition.service : name => t.family }
}

output "log_group_names" {
  description = "Log group per service."
  value       = { for name, g in aws_cloudwatch_log_group.service : name => g.name }
}

output "tasks_security_group_id" {
  description = "Security group of the service tasks."
  value       = aws_security_group.tasks.id
}

output "execution_role_arns" {
  description = "Execution role per service."
  value       = { for name, r in aws_iam_role.execution : name => r.arn }
}

output "task_role_arns" {
  description = "Task role per service."
  value       = { for name, r in aws_iam_role.task : name => r.arn }
}

output "service_networks" {
  description = "Per service, where its tasks run: subnets, security groups, and whether they get a public IP."
  value = {
    for name, s in aws_ecs_service.service : name => {
      subnets          = sort(one(s.network_configuration).subnets)
      security_groups  = sort(one(s.network_configuration).security_groups)
      assign_public_ip = one(s.network_configuration).assign_public_ip
    }
  }
}

output "tasks_ingress" {
  description = "Every ingress rule of the tasks' security group: port, and the source security group or CIDR block."
  value = [
    for r in aws_vpc_security_group_ingress_rule.from_alb : {
      from_port                    = r.from_port
      to_port                      = r.to_port
      referenced_security_group_id = r.referenced_security_group_id
      cidr_ipv4                    = r.cidr_ipv4
      cidr_ipv6                    = r.cidr_ipv6
      prefix_list_id               = r.prefix_list_id
    }
  ]
}

output "execution_role_access" {
  description = "Per service, the secrets and ECR repositories its execution role's policy names (an audit of the least-privilege rule)."
  value = {
    for name, d in data.aws_iam_policy_document.execution : name => {
      secrets = sort(distinct(flatten([
        for st in d.statement : st.resources if anytrue([for a in st.actions : startswith(a, "secretsmanager:")])
      ])))
      repositories = sort(distinct(flatten([
        for st in d.statement : st.resources if anytrue([for a in st.actions : startswith(a, "ecr:") && a != "ecr:GetAuthorizationToken"])
      ])))
    }
  }
}

output "task_role_access" {
  description = "Per service, the secrets its task role may read at run time (an audit of the least-privilege rule)."
  value = {
    for name, _ in var.services : name => try(sort(flatten([
      for st in data.aws_iam_policy_document.task_secrets[name].statement : st.resources
    ])), [])
  }
}

output "role_boundaries" {
  description = "The permissions boundary of every role of the module."
  value       = distinct(concat([for r in aws_iam_role.execution : r.permissions_boundary], [for r in aws_iam_role.task : r.permissions_boundary]))
}

output "container_contracts" {
  description = "Per service, what its container gets, as registered in the task definition: environment (name => value) and secrets (name => valueFrom, a reference, never a value)."
  value = {
    for name, t in aws_ecs_task_definition.service : name => {
      environment = { for e in jsondecode(t.container_definitions)[0].environment : e.name => e.value }
      secrets     = { for e in jsondecode(t.container_definitions)[0].secrets : e.name => e.valueFrom }
    }
  }
}

output "deploy_settings" {
  description = "Per service, what scripts/deploy-ecs.ts reads from the service's deploy:* tags (strategy, bake time, the alternate target group, the listener rules, the load balancer role, the test URL), and the alarms a deployment rolls back on."
  value = {
    for name, s in aws_ecs_service.service : name => {
      strategy               = s.tags["deploy:strategy"]
      bake_minutes           = tonumber(s.tags["deploy:bake-minutes"])
      alternate_target_group = s.tags["deploy:alternate-target-group"]
      production_rule        = s.tags["deploy:production-rule"]
      test_rule              = s.tags["deploy:test-rule"]
      role                   = s.tags["deploy:role"]
      test_url               = s.tags["deploy:test-url"]
      rollback_alarms        = try(sort(one(s.alarms).alarm_names), [])
      rollback_on_alarm      = try(one(s.alarms).enable && one(s.alarms).rollback, false)
    }
  }
}

output "capacity_providers" {
  description = "Per service, its capacity provider strategy: provider => { base, weight }."
  value = {
    for name, s in aws_ecs_service.service : name => { for c in s.capacity_provider_strategy : c.capacity_provider => { base = c.base, weight = c.weight } }
  }
}

output "load_balancer_role_arn" {
  description = "The role ECS moves blue/green traffic with (listener rule weights, target registrations)."
  value       = aws_iam_role.load_balancers.arn
}

output "test_listener_access" {
  description = "How the tasks reach the load balancer's test listener: the load balancer's ingress rule (from the tasks' group) and the tasks' egress rule (to the load balancer's group), with their ports."
  value = {
    ingress = { security_group_id = aws_vpc_security_group_ingress_rule.load_balancer_test_listener.security_group_id, from_port = aws_vpc_security_group_ingress_rule.load_balancer_test_listener.from_port, to_port = aws_vpc_security_group_ingress_rule.load_balancer_test_listener.to_port, source = aws_vpc_security_group_ingress_rule.load_balancer_test_listener.referenced_security_group_id, cidr_ipv4 = aws_vpc_security_group_ingress_rule.load_balancer_test_listener.cidr_ipv4 }
    egress  = { security_group_id = aws_vpc_security_group_egress_rule.test_listener.security_group_id, from_port = aws_vpc_security_group_egress_rule.test_listener.from_port, to_port = aws_vpc_security_group_egress_rule.test_listener.to_port, destination = aws_vpc_security_group_egress_rule.test_listener.referenced_security_group_id }
  }
}
