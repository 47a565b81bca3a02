# profiles/dev.tfvars itself, planned and applied with the mocked provider:
#   terraform test -test-directory=tests/profiles -var-file=profiles/dev.tfvars   (check.sh)
# It stays private and secure (the same properties the other tests assert for the defaults) and
# cheap the way docs/COSTS.md counts: Spot, one task per service, working hours, one zone's endpoints.

mock_provider "aws" {
  source = "./tests/mocks"
}

mock_provider "aws" {
  alias  = "us_east_1"
  source = "./tests/mocks"
}

run "dev_profile" {
  command = apply

  assert {
    condition     = var.environment == "dev"
    error_message = "run with -var-file=profiles/dev.tfvars"
  }

  assert {
    condition     = alltrue([for n in values(module.ecs.service_networks) : n.assign_public_ip == false && n.subnets == sort(module.vpc.private_subnet_ids)]) && length(module.vpc.private_subnet_routes) == 0
    error_message = "private: tasks in the private subnets without public IPs, no route out"
  }

  assert {
    condition     = length(module.vpc.private_subnet_ids) == 2 && module.vpc.interface_endpoint_zones == { "ecr.api" = 1, "ecr.dkr" = 1, logs = 1, secretsmanager = 1 }
    error_message = "two zones' subnets (the load balancer and DocumentDB need them), the four endpoints a task needs in one zone only"
  }

  assert {
    condition     = alltrue([for c in values(module.ecs.capacity_providers) : c == { FARGATE_SPOT = { base = 0, weight = 1 } }]) && alltrue([for c in values(output.task_counts) : c == { min = 1, max = 1 }])
    error_message = "one task per service, on Fargate Spot"
  }

  assert {
    condition     = var.schedule != null && module.database.schedule.stop.expression == var.schedule.stop && module.database.schedule.start.expression == var.schedule.start && module.database.instance_identifiers == ["platform-dev-1"]
    error_message = "DocumentDB: one instance, stopped outside the working hours (and the services scaled to zero: tests/compute)"
  }

  assert {
    condition     = module.monitoring.budget.limit == "100.00" && length(module.monitoring.alarm_names) == 3 * 7 + 1 + 3 + 2
    error_message = "the dev profile keeps every alarm and has a 100 USD budget alert"
  }
}
